// The public Network: one native network's weights, preprocessing, predictions and checkpoints,
// validated and typed. Model (model.ts) adds its training.
import { defaultOf } from './config/fields';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkAugment, defaultAugment, type AugmentOptions } from './data/augment';
import { checkImages } from './data/types';
import { catalogEntry, defaultThreads, fileSha256, inputFit, toNativeModelOptions, type ModelOptions } from './models';
import { loadNative, preloadNative, type NativeModel, type NativeModelOptions } from './native';
import { writeFileAtomic } from './run/atomic';
import { CHECKPOINT_FILE, RUN_FILE as RUN_FILE_NAME } from './run/files';
import { CHECKPOINT_FORMAT, modelOptionsOf, parseCheckpointMeta, runFileModel, type CheckpointMeta, type ModelSpecRecord, type TrainingState } from './run/meta';
import type { ResolvedOptimizer } from './optim/spec';
import { checkLoss, lossSettings, type ResolvedLoss } from './objective/spec';
import { isNetworkSpec } from './spec/check';
import type { FreezeUnit, ModelInfo } from './types';
import type { PlanLayer } from './spec/types';
import { isTorchSaveArchive, readTorchSave } from './io/torch-save';
import { checkInputRecord, type InputRecord } from './data/inputs';
import { describe, requireInteger, requireKnownKeys } from './validate';

export interface PredictOptions {
  /** Samples per forward pass (default 500). */
  batchSize?: number;
  /** CPU threads libtorch uses (default: every core, os.availableParallelism()). */
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

/**
 * A network: built from a model option (a built-in network, your spec, a TorchScript file), its
 * weights, preprocessing, predictions, checkpoints (save, restore, load), state dict and digests.
 * Training it (data, masks, epochs, the optimizer) is Model's, which extends it.
 */
export class Network {
  readonly info: ModelInfo;
  /** Whether conv weights and inputs are kept in channels-last memory format (given, or the model's default). */
  readonly channelsLast: boolean;
  /** @internal */
  protected readonly native: NativeModel;
  /** @internal */
  protected readonly spec: ModelSpecRecord;
  /** @internal */
  protected dataKind = 'synthetic';
  private inputRecord: InputRecord | null = null;
  /** @internal */
  protected augment: AugmentOptions | null = null;
  private check: CheckpointCheck | null = null;
  private restored: CheckpointMeta | null = null;
  private readonly layerPlan: readonly PlanLayer[] | null;

  constructor(options: ModelOptions) {
    const nativeOptions = toNativeModelOptions(options);
    this.native = new (loadNative().NativeModel)(nativeOptions);
    this.info = this.native.info();
    this.channelsLast = nativeOptions.channelsLast ?? false;
    this.spec = specRecord(nativeOptions, options.model);
    this.layerPlan = nativeOptions.network ? structuredClone(nativeOptions.network.layers) : null;
    if (nativeOptions.torchscript) {
      this.spec.torchscript = {
        path: nativeOptions.torchscriptRecorded ?? nativeOptions.torchscript,
        sha256: fileSha256(nativeOptions.torchscript),
        ...(nativeOptions.torchscriptUnits ? { units: nativeOptions.torchscriptUnits } : {}),
      };
    }
  }

  /**
   * Opens a run folder or a checkpoint file and returns the model (of the class it is called on:
   * `Model.load` gives a Model) with its weights, optimizer state and preprocessing (so `predict`
   * on pixels normalises as training did).
   */
  static async load<T extends Network>(this: new (options: ModelOptions) => T, path: string, options: LoadOptions = {}): Promise<T> {
    if (typeof options !== 'object' || options === null) throw new TypeError(`load options must be an object, got ${describe(options)}`);
    requireKnownKeys('load option', options, ['device', 'allowDamaged']);
    await preloadNative();
    const file = resolveCheckpointPath(path);
    const bytes = await readCheckpointFile(file);
    const meta = await readCheckpointMeta(bytes, file, options.allowDamaged ?? false);
    // A checkpoint in a run folder: a TorchScript module comes from the folder's copy.
    const inRun = existsSync(join(dirname(file), RUN_FILE_NAME)) ? dirname(file) : undefined;
    const model = new this({ ...modelOptionsOf(meta.model, inRun), device: options.device });
    // The optimizer whose state the checkpoint holds (adamw's moments, sgd's momentum).
    if (meta.optimizer) model.useOptimizer(meta.optimizer, meta.loss);
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

  get busy(): boolean {
    return this.native.isBusy();
  }

  /**
   * Every layer with its sizes resolved (what the addon built), or null for a TorchScript model:
   * what the ONNX exporter walks.
   */
  get plan(): PlanLayer[] | null {
    return this.layerPlan && structuredClone(this.layerPlan) as PlanLayer[];
  }

  /** The weights by export name (float32 copies, forward order; BatchNorm counters left out); not for TorchScript models. */
  async exportTensors(): Promise<{ name: string; shape: number[]; data: Float32Array }[]> {
    if (!this.layerPlan) throw new RangeError('a TorchScript model has no layerout layer plan: export it as a state dict (its TorchScript module) and convert that in PyTorch');
    return this.native.exportTensors();
  }

  /**
   * Loads weights by name from a `torch.save`d state dict (PyTorch's `model.state_dict()`, or a
   * `layerout export`) or a TorchScript file: each of this network's tensors whose name (its
   * PyTorch name; see `layerout export`) and shape match one in the file. `resetHead` leaves the
   * last unit as it is (freshly initialised: a head for another class count). A shape mismatch
   * elsewhere loads nothing and is an error naming the tensors; so is a file none of whose
   * tensors match. Returns what was loaded, ours missing from the file, the file's unused ones.
   */
  async loadWeights(source: string | Uint8Array, options: { resetHead?: boolean } = {}): Promise<WeightReport> {
    if (typeof options !== 'object' || options === null) throw new TypeError(`loadWeights options must be an object, got ${describe(options)}`);
    requireKnownKeys('loadWeights option', options, ['resetHead']);
    if (options.resetHead !== undefined && typeof options.resetHead !== 'boolean') throw new TypeError(`resetHead must be true or false, got ${describe(options.resetHead)}`);
    const where = typeof source === 'string' ? source : 'the weights';
    let bytes: Uint8Array;
    if (typeof source === 'string') {
      if (!existsSync(source)) throw new RangeError(`${source}: no such file`);
      bytes = await readCheckpointFile(source);
    } else if (source instanceof Uint8Array) {
      bytes = source;
    } else {
      throw new TypeError(`weights must be a file path or a Uint8Array, got ${describe(source)}`);
    }
    const last = this.units.length - 1;
    // PyTorch's torch.save files are read here (libtorch 1.13 cannot unpickle their OrderedDict);
    // TorchScript files and libtorch's own pickles go to the addon as they are.
    const tensors = isTorchSaveArchive(bytes) ? [...readTorchSave(bytes, where)].map(([name, t]) => ({ name, ...t })) : null;
    if (tensors && tensors.length === 0) throw new RangeError(`${where}: the state dict holds no tensors`);
    let match;
    try {
      match = await this.native.loadWeights(tensors ?? bytes, options.resetHead ? [last] : []);
    } catch (e) {
      throw new RangeError(`${where}: ${(e as Error).message}`);
    }
    if (match.mismatched.length) {
      const shown = match.mismatched.slice(0, 4).map((m) => `${m.name} (ours ${m.ours.join('x')}, the file's ${m.theirs.join('x')})`).join(', ');
      const headOnly = !options.resetHead && match.mismatched.every((m) => m.unit === last);
      throw new RangeError(
        `${where}: ${match.mismatched.length} tensor(s) have other shapes than this model's: ${shown}${match.mismatched.length > 4 ? ', ...' : ''}; nothing was loaded` +
          (headOnly ? `. They are the last unit's (${this.units[last].name}, the head): add --reset-head (resetHead: true) to keep it freshly initialised, e.g. for another class count` : ''),
      );
    }
    if (match.loaded.length === 0) {
      const theirs = match.unexpected.slice(0, 5).join(', ');
      throw new RangeError(`${where}: none of its tensors has a name of this model's (the file has ${theirs || 'no tensors'}${match.unexpected.length > 5 ? ', ...' : ''}; the model has ${match.missing.slice(0, 5).join(', ')}${match.missing.length > 5 ? ', ...' : ''})`);
    }
    const broken = this.native.nonFiniteParams();
    if (broken.length) throw new RangeError(`${where}: the loaded weights hold NaN or infinite values (${broken.slice(0, 4).join(', ')}${broken.length > 4 ? ', ...' : ''}); they cannot be trained from`);
    return { loaded: match.loaded, missing: match.missing, unexpected: match.unexpected, reset: match.skipped };
  }

  /** The normalisation predict applies to pixels (per channel, on the [0, 1] scale). */
  get normalisation(): { mean: number[]; std: number[] } {
    const a = this.augmentFor(undefined);
    return { mean: [...a.mean], std: [...a.std] };
  }

  /** The data kind whose defaults set the preprocessing ('fashion-mnist', 'cifar10', 'images', ...). */
  get preprocessingKind(): string {
    return this.dataKind;
  }

  /** The options that rebuild this network (model table entry, classes, seed, ...). */
  get modelSpec(): ModelSpecRecord {
    return structuredClone(this.spec);
  }

  /**
   * Class and target names and how raw files become inputs (image decode, table
   * standardisation): `train` sets them from the data, checkpoints keep them, `predict` uses them.
   */
  setInputs(record: InputRecord | null): void {
    this.inputRecord = record === null ? null : structuredClone(checkInputRecord(record, 'setInputs'));
  }

  /** See setInputs; null when the data was built in memory. */
  get inputs(): InputRecord | null {
    return this.inputRecord && structuredClone(this.inputRecord);
  }

  /** Sets the augmentation and normalisation used when an operation is given none. */
  setPreprocessing(dataKind: string, augment: AugmentOptions | null = null): void {
    if (typeof dataKind !== 'string') throw new TypeError(`dataKind must be a string, got ${describe(dataKind)}`);
    if (augment) checkAugment(augment, this.info.inputShape[0]);
    this.dataKind = dataKind;
    this.augment = augment;
  }

  /**
   * Logits for N images: resolves to a Float32Array of N x classes (row-major). A Uint8Array
   * gets the test-time preprocessing of `evaluate` (centred, normalised); a Float32Array is used
   * as it is (only centred when smaller than the input). Runs off the event loop, in batches.
   */
  async predict(images: Uint8Array | Float32Array, shape: [number, number, number, number], options: PredictOptions = {}): Promise<Float32Array> {
    const [channels, height, width] = this.info.inputShape;
    checkImages(images, shape, 'predict', { channels, height, width, ...inputFit(this.spec) });
    if (typeof options !== 'object' || options === null) throw new TypeError(`predict options must be an object, got ${describe(options)}`);
    requireKnownKeys('predict option', options, ['batchSize', 'threads']);
    return this.native.predict(images, [...shape], {
      batchSize: requireInteger('batchSize', options.batchSize ?? 500, 1, 1 << 20),
      threads: requireInteger('threads', options.threads ?? defaultThreads(), 1, 1024),
      augment: this.augmentFor(undefined),
    });
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
      ...this.trainingMeta(),
      ...(this.inputRecord ? { inputs: this.inputRecord } : {}),
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
    return this.restoreBytes(await readCheckpointFile(file), file, true);
  }

  /** Restores checkpoint bytes received from elsewhere (data parallel: rank 0's state); `source` names them in errors. */
  async restoreFrom(bytes: Buffer, source: string): Promise<CheckpointMeta> {
    return this.restoreBytes(bytes, source, true);
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

  /** @internal What a checkpoint says about how the network trains (Model: its optimizer and loss). */
    protected trainingMeta(): Pick<CheckpointMeta, 'optimizer' | 'loss'> {
    return {};
  }

  /** @internal Trains (and so restores state) with this optimizer; Model keeps its settings too. */
    protected useOptimizer(optimizer: ResolvedOptimizer, loss?: ResolvedLoss): void {
    const objective = loss ?? checkLoss(defaultOf('loss'));
    this.native.setTraining({ optimizer: optimizer.kind, objective: objective.kind, objectiveSettings: lossSettings(objective) });
  }

  /** @internal */
  protected async restoreBytes(bytes: Buffer, source: string, strict: boolean): Promise<CheckpointMeta> {
    const meta = await readCheckpointMeta(bytes, source, !strict, this.spec);
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
    this.inputRecord = meta.inputs ?? null;
    return meta;
  }

  /** @internal */
  protected augmentFor(augment: AugmentOptions | undefined): ReturnType<typeof checkAugment> {
    const channels = this.info.inputShape[0];
    return checkAugment(augment ?? this.augment ?? defaultAugment(this.dataKind, channels), channels);
  }
}

/** A checkpoint's bytes, read off the event loop (a vgg16 checkpoint is 400 MB). */
async function readCheckpointFile(file: string): Promise<Buffer> {
  // Devices and pipes have no end (/dev/zero) or block (a fifo): checkpoints are regular files.
  if (!statSync(file).isFile()) throw new RangeError(`${file} is not a regular file, so not a checkpoint`);
  try {
    return await readFile(file);
  } catch (e) {
    throw new Error(`could not read ${file}: ${(e as Error).message}`);
  }
}

/** The checkpoint's metadata, its digest checked (unless damage is allowed), parsed; read off the event loop. */
async function readCheckpointMeta(bytes: Buffer, file: string, allowDamaged: boolean, fallback?: ModelSpecRecord): Promise<CheckpointMeta> {
  let raw;
  try {
    raw = await loadNative().checkpointMetaAsync(bytes);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message.replace(/^could not read the checkpoint: /, '')}`);
  }
  if (raw.damaged && !allowDamaged) throw new Error(`${file}: the checkpoint is damaged: metadata no longer matches its SHA-256`);
  return parseCheckpointMeta(raw.meta, file, runFileModel(dirname(file)) ?? fallback);
}

/** A run folder's checkpoint, or the checkpoint file itself. */
/** What `loadWeights` did: tensor names loaded, ours the file lacks, the file's that have no place here, and those left as they were (resetHead). */
export interface WeightReport {
  loaded: string[];
  missing: string[];
  unexpected: string[];
  reset: string[];
}

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
  if (typeof source === 'string') {
    const entry = catalogEntry(source);
    if (!entry.configurable) {
      // A resized ResNet/VGG records its input; at the paper's size the record stays as it was.
      if (entry.resizable && options.inputShape.join('x') !== entry.inputShape.join('x')) spec.inputShape = options.inputShape as [number, number, number];
      return spec;
    }
  }
  if (options.hidden.length) spec.hidden = [...options.hidden];
  if (options.inputShape.length === 3) spec.inputShape = options.inputShape as [number, number, number];
  return spec;
}

/** @internal SHA-256 of bytes, hex (digests). */
export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
