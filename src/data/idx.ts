// IDX files (MNIST, Fashion-MNIST): big-endian header, then uint8 data.
import { join } from 'node:path';
import { readMaybeGzip } from './files';
import { checkDataset, type DatasetPair, type ImageDataset } from './types';

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

export function parseIdxImages(bytes: Buffer, file: string): { images: Uint8Array; count: number; rows: number; cols: number } {
  if (bytes.length < 16) throw new Error(`${file}: truncated IDX header (${bytes.length} bytes, need 16)`);
  const magic = bytes.readUInt32BE(0);
  if (magic !== IMAGES_MAGIC) {
    throw new Error(`${file}: wrong magic number 0x${magic.toString(16).padStart(8, '0')}, expected 0x00000803 (IDX uint8 images)`);
  }
  const count = bytes.readUInt32BE(4);
  const rows = bytes.readUInt32BE(8);
  const cols = bytes.readUInt32BE(12);
  const expected = 16 + count * rows * cols;
  if (bytes.length !== expected) {
    throw new Error(`${file}: truncated or oversized: ${bytes.length} bytes, header says ${count} images of ${rows}x${cols} (${expected} bytes)`);
  }
  return { images: new Uint8Array(bytes.buffer, bytes.byteOffset + 16, count * rows * cols).slice(), count, rows, cols };
}

export function parseIdxLabels(bytes: Buffer, file: string): Int32Array {
  if (bytes.length < 8) throw new Error(`${file}: truncated IDX header (${bytes.length} bytes, need 8)`);
  const magic = bytes.readUInt32BE(0);
  if (magic !== LABELS_MAGIC) {
    throw new Error(`${file}: wrong magic number 0x${magic.toString(16).padStart(8, '0')}, expected 0x00000801 (IDX uint8 labels)`);
  }
  const count = bytes.readUInt32BE(4);
  if (bytes.length !== 8 + count) {
    throw new Error(`${file}: truncated or oversized: ${bytes.length} bytes, header says ${count} labels (${8 + count} bytes)`);
  }
  return Int32Array.from(bytes.subarray(8));
}

function readSplit(dir: string, prefix: string, name: string, hint: string): ImageDataset {
  const img = readMaybeGzip(join(dir, `${prefix}-images-idx3-ubyte`), hint);
  const lab = readMaybeGzip(join(dir, `${prefix}-labels-idx1-ubyte`), hint);
  const { images, count, rows, cols } = parseIdxImages(img.bytes, img.file);
  const labels = parseIdxLabels(lab.bytes, lab.file);
  if (labels.length !== count) {
    throw new Error(`${lab.file}: ${labels.length} labels but ${img.file} has ${count} images`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 9) throw new Error(`${lab.file}: label ${labels[i]} of sample ${i} is outside 0..9`);
  }
  return checkDataset({ name, images, labels, shape: [count, 1, rows, cols], classes: 10 });
}

/** Reads the four IDX files of an MNIST-layout folder (raw or .gz). */
export function readIdxFolder(dir: string, kind: string, hint: string): DatasetPair {
  return {
    kind,
    train: readSplit(dir, 'train', `${kind}/train`, hint),
    test: readSplit(dir, 't10k', `${kind}/test`, hint),
    classes: 10,
  };
}
