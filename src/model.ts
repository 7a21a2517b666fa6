// The public Model: a validated, typed wrapper around one native model.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkAugment, defaultAugment, type AugmentOptions } from './data/augment';
import { checkDataset, checkImages, type ImageDataset } from './data/types';
import { catalogEntry, defaultThreads, fileSha256, toNativeModelOptions, type ModelOptions } from './models';
import { loadNative, type NativeGroupOptions, type NativeModel, type NativeModelOptions } from './native';
import { defaultOf, type FieldName } from './config/fields';
import { checkField } from './config/options';
import type { ObjectiveName } from './objective/registry';
import { OPTIMIZERS, type OptimizerName } from './optim/registry';
import { writeFileAtomic } from './run/atomic';
import { stepProfile } from './profile';
import { isNetworkSpec } from './spec/check';
import type { NetworkSpec } from './spec/types';
import { CHECKPOINT_FILE } from './run/files';
import { CHECKPOINT_FORMAT, modelOptionsOf, parseCheckpointMeta, runFileModel, type CheckpointMeta, type ModelSpecRecord, type TrainingState } from './run/meta';
import {
  BN_MODES,
  type BnMode,
  type EpochProgress,
  type EpochStats,
  type EvalStats,
  type FreezeUnit,
  type ModelInfo,
  NON_FINITE_ACTIONS,
  type NonFiniteAction,
  type StepProfile,
  type StepTimes,
} from './types';
import { describe, requireBooleanArray, requireInteger, requireNumber, requireOneOf } from './validate';

/** One epoch's options; those named as run options have the run's defaults and bounds (src/config/fields.ts). */
export interface TrainEpochOptions {
  /** Epoch index (0-based); with the seed it fixes the data order and augmentation draws. */
  epoch: number;
  lr: number;
  momentum?: number;
  weightDecay?: number;
  /** Hyper-parameters of other optimizers by run-option name (see OPTIMIZERS[kind].reads). */
  hyper?: Record<string, number>;
  batchSize?: number;
  seed?: number;
  threads?: number;
  augment?: AugmentOptions;
  /** Called every `progressEvery` batches (default 10). */
  onProgress?: (p: EpochProgress) => void;
  progressEvery?: number;
  /** Stops the epoch within one batch; the Promise then resolves with `aborted: true`. */
  signal?: AbortSignal;
  /** A batch with a NaN or infinite loss: 'stop' (default), 'skip-batch' or 'continue'. */
  onNonFinite?: NonFiniteAction;
  /**
   * Per-batch freezing: one mask per batch of the epoch, applied by the native loop before that
   * batch (no JavaScript call per batch); the model's own mask is put back after the epoch.
   */
  batchMasks?: boolean[][];
}

export interface PredictOptions {
  /** Samples per forward pass (default 500). */
  batchSize?: number;
  threads?: number;
}

export interface LoadOptions {
  /** Where the loaded model runs (default 'cpu'). */
  device?: ModelOptions['device'];
  /**
   * Load a checkpoint whose SHA-256 digests do not match (what `inspect` does to report the
   * damage); `checkpointDamage` then lists it. By default damage is an error.
   */
  allowDamaged?: boolean;
}

/** What the digests of a loaded checkpoint said. */
export interface CheckpointCheck {
  /** Names whose bytes no longer match their SHA-256 ('metadata', 'model/fc1.weight', 'momentum.3', ...). */
  damaged: string[];
  /** False for checkpoints written before digests existed (nothing could be checked). */
  verified: boolean;
}

/** The file a run folder keeps its checkpoint in. */
export { CHECKPOINT_FILE } from './run/files';

/** @internal The native group calls, for src/distributed only. */
export interface NativeGroupOps {
  join(options: NativeGroupOptions): Promise<void>;
  agree(values: number[], stop: boolean): Promise<{ equal: boolean; stop: boolean }>;
  broadcast(bytes: Uint8Array | null): Promise<Buffer>;
  leave(clean: boolean): Promise<void>;
}

export class Model {
  readonly info: ModelInfo;
  /** Whether conv weights and inputs are kept in channels-last memory format (given, or the model's default). */
  readonly channelsLast: boolean;
  private readonly native: NativeModel;
  private readonly spec: ModelSpecRecord;
  private mask: boolean[];
  private optimizer: OptimizerName = defaultOf('optimizer');
  private bn: BnMode = 'train';
  private dataKind = 'synthetic';
  private trainSize = 0;
  private augment: AugmentOptions | null = null;
  private check: CheckpointCheck | null = null;
  private restored: CheckpointMeta | null = null;

  constructor(options: ModelOptions) {
    const nativeOptions = toNativeModelOptions(options);
    this.native = new (loadNative().NativeModel)(nativeOptions);
    this.info = this.native.info();
    this.channelsLast = nativeOptions.channelsLast ?? false;
    this.spec = specRecord(nativeOptions, options.model);
    if (nativeOptions.torchscript) this.spec.torchscript = { path: nativeOptions.torchscript, sha256: fileSha256(nativeOptions.torchscript) };
    this.mask = this.info.layers.map(() => false);
  }

  /**
   * Opens a run folder or a checkpoint file and returns the model with its weights, momentum
   * and preprocessing (so `predict` on pixels normalises as training did).
   */
  static async load(path: string, options: LoadOptions = {}): Promise<Model> {
    const file = resolveCheckpointPath(path);
    const bytes = readCheckpointFile(file);
    const meta = readCheckpointMeta(bytes, file, options.allowDamaged ?? false);
    const model = new Model({ ...modelOptionsOf(meta.model), device: options.device });
    await model.restoreBytes(bytes, file, !options.allowDamaged);
    return model;
  }

  /** The metadata of the checkpoint this model was last restored from (null if none). */
  get checkpointMeta(): CheckpointMeta | null {
    return this.restored && structuredClone(this.restored);
  }

  /** The digest check of the checkpoint this model was last restored from (null if none). */
  get checkpointDamage(): CheckpointCheck | null {
    return this.check && { damaged: [...this.check.damaged], verified: this.check.verified };
  }

  get units(): readonly FreezeUnit[] {
    return this.info.layers;
  }

  get frozen(): readonly boolean[] {
    return this.mask;
  }

  get bnMode(): BnMode {
    return this.bn;
  }

  get busy(): boolean {
    return this.native.isBusy();
  }

  /** The options that rebuild this network (model table entry, classes, seed, ...). */
  get modelSpec(): ModelSpecRecord {
    return structuredClone(this.spec);
  }

  /** Freezes the units whose entry is true; see the design notes for what `bn` does. */
  setFrozen(mask: boolean[], bn: BnMode = this.bn): void {
    requireBooleanArray('mask', mask, this.units.length);
    requireOneOf('bn', bn, BN_MODES);
    if (mask.every(Boolean)) throw new RangeError('mask freezes every unit; at least one unit must train');
    this.native.setFrozen(mask, bn);
    this.mask = [...mask];
    this.bn = bn;
  }

  /**
   * Checks a dataset (see `ImageDataset`) and copies it onto the model's device, where it stays.
   * `kind` (a DatasetPair's kind) picks the default normalisation and augmentation.
   */
  setData(split: 'train' | 'test', data: ImageDataset, kind?: string): void {
    requireOneOf('split', split, ['train', 'test'] as const);
    if (kind !== undefined && typeof kind !== 'string') throw new TypeError(`kind must be a string, got ${describe(kind)}`);
    const [channels, height, width] = this.info.inputShape;
    checkDataset(data, `${split} dataset`, { channels, height, width, classes: this.info.classes });
    this.native.setData(split, data.images, data.labels, [...data.shape]);
    if (split === 'train') this.trainSize = data.shape[0];
    if (kind) this.dataKind = kind;
  }

  /** Sets the augmentation and normalisation used when an operation is given none. */
  setPreprocessing(dataKind: string, augment: AugmentOptions | null = null): void {
    if (typeof dataKind !== 'string') throw new TypeError(`dataKind must be a string, got ${describe(dataKind)}`);
    if (augment) checkAugment(augment, this.info.inputShape[0]);
    this.dataKind = dataKind;
    this.augment = augment;
  }

  async trainEpoch(options: TrainEpochOptions): Promise<EpochStats> {
    if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${describe(options)}`);
    const native = {
      epoch: requireInteger('epoch', options.epoch, 0),
      seed: checkField('seed', options.seed) as number,
      batchSize: checkField('batchSize', options.batchSize) as number,
      threads: requireInteger('threads', options.threads ?? defaultThreads(), 1, 1024),
      progressEvery: checkField('progressEvery', options.progressEvery) as number,
      hyper: this.hyper({ ...options.hyper, lr: requireNumber('lr', options.lr, 0, Infinity, true), momentum: options.momentum, weightDecay: options.weightDecay }),
      augment: this.augmentFor(options.augment),
      onNonFinite: checkField('onNonFinite', options.onNonFinite) as NonFiniteAction,
      ...(options.batchMasks !== undefined ? { batchMasks: this.checkBatchMasks(options.batchMasks, options.batchSize ?? defaultOf('batchSize')) } : {}),
    };
    const { signal, onProgress } = options;
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw new TypeError(`onProgress must be a function, got ${describe(onProgress)}`);
    }
    // Already aborted: the epoch still starts and stops before its first batch is applied, so the
    // ranks of a data-parallel run stop together (the request travels with that batch's sums).
    const promise = this.native.trainEpoch({ ...native, startAborted: Boolean(signal?.aborted) }, (p) => onProgress?.(p));
    const onAbort = () => this.native.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await promise;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async evaluate(options: { batchSize?: number; threads?: number; augment?: AugmentOptions } = {}): Promise<EvalStats> {
    return this.native.evaluate({
      batchSize: requireInteger('batchSize', options.batchSize ?? 500, 1, 1 << 20),
      threads: requireInteger('threads', options.threads ?? defaultThreads(), 1, 1024),
      augment: this.augmentFor(options.augment),
    });
  }

  /**
   * Logits for N images: resolves to a Float32Array of N x classes (row-major). A Uint8Array
   * gets the test-time preprocessing of `evaluate` (centred, normalised); a Float32Array is used
   * as it is (only centred when smaller than the input). Runs off the event loop, in batches.
   */
  async predict(images: Uint8Array | Float32Array, shape: [number, number, number, number], options: PredictOptions = {}): Promise<Float32Array> {
    const [channels, height, width] = this.info.inputShape;
    checkImages(images, shape, 'predict', { channels, height, width });
    return this.native.predict(images, [...shape], {
      batchSize: requireInteger('batchSize', options.batchSize ?? 500, 1, 1 << 20),
      threads: requireInteger('threads', options.threads ?? defaultThreads(), 1, 1024),
      augment: this.augmentFor(undefined),
    });
  }

  /**
   * Times `steps` training steps (forward, backward, optimizer) on one fixed batch of the
   * training data under the current mask: the first `batchSize` samples (default 128, or all where
   * there are fewer; a larger `batchSize` is a RangeError). Per-step milliseconds, device-synchronised.
   */
  async timeSteps(options: { steps: number; batchSize?: number; threads?: number }): Promise<StepTimes> {
    return this.native.timeSteps(this.stepOptions(options, 1e6));
  }

  /**
   * Checked options of timeSteps/profileSteps: the batch is the first batchSize training samples
   * (default 128, or all of them where there are fewer); a larger batchSize is refused.
   */
  /**
   * The hyper-parameters the optimizer kind reads (OPTIMIZERS[kind].reads), each checked against
   * its run option's bounds and defaulted from the run-configuration table; others are refused.
   */
  private hyper(given: Record<string, unknown>): Record<string, number> {
    const reads = OPTIMIZERS[this.optimizer].reads;
    const extra = Object.keys(given).filter((k) => given[k] !== undefined && !reads.includes(k));
    if (extra.length) throw new RangeError(`hyper-parameter ${extra.join(', ')} is not read by the ${this.optimizer} optimizer (it reads ${reads.join(', ')})`);
    return Object.fromEntries(reads.map((name) => [name, checkField(name as FieldName, given[name]) as number]));
  }

  private stepOptions(options: { steps: number; batchSize?: number; threads?: number }, maxSteps: number) {
    if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object like { steps: 3 }, got ${describe(options)}`);
    const steps = requireInteger('steps', options.steps, 1, maxSteps);
    const batchSize = options.batchSize === undefined ? Math.min(defaultOf('batchSize'), this.trainSize || Infinity) : requireInteger('batchSize', options.batchSize, 1, 1 << 20);
    if (this.trainSize > 0 && batchSize > this.trainSize) {
      throw new RangeError(`batchSize ${batchSize} is larger than the training data (${this.trainSize} samples): set more data or a smaller batch`);
    }
    return {
      steps,
      batchSize,
      threads: requireInteger('threads', options.threads ?? defaultThreads(), 1, 1024),
      augment: this.augmentFor(undefined),
      // The run defaults' update (momentum and decay on, as in training): only its cost matters.
      hyper: this.hyper({}),
    };
  }

  /**
   * Runs `steps` (at most 1000) training steps like `timeSteps`, under libtorch's profiler: where
   * the step's time goes, by operator (self time) and by phase. Operators run inside the
   * optimizer's update are named "Optimizer.step > NAME". Profiling adds overhead of its own;
   * use `timeSteps` for timings.
   */
  async profileSteps(options: { steps: number; batchSize?: number; threads?: number }): Promise<StepProfile> {
    const checked = this.stepOptions(options, 1000); // every event stays in memory until the end
    const result = await this.native.timeSteps({ ...checked, profile: true });
    return stepProfile(result.operators ?? [], checked.steps);
  }

  /** Peak bytes of the CUDA allocator (then reset when asked); null on CPU. */
  cudaPeakMemory(reset = false): number | null {
    return this.native.cudaMemory(reset)?.peakBytes ?? null;
  }

  /**
   * Atomically writes weights, momentum buffers, the model's description and `meta` (any JSON
   * value) to one file that `Model.load` opens.
   */
  async save(path: string, meta: unknown = null): Promise<void> {
    if (typeof path !== 'string' || path === '') throw new TypeError('checkpoint path must be a non-empty string');
    await writeFileAtomic(path, await this.checkpointBytes(undefined, meta));
  }

  /** The bytes of a checkpoint (what `save` writes); run folders write them themselves. */
  async checkpointBytes(training?: TrainingState, user?: unknown): Promise<Buffer> {
    const meta: CheckpointMeta = {
      format: CHECKPOINT_FORMAT,
      model: this.spec,
      preprocessing: { dataKind: this.dataKind, augment: this.augment },
      ...(training ? { training } : {}),
      ...(user !== undefined && user !== null ? { user } : {}),
    };
    return this.native.save(JSON.stringify(meta));
  }

  /**
   * Restores a checkpoint of this network (from `save` or a run) and returns its metadata. Its
   * digests are checked first: on damage the model keeps its state and the Promise rejects,
   * naming what is damaged.
   */
  async restore(path: string): Promise<CheckpointMeta> {
    const file = resolveCheckpointPath(path);
    return this.restoreBytes(readCheckpointFile(file), file, true);
  }

  /** torch.save-compatible bytes: {PyTorch module name: tensor} of every parameter and buffer. */
  async stateDict(): Promise<Buffer> {
    return this.native.stateDict();
  }

  /**
   * SHA-256 of one unit's parameters (weights, bias, BatchNorm affine), in order; with
   * `withStats`, its BatchNorm running mean and variance are hashed too.
   */
  unitDigest(unit: number, withStats = false): string {
    requireInteger('unit', unit, 0, this.units.length - 1);
    return sha256(this.native.unitBytes(unit, withStats));
  }

  unitDigests(): string[] {
    return this.units.map((u) => this.unitDigest(u.index));
  }

  /** SHA-256 of every parameter and buffer (BatchNorm running statistics included). */
  digest(): string {
    return sha256(this.native.modelBytes());
  }

  /** SHA-256 of a unit's momentum buffers, or null while it has none. */
  momentumDigest(unit: number): string | null {
    requireInteger('unit', unit, 0, this.units.length - 1);
    const bytes = this.native.momentumBytes(unit);
    return bytes ? sha256(bytes) : null;
  }

  /**
   * The optimizer and objective this model trains with (default 'sgd' and 'cross-entropy'; see
   * OPTIMIZERS and OBJECTIVES). Choosing another optimizer kind drops the current one's state.
   */
  setTraining(options: { optimizer?: OptimizerName; objective?: ObjectiveName }): void {
    if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${describe(options)}`);
    const optimizer = checkField('optimizer', options.optimizer) as OptimizerName;
    this.native.setTraining({ optimizer, objective: checkField('objective', options.objective) as string });
    this.optimizer = optimizer;
  }

  /** Forgets all optimizer state, momentum buffers for SGD (what rebuilding the optimizer does; reference-code mode). */
  resetMomentum(): void {
    this.native.resetMomentum();
  }

  /** Restores checkpoint bytes received from elsewhere (data parallel: rank 0's state); `source` names them in errors. */
  async restoreFrom(bytes: Buffer, source: string): Promise<CheckpointMeta> {
    return this.restoreBytes(bytes, source, true);
  }

  /** @internal Data parallel (src/distributed/group.ts): the native process group of this model. */
  get group(): NativeGroupOps {
    const native = this.native;
    return {
      join: (options) => native.joinGroup(options),
      agree: (values, stop) => native.groupAgree(values, stop),
      broadcast: (bytes) => native.groupBroadcast(bytes),
      leave: (clean) => native.leaveGroup(clean),
    };
  }

  private async restoreBytes(bytes: Buffer, source: string, strict: boolean): Promise<CheckpointMeta> {
    const meta = readCheckpointMeta(bytes, source, !strict, this.spec);
    const same = meta.model.model === this.spec.model && meta.model.classes === this.spec.classes;
    if (!same) {
      throw new RangeError(
        `${source} holds ${meta.model.model} with ${meta.model.classes} classes, not ${this.spec.model} with ${this.spec.classes}`,
      );
    }
    let result;
    try {
      result = await this.native.load(bytes, strict);
    } catch (e) {
      throw new Error(`${source}: ${(e as Error).message}`);
    }
    this.check = { damaged: result.damaged, verified: result.verified };
    this.restored = meta;
    this.dataKind = meta.preprocessing.dataKind;
    this.augment = meta.preprocessing.augment;
    return meta;
  }

  private checkBatchMasks(masks: unknown, batchSize: number): boolean[][] {
    const batches = Math.ceil(this.trainSize / batchSize);
    if (!Array.isArray(masks)) throw new TypeError(`batchMasks must be an array of masks, got ${describe(masks)}`);
    if (masks.length !== batches) {
      throw new RangeError(`batchMasks has ${masks.length} masks but the epoch has ${batches} batches (${this.trainSize} samples, batch ${batchSize})`);
    }
    masks.forEach((m, b) => {
      requireBooleanArray(`batchMasks[${b}]`, m, this.units.length);
      if ((m as boolean[]).every(Boolean)) throw new RangeError(`batchMasks[${b}] freezes every unit; at least one unit must train`);
    });
    return masks as boolean[][];
  }

  private augmentFor(augment: AugmentOptions | undefined): ReturnType<typeof checkAugment> {
    const channels = this.info.inputShape[0];
    return checkAugment(augment ?? this.augment ?? defaultAugment(this.dataKind, channels), channels);
  }
}

function readCheckpointFile(file: string): Buffer {
  // Devices and pipes have no end (/dev/zero) or block (a fifo): checkpoints are regular files.
  if (!statSync(file).isFile()) throw new RangeError(`${file} is not a regular file, so not a checkpoint`);
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`could not read ${file}: ${(e as Error).message}`);
  }
}

/** The checkpoint's metadata, its digest checked (unless damage is allowed), parsed. */
function readCheckpointMeta(bytes: Buffer, file: string, allowDamaged: boolean, fallback?: ModelSpecRecord): CheckpointMeta {
  let raw;
  try {
    raw = loadNative().checkpointMeta(bytes);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message.replace(/^could not read the checkpoint: /, '')}`);
  }
  if (raw.damaged && !allowDamaged) throw new Error(`${file}: the checkpoint is damaged: metadata no longer matches its SHA-256`);
  return parseCheckpointMeta(raw.meta, file, runFileModel(dirname(file)) ?? fallback);
}

/** A run folder's checkpoint, or the checkpoint file itself. */
export function resolveCheckpointPath(path: string): string {
  if (typeof path !== 'string' || path === '') throw new TypeError('path must be a run folder or a checkpoint file');
  if (!existsSync(path)) throw new RangeError(`no such run folder or checkpoint: ${path}`);
  if (!statSync(path).isDirectory()) return path;
  const file = join(path, CHECKPOINT_FILE);
  if (!existsSync(file)) throw new RangeError(`${path} holds no ${CHECKPOINT_FILE}: not a layerout run folder (or its run never saved)`);
  if (!statSync(file).isFile()) throw new Error(`${file} is not a file: the run folder is damaged`);
  return file;
}

/**
 * What rebuilds the network: a user's spec itself; a built-in network's name (and, for the
 * configurable mlp, its widths and input); a TorchScript module's input (its file is added).
 */
function specRecord(options: NativeModelOptions, source: ModelOptions['model']): ModelSpecRecord {
  if (isNetworkSpec(source)) return { model: options.model, network: structuredClone(source), classes: options.classes, seed: options.seed };
  const spec: ModelSpecRecord = { model: options.model, classes: options.classes, seed: options.seed };
  if (typeof source === 'string' && !catalogEntry(source).configurable) return spec;
  if (options.hidden.length) spec.hidden = [...options.hidden];
  if (options.inputShape.length === 3) spec.inputShape = options.inputShape as [number, number, number];
  return spec;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
