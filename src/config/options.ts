// What the run-configuration table (fields.ts) derives: the API's checks and defaults, the
// command line's flags turned into API options, and the saved form of each option in run.json.
import { defaultAugment, parseAugmentList, type AugmentOptions } from '../data/augment';
import type { DatasetPair } from '../data/types';
import { modelSource } from '../models';
import { withUnitsFile } from '../spec/units';
import type { PolicySpec } from '../policy';
import { OPTIMIZER_OPTIONS, OPTIMIZERS, unreadBy } from '../optim/registry';
import { checkOptimizer, type ResolvedOptimizer } from '../optim/spec';
import { checkLoss, type ResolvedLoss } from '../objective/spec';
import { checkSchedule, type Schedule } from '../schedule';
import { describe, requireInteger, requireNumber, requireOneOf } from '../validate';
import { defaultOf, fieldDef, FIELD_NAMES, type FieldName, type RunOptions } from './fields';

/** Checks one numeric or named-choice option against its field (bounds, choices); returns it with its default applied. */
export function checkField(name: FieldName, value: unknown): unknown {
  const f = fieldDef(name);
  const v = value === undefined ? f.default : value;
  if (v === undefined && !f.required) return undefined;
  if (f.choices) return requireOneOf(name, v, f.choices);
  if (f.cli === 'int') return requireInteger(name, v, f.min ?? Number.MIN_SAFE_INTEGER, f.max);
  if (f.cli === 'number') return requireNumber(name, v, f.min ?? -Infinity, f.max, f.minExclusive);
  if (f.cli === 'flag' && typeof v !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describe(v)}`);
  return v;
}

/** The options every run is checked with before anything is built, defaults applied. */
export interface CheckedRunOptions {
  epochs: number;
  seed: number;
  batchSize: number;
  lr: number;
  /** Undefined for optimizers that do not read it. */
  momentum: number | undefined;
  weightDecay: number;
  schedule: Schedule;
  bn: RunOptions['bn'] & string;
  freezeBn: RunOptions['freezeBn'] & string;
  onNonFinite: NonNullable<RunOptions['onNonFinite']>;
  precision: NonNullable<RunOptions['precision']>;
  threads: number | undefined;
  classes: number | undefined;
  channelsLast: boolean | undefined;
  device: NonNullable<RunOptions['device']>;
  progressEvery: number;
  optimizer: ResolvedOptimizer;
  clipGradNorm: number | undefined;
  warmupSteps: number;
  valSplit: number | undefined;
  keepBest: RunOptions['keepBest'];
  loss: ResolvedLoss;
}

export function checkRunOptions(options: RunOptions): CheckedRunOptions {
  for (const name of ['force', 'resume'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') throw new TypeError(`${name} must be true or false, got ${describe(options[name])}`);
  }
  const optimizer = checkOptimizer(options.optimizer ?? defaultOf('optimizer'));
  const kind = OPTIMIZERS[optimizer.kind];
  // An option the chosen optimizer does not read is a mistake, not something to ignore.
  for (const name of OPTIMIZER_OPTIONS) {
    if (options[name as FieldName & keyof RunOptions] !== undefined && unreadBy(optimizer.kind, name)) throw new RangeError(`${name} is not read by the ${optimizer.kind} optimizer (it reads ${kind.reads.join(', ')})`);
  }
  const momentum = kind.reads.includes('momentum') ? (checkField('momentum', options.momentum) as number) : undefined;
  const schedule = checkSchedule(options.schedule ?? defaultOf('schedule'));
  const lr = checkField('lr', options.lr ?? kind.defaultLr) as number;
  if ('minLr' in schedule && schedule.minLr !== undefined && schedule.minLr > lr) {
    throw new RangeError(`schedule ${schedule.kind}: the minimum rate ${schedule.minLr} is above the base lr ${lr}`);
  }
  const conflict = kind.conflict?.(optimizer, { momentum });
  if (conflict) throw new RangeError(`optimizer ${optimizer.kind}: ${conflict}`);
  return {
    epochs: checkField('epochs', options.epochs) as number,
    seed: checkField('seed', options.seed) as number,
    batchSize: checkField('batchSize', options.batchSize) as number,
    lr,
    momentum,
    weightDecay: checkField('weightDecay', options.weightDecay) as number,
    schedule,
    bn: checkField('bn', options.bn) as CheckedRunOptions['bn'],
    freezeBn: checkField('freezeBn', options.freezeBn) as CheckedRunOptions['freezeBn'],
    onNonFinite: checkField('onNonFinite', options.onNonFinite) as CheckedRunOptions['onNonFinite'],
    precision: checkField('precision', options.precision) as CheckedRunOptions['precision'],
    threads: checkField('threads', options.threads) as number | undefined,
    classes: checkField('classes', options.classes) as number | undefined,
    channelsLast: checkField('channelsLast', options.channelsLast) as boolean | undefined,
    device: (options.device ?? defaultOf('device')) as CheckedRunOptions['device'],
    progressEvery: checkField('progressEvery', options.progressEvery) as number,
    optimizer,
    clipGradNorm: checkField('clipGradNorm', options.clipGradNorm) as number | undefined,
    warmupSteps: checkField('warmupSteps', options.warmupSteps) as number,
    valSplit: checkField('valSplit', options.valSplit) as number | undefined,
    keepBest: checkField('keepBest', options.keepBest) as RunOptions['keepBest'],
    loss: checkLoss(options.loss ?? defaultOf('loss')),
  };
}

/** Parsed `train` flags (by flag name), as the command line or a study's config gives them. */
export type FlagValues = Record<string, string | number | boolean | undefined>;

/** The data a run's flags load; `--data` with its limits and seed is the caller's (it may be a study's cache). */
export interface FlagContext {
  /** The data, or how to load it (only `--augment` needs it). */
  data: DatasetPair | (() => DatasetPair);
}

/**
 * API options from `train` flags (all but model-free ones the caller handles: data, resume, out
 * and the data-parallel flags). A value that cannot be read is a RangeError naming the flag.
 */
export function optionsFromFlags(given: FlagValues, ctx: FlagContext): Partial<RunOptions> {
  const out: Record<string, unknown> = {};
  for (const name of FIELD_NAMES) {
    const f = fieldDef(name);
    if (!f.api || !f.flag || name === 'data' || name === 'resume' || name === 'out') continue;
    const value = given[f.flag];
    if (f.negation) {
      // A flag and its negation (--channels-last / --no-channels-last): true, false, or the default.
      const negated = given[f.negation.flag];
      if (value && negated) throw new RangeError(`--${f.flag} and --${f.negation.flag} exclude each other`);
      if (value || negated) out[name] = Boolean(value);
      continue;
    }
    if (value === undefined) continue;
    if (name === 'model') out[name] = modelSource(String(value));
    else if (name === 'augment') out[name] = parseAugmentText(String(value), typeof ctx.data === 'function' ? ctx.data() : ctx.data);
    else if (name === 'force') out[name] = Boolean(value);
    else out[name] = value;
  }
  // `--units FILE.json`: the freeze units of a torchscript:PATH model travel with the model.
  if (given.units !== undefined) out.model = withUnitsFile(out.model, String(given.units));
  return out as Partial<RunOptions>;
}

/** `--augment LIST` on top of the data kind's normalisation. */
function parseAugmentText(text: string, data: DatasetPair): AugmentOptions {
  return parseAugmentList(text, defaultAugment(data.kind, data.train.shape[1]));
}

/** A policy as run.json keeps it: its string or spec; null for a function or policy object (not reproducible from the folder). */
export function savedPolicy(policy: RunOptions['policy']): string | PolicySpec | null {
  const source = policy ?? defaultOf('policy');
  const reproducible = typeof source === 'string' || (typeof source === 'object' && source !== null && !('mask' in source));
  return reproducible ? (source as string | PolicySpec) : null;
}

/** The value of a dotted path in a JSON object (undefined where a step is missing). */
export function valueAt(root: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' && Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined), root);
}

/** A saved value, with what old run folders meant by leaving it out. */
export function savedValue(root: unknown, name: FieldName): unknown {
  const f = fieldDef(name);
  if (!f.saved) return undefined;
  const found = valueAt(root, f.saved);
  const v = found === undefined ? f.absentMeans : found;
  if (v === undefined || !f.normalize) return v;
  try {
    return f.normalize(v);
  } catch {
    return v; // a value no run could have written (hand-edited): compared as it is, so it shows as changed
  }
}

/** Fields run.json keeps in its `training` section, by their key there. */
export function trainingFields(): { name: FieldName; key: string }[] {
  return FIELD_NAMES.flatMap((name) => {
    const saved = fieldDef(name).saved;
    return saved?.startsWith('training.') ? [{ name, key: saved.slice('training.'.length) }] : [];
  });
}

/** Stable JSON for comparisons (object keys sorted). */
export function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}
