// CIFAR-10/100 binary versions: fixed-size records of label byte(s) + 3072 pixel bytes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readMaybeGzip } from './files';
import { checkDataset, type DatasetPair, type ImageDataset } from './types';

const PIXELS = 3 * 32 * 32;
const HINT =
  'CIFAR binaries come from the "binary version" archives of the CIFAR-10/100 site; no download happens here: ' +
  'unpack them and pass the folder.';

interface Layout {
  classes: number;
  labelBytes: number;
  labelOffset: number;
}

function parseRecords(bytes: Buffer, file: string, layout: Layout): { images: Uint8Array; labels: Int32Array } {
  const record = layout.labelBytes + PIXELS;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new Error(`${file}: ${bytes.length} bytes is not a whole number of ${record}-byte records (wrong record size or truncated)`);
  }
  const n = bytes.length / record;
  const images = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * record;
    const y = bytes[at + layout.labelOffset];
    if (y >= layout.classes) throw new Error(`${file}: label ${y} of record ${i} is outside 0..${layout.classes - 1}`);
    labels[i] = y;
    images.set(bytes.subarray(at + layout.labelBytes, at + record), i * PIXELS);
  }
  return { images, labels };
}

function readFiles(dir: string, files: string[], name: string, layout: Layout): ImageDataset {
  const parts = files.map((f) => {
    const { bytes, file } = readMaybeGzip(join(dir, f), HINT);
    return parseRecords(bytes, file, layout);
  });
  const n = parts.reduce((s, p) => s + p.labels.length, 0);
  const images = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * PIXELS);
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return checkDataset({ name, images, labels, shape: [n, 3, 32, 32], classes: layout.classes });
}

/** Accepts the folder itself or its parent holding the archive's folder. */
function locate(dir: string, inner: string, probe: string): string {
  if (existsSync(join(dir, probe)) || existsSync(join(dir, `${probe}.gz`))) return dir;
  if (existsSync(join(dir, inner, probe))) return join(dir, inner);
  return dir; // readMaybeGzip reports the missing file
}

export function readCifar10(dir: string): DatasetPair {
  const root = locate(dir, 'cifar-10-batches-bin', 'test_batch.bin');
  const layout = { classes: 10, labelBytes: 1, labelOffset: 0 };
  const train = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
  return {
    kind: 'cifar10',
    train: readFiles(root, train, 'cifar10/train', layout),
    test: readFiles(root, ['test_batch.bin'], 'cifar10/test', layout),
    classes: 10,
  };
}

/** CIFAR-100: records hold a coarse then a fine label; fine (100 classes) by default. */
export function readCifar100(dir: string, labels: 'fine' | 'coarse' = 'fine'): DatasetPair {
  const root = locate(dir, 'cifar-100-binary', 'test.bin');
  const layout = labels === 'fine' ? { classes: 100, labelBytes: 2, labelOffset: 1 } : { classes: 20, labelBytes: 2, labelOffset: 0 };
  return {
    kind: 'cifar100',
    train: readFiles(root, ['train.bin'], 'cifar100/train', layout),
    test: readFiles(root, ['test.bin'], 'cifar100/test', layout),
    classes: layout.classes,
  };
}
