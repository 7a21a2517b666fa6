// NumPy arrays on real data: Fashion-MNIST's pixels and labels saved as .npy (uint8 N x 28 x 28,
// int64 labels, NumPy's v1 layout) train bit-identically to the IDX files, and `predict --npy`
// reads new rows shaped the same way.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MNIST_STATS } from '../src/data/augment';
import { limitData, loadData, loadDataSpec } from '../src/data/spec';
import type { DatasetPair, ImageDataset } from '../src/data/types';
import { train } from '../src/train';
import { tempDir, THREADS } from './helpers';

const CLI = join(__dirname, '..', 'dist', 'cli.js');

/** A .npy file as numpy.save writes it (format 1.0, header padded to 64 bytes). */
function npyBytes(descr: string, shape: number[], data: ArrayBufferView): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

function save(dir: string, name: string, data: ImageDataset): [string, string] {
  const [n, , h, w] = data.shape;
  const x = join(dir, `${name}-x.npy`);
  const y = join(dir, `${name}-y.npy`);
  writeFileSync(x, npyBytes('|u1', [n, h, w], data.images));
  writeFileSync(y, npyBytes('<i8', [n], BigInt64Array.from(data.labels as ArrayLike<number>, (v) => BigInt(v))));
  return [x, y];
}

let idx: DatasetPair;
let dir: string;
let files: string[];

beforeAll(() => {
  idx = limitData(loadDataSpec('fashion-mnist'), 300, 100, 11);
  dir = tempDir('layerout-npy-real-');
  files = [...save(dir, 'train', idx.train), ...save(dir, 'test', idx.test)];
});

describe('Fashion-MNIST as .npy', () => {
  it('loads the same bytes and trains bit-identically to the IDX files', async () => {
    const pair = await loadData(`npy:${files.join(',')}`);
    expect(pair.train.shape).toEqual([300, 1, 28, 28]);
    expect(Buffer.from(pair.train.images).equals(Buffer.from(idx.train.images))).toBe(true);
    expect(Array.from(pair.test.labels as ArrayLike<number>)).toEqual(Array.from(idx.test.labels as ArrayLike<number>));
    const augment = { cropPad: 4, flip: false, eraseP: 0, ...MNIST_STATS };
    const run = (data: DatasetPair) => train({ model: 'mnist-net', data, epochs: 1, batchSize: 50, seed: 9, threads: THREADS, augment, policy: 'layerout' });
    const [a, b] = [await run(pair), await run(idx)];
    expect(a.summary.digest).toBe(b.summary.digest);
    expect(a.summary.finalTestAcc).toBe(b.summary.finalTestAcc);
  }, 120_000);

  it('predicts the rows of a new .npy from the command line', () => {
    const run = join(dir, 'run');
    const trained = spawnSync(process.execPath, [CLI, 'train', '--model', 'mlp', '--data', `npy:${files.join(',')}`, '--epochs', '1', '--threads', '1', '--out', run, '--quiet'], { encoding: 'utf8' });
    expect(trained.status, trained.stderr).toBe(0);
    const predicted = spawnSync(process.execPath, [CLI, 'predict', run, '--npy', files[2], '--json', '--top', '1'], { encoding: 'utf8' });
    expect(predicted.status, predicted.stderr).toBe(0);
    const { predictions } = JSON.parse(predicted.stdout);
    expect(predictions).toHaveLength(100);
    expect(predictions[0].name).toBe('row 0');
    expect(predictions[0].top).toHaveLength(1);
    // No class names in .npy data: classes are named by index.
    expect(predictions[0].class.name).toBe(String(predictions[0].class.index));
    const wrong = spawnSync(process.execPath, [CLI, 'predict', run, '--npy', files[1]], { encoding: 'utf8' });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/X of dtype '<i8' is not supported/);
  }, 60_000);
});
