// The public Model: a validated, typed wrapper around one native model.
import { createHash } from 'node:crypto';
import { checkAugment, defaultAugment, type AugmentOptions } from './data/augment';
import type { ImageDataset } from './data/types';
import { defaultThreads, toNativeModelOptions, type ModelOptions } from './models';
import {
  loadNative,
  type BnMode,
  type NativeEpochResult,
  type NativeEvalResult,
  type NativeModel,
  type NativeModelInfo,
  type NativeStepTimes,
  type NativeUnitInfo,
} from './native';
import { describe, requireBooleanArray, requireInteger, requireNumber, requireOneOf } from './validate';

export type FreezeUnit = NativeUnitInfo;
export type ModelInfo = NativeModelInfo;
export const BN_MODES: readonly BnMode[] = ['train', 'freeze-affine', 'freeze'];

export interface EpochProgress {
  batch: number;
  batches: number;
  loss: number;
  acc: number;
}

export interface TrainEpochOptions {
  /** Epoch index (0-based); with the seed it fixes the data order and augmentation draws. */
  epoch: number;
  lr: number;
  momentum?: number;
  weightDecay?: number;
  batchSize?: number;
  seed?: number;
  threads?: number;
  augment?: AugmentOptions;
  /** Called every `progressEvery` batches (default 10). */
  onProgress?: (p: EpochProgress) => void;
  progressEvery?: number;
  /** Stops the epoch within one batch; the Promise then resolves with `aborted: true`. */
  signal?: AbortSignal;
}

/** One epoch's loss, accuracy and per-phase milliseconds (device-synchronised). */
export type EpochStats = NativeEpochResult;
export type EvalStats = NativeEvalResult;

export class Model {
  readonly info: ModelInfo;
  private readonly native: NativeModel;
  private mask: boolean[];
  private bn: BnMode = 'train';
  private dataKind = 'synthetic';

  constructor(options: ModelOptions) {
    const addon = loadNative();
    this.native = new addon.NativeModel(toNativeModelOptions(options));
    this.info = this.native.info();
    this.mask = this.info.layers.map(() => false);
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

  /** Freezes the units whose entry is true; see the design notes for what `bn` does. */
  setFrozen(mask: boolean[], bn: BnMode = this.bn): void {
    requireBooleanArray('mask', mask, this.units.length);
    requireOneOf('bn', bn, BN_MODES);
    if (mask.every(Boolean)) throw new RangeError('mask freezes every unit; at least one unit must train');
    this.native.setFrozen(mask, bn);
    this.mask = [...mask];
    this.bn = bn;
  }

  /** Copies a dataset onto the model's device, where it stays for the whole run. */
  setData(split: 'train' | 'test', data: ImageDataset, kind?: string): void {
    requireOneOf('split', split, ['train', 'test'] as const);
    const [, c, h, w] = data.shape;
    const [mc, mh, mw] = this.info.inputShape;
    if (c !== mc) throw new RangeError(`${data.name} has ${c} channel(s) but ${this.info.model} expects ${mc}`);
    if (h > mh || w > mw) {
      throw new RangeError(`${data.name} images are ${h}x${w}, larger than ${this.info.model}'s ${mh}x${mw} input`);
    }
    if (data.classes > this.info.classes) {
      throw new RangeError(`${data.name} has ${data.classes} classes but the model was built for ${this.info.classes}`);
    }
    this.native.setData(split, data.images, data.labels, [...data.shape]);
    if (kind) this.dataKind = kind;
  }

  async trainEpoch(options: TrainEpochOptions): Promise<EpochStats> {
    const native = {
      epoch: requireInteger('epoch', options.epoch, 0),
      seed: requireInteger('seed', options.seed ?? 0, 0, 2 ** 32 - 1),
      batchSize: requireInteger('batchSize', options.batchSize ?? 128, 1, 1 << 20),
      threads: requireInteger('threads', options.threads ?? defaultThreads(), 1, 1024),
      progressEvery: requireInteger('progressEvery', options.progressEvery ?? 10, 1),
      lr: requireNumber('lr', options.lr, 0, Infinity, true),
      momentum: requireNumber('momentum', options.momentum ?? 0.9, 0, 1),
      weightDecay: requireNumber('weightDecay', options.weightDecay ?? 5e-4, 0),
      augment: this.augmentFor(options.augment),
    };
    const { signal, onProgress } = options;
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw new TypeError(`onProgress must be a function, got ${describe(onProgress)}`);
    }
    if (signal?.aborted) return { ...zeroStats(), aborted: true };
    const promise = this.native.trainEpoch(native, (p) => onProgress?.(p));
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
   * Times `steps` training steps (forward, backward, optimizer) on one fixed batch of the
   * training data under the current mask; per-step milliseconds, device-synchronised.
   */
  async timeSteps(options: { steps: number; batchSize?: number; threads?: number }): Promise<NativeStepTimes> {
    return this.native.timeSteps({
      steps: requireInteger('steps', options.steps, 1, 1e6),
      batchSize: requireInteger('batchSize', options.batchSize ?? 128, 1, 1 << 20),
      threads: requireInteger('threads', options.threads ?? defaultThreads(), 1, 1024),
      augment: this.augmentFor(undefined),
    });
  }

  /** Peak bytes of the CUDA allocator (then reset when asked); null on CPU. */
  cudaPeakMemory(reset = false): number | null {
    return this.native.cudaMemory(reset)?.peakBytes ?? null;
  }

  /** Atomically writes model, momentum buffers and `meta` (any JSON value) to one file. */
  async save(path: string, meta: unknown = null): Promise<void> {
    if (typeof path !== 'string' || path === '') throw new TypeError('checkpoint path must be a non-empty string');
    await this.native.save(path, JSON.stringify(meta));
  }

  /** Restores a checkpoint written by save() and returns its `meta`. */
  async load(path: string): Promise<unknown> {
    if (typeof path !== 'string' || path === '') throw new TypeError('checkpoint path must be a non-empty string');
    const meta = await this.native.load(path);
    return meta === '' ? null : JSON.parse(meta);
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

  /** Forgets all momentum buffers (what rebuilding the optimizer does; reference-code mode). */
  resetMomentum(): void {
    this.native.resetMomentum();
  }

  private augmentFor(augment: AugmentOptions | undefined): ReturnType<typeof checkAugment> {
    const channels = this.info.inputShape[0];
    return checkAugment(augment ?? defaultAugment(this.dataKind, channels), channels);
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function zeroStats(): EpochStats {
  return {
    trainLoss: 0,
    trainAcc: 0,
    dataMs: 0,
    forwardMs: 0,
    backwardMs: 0,
    optimizerMs: 0,
    epochMs: 0,
    batches: 0,
    samples: 0,
    aborted: false,
  };
}
