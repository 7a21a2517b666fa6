// `--data` specs (`KIND[:ARG]`): the kinds are the data-source registry's (sources/registry.ts),
// one file each: fashion-mnist[:DIR], mnist:DIR, mnist-digits, cifar10:DIR, cifar100:DIR[:coarse],
// synthetic:CLASSES:COUNT:CxHxW.
import { DATA_SOURCES, dataSourceOf } from './sources/registry';
import { stratifiedSubset } from './subset';
import type { DatasetPair } from './types';

export { FASHION_MNIST_DIR } from './sources/fashion-mnist';
export const DATA_SPEC_HELP = DATA_SOURCES.map((s) => s.name + s.arg).join(', ');

/** Loads a `--data` spec; the pair remembers the spec (`source`) so run folders can reload it. */
export function loadDataSpec(spec: string): DatasetPair {
  if (typeof spec !== 'string') throw new TypeError(`data spec must be a string, got ${typeof spec}`);
  const [kind, ...rest] = spec.split(':');
  const source = dataSourceOf(kind);
  if (!source) throw new RangeError(`--data: unknown dataset '${kind}'; allowed: ${DATA_SPEC_HELP}`);
  return { ...source.load(rest.join(':'), spec), source: { spec } };
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
