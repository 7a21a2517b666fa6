// Losses beyond cross-entropy: regression (mse, l1, huber) on float targets with MAE, RMSE and R^2,
// multi-label bce, label smoothing; each metric checked against the model's own predictions.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetPair, ImageDataset } from '../src/data/types';
import { Model } from '../src/model';
import { checkLoss, parseLoss } from '../src/objective/spec';
import { train } from '../src/train';
import { tempDir, THREADS } from './helpers';

const SHAPE = [1, 4, 4] as const;
const PIXELS = 16;

/** Uniform numbers in [0, 1) from a seed (mulberry32). */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random float images in [-0.5, 0.5) whose targets are functions of their pixels: `targets` per image. */
function floatSet(n: number, seed: number, targets: (x: Float32Array) => number[], name: string): ImageDataset {
  const draw = uniform(seed);
  const images = new Float32Array(n * PIXELS).map(() => draw() - 0.5);
  const per = targets(images.subarray(0, PIXELS)).length;
  const labels = new Float32Array(n * per);
  for (let i = 0; i < n; i++) labels.set(targets(images.subarray(i * PIXELS, (i + 1) * PIXELS)), i * per);
  return { name, images, labels, shape: [n, ...SHAPE], classes: per };
}

function floatPair(targets: (x: Float32Array) => number[]): DatasetPair {
  const train = floatSet(96, 1, targets, 'reg/train');
  const test = floatSet(48, 2, targets, 'reg/test');
  return { kind: 'regression', train, test, classes: train.classes };
}

const meanAndFirst = (x: Float32Array) => [x.reduce((s, v) => s + v, 0) / x.length, x[0]];
const options = { model: 'mlp', hidden: [32], inputShape: [...SHAPE] as [number, number, number], batchSize: 16, seed: 3, threads: THREADS, optimizer: 'adam' as const, lr: 0.01 };

/** The test set's predictions, row by row. */
async function predictions(model: Model, set: ImageDataset): Promise<Float32Array> {
  return model.predict(set.images, set.shape);
}

describe('regression losses', () => {
  for (const loss of ['mse', 'l1', 'huber:delta=0.5'] as const) {
    it(`${loss}: trains on float targets and reports MAE, RMSE and R^2 that the predictions bear out`, async () => {
      const data = floatPair(meanAndFirst);
      const { summary, model } = await train({ ...options, data, epochs: 4, loss });
      expect(model.info.classes).toBe(2);
      expect(summary.bestTestAcc).toBeUndefined();
      expect(summary.finalTestRmse!).toBeLessThan(summary.baselineTestRmse!); // it learned more than the mean
      const out = await predictions(model, data.test);
      const y = data.test.labels as Float32Array;
      let abs = 0;
      let sq = 0;
      for (let i = 0; i < y.length; i++) {
        abs += Math.abs(out[i] - y[i]);
        sq += (out[i] - y[i]) ** 2;
      }
      const evaluation = await model.evaluate();
      expect(evaluation.metrics[0] / 2).toBeCloseTo(abs / y.length, 5);
      expect(Math.sqrt(evaluation.metrics[1] / 2)).toBeCloseTo(Math.sqrt(sq / y.length), 5);
      expect(summary.finalTestRmse).toBeCloseTo(Math.sqrt(sq / y.length), 5);
      // R^2 against the test targets' own per-column means.
      const means = [0, 1].map((t) => y.filter((_, i) => i % 2 === t).reduce((s, v) => s + v, 0) / (y.length / 2));
      const sst = y.reduce((s, v, i) => s + (v - means[i % 2]) ** 2, 0);
      expect(summary.finalTestR2).toBeCloseTo(1 - sq / sst, 4);
    });
  }

  it('one target with classes 1, and a resumed run equals an uninterrupted one', async () => {
    const data = floatPair((x) => [x.reduce((s, v) => s + v * v, 0)]);
    const whole = await train({ ...options, data, epochs: 2, loss: 'mse' });
    const out = join(tempDir(), 'reg');
    await train({ ...options, data, epochs: 1, loss: 'mse', out });
    const resumed = await train({ ...options, data, epochs: 2, loss: 'mse', out, resume: true });
    expect(resumed.summary.digest).toBe(whole.summary.digest);
    const loaded = await Model.load(out);
    expect(loaded.loss).toEqual({ kind: 'mse' });
    expect(loaded.optimizer.kind).toBe('adam');
    // A saved copy keeps the loss: float targets still fit it, and evaluate has no accuracy to give.
    const copy = join(tempDir(), 'copy.pt');
    await loaded.save(copy);
    const reopened = await Model.load(copy);
    reopened.setData('test', data.test);
    const evaluation = await reopened.evaluate();
    expect(evaluation.acc).toBeNaN();
    expect(evaluation.loss).toBeCloseTo(resumed.summary.finalTestRmse! ** 2, 5);
  });

  it('refuses targets that do not suit the loss, and a bad loss, by name', async () => {
    const regression = floatPair(meanAndFirst);
    const classes = { ...regression, train: { ...regression.train, labels: new Int32Array(96), classes: 2 }, test: { ...regression.test, labels: new Int32Array(48), classes: 2 } };
    await expect(train({ ...options, data: classes, epochs: 1, loss: 'mse' })).rejects.toThrow('loss mse takes float targets (labels as a Float32Array, N x outputs), but data.train has class indices');
    await expect(train({ ...options, data: regression, epochs: 1 })).rejects.toThrow('loss cross-entropy takes class indices (integer labels), but data.train has float targets');
    await expect(train({ ...options, data: regression, epochs: 1, loss: 'msee' })).rejects.toThrow("loss: unknown kind 'msee' (did you mean 'mse'?)");
    await expect(train({ ...options, data: regression, epochs: 1, loss: 'huber:delta=-1' })).rejects.toThrow('loss huber delta must be greater than 0, got -1');
    const bad = { ...regression, train: { ...regression.train, labels: regression.train.labels.slice(0, 10) } };
    await expect(train({ ...options, data: bad, epochs: 1, loss: 'mse' })).rejects.toThrow('96 images with 2 float target(s) each need 192 values, labels hold 10');
    const nan = { ...regression, train: { ...regression.train, labels: (regression.train.labels as Float32Array).map((v, i) => (i === 7 ? NaN : v)) } };
    await expect(train({ ...options, data: nan, epochs: 1, loss: 'mse' })).rejects.toThrow('labels[7] is NaN; float targets must be finite');
    await expect(train({ ...options, data: regression, epochs: 1, loss: 'mse', objective: 'mse' } as never)).rejects.toThrow("unknown train option 'objective' (did you mean 'loss'?)");
    await expect(train({ ...options, data: regression, epochs: 1, loss: 'bce' })).rejects.toThrow(/loss bce takes targets in \[0, 1\]; data.train.labels\[\d+\] is -/);
    const f64 = { ...regression, train: { ...regression.train, labels: new Float64Array(192) as never } };
    await expect(train({ ...options, data: f64, epochs: 1, loss: 'mse' })).rejects.toThrow('labels must be an Int32Array, a Uint8Array');
    await expect(train({ ...options, data: regression, epochs: 1, loss: 'mse', valSplit: 0.25, keepBest: 'val-acc', out: join(tempDir(), 'y') })).rejects.toThrow('keepBest val-acc: the mse loss reports val-loss, val-mae, val-rmse, val-r2');
  });

  it('early stopping and best.pt follow a regression metric', async () => {
    const out = join(tempDir(), 'reg-best');
    const { summary } = await train({ ...options, data: floatPair(meanAndFirst), epochs: 3, loss: 'mse', valSplit: 0.25, keepBest: 'val-rmse', earlyStop: 'val-r2:patience=5', out });
    expect(summary.epochsDone).toBe(3);
    const best = await Model.load(join(out, 'best.pt'));
    const records = best.checkpointMeta!.training!.records;
    expect(records[records.length - 1].valRmse).toBe(Math.min(...records.map((r) => r.valRmse!)));
  });
});

describe('bce and label smoothing', () => {
  it('bce: multi-label targets, accuracy over every label as the logits bear out', async () => {
    const data = floatPair((x) => [x[0] > 0 ? 1 : 0, x[5] > 0 ? 1 : 0, x.reduce((s, v) => s + v, 0) > 0 ? 1 : 0]);
    const { model, summary } = await train({ ...options, data, epochs: 4, loss: 'bce' });
    const logits = await predictions(model, data.test);
    const y = data.test.labels as Float32Array;
    const correct = y.reduce((s, v, i) => s + ((logits[i] > 0) === (v > 0.5) ? 1 : 0), 0);
    expect(summary.finalTestAcc).toBeCloseTo(correct / y.length, 10);
    expect(summary.finalTestAcc!).toBeGreaterThan(0.6);
  });

  it('cross-entropy with label smoothing: the loss is PyTorch\'s smoothed cross-entropy of the logits', async () => {
    const n = 32;
    const images = new Float32Array(n * PIXELS).map((_, i) => Math.cos(i * 0.7));
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const set: ImageDataset = { name: 'ls', images, labels, shape: [n, ...SHAPE], classes: 3 };
    const model = new Model({ model: 'mlp', hidden: [8], inputShape: [...SHAPE], classes: 3, seed: 1 });
    model.setTraining({ loss: 'cross-entropy:label-smoothing=0.2' });
    model.setData('train', set);
    model.setData('test', set);
    const logits = await model.predict(images, set.shape);
    let expected = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(logits.subarray(i * 3, i * 3 + 3));
      const max = Math.max(...row);
      const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
      const logp = row.map((v) => v - logSum);
      expected += -(0.8 * logp[labels[i]] + (0.2 / 3) * logp.reduce((s, v) => s + v, 0));
    }
    expect((await model.evaluate()).loss).toBeCloseTo(expected / n, 5);
  });

  it('reads loss specs and refuses bad ones', () => {
    expect(parseLoss('cross-entropy:label-smoothing=0.1')).toEqual({ kind: 'cross-entropy', labelSmoothing: 0.1 });
    expect(checkLoss({ kind: 'huber' })).toEqual({ kind: 'huber', delta: 1 });
    expect(() => parseLoss('cross-entropy:smoothing=0.1')).toThrow("cross-entropy has no setting 'smoothing' (did you mean 'label-smoothing'?)");
    expect(() => parseLoss('cross-entropy:label-smoothing=1')).toThrow('loss cross-entropy label-smoothing must be at least 0 and below 1, got 1');
    expect(() => parseLoss('huber:delta=0x10')).toThrow('delta must be a number in decimal notation');
    expect(() => checkLoss({ kind: 'mse', delta: 1 })).toThrow("loss mse has no setting 'delta'");
  });
});
