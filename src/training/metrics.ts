// A record's metrics from the addon's metric sums: what the loss reports (accuracy; MAE and RMSE)
// under train/test/val names, and for regression R^2 against the set's own spread and the
// predict-the-training-mean baseline.
import { hasFloatTargets, type ImageDataset } from '../data/types';
import { OBJECTIVES } from '../objective/registry';
import type { ResolvedLoss } from '../objective/spec';

const capital = (name: string) => name[0].toUpperCase() + name.slice(1);

/** The record fields of one set (`prefix`): `trainAcc` or `testMae`, `testRmse`, `testR2`. */
export function setMetrics(prefix: 'train' | 'test' | 'val', loss: ResolvedLoss, perSample: readonly number[], outputs: number, spread?: number): Record<string, number> {
  const metrics = OBJECTIVES[loss.kind].metrics(perSample, outputs);
  const out = Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`${prefix}${capital(k)}`, v]));
  if ('rmse' in metrics && spread !== undefined && spread > 0) out[`${prefix}R2`] = 1 - (metrics.rmse * metrics.rmse) / spread;
  return out;
}

/** What a set's records report under a loss: 'loss' and its metrics ('acc'; 'mae', 'rmse', 'r2'). */
export function metricNames(loss: ResolvedLoss): string[] {
  const names = Object.keys(OBJECTIVES[loss.kind].metrics([0, 0], 1));
  return ['loss', ...names, ...(names.includes('rmse') ? ['r2'] : [])];
}

/** Per-target column means of float targets. */
function columnMeans(data: ImageDataset & { labels: Float32Array }): number[] {
  const t = data.classes;
  const means = new Array<number>(t).fill(0);
  for (let i = 0; i < data.labels.length; i++) means[i % t] += data.labels[i];
  return means.map((m) => m / data.shape[0]);
}

/** Mean squared deviation of `data`'s float targets from `centre` (its own column means by default); undefined for class labels. */
export function targetSpread(data: ImageDataset, centre?: readonly number[]): number | undefined {
  if (!hasFloatTargets(data)) return undefined;
  const means = centre ?? columnMeans(data);
  let sum = 0;
  for (let i = 0; i < data.labels.length; i++) sum += (data.labels[i] - means[i % data.classes]) ** 2;
  return sum / data.labels.length;
}

/** RMSE on `test` of predicting the training set's mean of each target: what a regression model must beat. */
export function meanBaselineRmse(train: ImageDataset, test: ImageDataset): number | undefined {
  if (!hasFloatTargets(train) || !hasFloatTargets(test)) return undefined;
  return Math.sqrt(targetSpread(test, columnMeans(train))!);
}
