// Input sizes of the built-in networks: the ResNets and vgg16 take any C x H x W (the paper's
// parameter counts at 3x32x32 unchanged), mnist-net only 1x32x32 (smaller images padded), and
// the mlp never pads: train() builds it for the data's shape, and other data is refused.
import { describe, expect, it } from 'vitest';
import { makeSynthetic, patternDataset } from '../src/data/synthetic';
import type { DatasetPair, ImageDataset } from '../src/data/types';
import { Model } from '../src/model';
import { inputShapeFor, modelCatalog } from '../src/models';
import { train } from '../src/train';
import { THREADS } from './helpers';

type Shape = [number, number, number];

// From test/models.test.ts (the design notes' totals), 10 classes, at 3x32x32.
const PAPER: [string, number][] = [
  ['resnet20', 269_722],
  ['vgg16', 33_646_666],
];

/** Bytes of `count` images of `shape` and their labels. */
function images(count: number, shape: Shape, classes = 10): ImageDataset {
  return patternDataset(count, shape, classes, 'sizes');
}

/** A DatasetPair of float [N, 1, 1, 4] "tabular" rows, 3 classes. */
function tabular(count = 12): DatasetPair {
  const set = (name: string): ImageDataset => ({
    name,
    images: Float32Array.from({ length: count * 4 }, (_, i) => Math.sin(i)),
    labels: Int32Array.from({ length: count }, (_, i) => i % 3),
    shape: [count, 1, 1, 4],
    classes: 3,
  });
  return { kind: 'table', train: set('rows/train'), test: set('rows/test'), classes: 3 };
}

describe('resizable networks', () => {
  it.each(PAPER)('%s keeps the paper\'s %i parameters at its default 3x32x32', (name, total) => {
    const model = new Model({ model: name });
    expect(model.info.inputShape).toEqual([3, 32, 32]);
    expect(model.info.totalParams).toBe(total);
    expect(new Model({ model: name, inputShape: [3, 32, 32] }).info.totalParams).toBe(total);
  });

  it.each([
    ['resnet20', [3, 64, 48]],
    ['resnet20', [1, 40, 40]],
    ['vgg16', [3, 64, 48]],
    ['vgg16', [1, 40, 40]],
  ] as [string, Shape][])('%s builds on %j and predicts one logit row per image', async (name, shape) => {
    const model = new Model({ model: name, inputShape: shape, classes: 10 });
    expect(model.info.inputShape).toEqual(shape);
    const data = images(2, shape);
    const logits = await model.predict(data.images, data.shape, { threads: THREADS });
    expect(logits).toHaveLength(2 * 10);
    expect(Array.from(logits).every(Number.isFinite)).toBe(true);
  });

  it('resnet20 on 1 channel has 2x16x3x3 fewer parameters (the first conv, no bias); H and W change none', () => {
    const paper = new Model({ model: 'resnet20' }).info.totalParams;
    expect(new Model({ model: 'resnet20', inputShape: [1, 32, 32] }).info.totalParams).toBe(paper - 2 * 16 * 9);
    expect(new Model({ model: 'resnet20', inputShape: [1, 40, 40] }).info.totalParams).toBe(paper - 2 * 16 * 9);
    expect(new Model({ model: 'resnet20', inputShape: [3, 64, 48] }).info.totalParams).toBe(paper);
  });

  it('vgg16 at 3x64x64 has the parameters it has at 3x32x32 (global average pool before the classifier)', () => {
    expect(new Model({ model: 'vgg16', inputShape: [3, 64, 64] }).info.totalParams).toBe(33_646_666);
  });

  it('refuses shapes outside the limits with the limits', () => {
    expect(() => new Model({ model: 'vgg16', inputShape: [3, 16, 16] })).toThrow(/vgg16 takes inputShape \[C, H, W\] with C from 1 to 64 and H, W from 32 to 1024; got 3x16x16/);
    expect(() => new Model({ model: 'resnet20', inputShape: [3, 4, 4] })).toThrow(RangeError);
    expect(() => new Model({ model: 'resnet20', hidden: [4] })).toThrow("hidden widths apply to configurable models (mlp) only, not 'resnet20'");
  });

  it('the catalog says which take any input', () => {
    const byName = Object.fromEntries(modelCatalog().map((e) => [e.name, e]));
    expect(byName.resnet20).toMatchObject({ resizable: true, padsSmallerInput: true, inputShape: [3, 32, 32], input: 'any CxHxW (paper: 3x32x32)' });
    expect(byName.vgg16).toMatchObject({ resizable: true, padsSmallerInput: true });
    expect(byName['mnist-net']).toMatchObject({ resizable: false, padsSmallerInput: true, inputShape: [1, 32, 32] });
    expect(byName.mlp).toMatchObject({ resizable: true, padsSmallerInput: false });
  });
});

describe('mnist-net', () => {
  it('refuses any inputShape but its own 1x32x32', () => {
    expect(() => new Model({ model: 'mnist-net', inputShape: [3, 64, 64] })).toThrow(RangeError);
    expect(() => new Model({ model: 'mnist-net', inputShape: [3, 64, 64] })).toThrow(/^mnist-net takes only 1x32x32 input \(.*28x28.*zero-padded to it\); got inputShape 3x64x64$/);
    expect(new Model({ model: 'mnist-net', inputShape: [1, 32, 32] }).info.inputShape).toEqual([1, 32, 32]);
  });

  it('pads 28x28 data and refuses 1x40x40 data saying what it takes', async () => {
    const model = new Model({ model: 'mnist-net' });
    model.setData('test', images(2, [1, 28, 28]));
    const big = images(2, [1, 40, 40]);
    const message = /images are 40x40, larger than the model's 32x32 input; mnist-net takes only 1x32x32 input \(or smaller 1-channel images, zero-padded to it\)/;
    expect(() => model.setData('train', big)).toThrow(message);
    await expect(model.predict(big.images, big.shape)).rejects.toThrow(message);
    const colour = images(2, [3, 28, 28]);
    expect(() => model.setData('train', colour)).toThrow(/images have 3 channel\(s\) but the model expects 1; mnist-net takes only 1x32x32/);
  });
});

describe('train() picks the input from the data', () => {
  it('inputShapeFor: explicit wins, the mlp takes the data\'s, the CIFAR nets the paper\'s when the data fits, mnist-net and specs their own', () => {
    expect(inputShapeFor('resnet20', [5, 3, 28, 28], [1, 8, 8])).toEqual([1, 8, 8]);
    expect(inputShapeFor('mlp', [5, 1, 1, 4])).toEqual([1, 1, 4]);
    expect(inputShapeFor('mlp', [5, 1, 28, 28])).toEqual([1, 28, 28]);
    expect(inputShapeFor('resnet20', [5, 3, 32, 32])).toEqual([3, 32, 32]);
    expect(inputShapeFor('vgg16', [5, 3, 28, 28])).toEqual([3, 32, 32]);
    expect(inputShapeFor('resnet56', [5, 3, 64, 48])).toEqual([3, 64, 48]);
    expect(inputShapeFor('resnet20', [5, 1, 28, 28])).toEqual([1, 28, 28]);
    expect(inputShapeFor('mnist-net', [5, 1, 28, 28])).toBeUndefined();
    expect(inputShapeFor('mnist-net', [5, 3, 64, 64])).toBeUndefined();
    expect(inputShapeFor({ torchscript: 'x.pt' }, [5, 2, 9, 9])).toEqual([2, 9, 9]);
    expect(inputShapeFor({ name: 'own', input: [1, 8, 8], layers: [] }, [5, 1, 8, 8])).toBeUndefined();
  });

  it('an mlp on [N, 1, 1, 4] rows gets a 1x1x4 input, not a padded 1x28x28', async () => {
    const { model, summary } = await train({ model: 'mlp', hidden: [4], data: tabular(), epochs: 1, batchSize: 4, threads: THREADS, seed: 1 });
    expect(model.info.inputShape).toEqual([1, 1, 4]);
    expect(model.units.map((u) => u.params)).toEqual([4 * 4 + 4, 4 * 3 + 3]);
    expect(summary.epochs).toBe(1);
  });

  it('resnet20 keeps 3x32x32 for smaller 3-channel data and takes 1-channel data as it is', async () => {
    const cifarish = makeSynthetic({ classes: 2, count: 4, shape: [3, 28, 28], seed: 1 });
    expect((await train({ model: 'resnet20', data: cifarish, epochs: 0, threads: THREADS })).model.info.inputShape).toEqual([3, 32, 32]);
    const grey = makeSynthetic({ classes: 2, count: 4, shape: [1, 20, 20], seed: 1 });
    expect((await train({ model: 'resnet20', data: grey, epochs: 0, threads: THREADS })).model.info.inputShape).toEqual([1, 20, 20]);
  });

  it('mnist-net keeps 1x32x32, and train() refuses data it cannot take', async () => {
    const big = makeSynthetic({ classes: 2, count: 4, shape: [1, 40, 40], seed: 1 });
    await expect(train({ model: 'mnist-net', data: big, epochs: 0, threads: THREADS })).rejects.toThrow(/mnist-net takes only 1x32x32 input/);
  });
});

describe('the mlp never pads', () => {
  it('an explicit inputShape [1, 28, 28] with [N, 1, 1, 4] data is refused, naming both shapes', async () => {
    const data = tabular();
    const message = /images are 1x1x4 but the model's input is 1x28x28, and this model does not pad/;
    await expect(train({ model: 'mlp', hidden: [4], inputShape: [1, 28, 28], data, epochs: 1, threads: THREADS })).rejects.toThrow(message);
    const model = new Model({ model: 'mlp', hidden: [4], inputShape: [1, 28, 28], classes: 3 });
    expect(() => model.setData('train', data.train)).toThrow(RangeError);
    expect(() => model.setData('train', data.train)).toThrow(message);
    await expect(model.predict(data.test.images, data.test.shape)).rejects.toThrow(message);
  });

  it('data of exactly its input is taken', async () => {
    const data = tabular();
    const model = new Model({ model: 'mlp', hidden: [4], inputShape: [1, 1, 4], classes: 3 });
    model.setData('train', data.train);
    expect(await model.predict(data.test.images, data.test.shape, { threads: THREADS })).toHaveLength(12 * 3);
  });
});
