// Training orchestration: per epoch, ask the policy for a mask, apply it, train one epoch in the
// addon, evaluate, record, and checkpoint so an interrupted run resumes identically.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { frozenParamsPct, idealBackwardSaving } from './cost';
import type { AugmentOptions } from './data/augment';
import type { DatasetPair } from './data/types';
import { BN_MODES, Model, type EpochProgress } from './model';
import type { DeviceName, ModelName } from './models';
import type { BnMode } from './native';
import { createPolicy, type FreezePolicy, type MaskFunction, type PolicySpec } from './policy';
import { writeMetrics, writeSummary } from './report/metrics';
import { lrAt, parseSchedule, type Schedule } from './schedule';
import { requireInteger, requireOneOf } from './validate';

export interface TrainOptions {
  model: ModelName;
  classes?: number;
  hidden?: number[];
  inputShape?: [number, number, number];
  data: DatasetPair;
  /** A policy spec or string (see POLICY_HELP), a FreezePolicy, or `(epoch, units) => mask`. Default 'none'. */
  policy?: PolicySpec | string | MaskFunction | FreezePolicy;
  epochs: number;
  batchSize?: number;
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  schedule?: Schedule | string;
  bn?: BnMode;
  seed?: number;
  device?: DeviceName;
  threads?: number;
  augment?: AugmentOptions;
  /** Output folder: metrics, summary and a checkpoint after every epoch. */
  out?: string;
  /** Continue from the checkpoint in `out` when there is one. */
  resume?: boolean;
  /** Extra JSON stored in the checkpoint (the CLI keeps its options here for --resume). */
  config?: unknown;
  signal?: AbortSignal;
  onEpoch?: (record: EpochRecord) => void;
  onBatch?: (progress: EpochProgress & { epoch: number }) => void;
  /** Called once the model is built and any checkpoint restored. */
  onStart?: (info: { model: Model; policy: FreezePolicy; startEpoch: number }) => void;
  progressEvery?: number;
}

export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  lr: number;
  frozen: boolean[];
  frozenUnits: number;
  frozenParamsPct: number;
  idealBackwardSaving: number;
  layerOutEpoch: boolean;
  momentumReset: boolean;
  trainLoss: number;
  trainAcc: number;
  testAcc: number;
  testLoss: number;
  dataMs: number;
  forwardMs: number;
  backwardMs: number;
  optimizerMs: number;
  epochMs: number;
  device: string;
}

export interface TrainSummary {
  model: string;
  policy: string;
  device: string;
  epochs: number;
  epochsDone: number;
  interrupted: boolean;
  bestTestAcc: number;
  finalTestAcc: number;
  meanFrozenParamsPctLayerOut: number;
  meanFrozenParamsPctAll: number;
  meanIdealBackwardSaving: number;
  totalMs: number;
  backwardMs: number;
  /** Time spent preparing batches (indexing, augmentation) and its share of epoch time. */
  dataMs: number;
  dataShare: number;
  digest: string;
}

interface CheckpointMeta {
  format: 'layerout-checkpoint-1';
  epochsDone: number;
  policy: string;
  policyState: unknown;
  records: EpochRecord[];
  config: unknown;
}

export const CHECKPOINT_FILE = 'checkpoint.pt';

function mean(values: number[]): number {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : 0;
}

export function summarise(model: Model, policyName: string, epochs: number, records: EpochRecord[], interrupted: boolean): TrainSummary {
  const acc = records.map((r) => r.testAcc);
  return {
    model: model.info.model,
    policy: policyName,
    device: model.info.device,
    epochs,
    epochsDone: records.length,
    interrupted,
    bestTestAcc: acc.length ? Math.max(...acc) : 0,
    finalTestAcc: acc.length ? acc[acc.length - 1] : 0,
    meanFrozenParamsPctLayerOut: mean(records.filter((r) => r.layerOutEpoch).map((r) => r.frozenParamsPct)),
    meanFrozenParamsPctAll: mean(records.map((r) => r.frozenParamsPct)),
    meanIdealBackwardSaving: mean(records.map((r) => r.idealBackwardSaving)),
    totalMs: records.reduce((s, r) => s + r.epochMs, 0),
    backwardMs: records.reduce((s, r) => s + r.backwardMs, 0),
    dataMs: records.reduce((s, r) => s + r.dataMs, 0),
    dataShare: records.length ? records.reduce((s, r) => s + r.dataMs, 0) / records.reduce((s, r) => s + r.epochMs, 0) : 0,
    digest: model.digest(),
  };
}

export async function train(options: TrainOptions): Promise<TrainSummary> {
  const epochs = requireInteger('epochs', options.epochs, 0, 1e6);
  const seed = requireInteger('seed', options.seed ?? 0, 0, 2 ** 32 - 1);
  const bn = requireOneOf('bn', options.bn ?? 'train', BN_MODES);
  const schedule = typeof options.schedule === 'string' ? parseSchedule(options.schedule) : (options.schedule ?? { kind: 'constant' });
  const baseLr = options.lr ?? 0.01;
  const { data } = options;
  if (!data || !data.train || !data.test) throw new TypeError('data must be a DatasetPair with train and test sets');
  if (options.resume && !options.out) throw new TypeError('resume needs the run folder in `out`');

  const model = new Model({
    model: options.model,
    classes: options.classes ?? data.classes,
    hidden: options.hidden,
    inputShape: options.inputShape,
    seed,
    device: options.device,
  });
  model.setData('train', data.train, data.kind);
  model.setData('test', data.test, data.kind);
  const policy = createPolicy(options.policy ?? 'none', { units: model.units, model: model.info.model, epochs, seed });

  let records: EpochRecord[] = [];
  const checkpoint = options.out ? join(options.out, CHECKPOINT_FILE) : undefined;
  if (options.out) mkdirSync(options.out, { recursive: true });
  if (options.resume && checkpoint && existsSync(checkpoint)) {
    const meta = (await model.load(checkpoint)) as CheckpointMeta;
    if (meta?.format !== 'layerout-checkpoint-1') throw new Error(`${checkpoint} was not written by layerout train`);
    if (meta.policy !== policy.name) {
      throw new Error(`${checkpoint} was written by policy ${meta.policy}, not ${policy.name}; resume with the same options`);
    }
    policy.setState(meta.policyState);
    records = meta.records;
  }
  const save = async () => {
    if (!options.out || !checkpoint) return;
    const meta: CheckpointMeta = {
      format: 'layerout-checkpoint-1',
      epochsDone: records.length,
      policy: policy.name,
      policyState: policy.getState(),
      records,
      config: options.config ?? null,
    };
    await model.save(checkpoint, meta);
    writeMetrics(options.out, records);
    writeSummary(options.out, summarise(model, policy.name, epochs, records, records.length < epochs));
  };
  if (records.length === 0) await save(); // the initial state: `--epochs 0` leaves just this
  options.onStart?.({ model, policy, startEpoch: records.length });

  let interrupted = false;
  for (let e = records.length; e < epochs; e++) {
    if (options.signal?.aborted) {
      interrupted = true;
      break;
    }
    const mask = policy.mask(e);
    model.setFrozen(mask, bn);
    const momentumReset = policy.resetsMomentum(e);
    if (momentumReset) model.resetMomentum();
    const lr = lrAt(schedule, baseLr, e, epochs);
    const stats = await model.trainEpoch({
      epoch: e,
      lr,
      seed,
      momentum: options.momentum,
      weightDecay: options.weightDecay,
      batchSize: options.batchSize,
      threads: options.threads,
      augment: options.augment,
      progressEvery: options.progressEvery,
      signal: options.signal,
      onProgress: options.onBatch ? (p) => options.onBatch?.({ ...p, epoch: e + 1 }) : undefined,
    });
    if (stats.aborted) {
      // The partial epoch is dropped: the checkpoint on disk is the end of the last whole epoch.
      interrupted = true;
      break;
    }
    const evaluation = await model.evaluate({ threads: options.threads, augment: options.augment });
    const record: EpochRecord = {
      epoch: e + 1,
      lr,
      frozen: mask,
      frozenUnits: mask.filter(Boolean).length,
      frozenParamsPct: frozenParamsPct(model.units, mask, bn),
      idealBackwardSaving: idealBackwardSaving(model.units, mask, bn),
      layerOutEpoch: policy.isLayerOutEpoch(e),
      momentumReset,
      trainLoss: stats.trainLoss,
      trainAcc: stats.trainAcc,
      testAcc: evaluation.acc,
      testLoss: evaluation.loss,
      dataMs: stats.dataMs,
      forwardMs: stats.forwardMs,
      backwardMs: stats.backwardMs,
      optimizerMs: stats.optimizerMs,
      epochMs: stats.epochMs,
      device: model.info.device,
    };
    records.push(record);
    await save();
    options.onEpoch?.(record);
  }
  return summarise(model, policy.name, epochs, records, interrupted || records.length < epochs);
}
