// Tables on real data: Fashion-MNIST's pixels as a CSV (a label column of class names, 784
// feature columns) load exactly, standardised with the training split's statistics, and train
// bit-identically to the same features built in memory; bad cells and labels are named.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { limitData, loadData, loadDataSpec } from '../src/data/spec';
import type { DatasetPair, ImageDataset } from '../src/data/types';
import { train } from '../src/train';
import { tempDir, THREADS } from './helpers';

const NAMES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];
const SORTED = [...NAMES].sort();

function csvOf(data: ImageDataset, delimiter = ','): string {
  const f = 784;
  const header = ['label', ...Array.from({ length: f }, (_, j) => `p${j}`)].join(delimiter);
  const rows = Array.from({ length: data.shape[0] }, (_, i) => [NAMES[data.labels[i] as number], ...data.images.subarray(i * f, (i + 1) * f)].join(delimiter));
  return [header, ...rows].join('\n') + '\n';
}

let idx: DatasetPair;
let dir: string;

beforeAll(() => {
  idx = limitData(loadDataSpec('fashion-mnist'), 200, 50, 5);
  dir = tempDir('layerout-tables-');
  writeFileSync(join(dir, 'train.csv'), csvOf(idx.train));
  writeFileSync(join(dir, 'test.csv'), csvOf(idx.test));
  writeFileSync(join(dir, 'train.tsv'), csvOf(idx.train, '\t'));
});

/** The features as the test computes them: per column, (x - mean) / std of the training rows (a constant column: std 1). */
function standardised(data: ImageDataset, reference: ImageDataset): Float32Array {
  const f = 784;
  const n = reference.shape[0];
  const out = new Float32Array(data.shape[0] * f);
  for (let j = 0; j < f; j++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += reference.images[i * f + j];
    const mean = sum / n;
    let sq = 0;
    for (let i = 0; i < n; i++) sq += (reference.images[i * f + j] - mean) ** 2;
    const std = sq > 0 ? Math.sqrt(sq / n) : 1;
    for (let i = 0; i < data.shape[0]; i++) out[i * f + j] = (data.images[i * f + j] - mean) / std;
  }
  return out;
}

describe('a CSV of Fashion-MNIST pixels', () => {
  it('loads class names, standardised features from the training split only, and trains bit-identically to the same features in memory', async () => {
    const pair = await loadData(`csv:${join(dir, 'train.csv')}:test=${join(dir, 'test.csv')}`);
    expect(pair.inputs?.classNames).toEqual(SORTED);
    expect(pair.train.shape).toEqual([200, 1, 1, 784]);
    expect(pair.test.shape).toEqual([50, 1, 1, 784]);
    const relabel = (d: ImageDataset) => Int32Array.from(d.labels as ArrayLike<number>, (y) => SORTED.indexOf(NAMES[y]));
    expect(Array.from(pair.train.labels as Int32Array)).toEqual(Array.from(relabel(idx.train)));
    const want = standardised(idx.test, idx.train);
    expect(Buffer.from((pair.test.images as Float32Array).buffer).equals(Buffer.from(want.buffer))).toBe(true);

    const inMemory: DatasetPair = {
      kind: 'table',
      classes: 10,
      train: { name: 'm/train', images: standardised(idx.train, idx.train), labels: relabel(idx.train), shape: [200, 1, 1, 784], classes: 10 },
      test: { name: 'm/test', images: want, labels: relabel(idx.test), shape: [50, 1, 1, 784], classes: 10 },
    };
    const run = (data: DatasetPair) => train({ model: 'mlp', hidden: [32], data, epochs: 2, batchSize: 25, seed: 4, threads: THREADS });
    const [a, b] = [await run(pair), await run(inMemory)];
    expect(a.model.info.inputShape).toEqual([1, 1, 784]); // the mlp's input is the table's width
    expect(a.summary.digest).toBe(b.summary.digest);
    expect(a.model.inputs?.table?.features).toHaveLength(784);
  }, 120_000);

  it('reads TSV, and splits off a seeded stratified 20% without test=', async () => {
    const tsv = await loadData(`tsv:${join(dir, 'train.tsv')}`, { seed: 3 });
    expect(tsv.train.shape[0] + tsv.test.shape[0]).toBe(200);
    expect(tsv.test.shape[0]).toBe(40);
    const counts = new Array(10).fill(0);
    for (const y of tsv.test.labels as Int32Array) counts[y]++;
    const whole = new Array(10).fill(0);
    for (const y of idx.train.labels as Int32Array) whole[SORTED.indexOf(NAMES[y])]++;
    counts.forEach((c, k) => expect(c).toBe(Math.round(whole[k] * 0.2)));
    const again = await loadData(`tsv:${join(dir, 'train.tsv')}`, { seed: 3 });
    expect(Array.from(again.test.labels as Int32Array)).toEqual(Array.from(tsv.test.labels as Int32Array));
  }, 60_000);
});

describe('table faults and regression targets', () => {
  const file = (name: string, text: string) => {
    const path = join(tempDir('layerout-table-'), name);
    writeFileSync(path, text);
    return path;
  };

  it('takes target columns as float targets, and features= picks columns', async () => {
    const path = file('r.csv', 'x,y,z,skip\n1,2,0.5,a\n2,4,1.5,b\n3,6,2.5,c\n4,8,3.5,d\n5,10,4.5,e\n');
    const pair = await loadData(`csv:${path}:target=y,z:features=x:test-share=0.4`, { seed: 0 });
    expect(pair.inputs?.targetNames).toEqual(['y', 'z']);
    expect(pair.train.labels).toBeInstanceOf(Float32Array);
    expect(pair.classes).toBe(2);
    expect(pair.train.shape[3]).toBe(1);
    expect(pair.train.shape[0]).toBe(3);
    const t = pair.inputs!.table!;
    expect(t.features).toEqual(['x']);
    // Training rows only: the mean of the three training x values.
    const trainX = Array.from(pair.train.images as Float32Array, (v) => v * t.std[0] + t.mean[0]);
    expect(t.mean[0]).toBeCloseTo(trainX.reduce((s, v) => s + v, 0) / 3, 5);
  });

  it('names the line and column of a non-numeric or empty cell, and an unknown label', async () => {
    await expect(loadData(`csv:${file('a.csv', 'label,f1,f2\na,1,2\nb,3,x7\na,1,1\nb,2,2\na,0,0\n')}`)).rejects.toThrow(/line 3, column 'f2': the value is 'x7', not a number/);
    await expect(loadData(`csv:${file('b.csv', 'label,f1,f2\na,1,2\nb,,4\na,1,1\nb,2,2\na,0,0\n')}`)).rejects.toThrow(/line 3, column 'f1': the value is empty/);
    const train = file('c.csv', 'label,f\na,1\nb,2\na,3\nb,4\n');
    const test = join(train, '..', 'ct.csv');
    writeFileSync(test, 'label,f\nc,1\n');
    await expect(loadData(`csv:${train}:test=${test}`)).rejects.toThrow(/ct\.csv, line 2, column 'label': 'c' is not one of the training classes \(a, b\)/);
  });

  it('refuses a missing label column, an unknown column, a single class and a repeated header', async () => {
    await expect(loadData(`csv:${file('d.csv', 'f1,f2\n1,2\n')}`)).rejects.toThrow(/name the class column with label=COL .* or the target columns with target=COL/);
    await expect(loadData(`csv:${file('e.csv', 'label,f1\na,1\nb,2\n')}:features=f9`)).rejects.toThrow(/no feature column 'f9'; its columns are label, f1/);
    await expect(loadData(`csv:${file('f.csv', 'label,f1\na,1\na,2\n')}`)).rejects.toThrow(/column 'label' has 1 value\(s\); classification needs at least 2 classes/);
    await expect(loadData(`csv:${file('g.csv', 'label,f,f\na,1,2\n')}`)).rejects.toThrow(/column 'f' appears twice/);
    await expect(loadData(`csv:${file('h.csv', 'label,f\na,1\n')}:labels=x`)).rejects.toThrow(/unknown option 'labels' \(did you mean 'label'\?\)/);
  });
});
