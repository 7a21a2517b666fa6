// The public Model: a Network (network.ts) with its training, validated and typed.
import type { AugmentOptions } from './data/augment';
import { checkDataset, type ImageDataset } from './data/types';
import { defaultOf, type FieldName } from './config/fields';
import { checkField } from './config/options';
import { defaultThreads, inputFit, type ModelOptions } from './models';
import type { NativeGroupOptions } from './native';
import { OBJECTIVES, type ObjectiveName } from './objective/registry';
import { checkLoss, lossSettings, type LossSpec, type ResolvedLoss } from './objective/spec';
import { OPTIMIZERS, type OptimizerName } from './optim/registry';
import { checkOptimizer, optimizerHyper, type OptimizerSpec, type ResolvedOptimizer } from './optim/spec';
import { stepProfile } from './profile';
import { readPredictInputs, type PredictSource } from './predict/inputs';
import { predictionsOf, type Prediction } from './predict/outputs';
import { Network, sha256 } from './network';
import type { CheckpointMeta } from './run/meta';
import { BN_MODES, type BnMode, type EpochProgress, type EpochStats, type EvalStats, type NonFiniteAction, type StepProfile, type StepTimes } from './types';
import { describe, requireBooleanArray, requireInteger, requireKnownKeys, requireNumber, requireOneOf } from './validate';

export { CHECKPOINT_FILE, Network, resolveCheckpointPath } from './network';
export type { CheckpointCheck, LoadOptions, PredictOptions, WeightReport } from './network';
import type { PredictOptions } from './network';

/** One epoch's options; those named as run options have the run's defaults and bounds (src/config/fields.ts). */
export interface TrainEpochOptions {
  /** Epoch index (0-based); with the seed it fixes the data order and augmentation draws. */
  epoch: number;
  /** The learning rate of this epoch's updates. */
  lr: number;
  /** SGD momentum (sgd only), in [0, 1]; default 0.9. */
  momentum?: number;
  /** Weight decay (L2 in the gradient; adamw: decoupled); default 5e-4. */
  weightDecay?: number;
  /** Hyper-parameters of other optimizers by run-option name (see OPTIMIZERS[kind].reads). */
  hyper?: Record<string, number>;
  /** Samples per step; default 128. */
  batchSize?: number;
  /** With `epoch`, fixes the data order and augmentation draws; default 0. */
  seed?: number;
  /** CPU threads libtorch uses (default: every core, os.availableParallelism()). */
  threads?: number;
  /** Augmentation and normalisation; default the data kind's (setPreprocessing / setData's kind). */
  augment?: AugmentOptions;
  /** Called every `progressEvery` batches (default 10). */
  onProgress?: (p: EpochProgress) => void;
  /** Batches between onProgress calls; default 10. */
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
  /** Scales each step's gradients to a global 2-norm of at most this (torch.nn.utils.clip_grad_norm_); default off. */
  clipGradNorm?: number;
  /** One learning rate per batch (warm-up, per-step schedules), replacing `lr` for that batch's update. */
  stepLrs?: number[];
}

const TRAIN_EPOCH_KEYS = ['epoch', 'lr', 'momentum', 'weightDecay', 'hyper', 'batchSize', 'seed', 'threads', 'augment', 'onProgress', 'progressEvery', 'signal', 'onNonFinite', 'batchMasks', 'clipGradNorm', 'stepLrs'] as const satisfies readonly (keyof TrainEpochOptions)[];

/** @internal The native group calls, for src/distributed only. */
export interface NativeGroupOps {
  join(options: NativeGroupOptions): Promise<void>;
  agree(values: number[], stop: boolean): Promise<{ equal: boolean; stop: boolean }>;
  broadcast(bytes: Uint8Array | null): Promise<Buffer>;
  leave(clean: boolean): Promise<void>;
}

/**
 * A network with its training: data on its device, the freeze mask, the optimizer and objective,
 * epochs, evaluation, step timing, and (data parallel) its process group.
 */
export class Model extends Network {
  private mask: boolean[];
  private optimizerSpec: ResolvedOptimizer = checkOptimizer(defaultOf('optimizer'));
  private lossSpec: ResolvedLoss = checkLoss(defaultOf('loss'));
  private bn: BnMode = 'train';
  private unitBn: BnMode[] | null = null;
  private trainSize = 0;
  private valSize = 0;

  constructor(options: ModelOptions) {
    super(options);
    this.mask = this.info.layers.map(() => false);
  }

  /** Samples in the training data set with setData('train', ...). */
  get trainSamples(): number {
    return this.trainSize;
  }

  get frozen(): readonly boolean[] {
    return this.mask;
  }

  get bnMode(): BnMode {
    return this.bn;
  }

  /**
   * Freezes the units whose entry is true; see the design notes for what `bn` does. `perUnit`
   * gives each unit's own BatchNorm mode instead (units pinned frozen while fine-tuning keep
   * theirs fixed, the others follow the policy's `bn`).
   */
  setFrozen(mask: boolean[], bn: BnMode = this.bn, perUnit?: readonly BnMode[]): void {
    requireBooleanArray('mask', mask, this.units.length);
    requireOneOf('bn', bn, BN_MODES);
    if (perUnit !== undefined) {
      if (!Array.isArray(perUnit) || perUnit.length !== this.units.length) throw new TypeError(`perUnit must be an array of ${this.units.length} BatchNorm modes (one per unit)`);
      perUnit.forEach((m, i) => requireOneOf(`perUnit[${i}]`, m, BN_MODES));
    }
    if (mask.every(Boolean)) throw new RangeError('mask freezes every unit; at least one unit must train');
    this.native.setFrozen(mask, bn, perUnit ? [...perUnit] : undefined);
    this.mask = [...mask];
    this.bn = bn;
    this.unitBn = perUnit ? [...perUnit] : null;
  }

  /** Each unit's BatchNorm mode when frozen, where setFrozen was given one per unit (else null: `bnMode` for all). */
  get bnModes(): readonly BnMode[] | null {
    return this.unitBn;
  }

  /**
   * Checks a dataset (see `ImageDataset`) and copies it onto the model's device, where it stays.
   * `kind` (a DatasetPair's kind) picks the default normalisation and augmentation.
   */
  setData(split: 'train' | 'test' | 'val', data: ImageDataset, kind?: string): void {
    requireOneOf('split', split, ['train', 'test', 'val'] as const);
    if (kind !== undefined && typeof kind !== 'string') throw new TypeError(`kind must be a string, got ${describe(kind)}`);
    const [channels, height, width] = this.info.inputShape;
    checkDataset(data, `${split} dataset`, { channels, height, width, classes: this.info.classes, ...inputFit(this.spec) });
    this.native.setData(split, data.images, data.labels, [...data.shape]);
    if (split === 'train') this.trainSize = data.shape[0];
    if (split === 'val') this.valSize = data.shape[0];
    if (kind) this.dataKind = kind;
  }

  /**
   * The optimizer and objective this model trains with (default 'sgd' and 'cross-entropy'; see
   * OPTIMIZERS and OBJECTIVES). Choosing another optimizer kind drops the current one's state.
   */
  setTraining(options: { optimizer?: OptimizerName | OptimizerSpec | string; loss?: ObjectiveName | LossSpec | string }): void {
    if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${describe(options)}`);
    requireKnownKeys('setTraining option', options, ['optimizer', 'loss'], { objective: 'loss' });
    const optimizer = checkOptimizer(options.optimizer ?? defaultOf('optimizer'));
    const loss = checkLoss(options.loss ?? defaultOf('loss'));
    this.native.setTraining({ optimizer: optimizer.kind, objective: loss.kind, objectiveSettings: lossSettings(loss) });
    this.optimizerSpec = optimizer;
    this.lossSpec = loss;
  }

  /** The loss this model trains with, every setting resolved. */
  get loss(): ResolvedLoss {
    return { ...this.lossSpec };
  }

  /**
   * Predictions people read for N inputs: class names with softmax probabilities (the `top`
   * classes, default 3), per-label probabilities (bce) or named values (regression); `names`
   * labels each input (default its index).
   */
  async classify(images: Uint8Array | Float32Array, shape: [number, number, number, number], options: PredictOptions & { top?: number; names?: string[] } = {}): Promise<Prediction[]> {
    if (typeof options !== 'object' || options === null) throw new TypeError(`classify options must be an object, got ${describe(options)}`);
    const { top, names, ...predict } = options;
    requireKnownKeys('classify option', options, ['batchSize', 'threads', 'top', 'names']);
    // top ranks classes: it applies to cross-entropy models only, and never asks for more than they have.
    const k = this.lossSpec.kind === 'cross-entropy' ? requireInteger('top', top ?? Math.min(3, this.info.classes), 1, this.info.classes) : 1;
    if (names !== undefined && (!Array.isArray(names) || names.length !== shape[0] || names.some((n) => typeof n !== 'string'))) {
      throw new TypeError(`names must be an array of ${shape[0]} strings (one per input)`);
    }
    const logits = await this.predict(images, shape, predict);
    return predictionsOf(logits, this.info.classes, names ?? Array.from({ length: shape[0] }, (_, i) => String(i)), this.lossSpec.kind, this.inputs, k);
  }

  /**
   * Reads new, unlabelled inputs the way the training data was read (image files decoded with the
   * run's size/channels/fit, table rows standardised with the training statistics, .npy/.npz
   * arrays) and predicts them (see `classify`). With `skipUnreadable`, image files that do not
   * decode are left out and listed in `skipped`; otherwise they are an error.
   */
  async predictFiles(source: PredictSource, options: PredictOptions & { top?: number; skipUnreadable?: boolean } = {}): Promise<{ predictions: Prediction[]; skipped: { name: string; reason: string }[] }> {
    if (typeof options !== 'object' || options === null) throw new TypeError(`predictFiles options must be an object, got ${describe(options)}`);
    requireKnownKeys('predictFiles option', options, ['batchSize', 'threads', 'top', 'skipUnreadable']);
    const { skipUnreadable, ...rest } = options;
    const inputs = await readPredictInputs({ inputs: this.inputs, inputShape: this.info.inputShape }, source, { skipUnreadable: Boolean(skipUnreadable) });
    return { predictions: await this.classify(inputs.images, inputs.shape, { ...rest, names: inputs.names }), skipped: inputs.skipped ?? [] };
  }

  /** @internal */
  protected override trainingMeta(): Pick<CheckpointMeta, 'optimizer' | 'loss'> {
    return { optimizer: this.optimizer, loss: this.loss };
  }

  /** @internal */
  protected override useOptimizer(optimizer: ResolvedOptimizer, loss?: ResolvedLoss): void {
    this.setTraining({ optimizer, loss });
  }

  /** The optimizer this model trains with, every setting resolved. */
  get optimizer(): ResolvedOptimizer {
    return { ...this.optimizerSpec };
  }

  async trainEpoch(options: TrainEpochOptions): Promise<EpochStats> {
    if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${describe(options)}`);
    requireKnownKeys('trainEpoch option', options, TRAIN_EPOCH_KEYS);
    const native = {
      epoch: requireInteger('epoch', options.epoch, 0),
      seed: checkField('seed', options.seed) as number,
      batchSize: checkField('batchSize', options.batchSize) as number,
      threads: requireInteger('threads', options.threads ?? defaultThreads(), 1, 1024),
      progressEvery: checkField('progressEvery', options.progressEvery) as number,
      hyper: this.hyper(options),
      augment: this.augmentFor(options.augment),
      onNonFinite: checkField('onNonFinite', options.onNonFinite) as NonFiniteAction,
      ...(options.batchMasks !== undefined ? { batchMasks: this.checkBatchMasks(options.batchMasks, options.batchSize ?? defaultOf('batchSize')) } : {}),
      ...(options.clipGradNorm !== undefined ? { clipGradNorm: requireNumber('clipGradNorm', options.clipGradNorm, 0, Infinity, true) } : {}),
      ...(options.stepLrs !== undefined ? { stepLrs: this.checkStepLrs(options.stepLrs, options.batchSize ?? defaultOf('batchSize')) } : {}),
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
      const stats = await promise;
      return { ...stats, trainAcc: this.accuracyOf(stats.trainMetrics) };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Loss and metric on the test set, or with `split: 'val'` on the validation set (setData('val', ...)). */
  async evaluate(options: { batchSize?: number; threads?: number; augment?: AugmentOptions; split?: 'test' | 'val' } = {}): Promise<EvalStats> {
    requireKnownKeys('evaluate option', options, ['batchSize', 'threads', 'augment', 'split']);
    const split = requireOneOf('split', options.split ?? 'test', ['test', 'val'] as const);
    if (split === 'val' && this.valSize === 0) throw new Error("evaluate: no validation data has been set (setData('val', ...))");
    const stats = await this.native.evaluate({
      batchSize: requireInteger('batchSize', options.batchSize ?? 500, 1, 1 << 20),
      threads: requireInteger('threads', options.threads ?? defaultThreads(), 1, 1024),
      augment: this.augmentFor(options.augment),
      validation: split === 'val',
    });
    return { ...stats, acc: this.accuracyOf(stats.metrics) };
  }

  /** The accuracy in a loss's metric sums, or NaN for a loss that has none (regression). */
  private accuracyOf(metrics: readonly number[]): number {
    const acc = OBJECTIVES[this.lossSpec.kind].metrics(metrics, this.info.classes).acc;
    return acc ?? NaN;
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
  private hyper(options: Partial<Pick<TrainEpochOptions, 'lr' | 'momentum' | 'weightDecay' | 'hyper'>>): Record<string, number> {
    const extraHyper = options.hyper ?? {};
    if (typeof extraHyper !== 'object' || extraHyper === null || Array.isArray(extraHyper)) throw new TypeError(`hyper must be an object of numbers, got ${describe(extraHyper)}`);
    const given: Record<string, unknown> = { ...extraHyper };
    for (const name of ['lr', 'momentum', 'weightDecay'] as const) {
      if (options[name] === undefined) continue;
      if (given[name] !== undefined) throw new TypeError(`${name} is given twice (as ${name} and as hyper.${name})`);
      given[name] = options[name];
    }
    if ('lr' in options) given.lr = requireNumber('lr', given.lr, 0, Infinity, true);
    const kind = this.optimizerSpec.kind;
    const reads = OPTIMIZERS[kind].reads;
    const extra = Object.keys(given).filter((k) => given[k] !== undefined && !reads.includes(k));
    if (extra.length) throw new RangeError(`hyper-parameter ${extra.join(', ')} is not read by the ${kind} optimizer (it reads ${reads.join(', ')})`);
    return { ...Object.fromEntries(reads.map((name) => [name, checkField(name as FieldName, given[name]) as number])), ...optimizerHyper(this.optimizerSpec) };
  }

  private stepOptions(options: { steps: number; batchSize?: number; threads?: number }, maxSteps: number) {
    if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object like { steps: 3 }, got ${describe(options)}`);
    requireKnownKeys('step option', options, ['steps', 'batchSize', 'threads']);
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
      hyper: this.hyper({ lr: OPTIMIZERS[this.optimizerSpec.kind].defaultLr }),
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

  /** SHA-256 of a unit's momentum buffers, or null while it has none. */
  momentumDigest(unit: number): string | null {
    requireInteger('unit', unit, 0, this.units.length - 1);
    const bytes = this.native.momentumBytes(unit);
    return bytes ? sha256(bytes) : null;
  }

  /** Names of the parameters that hold a NaN or an infinity (none after a sound update). */
  nonFiniteParams(): string[] {
    return this.native.nonFiniteParams();
  }

  /** Forgets all optimizer state, momentum buffers for SGD (what rebuilding the optimizer does; reference-code mode). */
  resetMomentum(): void {
    this.native.resetMomentum();
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

  private checkStepLrs(lrs: unknown, batchSize: number): number[] {
    const batches = Math.ceil(this.trainSize / batchSize);
    if (!Array.isArray(lrs)) throw new TypeError(`stepLrs must be an array of numbers, got ${describe(lrs)}`);
    if (lrs.length !== batches) throw new RangeError(`stepLrs has ${lrs.length} rates but the epoch has ${batches} batches (${this.trainSize} samples, batch ${batchSize})`);
    lrs.forEach((lr, b) => requireNumber(`stepLrs[${b}]`, lr, 0));
    return lrs as number[];
  }
}
