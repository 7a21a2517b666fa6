// `--data` specs: fashion-mnist[:DIR], mnist:DIR, mnist-digits, cifar10:DIR, cifar100:DIR[:coarse],
// synthetic:CLASSES:COUNT:CxHxW.
import { readCifar10, readCifar100 } from './cifar';
import { readIdxFolder } from './idx';
import { readMnistDigits } from './mnist-digits';
import { stratifiedSubset } from './subset';
import { makeSynthetic } from './synthetic';
import type { DatasetPair } from './types';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const DATA_SPEC_HELP =
  'fashion-mnist[:DIR], mnist:DIR, mnist-digits, cifar10:DIR, cifar100:DIR[:coarse], synthetic:CLASSES:COUNT:CxHxW';

/** Loads a `--data` spec; the pair remembers the spec (`source`) so run folders can reload it. */
export function loadDataSpec(spec: string): DatasetPair {
  if (typeof spec !== 'string') throw new TypeError(`data spec must be a string, got ${typeof spec}`);
  return { ...readDataSpec(spec), source: { spec } };
}

function readDataSpec(spec: string): DatasetPair {
  const [kind, ...rest] = spec.split(':');
  const arg = rest.join(':');
  switch (kind) {
    case 'fashion-mnist':
      return readIdxFolder(
        arg || FASHION_MNIST_DIR,
        'fashion-mnist',
        'On Debian/Ubuntu `apt-get install dataset-fashion-mnist` puts Fashion-MNIST in /usr/share/datasets/fashion-mnist.',
      );
    case 'mnist':
      if (!arg) throw new RangeError('--data mnist needs a folder: mnist:DIR (the four IDX files, raw or .gz)');
      return readIdxFolder(arg, 'mnist', 'MNIST IDX files are the four train/t10k images/labels files of the MNIST site; pass their folder.');
    case 'mnist-digits':
      return readMnistDigits();
    case 'cifar10':
      if (!arg) throw new RangeError('--data cifar10 needs a folder: cifar10:DIR');
      return readCifar10(arg);
    case 'cifar100': {
      if (!arg) throw new RangeError('--data cifar100 needs a folder: cifar100:DIR[:coarse]');
      const coarse = arg.endsWith(':coarse');
      return readCifar100(coarse ? arg.slice(0, -':coarse'.length) : arg, coarse ? 'coarse' : 'fine');
    }
    case 'synthetic': {
      const m = /^(\d+):(\d+):(\d+)x(\d+)x(\d+)$/.exec(arg);
      if (!m) throw new RangeError(`--data synthetic must be synthetic:CLASSES:COUNT:CxHxW, got '${spec}'`);
      const [classes, count, c, h, w] = m.slice(1).map(Number);
      if (classes < 2 || count < classes) throw new RangeError(`--data ${spec}: need at least 2 classes and one sample per class`);
      if (c < 1 || h < 1 || w < 1) throw new RangeError(`--data ${spec}: image sizes must be at least 1x1x1, got ${c}x${h}x${w}`);
      if (count * c * h * w > 2 ** 31 - 1) throw new RangeError(`--data ${spec}: ${count} images of ${c}x${h}x${w} are more than 2 GiB of pixels`);
      return makeSynthetic({ classes, count, shape: [c, h, w] });
    }
    default:
      throw new RangeError(`--data: unknown dataset '${kind}'; allowed: ${DATA_SPEC_HELP}`);
  }
}

/** Applies --limit-train / --limit-test as seeded stratified subsets. */
export function limitData(data: DatasetPair, limitTrain: number | undefined, limitTest: number | undefined, seed: number): DatasetPair {
  for (const [name, limit, set] of [['limit-train', limitTrain, data.train], ['limit-test', limitTest, data.test]] as const) {
    if (limit === undefined) continue;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`--${name} must be a positive whole number, got ${limit}`);
    if (limit > set.shape[0]) throw new RangeError(`--${name} ${limit} is larger than ${set.name} (${set.shape[0]} samples)`);
  }
  return {
    ...data,
    train: limitTrain ? stratifiedSubset(data.train, limitTrain, seed) : data.train,
    test: limitTest ? stratifiedSubset(data.test, limitTest, seed + 1) : data.test,
    source: data.source && { ...data.source, limitTrain, limitTest, seed },
  };
}
