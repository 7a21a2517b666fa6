// A run folder's saved options back into train() options: how `--resume`, `predict` and the
// study tooling rebuild a run without the options it was started with.
import { existsSync } from 'node:fs';
import { defaultAugment, parseAugmentList, type AugmentOptions } from '../data/augment';
import { limitData, loadDataSpec } from '../data/spec';
import type { DatasetPair } from '../data/types';
import type { DeviceName } from '../models';
import type { TrainOptions } from '../train';
import { RunFolder, type RunConfig } from './folder';
import { modelOptionsOf } from './meta';

export interface ResumeOverrides {
  epochs?: number;
  threads?: number;
  device?: DeviceName;
  /** The data, for runs trained on datasets built in memory (run.json then has no spec). */
  data?: DatasetPair;
}

/** The run's data, loaded again from its saved `--data` spec and limits. */
export function loadRunData(config: RunConfig, where: string): DatasetPair {
  const source = config.data.source;
  if (!source) {
    throw new Error(
      `${where} was trained on a dataset built in memory (no --data spec saved): give --data SPEC, ` +
        'or resume it through the API with train({ out, resume: true, data })',
    );
  }
  return limitData(loadDataSpec(source.spec), source.limitTrain, source.limitTest, source.seed ?? config.training.seed);
}

/** train() options that continue the run in `dir` (with `resume: true`). */
export function resumeOptions(dir: string, overrides: ResumeOverrides = {}): TrainOptions {
  const folder = new RunFolder(dir);
  if (!existsSync(folder.runPath)) {
    throw new RangeError(
      folder.hasCheckpoint()
        ? `${dir} has a checkpoint but no run.json: resume it through the API with the options it was started with`
        : `${dir} holds no run to resume (no run.json: never started, or stopped before its first write); start it with --out ${dir}`,
    );
  }
  const config = folder.readConfig();
  const t = config.training;
  if (t.policy === null) {
    throw new Error(`${dir} was trained with a policy function or object (${t.policyName}): resume it through the API with the same policy`);
  }
  if (overrides.data && config.data.source) {
    throw new RangeError(`${dir} loads its data from '${config.data.source.spec}'; data may be given only for runs on data built in memory`);
  }
  const data = overrides.data ?? loadRunData(config, dir);
  return {
    ...modelOptionsOf(config.model),
    data,
    policy: t.policy,
    epochs: overrides.epochs ?? t.epochs,
    batchSize: t.batchSize,
    lr: t.lr,
    momentum: t.momentum,
    weightDecay: t.weightDecay,
    schedule: t.schedule,
    bn: t.bn,
    seed: t.seed,
    device: overrides.device,
    // The run's own thread count unless told otherwise: reductions, and so digests, depend on it.
    threads: overrides.threads ?? t.threads,
    augment: runAugment(t.augment, data),
    onNonFinite: t.onNonFinite,
    // Runs written before the per-model default recorded false by leaving it out.
    channelsLast: t.channelsLast ?? false,
    precision: t.precision,
    out: dir,
    resume: true,
  };
}

function runAugment(augment: AugmentOptions | string | null, data: DatasetPair): AugmentOptions | undefined {
  if (augment === null) return undefined;
  if (typeof augment === 'string') return parseAugmentList(augment, defaultAugment(data.kind, data.train.shape[1]));
  return augment;
}
