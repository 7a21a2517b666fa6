// A study: models x policies x seeds, every run with the same training options. The config is
// what `layerout study` reads from --config (JSON) and its flags; the grid is its runs in order.
import { join } from 'node:path';
import type { FlagValues } from '../config/options';

/**
 * The training options every run of a study shares: the `train` flags of the run-configuration
 * table's `shared` fields (src/config/fields.ts), by flag name, as parsed from the command line
 * or the config file. `device` and `threads` may change between invocations.
 */
export type StudyTrainOptions = FlagValues;

export interface StudyConfig {
  /** Model names (or network spec paths), one or more. */
  models: string[];
  /** A `--data` spec. */
  data: string;
  /** Policy strings, e.g. ['none', 'layerout', 'efreeze']. */
  policies: string[];
  seeds: number[];
  epochs: number;
  /** The policy the others are compared with (default 'none' when studied, else the first). */
  baseline: string;
  /** Time-to-accuracy targets as test accuracy in percent; null: the baseline's final mean − 0.5 and − 1.0 points. */
  targets: number[] | null;
  /** The study folder: runs/ holds one run folder per grid cell. */
  out: string;
  train: StudyTrainOptions;
}

export interface StudyRun {
  /** 1-based position in the grid. */
  index: number;
  model: string;
  policy: string;
  seed: number;
  /** Its run folder. */
  dir: string;
}

/** A folder name for a policy string: `layerout:warmup=2` -> `layerout_warmup=2`. */
export function policySlug(policy: string): string {
  return policy.replace(/[^A-Za-z0-9.=+-]/g, '_').replace(/,/g, '+');
}

function modelSlug(model: string): string {
  const base = model.replace(/^torchscript:/, '').split('/').pop() ?? model;
  return base.replace(/[^A-Za-z0-9.=+-]/g, '_');
}

/**
 * Every run of the study, in the order they are trained: per model, per seed, every policy
 * (so an unfinished study already has all policies for its first seeds).
 */
export function studyGrid(config: StudyConfig): StudyRun[] {
  const runs: StudyRun[] = [];
  const dirs = new Map<string, string>();
  for (const model of config.models) {
    for (const seed of config.seeds) {
      for (const policy of config.policies) {
        const dir = join(config.out, 'runs', `${modelSlug(model)}__${policySlug(policy)}__seed-${seed}`);
        const cell = `${model} ${policy} seed ${seed}`;
        const other = dirs.get(dir);
        if (other !== undefined) {
          throw new RangeError(other === cell ? `the study lists ${cell} twice` : `${cell} and ${other} would share the run folder ${dir}; rename one`);
        }
        dirs.set(dir, cell);
        runs.push({ index: runs.length + 1, model, policy, seed, dir });
      }
    }
  }
  return runs;
}
