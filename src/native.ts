// The typed surface of the native addon, and its loader. Private to the package: the public API
// (model.ts and the modules above it) validates every value before it reaches these functions,
// and exports only the domain types of types.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { prebuiltCandidates } from './prebuilt';
import type { PlanLayer } from './spec/types';
import type { BnMode, EpochProgress, EpochStats, EvalStats, ModelInfo, NonFiniteAction, OperatorTime, StepTimes } from './types';

// Raw shapes: the public types (types.ts) are what these return, re-declared nowhere else.
export interface NativeModelOptions {
  model: string;
  classes: number;
  hidden: number[];
  inputShape: number[];
  seed: number;
  device: string;
  /** A checked spec network's plan (src/spec/check.ts); absent for built-in models. */
  network?: { convInit: string; linearInit: string; layers: PlanLayer[] };
  /** An absolute path to a TorchScript file (with inputShape). */
  torchscript?: string;
  /** The path a run recorded for a module read from its folder's copy (kept in the model's record). */
  torchscriptRecorded?: string;
  /** Freeze units of a TorchScript module as named parameter-name patterns. */
  torchscriptUnits?: { name: string; params: string[] }[];
  channelsLast?: boolean;
  precision?: 'fp32' | 'bf16';
}

export interface NativeAugment {
  cropPad: number;
  flip: boolean;
  eraseP: number;
  mean: number[];
  std: number[];
}

export interface NativeEpochOptions {
  epoch: number;
  seed: number;
  batchSize: number;
  threads: number;
  progressEvery: number;
  /** The optimizer's hyper-parameters by run-option name (those its kind reads: src/optim/). */
  hyper: Record<string, number>;
  augment: NativeAugment;
  onNonFinite: NonFiniteAction;
  batchMasks?: boolean[][];
  /** Gradient clipping by global 2-norm; absent: off. */
  clipGradNorm?: number;
  /** One learning rate per batch, replacing hyper.lr. */
  stepLrs?: number[];
  /** The stop request came before the epoch: it stops at its first batch. */
  startAborted?: boolean;
}

export interface NativeJobOptions {
  batchSize: number;
  threads: number;
  augment: NativeAugment;
  /** evaluate: the validation split instead of the test set. */
  validation?: boolean;
}

/** Images as the addon takes them: uint8 pixels or float32 preprocessed values, N x C x H x W. */
export type NativeImages = Uint8Array | Float32Array;
export type NativeLabels = Int32Array | Uint8Array | number[] | Float32Array;

/** What loading weights by name found: tensors loaded, ours absent from the file, the file's we have no place for, left alone (skipped units), and shape mismatches. */
export interface WeightMatch {
  loaded: string[];
  missing: string[];
  unexpected: string[];
  skipped: string[];
  /** `unit`: the freeze unit the tensor belongs to (-1: none). */
  mismatched: { name: string; ours: number[]; theirs: number[]; unit: number }[];
}

export interface NativeModel {
  info(): ModelInfo;
  setFrozen(mask: boolean[], bn: BnMode, perUnit?: BnMode[]): void;
  setData(split: 'train' | 'test' | 'val', images: NativeImages, labels: NativeLabels, shape: number[]): void;
  trainEpoch(options: NativeEpochOptions, onProgress: (p: EpochProgress) => void): Promise<EpochStats>;
  evaluate(options: NativeJobOptions): Promise<EvalStats>;
  predict(images: NativeImages, shape: number[], options: NativeJobOptions): Promise<Float32Array>;
  abort(): void;
  timeSteps(options: NativeJobOptions & { steps: number; hyper: Record<string, number>; profile?: boolean }): Promise<StepTimes & { operators?: OperatorTime[] }>;
  cudaMemory(reset: boolean): { peakBytes: number } | null;
  /** The checkpoint's bytes (model, momentum, `meta`); the caller writes them. */
  save(meta: string): Promise<Buffer>;
  /** Restores checkpoint bytes and checks their digests; `strict` rolls back and rejects on damage. */
  load(bytes: Uint8Array, strict: boolean): Promise<{ meta: string; damaged: string[]; verified: boolean }>;
  /** torch.save-compatible bytes of {PyTorch name: tensor}. */
  stateDict(): Promise<Buffer>;
  /** The state dict's floating-point tensors as float32, in forward order (not for TorchScript models). */
  exportTensors(): Promise<{ name: string; shape: number[]; data: Float32Array }[]>;
  /** Weights by name from state-dict or TorchScript bytes, except the units in skipUnits; with a mismatch nothing is copied. */
  loadWeights(source: Uint8Array | { name: string; shape: number[]; data: Float32Array | BigInt64Array }[], skipUnits: number[]): Promise<WeightMatch>;
  /** The unit's parameters; with `withStats`, then its BatchNorm running statistics. */
  unitBytes(unit: number, withStats: boolean): Buffer;
  modelBytes(): Buffer;
  momentumBytes(unit: number): Buffer | null;
  resetMomentum(): void;
  /** The optimizer and objective kinds (src/optim, src/objective registries) and the objective's settings; a new optimizer kind starts with no state. */
  setTraining(options: { optimizer: string; objective: string; objectiveSettings?: Record<string, number> }): void;
  /** Names of parameters holding a NaN or an infinity. */
  nonFiniteParams(): string[];
  isBusy(): boolean;
  // Data parallel (native/dist/): every call is a collective; all ranks make the same calls in order.
  joinGroup(options: NativeGroupOptions): Promise<void>;
  /** Whether every rank passed the same values, and whether any passed stop. */
  groupAgree(values: number[], stop: boolean): Promise<{ equal: boolean; stop: boolean }>;
  /** Rank 0's bytes on every rank. */
  groupBroadcast(bytes: Uint8Array | null): Promise<Buffer>;
  /** `clean`: in step with the other ranks (a barrier); otherwise just dropped (after a failure). */
  leaveGroup(clean: boolean): Promise<void>;
}

export interface NativeGroupOptions {
  rank: number;
  world: number;
  storePath: string;
  masterHost: string;
  masterPort: number;
  iface: string;
  timeoutMs: number;
  bucketBytes: number;
}

export interface RuntimeInfo {
  torchVersion: string;
  cudaAvailable: boolean;
  cudaDevices: number;
  threads: number;
  /** Whether the addon was built against a CUDA libtorch. */
  cudaBuild: boolean;
  /** Whether the addon has data parallel (c10d's Gloo process group). */
  c10d: boolean;
  /** The addon's caching CPU allocator (native/memory/cpu_cache.h); off with LAYEROUT_CPU_CACHE=0. */
  cpuCache: { enabled: boolean; cachedBytes: number; hits: number; misses: number; idleReleases: number };
  /**
   * The fused SGD kernel (native/optim/sgd_kernel.h): 'on', 'off' (LAYEROUT_FUSED_SGD=0 or turned off),
   * 'unchecked' (no update has run yet in this process), 'unsupported' (no AVX2/FMA) or 'mismatch'
   * (it did not match libtorch's multi-tensor SGD bit for bit here, so it is not used).
   */
  fusedSgd: 'on' | 'off' | 'unchecked' | 'unsupported' | 'mismatch';
}

export interface NativeAddon {
  NativeModel: new (options: NativeModelOptions) => NativeModel;
  runtimeInfo(): RuntimeInfo;
  /** Turns reuse of cached CPU tensor memory and the fused SGD kernel on or off for the whole process (benchmarks). */
  setCpuTuning(options: { cache?: boolean; fusedSgd?: boolean }): void;
  checkpointMeta(bytes: Uint8Array): { meta: string; damaged: boolean; verified: boolean };
  /** The same, read on the compute thread. */
  checkpointMetaAsync(bytes: Uint8Array): Promise<{ meta: string; damaged: boolean; verified: boolean }>;
  augmentBatch(
    images: NativeImages,
    shape: number[],
    inputShape: number[],
    augment: NativeAugment,
    seed: number,
    train: boolean,
  ): Float32Array;
}

let cached: NativeAddon | undefined;
let preloading: Promise<void> | undefined;

/**
 * Loads the addon, and with it libtorch, on a worker thread, so that the main thread's own load
 * (`loadNative`) finds the libraries mapped and their static initialisers run: dlopen of
 * libtorch and its operator registrations take 0.6-1.1 s, which would otherwise block the event
 * loop. Failures are left to `loadNative`, which explains them.
 */
export function preloadNative(): Promise<void> {
  if (cached) return Promise.resolve();
  preloading ??= new Promise<void>((resolve) => {
    // The worker picks the binary exactly as loadNative does (this module's own code), runs
    // runtimeInfo() (libtorch's lazy set-up: thread pools, CPU features, devices), and stays
    // until the main thread has loaded the same file, so the libraries are never unloaded between.
    const code = `require(${JSON.stringify(__filename)}).loadNative().runtimeInfo(); require('node:worker_threads').parentPort.postMessage('loaded'); setInterval(() => {}, 1 << 30);`;
    const worker = new Worker(code, { eval: true, stdout: true, stderr: true });
    const done = () => {
      try {
        loadNative();
      } catch {
        // loadNative explains the failure when the caller needs the addon.
      }
      void worker.terminate();
      resolve();
    };
    worker.once('message', done);
    worker.once('error', done);
    worker.once('exit', done);
  });
  return preloading;
}

/** Loads the addon once; on failure explains what to do instead of a bare dlopen error. */
export function loadNative(): NativeAddon {
  if (cached) return cached;
  const load = createRequire(__filename);
  const errors: string[] = [];
  // An explicit path, then a binary built here from source, then the package's prebuilt ones.
  const override = process.env.LAYEROUT_NATIVE;
  if (override) return (cached = tryLoad(override, errors) ?? fail(errors));
  try {
    cached = load('bindings')('layerout') as NativeAddon;
    return cached;
  } catch (e) {
    errors.push(`build from source: ${(e as Error).message.split('\n')[0]}`);
  }
  for (const path of prebuiltCandidates()) {
    const addon = tryLoad(path, errors);
    if (addon) return (cached = addon);
  }
  return fail(errors);
}

function tryLoad(path: string, errors: string[]): NativeAddon | undefined {
  try {
    return createRequire(__filename)(path) as NativeAddon;
  } catch (e) {
    errors.push(`${path}: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

/** Which libtorch the dynamic linker can find (for the load-failure message). */
function foundLibtorch(): string {
  try {
    const out = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' });
    const libs = [...new Set(out.split('\n').filter((l) => l.includes('libtorch_cpu.so')).map((l) => l.trim().split(' ')[0]))];
    return libs.length ? libs.join(', ') : 'none on the linker path';
  } catch {
    return 'unknown (ldconfig unavailable)';
  }
}

function expectedLibtorch(): string {
  const tags = prebuiltCandidates().map((binary) => {
    try {
      const info = JSON.parse(readFileSync(join(dirname(binary), 'build-info.json'), 'utf8'));
      return `libtorch ${info.torchVersion}${info.cuda ? ' (CUDA)' : ''}`;
    } catch {
      return binary;
    }
  });
  return tags.length ? tags.join(', ') : 'no prebuilt binary in this package';
}

/**
 * An installed package (not a development checkout) whose install script never ran: npm 11 runs
 * a dependency's install script only once approved, and --ignore-scripts runs none.
 */
function installScriptSkipped(): boolean {
  const root = join(__dirname, '..');
  return !existsSync(join(root, 'src')) && !existsSync(join(root, '.install-script-ran'));
}

function fail(errors: string[]): never {
  const skipped = installScriptSkipped()
    ? "\nlayerout's install script did not run (npm asks you to approve a dependency's install script, and --ignore-scripts skips it), so nothing was built for this machine: " +
      'approve it with `npm install-scripts approve layerout` and run `npm rebuild layerout`, or run it yourself: ' +
      '`node node_modules/layerout/scripts/install.js` (a prebuilt binary that loads here, else a build from source).'
    : '';
  throw new Error(
    'layerout: the native addon could not be loaded.\n' +
      errors.map((m) => `  - ${m}`).join('\n') +
      `\nPrebuilt binaries expect: ${expectedLibtorch()}; libtorch found here: ${foundLibtorch()}.` +
      '\nBuild it against the libtorch on this machine with `npm run setup` (installs libtorch-dev on ' +
      'Debian/Ubuntu and compiles), or `LAYEROUT_BUILD_FROM_SOURCE=1 npm rebuild layerout` in a project ' +
      'that depends on it. Set Torch_DIR to use another libtorch.' +
      skipped,
  );
}
