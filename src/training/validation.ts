// Choosing by the validation set: early stopping and the best epoch. Both are worked out from the
// epoch records alone, so a resumed run decides exactly as an uninterrupted one.
import type { EpochRecord } from '../types';
import { describe, nearest } from '../validate';

/** The validation metrics a run can choose by, and whether lower is better. */
const METRICS = {
  'val-loss': { key: 'valLoss', lower: true },
  'val-acc': { key: 'valAcc', lower: false },
  'val-mae': { key: 'valMae', lower: true },
  'val-rmse': { key: 'valRmse', lower: true },
  'val-r2': { key: 'valR2', lower: false },
} as const;
export type ValMetric = keyof typeof METRICS;
export const VAL_METRICS = Object.keys(METRICS) as ValMetric[];

export interface EarlyStopSpec {
  metric: ValMetric;
  /** Epochs without improvement before the run stops (default 5). */
  patience?: number;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
}

export const EARLY_STOP_HELP = `METRIC[:patience=N][:min-delta=D] with METRIC ${VAL_METRICS.join(' or ')}`;
const DEFAULT_PATIENCE = 5;

const bad = (why: string) => new RangeError(`earlyStop: ${why}; allowed: ${EARLY_STOP_HELP}`);

function checkMetric(value: unknown, what: string): ValMetric {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a metric name, got ${describe(value)}`);
  if (!Object.hasOwn(METRICS, value)) {
    const guess = nearest(value, VAL_METRICS);
    throw new RangeError(`${what}: unknown metric '${value}'${guess ? ` (did you mean '${guess}'?)` : ''}; the validation metrics: ${VAL_METRICS.join(', ')}`);
  }
  return value as ValMetric;
}

/** Reads `val-loss:patience=3:min-delta=0.001`. */
export function parseEarlyStop(text: string): Required<EarlyStopSpec> {
  const [metric, ...parts] = text.split(':');
  const spec: Record<string, unknown> = { metric: checkMetric(metric, 'earlyStop') };
  for (const part of parts) {
    const [key, raw, ...more] = part.split('=');
    const name = key === 'patience' ? 'patience' : key === 'min-delta' ? 'minDelta' : null;
    if (!name || raw === undefined || more.length) throw bad(`cannot read '${part}'`);
    if (name in spec) throw bad(`'${key}' is given twice`);
    spec[name] = raw.trim() === '' ? NaN : Number(raw);
  }
  return checkEarlyStop(spec);
}

/** An early-stop rule given as text or an object, with its defaults. */
export function checkEarlyStop(value: unknown): Required<EarlyStopSpec> {
  if (typeof value === 'string') return parseEarlyStop(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`earlyStop must be text such as 'val-loss:patience=3' or an object such as { metric: 'val-loss', patience: 3 }; got ${describe(value)}`);
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!['metric', 'patience', 'minDelta'].includes(key)) throw new TypeError(`earlyStop has no field '${key}'${nearest(key, ['metric', 'patience', 'minDelta']) ? ` (did you mean '${nearest(key, ['metric', 'patience', 'minDelta'])}'?)` : ''}`);
  }
  const patience = given.patience ?? DEFAULT_PATIENCE;
  const minDelta = given.minDelta ?? 0;
  if (typeof patience !== 'number' || !Number.isInteger(patience) || patience < 1) throw bad(`patience must be a whole number of epochs, at least 1; got ${describe(patience)}`);
  if (typeof minDelta !== 'number' || !Number.isFinite(minDelta) || minDelta < 0) throw bad(`min-delta must be a number >= 0, got ${describe(minDelta)}`);
  return { metric: checkMetric(given.metric, 'earlyStop'), patience, minDelta };
}

/** The metric's value in a record (undefined where the record has no validation). */
export function metricValue(record: EpochRecord, metric: ValMetric): number | undefined {
  return record[METRICS[metric].key];
}

/** Whether `value` improves on `best` by more than `minDelta` in the metric's direction. */
function improves(value: number, best: number | undefined, metric: ValMetric, minDelta = 0): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === undefined) return true;
  return METRICS[metric].lower ? value < best - minDelta : value > best + minDelta;
}

/** The 1-based epoch of the best record by `metric` (the earliest among equals), or null. */
export function bestEpoch(records: readonly EpochRecord[], metric: ValMetric, minDelta = 0): number | null {
  let best: number | undefined;
  let epoch: number | null = null;
  for (const r of records) {
    const v = metricValue(r, metric);
    if (v !== undefined && improves(v, best, metric, minDelta)) [best, epoch] = [v, r.epoch];
  }
  return epoch;
}

/** Whether the records' last epoch is the best so far by `metric` (a new best to keep). */
export function isNewBest(records: readonly EpochRecord[], metric: ValMetric): boolean {
  return records.length > 0 && bestEpoch(records, metric) === records[records.length - 1].epoch;
}
