// `--data` specs (`KIND[:ARG]`): the kinds are the data-source registry's (sources/registry.ts),
// one file each: fashion-mnist[:DIR], mnist:DIR, mnist-digits, cifar10:DIR, cifar100:DIR[:coarse],
// synthetic:CLASSES:COUNT:CxHxW, images:DIR, csv:FILE, tsv:FILE, npy:X,Y.
import { statSync } from 'node:fs';
import { DEFAULT_SEED } from '../models';
import { DATA_SOURCES, dataSourceOf } from './sources/registry';
import type { DataLoadContext, DataSourceKind } from './sources/types';
import { stratifiedSubset } from './subset';
import { selectClasses, splitClassSelection } from './class-subset';
import type { InputRecord } from './inputs';
import type { DatasetPair } from './types';

export { FASHION_MNIST_DIR } from './sources/fashion-mnist';
export const DATA_SPEC_HELP = `${DATA_SOURCES.map((s) => s.name + s.arg).join(', ')}; any of them + :classes=A-B,C (only those classes, relabelled 0..k-1)`;

/** Options of `loadData`. */
export interface LoadDataOptions {
  /** Seeds a test split the data does not come with (default: the run option's default seed; the CLI passes the run's). */
  seed?: number;
  /** Progress lines (decoding, cache use). */
  log?: (line: string) => void;
  /** Read the data as a trained model read its own (`model.inputs`): its image decode, its table statistics. */
  like?: InputRecord | null;
}

function sourceOf(spec: string): [DataSourceKind, string] {
  if (typeof spec !== 'string') throw new TypeError(`data spec must be a string, got ${typeof spec}`);
  const [kind, ...rest] = spec.split(':');
  const source = dataSourceOf(kind);
  if (!source) throw new RangeError(`--data: unknown dataset '${kind}'${pathHint(spec)}; allowed: ${DATA_SPEC_HELP}`);
  return [source, rest.join(':')];
}

/** A spec that is a path on its own: the kind it probably wants. */
function pathHint(spec: string): string {
  let stats;
  try {
    stats = statSync(spec, { throwIfNoEntry: false });
  } catch {
    return ''; // unreadable, too long, a NUL byte: no hint
  }
  if (!stats) return '';
  const kind = stats.isDirectory() ? 'images' : /\.tsv$/i.test(spec) ? 'tsv' : /\.csv$/i.test(spec) ? 'csv' : /\.np[yz]$/i.test(spec) ? 'npy' : null;
  return kind ? ` (${spec} is a ${stats.isDirectory() ? 'folder' : 'file'}: did you mean ${kind}:${spec}?)` : '';
}

function context(options: LoadDataOptions): DataLoadContext {
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`seed must be a whole number of at least 0, got ${seed}`);
  return { seed, log: options.log, like: options.like };
}

/**
 * The pair with its spec; the seed is recorded when given, and always when the loader split off
 * the test set with it (so a resume or predict --data splits the same way, whatever seed the run has).
 */
function withSource(pair: DatasetPair, spec: string, options: LoadDataOptions): DatasetPair {
  const splitSeed = pair.inputs?.split?.seed;
  return { ...pair, source: { spec, ...(options.seed !== undefined ? { seed: options.seed } : {}), ...(splitSeed !== undefined ? { splitSeed } : {}) } };
}

/** Loads any `--data` spec; the pair remembers the spec (and the seed of a split it made) so run folders can reload it. */
export async function loadData(spec: string, options: LoadDataOptions = {}): Promise<DatasetPair> {
  const { spec: base, classes } = splitClassSelection(String(spec));
  const [source, arg] = sourceOf(base);
  const ctx = context(options);
  const pair = await source.load(arg, base, ctx);
  return withSource(classes === null ? pair : selectClasses(pair, classes), spec, options);
}

/** Loads a `--data` spec of a kind that reads synchronously (every kind but image folders; see `loadData`). */
export function loadDataSpec(spec: string, options: LoadDataOptions = {}): DatasetPair {
  const { spec: base, classes } = splitClassSelection(String(spec));
  const [source, arg] = sourceOf(base);
  if (source.async) throw new RangeError(`--data ${source.name} decodes files asynchronously: load it with loadData(spec)`);
  const ctx = context(options);
  const pair = source.load(arg, base, ctx) as DatasetPair;
  return withSource(classes === null ? pair : selectClasses(pair, classes), spec, options);
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
