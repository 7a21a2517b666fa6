// A run folder's saved options back into train() options: how `--resume`, `predict` and the
// study tooling rebuild a run without the options it was started with.
import { existsSync } from 'node:fs';
import { defaultAugment, parseAugmentList, type AugmentOptions } from '../data/augment';
import { limitData, loadData } from '../data/spec';
import type { DatasetPair } from '../data/types';
import type { DeviceName } from '../models';
import type { NonFiniteAction } from '../types';
import type { TrainOptions } from '../train';
import { RunFolder, type RunConfig } from './folder';
import { modelOptionsOf } from './meta';
import { fieldDef } from '../config/fields';
import { savedValue, trainingFields } from '../config/options';

export interface ResumeOverrides {
  epochs?: number;
  threads?: number;
  device?: DeviceName;
  /** How a non-finite loss is handled from here on (a run stopped by one may go on with skip-batch). */
  onNonFinite?: NonFiniteAction;
  /** Early stopping from here on (it is decided from the records, so it may change). */
  earlyStop?: string;
  /** The data, for runs trained on datasets built in memory (run.json then has no spec). */
  data?: DatasetPair;
  /** Progress of loading the data again (decoding image folders). */
  log?: (line: string) => void;
}

/** The run's data, loaded again from its saved `--data` spec and limits. */
export async function loadRunData(config: RunConfig, where: string, log?: (line: string) => void): Promise<DatasetPair> {
  const source = config.data.source;
  if (!source) {
    throw new Error(
      `${where} was trained on a dataset built in memory (no --data spec saved): give --data SPEC, ` +
        'or resume it through the API with train({ out, resume: true, data })',
    );
  }
  const seed = source.seed ?? config.training.seed;
  // The test split is made again with the seed it was made with, whatever the run's seed is.
  return limitData(await loadData(source.spec, { seed: source.splitSeed ?? seed, log }), source.limitTrain, source.limitTest, seed);
}

/** train() options that continue the run in `dir` (with `resume: true`). */
export async function resumeOptions(dir: string, overrides: ResumeOverrides = {}): Promise<TrainOptions> {
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
  const data = overrides.data ?? (await loadRunData(config, dir, overrides.log));
  // Every option run.json keeps under `training` comes back from it (with what older folders
  // meant by leaving it out); the model's come back with the model record.
  const saved: Record<string, unknown> = {};
  for (const { name } of trainingFields()) if (fieldDef(name).api) saved[name] = savedValue(config, name);
  delete saved.distributed; // the ranks: a resume may use another number
  return {
    ...modelOptionsOf(config.model, dir),
    ...(saved as Partial<TrainOptions>),
    data,
    policy: t.policy,
    epochs: overrides.epochs ?? t.epochs,
    ...(overrides.onNonFinite !== undefined ? { onNonFinite: overrides.onNonFinite } : {}),
    ...(overrides.earlyStop !== undefined ? { earlyStop: overrides.earlyStop } : {}),
    device: overrides.device,
    // The run's own thread count unless told otherwise: reductions, and so digests, depend on it.
    threads: overrides.threads ?? t.threads,
    augment: runAugment(t.augment, data),
    out: dir,
    resume: true,
  };
}

function runAugment(augment: AugmentOptions | string | null, data: DatasetPair): AugmentOptions | undefined {
  if (augment === null) return undefined;
  if (typeof augment === 'string') return parseAugmentList(augment, defaultAugment(data.kind, data.train.shape[1]));
  return augment;
}
