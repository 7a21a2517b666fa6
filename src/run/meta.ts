// The typed metadata stored inside every checkpoint, and the reader that also accepts the
// first format (shares in percent, model options only in the CLI's saved options).
import { readRegularText } from '../io/read';
import type { ResolvedOptimizer } from '../optim/spec';
import type { ResolvedLoss } from '../objective/spec';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultOf } from '../config/fields';
import type { AugmentOptions } from '../data/augment';
import { checkInputRecord, type InputRecord } from '../data/inputs';
import type { NetworkSpec } from '../spec/types';
import type { UnitRule } from '../spec/units';
import type { EpochRecord } from '../types';
import { MODULE_FILE, RUN_FILE } from './files';

export const CHECKPOINT_FORMAT = 'layerout-checkpoint-2';

/** What rebuilds the network: the model table entry and its options. */
export interface ModelSpecRecord {
  /** The built-in model's name, or the spec network's own name. */
  model: string;
  /** The spec of a user's network (absent for built-in models). */
  network?: NetworkSpec;
  /** A TorchScript model: its file and the file's SHA-256 at the start of the run. */
  torchscript?: { path: string; sha256: string; units?: UnitRule[] };
  classes: number;
  hidden?: number[];
  inputShape?: [number, number, number];
  seed: number;
}

/** How uint8 images are turned into inputs: the data kind's defaults, or explicit options. */
export interface PreprocessingRecord {
  dataKind: string;
  augment: AugmentOptions | null;
}

/** Where a training run stands: what `--resume` continues from. */
export interface TrainingState {
  epochsDone: number;
  policy: string;
  policyState: unknown;
  records: EpochRecord[];
  /**
   * The run configuration the checkpoint was written under (a RunConfig of src/run/folder.ts; run
   * folders' checkpoints only): a resume compares run.json with it, so a hand edit is noticed.
   */
  config?: unknown;
}

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  model: ModelSpecRecord;
  preprocessing: PreprocessingRecord;
  /** Absent for checkpoints written by `Model.save` outside a training run. */
  training?: TrainingState;
  /** The optimizer (with its settings) whose state the checkpoint holds; absent: sgd (checkpoints before optimizers had settings). */
  optimizer?: ResolvedOptimizer;
  /** The loss the model trains with; absent: cross-entropy. */
  loss?: ResolvedLoss;
  /** Class and target names, and how files became inputs (image decode, table standardisation); absent for data built in memory. */
  inputs?: InputRecord;
  /** Whatever the caller of `Model.save` passed. */
  user?: unknown;
}

/**
 * Model options that rebuild the network a record describes. A TorchScript run's module is read
 * from the run folder's copy (MODULE_FILE) when `folder` has one, else from where it was.
 */
export function modelOptionsOf(record: ModelSpecRecord, folder?: string): {
  model: string | NetworkSpec | { torchscript: string; sha256: string; recorded?: { path: string; name: string }; units?: UnitRule[] };
  classes: number;
  hidden?: number[];
  inputShape?: [number, number, number];
  seed: number;
} {
  const { network, torchscript, model, classes, hidden, inputShape, seed } = record;
  if (torchscript) {
    const copy = folder === undefined ? undefined : join(folder, MODULE_FILE);
    const units = torchscript.units ? { units: torchscript.units } : {};
    if (copy && existsSync(copy)) {
      return { model: { torchscript: copy, sha256: torchscript.sha256, recorded: { path: torchscript.path, name: model }, ...units }, classes, inputShape, seed };
    }
    return { model: { torchscript: torchscript.path, sha256: torchscript.sha256, ...units }, classes, inputShape, seed };
  }
  return network ? { model: network, classes, seed } : { model, classes, hidden, inputShape, seed };
}

/** The first format's records: shares were percentages or unnamed fractions. */
type LegacyRecord = Omit<EpochRecord, 'frozenParamsShare' | 'idealBackwardSavedShare'> & {
  frozenParamsPct?: number;
  idealBackwardSaving?: number;
  frozenParamsShare?: number;
  idealBackwardSavedShare?: number | null;
};

export function upgradeRecord(r: LegacyRecord): EpochRecord {
  const { frozenParamsPct, idealBackwardSaving, ...rest } = r;
  return {
    ...rest,
    frozenParamsShare: r.frozenParamsShare ?? (frozenParamsPct ?? 0) / 100,
    idealBackwardSavedShare: r.idealBackwardSavedShare !== undefined ? r.idealBackwardSavedShare : (idealBackwardSaving ?? 0),
  } as EpochRecord;
}

/**
 * Parses checkpoint metadata of either format. A first-format checkpoint names its model only
 * in the CLI options it carried (`config`) or in the run folder's run.json (`fallback`).
 */
export function parseCheckpointMeta(text: string, source: string, fallback?: ModelSpecRecord): CheckpointMeta {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text || 'null');
  } catch {
    throw new Error(`${source}: the checkpoint's metadata is not valid JSON`);
  }
  if (raw && raw.format === CHECKPOINT_FORMAT) {
    const meta = raw as unknown as CheckpointMeta;
    if (meta.inputs !== undefined) meta.inputs = checkInputRecord(meta.inputs, source);
    if (meta.training) meta.training.records = meta.training.records.map(upgradeRecord);
    return meta;
  }
  if (raw && raw.format === 'layerout-checkpoint-1') {
    const config = (raw.config ?? {}) as Record<string, unknown>;
    const model =
      typeof config.model === 'string'
        ? { model: config.model, classes: Number(config.classes ?? 10), seed: Number(config.seed ?? defaultOf('seed')) }
        : fallback;
    if (!model) throw new Error(`${source}: an old checkpoint without its run.json; the model it holds is unknown`);
    return {
      format: CHECKPOINT_FORMAT,
      model,
      preprocessing: { dataKind: dataKindOf(config.data), augment: null },
      training: {
        epochsDone: Number(raw.epochsDone),
        policy: String(raw.policy),
        policyState: raw.policyState,
        records: ((raw.records ?? []) as LegacyRecord[]).map(upgradeRecord),
      },
    };
  }
  throw new Error(`${source} was not written by layerout (no checkpoint metadata)`);
}

/** The data kind of a `--data` spec ('fashion-mnist:DIR' -> 'fashion-mnist'). */
export function dataKindOf(spec: unknown): string {
  return typeof spec === 'string' ? spec.split(':')[0] : 'synthetic';
}

/** The model named by a first-format run.json (CLI options), for first-format checkpoints. */
export function runFileModel(dir: string): ModelSpecRecord | undefined {
  try {
    const run = JSON.parse(readRegularText(join(dir, RUN_FILE), RUN_FILE));
    if (typeof run?.model === 'string') return { model: run.model, classes: Number(run.classes ?? 10), seed: Number(run.seed ?? defaultOf('seed')) };
    if (run?.model && typeof run.model.model === 'string') return run.model as ModelSpecRecord;
  } catch {
    // no run.json, or not readable: the checkpoint must describe its model itself
  }
  return undefined;
}
