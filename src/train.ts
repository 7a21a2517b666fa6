// Training orchestration: per epoch, ask the policy for a mask, apply it, train one epoch in the
// addon, evaluate, record, and checkpoint so an interrupted run resumes identically.
import { createHash } from 'node:crypto';
import { defaultOf, FIELD_NAMES, RUN_FIELDS, type FieldName, type RunOptions } from './config/fields';
import { canonical, checkRunOptions, savedPolicy } from './config/options';
import { lossText } from './objective/spec';
import { optimizerText } from './optim/spec';
import { frozenParamsShare, idealBackwardSaving, trainableParams, type BnModes } from './cost';
import { checkAugment } from './data/augment';
import type { DatasetPair } from './data/types';
import { dataParallelCallback } from './distributed/callback';
import { DataParallel } from './distributed/group';
import { checkDistributed } from './distributed/options';
import { Model } from './model';
import { inputShapeFor } from './models';
import { OPTIMIZERS } from './optim/registry';
import { stratifiedSplit } from './data/subset';
import { hasFloatTargets } from './data/types';
import { OBJECTIVES } from './objective/registry';
import { createPolicy, withFrozenUnits, type FreezePolicy } from './policy';
import { runFolderCallback } from './run/callback';
import { configChanges, resumeFreeOptions, RunFolder, RunFolderConflict, type RunConfig } from './run/folder';
import { runSettings } from './run/settings';
import { lrAt, stepRates } from './schedule';
import { notify, TRAINING_HOOKS, type EpochPlan, type RunContext, type TrainingCallback } from './training/callbacks';
import { earlyStopCallback } from './training/early-stop';
import { meanBaselineRmse, metricNames, setMetrics, targetSpread } from './training/metrics';
import { checkEarlyStop } from './training/validation';
import { inputChanges } from './data/inputs';
import { preloadNative } from './native';
import { mean, noteDataLoad, summarise, type RunEnd } from './training/summary';
import type { BnMode, EpochProgress, EpochRecord, TrainSummary } from './types';
import { describe, requireKnownKeys } from './validate';

export { summarise } from './training/summary';
export type { RunEnd } from './training/summary';

/** The callbacks of a run (not part of its configuration: nothing of them is saved). */
export interface TrainCallbacks {
  /** Stops the run within one batch; the last finished epoch stays in the checkpoint. */
  signal?: AbortSignal;
  /** After each epoch (awaited: the run goes on when a returned Promise settles). */
  onEpoch?: (record: EpochRecord) => void | Promise<void>;
  /** Every `progressEvery` batches: the epoch (1-based), batches done, running loss and accuracy. */
  onBatch?: (progress: EpochProgress & { epoch: number }) => void;
  /** Hears notices that are not errors (e.g. a stale run-folder lock taken over). */
  onNotice?: (message: string) => void;
  /** Called once the model is built and any checkpoint restored. */
  onStart?: (info: { model: Model; policy: FreezePolicy; startEpoch: number }) => void | Promise<void>;
  /**
   * Callbacks on the training loop (src/training/callbacks.ts), after the run folder's and the
   * hooks above, each awaited: they see every epoch's plan (and may stop the run before it) and
   * record. In data-parallel runs every rank must be given the same callbacks.
   */
  callbacks?: TrainingCallback[];
}

/**
 * Everything `train()` takes: the run options of the run-configuration table (src/config/fields.ts,
 * where each option's default and bounds are written once) and the callbacks.
 */
export interface TrainOptions extends RunOptions, TrainCallbacks {}

const CALLBACKS = ['signal', 'onEpoch', 'onBatch', 'onNotice', 'onStart', 'callbacks'] as const;
const TRAIN_KEYS: readonly string[] = [...FIELD_NAMES.filter((n) => RUN_FIELDS[n].api), ...CALLBACKS];
/** Names other libraries use for our options: a TypeError points from them to ours. */
const KEY_ALIASES: Readonly<Record<string, string>> = { learningRate: 'lr', learning_rate: 'lr',  objective: 'loss', onEpochEnd: 'onEpoch', onBatchEnd: 'onBatch', validationSplit: 'valSplit', validation_split: 'valSplit' };

/** What `train` resolves to: the summary and the trained model (ready for predict/save/export). */
export interface TrainResult {
  summary: TrainSummary;
  model: Model;
}

/** Every option checked before anything is built or written. */
function checkOptions(options: TrainOptions) {
  if (typeof options !== 'object' || options === null) throw new TypeError(`train options must be an object, got ${describe(options)}`);
  requireKnownKeys('train option', options, TRAIN_KEYS, KEY_ALIASES);
  const { data } = options;
  if (!data || typeof data !== 'object' || !data.train || !data.test) throw new TypeError('data must be a DatasetPair with train and test sets');
  if (typeof data.kind !== 'string') throw new TypeError(`data.kind must be a string, got ${describe(data.kind)}`);
  if (options.resume && !options.out) throw new TypeError('resume needs the run folder in `out`');
  if (options.resume && options.force) throw new TypeError('resume and force exclude each other: continue the run, or replace it');
  if (options.out !== undefined && (typeof options.out !== 'string' || options.out.trim() === '')) {
    throw new TypeError(`out must be a non-empty folder path, got ${describe(options.out)}`);
  }
  for (const name of ['onEpoch', 'onBatch', 'onNotice', 'onStart'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`${name} must be a function`);
  }
  if (options.callbacks !== undefined) checkCallbacks(options.callbacks);
  const checked = checkRunOptions(options);
  // The loss decides what the targets are: class indices, or float values (N x outputs).
  const floatTask = OBJECTIVES[checked.loss.kind].target === 'float';
  for (const split of ['train', 'test'] as const) {
    const labels = data[split].labels as unknown;
    const known = labels instanceof Int32Array || labels instanceof Uint8Array || labels instanceof Float32Array || Array.isArray(labels);
    if (!known) continue; // checkDataset names what is wrong with it
    if (floatTask !== hasFloatTargets(data[split])) {
      throw new TypeError(`loss ${checked.loss.kind} takes ${floatTask ? 'float targets (labels as a Float32Array, N x outputs)' : 'class indices (integer labels)'}, but data.${split} has ${hasFloatTargets(data[split]) ? 'float targets' : 'class indices'}`);
    }
  }
  const range = OBJECTIVES[checked.loss.kind].targetRange;
  if (range) {
    for (const split of ['train', 'test'] as const) {
      const labels = data[split].labels;
      const i = labels.findIndex((v: number) => !(v >= range[0] && v <= range[1]));
      if (i >= 0) throw new RangeError(`loss ${checked.loss.kind} takes targets in [${range.join(', ')}]; data.${split}.labels[${i}] is ${labels[i]}`);
    }
  }
  const earlyStop = options.earlyStop === undefined ? null : checkEarlyStop(options.earlyStop);
  // A metric the loss does not report would never improve: refused, not ignored.
  const reported = metricNames(checked.loss).map((m) => `val-${m}`);
  for (const [name, metric] of [['earlyStop', earlyStop?.metric], ['keepBest', checked.keepBest]] as const) {
    if (metric && !reported.includes(metric)) throw new RangeError(`${name} ${metric}: the ${checked.loss.kind} loss reports ${reported.join(', ')}`);
  }
  if ((earlyStop || checked.keepBest) && !checked.valSplit) throw new TypeError(`${earlyStop ? 'earlyStop' : 'keepBest'} chooses by the validation set: give valSplit (--val-split F) too`);
  if (checked.keepBest && options.out === undefined) throw new TypeError('keepBest writes best.pt into the run folder: give out (--out DIR) too');
  return { ...checked, earlyStop, distributed: checkedDistributed(options, checked.batchSize) };
}

/** Each callback an object of the known hooks, each a function: a misspelt hook is an error, not silence. */
/** A pair's classes and its sets' agree (a test set of other classes would be scored wrongly). */
function checkPairClasses(data: DatasetPair): void {
  if (typeof data !== 'object' || data === null || !data.train || !data.test) return; // checkOptions named it
  if (data.train.classes !== data.classes || data.test.classes !== data.classes) {
    throw new RangeError(`data.classes is ${data.classes} but the training set has ${data.train.classes} and the test set ${data.test.classes}; they must agree`);
  }
}

function checkCallbacks(callbacks: unknown): void {
  if (!Array.isArray(callbacks)) throw new TypeError(`callbacks must be an array of TrainingCallback objects, got ${describe(callbacks)}`);
  callbacks.forEach((c, i) => {
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new TypeError(`callbacks must be an array of TrainingCallback objects; callbacks[${i}] is ${describe(c)}`);
    for (const key of Object.keys(c)) {
      if (!(TRAINING_HOOKS as readonly string[]).includes(key)) throw new TypeError(`callbacks[${i}].${key} is not a training hook; the hooks are ${TRAINING_HOOKS.join(', ')}`);
    }
    for (const hook of TRAINING_HOOKS) {
      const fn = (c as Record<string, unknown>)[hook];
      if (fn !== undefined && typeof fn !== 'function') throw new TypeError(`callbacks[${i}].${hook} must be a function, got ${describe(fn)}`);
    }
  });
}

function checkedDistributed(options: TrainOptions, batch: number) {
  if (options.distributed === undefined) return null;
  const dist = checkDistributed(options.distributed);
  if (batch < dist.world) {
    throw new RangeError(`batchSize is the global batch and must be at least the number of ranks (${dist.world}), got ${batch}`);
  }
  return dist.world > 1 ? dist : null;
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const checked = checkOptions(options);
  checkPairClasses(options.data);
  if (options.resetHead && options.initFrom == null) throw new RangeError('resetHead (--reset-head) applies with initFrom (--init-from FILE)');
  // libtorch loads on a worker thread, not on the event loop (0.6-1.1 s the first time).
  await preloadNative();
  const { epochs, seed, data } = { ...checked, data: options.data };

  const model = new Model({
    model: options.model,
    classes: options.classes ?? data.classes,
    hidden: options.hidden,
    // A TorchScript module's input is the data's (it does not say its own).
    inputShape: inputShapeFor(options.model, data.train?.shape, options.inputShape),
    seed,
    device: options.device,
    channelsLast: options.channelsLast,
    precision: options.precision,
  });
  model.setTraining({ optimizer: checked.optimizer, loss: checked.loss });
  // Class names and how files became inputs go into every checkpoint, for predict and inspect.
  model.setInputs(data.inputs ?? null);
  if (data.load) noteDataLoad(model, data.load);
  // A validation split comes out of the training data (seeded, stratified); the test set is never looked at to choose.
  const [trainPart, valPart] = checked.valSplit ? splitValidation(data.train, checked.valSplit, seed) : [data.train, null];
  // Regression: the sets' own spread (for R^2) and what predicting the training mean scores.
  const spreads: TargetSpreads = { test: targetSpread(data.test), val: valPart ? targetSpread(valPart) : undefined, baselineTestRmse: meanBaselineRmse(trainPart, data.test) };
  model.setData('train', trainPart, data.kind);
  if (valPart) model.setData('val', valPart, data.kind);
  model.setData('test', data.test, data.kind);
  if (options.augment) checkAugment(options.augment, model.info.inputShape[0]);
  model.setPreprocessing(data.kind, options.augment ?? null);
  // `freeze` travels inside a policy string or spec (so run.json keeps it); functions and policy objects take it here.
  const policySource = withFrozenUnits(options.policy ?? defaultOf('policy'), options.freeze);
  const policy = createPolicy(policySource, { units: model.units, model: model.info.model, epochs, seed }, policySource === options.policy ? options.freeze : undefined);
  if (policy.observe !== undefined && typeof policy.observe !== 'function') throw new TypeError(`the policy's observe must be a function, got ${describe(policy.observe)}`);

  const group = checked.distributed ? await DataParallel.join(model, checked.distributed) : undefined;
  // Rank 0 alone owns the run folder.
  const folder = options.out !== undefined && (!group || group.isLeader) ? new RunFolder(options.out) : undefined;
  let records: EpochRecord[] = [];
  // A resume restores and checks the checkpoint before run.json is rewritten: a refused resume
  // leaves the folder as it was.
  const restore = async () => {
    if (!folder || !options.resume || !folder.hasCheckpoint()) return;
    const meta = await model.restore(folder.checkpointPath);
    if (!meta.training) throw new Error(`${folder.checkpointPath} was not written by a training run`);
    if (meta.training.policy !== policy.name) {
      throw new RunFolderConflict(`${folder.checkpointPath} was written by policy ${meta.training.policy}, not ${policy.name}; resume with the same options`);
    }
    // The checkpoint names its optimizer and loss too: a run.json edited by hand cannot change them.
    for (const [what, saved, now, text] of [
      ['optimizer', meta.optimizer, checked.optimizer, optimizerText],
      ['loss', meta.loss, checked.loss, lossText],
    ] as const) {
      if (saved && canonical(saved) !== canonical(now)) {
        throw new RunFolderConflict(`${folder.checkpointPath} was trained with ${what} ${(text as (s: unknown) => string)(saved)}, not ${(text as (s: unknown) => string)(now)}; resume with the same options`);
      }
    }
    // run.json against the configuration the checkpoint was written under: a hand edit is named.
    const changed = meta.training.config && config ? configChanges(meta.training.config as RunConfig, config) : [];
    if (changed.length) {
      throw new RunFolderConflict(`${folder.runPath} no longer matches the options ${folder.checkpointPath} was trained with: ${changed.join('; ')}; resume with those options (only ${resumeFreeOptions()} may change)`);
    }
    // The data itself, as far as the checkpoint describes it: classes, decode, a table's statistics.
    const dataChanged = inputChanges(meta.inputs, data.inputs);
    if (dataChanged.length) throw new RunFolderConflict(`${folder.checkpointPath} was trained on other data: ${dataChanged.join('; ')}`);
    policy.setState(meta.training.policyState);
    records = meta.training.records;
  };
  const mode = options.resume ? 'resume' : options.force ? 'replace' : 'new';
  const config = folder ? runConfig(options, checked, model, policy, policySource) : undefined;
  let lock: Awaited<ReturnType<RunFolder['prepare']>> | undefined;
  let failed = true;
  try {
    if (!group || group.isLeader) {
      try {
        lock = folder && config ? await folder.prepare(config, mode, options.onNotice, restore) : undefined;
      } catch (e) {
        await group?.broadcast(Buffer.from(JSON.stringify({ error: (e as Error).message })));
        throw e;
      }
    }
    // Fine-tuning starts from given weights; a resumed run has its own in the checkpoint.
    if (options.initFrom != null && records.length === 0 && !(options.resume && folder?.hasCheckpoint())) await initWeights(model, options);
    if (group) records = await startTogether(group, options, checked, model, policy, records);
    const result = await runEpochs(options, checked, model, policy, folder, records, spreads, group, config);
    failed = false;
    return result;
  } finally {
    lock?.release();
    // After a failure the group is dropped, not left in step: the other ranks may be gone.
    await group?.leave(!failed).catch(() => undefined);
  }
}

interface TargetSpreads {
  test: number | undefined;
  val: number | undefined;
  baselineTestRmse: number | undefined;
}

/** The training set split into what trains and what validates; each class keeps at least one training sample. */
function splitValidation(train: DatasetPair['train'], share: number, seed: number) {
  const [rest, val] = stratifiedSplit(train, share, seed, [`${train.name}[train]`, `${train.name}[val]`]);
  if (val.shape[0] === 0) throw new RangeError(`valSplit ${share} of ${train.shape[0]} training samples leaves no validation sample; use a larger share`);
  if (rest.shape[0] === 0) throw new RangeError(`valSplit ${share} leaves no training sample`);
  return [rest, val] as const;
}

/**
 * The ranks start together, in three collectives every rank makes: whether rank 0 could start
 * (and why not); that every rank has the same options and data; then rank 0's state (weights,
 * momentum, policy state, records: a checkpoint) on every rank, so a new or resumed run starts
 * identical everywhere. Returns the records so far.
 */
async function startTogether(
  group: DataParallel,
  options: TrainOptions,
  checked: ReturnType<typeof checkOptions>,
  model: Model,
  policy: FreezePolicy,
  records: EpochRecord[],
): Promise<EpochRecord[]> {
  const started = JSON.parse((await group.broadcast(Buffer.from(JSON.stringify({ ok: true })))).toString('utf8')) as { ok?: boolean; error?: string };
  if (!started.ok) throw new Error(`rank 0 could not start the run: ${started.error}`);
  // Runtime options (threads, device, progress) may differ between ranks; the rest may not. The
  // model's options are compared as the model resolved them (classes, memory format), not as given.
  const { threads: _threads, device: _device, progressEvery: _every, classes: _classes, channelsLast: _layout, ...agreed } = checked;
  const plan = { ...agreed, distributed: null, data: dataDigest(options.data), model: model.modelSpec, channelsLast: model.channelsLast, policy: policy.name, augment: options.augment ?? null };
  await group.agree("the run's options and data", plan, false);
  if (group.isLeader) {
    const training = { epochsDone: records.length, policy: policy.name, policyState: policy.getState(), records };
    await group.broadcast(await model.checkpointBytes(training));
    return records;
  }
  const meta = await model.restoreFrom(await group.broadcast(null), "rank 0's state");
  if (!meta.training) throw new Error("rank 0's state holds no training state");
  policy.setState(meta.training.policyState);
  return meta.training.records;
}

/** SHA-256 of a dataset pair's images and labels (ranks compare it before training together). */
function dataDigest(data: DatasetPair): string {
  const hash = createHash('sha256');
  for (const set of [data.train, data.test]) {
    hash.update(JSON.stringify(set.shape));
    hash.update(new Uint8Array(set.images.buffer, set.images.byteOffset, set.images.byteLength));
    const labels = Array.isArray(set.labels) ? Int32Array.from(set.labels) : set.labels;
    hash.update(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength));
  }
  return hash.digest('hex');
}

/**
 * The callbacks of a run, in the order they hear each event: the run folder, the caller's hooks
 * and callbacks, then the stop rule (Ctrl-C/AbortSignal in one process; in data parallel the
 * ranks' agreement on each epoch's plan, which also makes every rank stop together).
 */
function runCallbacks(options: TrainOptions, checked: ReturnType<typeof checkOptions>, folder: RunFolder | undefined, group: DataParallel | undefined, config?: RunConfig): TrainingCallback[] {
  const caller: TrainingCallback = {
    onStart: ({ model, policy, records }) => options.onStart?.({ model, policy, startEpoch: records.length }),
    onEpochEnd: (record) => options.onEpoch?.(record),
  };
  const stopRule: TrainingCallback = group ? dataParallelCallback(group, options.signal) : { onEpochStart: () => Boolean(options.signal?.aborted) };
  const early = checked.earlyStop ? [earlyStopCallback(checked.earlyStop)] : [];
  return [...(folder ? [runFolderCallback(folder, { keepBest: checked.keepBest, config })] : []), caller, ...(options.callbacks ?? []), ...early, stopRule];
}

async function runEpochs(
  options: TrainOptions,
  checked: ReturnType<typeof checkOptions>,
  model: Model,
  policy: FreezePolicy,
  folder: RunFolder | undefined,
  restored: EpochRecord[],
  spreads: TargetSpreads,
  group?: DataParallel,
  config?: RunConfig,
): Promise<TrainResult> {
  const { epochs, seed, schedule } = checked;
  // Frozen units' BatchNorm modes: `bn` for the policy's, `freezeBn` for the pinned ones.
  const bn: BnModes = policy.pinned ? policy.pinned.map((p) => (p ? checked.freezeBn : checked.bn)) : checked.bn;
  const records = [...restored];
  const run: RunContext = { model, policy, epochs, records };
  const callbacks = runCallbacks(options, checked, folder, group, config);
  const batches = Math.ceil(model.trainSamples / checked.batchSize);
  let end: RunEnd | undefined; // set when the run stops early
  await notify(callbacks, 'onStart', run);

  for (let e = records.length; e < epochs; e++) {
    // Per-batch policies (every=batch) give all masks of the epoch up front; the native loop
    // applies mask b before batch b. The model's own mask is then all-trainable.
    const batchMasks = policy.batchMasks?.(e, batches) ?? null;
    const mask = batchMasks ? batchMasks[0] : policy.mask(e);
    // Per-step rates (warm-up, per-step schedules); otherwise one rate for the epoch.
    const stepLrs = stepRates(schedule, checked.lr, e, epochs, batches, checked.warmupSteps);
    const lr = stepLrs ? stepLrs[0] : lrAt(schedule, checked.lr, e, epochs);
    const momentumReset = policy.resetsMomentum(e);
    // Callbacks get copies: the plan is for reading (only `stop` is theirs to set).
    const plan: EpochPlan = { epoch: e, lr, mask: [...mask], batchMasks: batchMasks && batchMasks.map((m) => [...m]), momentumReset, stop: false };
    if (await notify(callbacks, 'onEpochStart', plan, run)) {
      end = { reason: plan.stopReason ?? 'interrupted' };
      break;
    }
    model.setFrozen(batchMasks ? mask.map(() => false) : mask, checked.bn, typeof bn === 'string' ? undefined : bn);
    if (momentumReset) model.resetMomentum();
    const stats = await model.trainEpoch({
      epoch: e,
      lr,
      seed,
      // Whatever else the optimizer kind reads, as given (the model checks and defaults it).
      hyper: Object.fromEntries(OPTIMIZERS[checked.optimizer.kind].reads.filter((n) => n !== 'lr').map((n) => [n, (options as unknown as Record<string, unknown>)[n]])) as Record<string, number>,
      ...(stepLrs ? { stepLrs } : {}),
      ...(checked.clipGradNorm !== undefined ? { clipGradNorm: checked.clipGradNorm } : {}),
      batchSize: checked.batchSize,
      threads: options.threads,
      augment: options.augment,
      progressEvery: checked.progressEvery,
      signal: options.signal,
      onNonFinite: checked.onNonFinite,
      onProgress: options.onBatch ? (p) => options.onBatch?.({ ...p, epoch: e + 1 }) : undefined,
      ...(batchMasks ? { batchMasks } : {}),
    });
    if (stats.aborted) {
      // The partial epoch is dropped: the checkpoint on disk is the end of the last whole epoch.
      end = { reason: 'interrupted' };
      break;
    }
    if (stats.nonFinite) {
      // Dropped like an abort: the checkpoint on disk stays the last finite state.
      end = { reason: 'non-finite-loss', nonFinite: { epoch: e + 1, batch: stats.nonFinite.batch + 1, lr, loss: stats.nonFinite.loss } };
      break;
    }
    if (stats.batches > 0 && stats.skippedBatches === stats.batches) {
      // skip-batch left every batch out: nothing trained, so the run stops as a non-finite one.
      end = { reason: 'non-finite-loss', nonFinite: { epoch: e + 1, batch: stats.batches, lr, loss: NaN, allSkipped: true } };
      break;
    }
    const broken = model.nonFiniteParams();
    if (broken.length) {
      // Dropped like a non-finite loss: the checkpoint on disk stays the last finite state.
      end = { reason: 'non-finite-weights', nonFinite: { epoch: e + 1, batch: stats.batches, lr, loss: stats.trainLoss }, nonFiniteParams: broken };
      break;
    }
    const evaluation = await model.evaluate({ threads: options.threads, augment: options.augment });
    const validation = checked.valSplit ? await model.evaluate({ threads: options.threads, augment: options.augment, split: 'val' }) : null;
    const outputs = model.info.classes;
    const record: EpochRecord = {
      epoch: e + 1,
      lr,
      ...(stepLrs ? { lastLr: stepLrs[stepLrs.length - 1] } : {}),
      ...maskShares(model, batchMasks ?? [mask], bn),
      layerOutEpoch: policy.isLayerOutEpoch(e),
      momentumReset,
      trainLoss: stats.trainLoss,
      ...setMetrics('train', checked.loss, stats.trainMetrics, outputs),
      testLoss: evaluation.loss,
      ...setMetrics('test', checked.loss, evaluation.metrics, outputs, spreads.test),
      ...(spreads.baselineTestRmse !== undefined ? { testBaselineRmse: spreads.baselineTestRmse } : {}),
      ...(validation ? { valLoss: validation.loss, ...setMetrics('val', checked.loss, validation.metrics, outputs, spreads.val) } : {}),
      ...(checked.clipGradNorm !== undefined ? { maxGradNorm: stats.maxGradNorm, clippedSteps: stats.clippedSteps } : {}),
      ...(stats.skippedBatches ? { skippedBatches: stats.skippedBatches } : {}),
      dataMs: stats.dataMs,
      forwardMs: stats.forwardMs,
      backwardMs: stats.backwardMs,
      optimizerMs: stats.optimizerMs,
      epochMs: stats.epochMs,
      device: model.info.device,
      ...(group ? { dataParallel: dataParallelRecord(model, batchMasks ?? [mask], stats, bn, group.worldSize) } : {}),
    };
    records.push(record);
    await policy.observe?.(record); // before the checkpoint, which saves what the policy kept
    await notify(callbacks, 'onEpochEnd', record, run);
  }
  if (end) await notify(callbacks, 'onStop', end, run);
  end ??= { reason: records.length < epochs ? 'interrupted' : 'completed' };
  return { summary: summarise(model, policy.name, epochs, records, end), model };
}

/** `initFrom`: the weights by name, and one notice saying what was loaded, reset, missing and unused. */
async function initWeights(model: Model, options: TrainOptions): Promise<void> {
  if (typeof options.initFrom !== 'string' || options.initFrom === '') throw new TypeError(`initFrom must be a file path, got ${describe(options.initFrom)}`);
  const report = await model.loadWeights(options.initFrom, { resetHead: options.resetHead ?? false });
  const list = (names: string[]) => (names.length <= 4 ? names.join(', ') : `${names.slice(0, 4).join(', ')}, ... (${names.length})`);
  const parts = [`loaded ${report.loaded.length} tensor(s)`];
  if (report.reset.length) parts.push(`kept ${report.reset.length} of the head (${model.units[model.units.length - 1].name}) freshly initialised`);
  if (report.missing.length) parts.push(`${report.missing.length} not in the file, left as initialised: ${list(report.missing)}`);
  if (report.unexpected.length) parts.push(`${report.unexpected.length} in the file with no place here: ${list(report.unexpected)}`);
  options.onNotice?.(`init-from ${options.initFrom}: ${parts.join('; ')}`);
}

/** Bytes this rank all-reduced in the epoch, and the ideal: 4 bytes per trainable parameter per step. */
function dataParallelRecord(model: Model, masks: boolean[][], stats: { batches: number; allreducedBytes: number; allreduceMs: number }, bn: BnModes, ranks: number): NonNullable<EpochRecord['dataParallel']> {
  let ideal = 0;
  for (let b = 0; b < stats.batches; b++) ideal += 4 * trainableParams(model.units, masks.length > 1 ? masks[b] : masks[0], bn);
  return { ranks, allreducedBytes: stats.allreducedBytes, idealAllreducedBytes: ideal, allreduceMs: stats.allreduceMs };
}

/**
 * The record's mask fields. With per-batch masks, `frozenUnits`, `frozenParamsShare` and
 * `idealBackwardSavedShare` are means over the epoch's batches (each batch weighs the same) and
 * `frozen` is the first batch's mask.
 */
function maskShares(model: Model, masks: boolean[][], bn: BnModes): Pick<EpochRecord, 'frozen' | 'frozenUnits' | 'frozenParamsShare' | 'idealBackwardSavedShare'> {
  const ideal = masks.map((m) => idealBackwardSaving(model.units, m, bn));
  return {
    frozen: masks[0],
    frozenUnits: mean(masks.map((m) => m.filter(Boolean).length)),
    frozenParamsShare: mean(masks.map((m) => frozenParamsShare(model.units, m, bn))),
    idealBackwardSavedShare: ideal.some((x) => x === null) ? null : mean(ideal as number[]),
  };
}

function runConfig(
  options: TrainOptions,
  checked: ReturnType<typeof checkOptions>,
  model: Model,
  policy: FreezePolicy,
  policySource: TrainOptions['policy'],
): RunConfig {
  const { data } = options;
  // Each saved option in the form run.json keeps it; runSettings() insists on every saved field.
  const saved: Partial<Record<FieldName, unknown>> = {
    ...checked,
    earlyStop: checked.earlyStop ?? undefined,
    policy: savedPolicy(policySource),
    initFrom: options.initFrom ?? null,
    resetHead: options.resetHead ?? false,
    augment: options.augment ?? null,
    channelsLast: model.channelsLast,
    threads: options.threads,
    distributed: checked.distributed?.world,
  };
  return {
    format: 'layerout-run-2',
    model: model.modelSpec,
    data: {
      kind: data.kind,
      classes: data.classes,
      source: data.source ?? null,
      train: { name: data.train.name, count: data.train.shape[0] },
      test: { name: data.test.name, count: data.test.shape[0] },
    },
    training: runSettings(saved, policy.name),
  };
}
