// Model options and their checks. The built-in networks are specs (src/networks/catalog.ts),
// compiled to the same plan as users' specs: the list is read here, never repeated.
import { checkUnitRules, type UnitRule } from './spec/units';
import { FILE_LIMITS, readRegularFile, readRegularText, requireRegularFile } from './io/read';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import { cpuHasBf16 } from './cpu';
import { loadNative, type NativeModelOptions } from './native';
import { isNetworkSpec, planNetwork } from './spec/check';
import type { NetworkSpec } from './spec/types';
import { BUILTIN_NETWORKS, builtinInputShape, type BuiltinNetwork } from './networks/catalog';
import type { CatalogEntry } from './types';
import { describe, requireInteger, requireKnownKeys, requireOneOf } from './validate';

/** A built-in model name; `modelNames()` lists them. */
export type ModelName = string;

export type DeviceName = 'cpu' | 'cuda' | 'auto' | `cuda:${number}`;

/** A module saved in PyTorch with torch.jit.script(net).save(PATH) or torch.jit.trace. */
export interface TorchScriptSource {
  torchscript: string;
  /** The file's SHA-256 when a run recorded it: loading refuses a file that has changed since. */
  sha256?: string;
  /**
   * Freeze units as named groups of parameter-name patterns (`*` matches anything), e.g.
   * `[{ name: 'embed', params: ['patch_embed.*', 'cls_token'] }, { name: 'block0', params: ['encoder.layers.0.*'] }]`;
   * every parameter in exactly one. Default: the root's own parameters one unit each, then one
   * unit per top-level child module (containers' children count as top-level; a BatchNorm joins
   * the conv before it).
   */
  units?: UnitRule[] | Record<string, string[]>;
  /** @internal Read from a run folder's copy: the path and name the run recorded. */
  recorded?: { path: string; name: string };
}

export interface ModelOptions {
  /**
   * A built-in model's name (`modelNames()`), your own network as a spec, or a TorchScript file
   * (README "Your own network").
   */
  model: ModelName | NetworkSpec | TorchScriptSource;
  /** Number of output classes (default 10). */
  classes?: number;
  /** Configurable models (mlp) only: hidden layer widths (default [64]). */
  hidden?: number[];
  /**
   * Input shape C, H, W of a resizable built-in (the ResNets and vgg16: default the paper's
   * [3, 32, 32]; the mlp: default [1, 28, 28]) or a TorchScript file. mnist-net takes only its
   * [1, 32, 32]. train() picks it from the data when not given (`inputShapeFor`).
   */
  inputShape?: [number, number, number];
  /** Seeds the weight initialisation (default 0). */
  seed?: number;
  /** 'cpu', 'cuda', 'cuda:N' or 'auto' (CUDA when libtorch sees a GPU). Default 'cpu'. */
  device?: DeviceName;
  /**
   * Keep conv weights and input batches in channels-last memory format (faster oneDNN convolutions
   * on CPU: docs/cpu-profile.md). Numerics differ from the default layout in the last bits.
   * Default: the model's own (`modelCatalog()[i].channelsLastOnCpu`: the ResNets and mnist-net on CPU), else false.
   */
  channelsLast?: boolean;
  /**
   * 'fp32' (default, exact) or 'bf16': forward passes under CPU autocast, so convolutions and
   * linear layers run in bfloat16 while weights, gradients, the loss, the update and checkpoints
   * stay float32. CPU only, and only where the CPU has native bfloat16 (AVX512-BF16 or AMX).
   */
  precision?: Precision;
}

export const PRECISIONS = ['fp32', 'bf16'] as const;
export type Precision = (typeof PRECISIONS)[number];
/** The defaults of ModelOptions; the run-configuration table (src/config/fields.ts) uses these. */
export const DEFAULT_PRECISION: Precision = 'fp32';
export const DEFAULT_DEVICE: DeviceName = 'cpu';
export const DEFAULT_SEED = 0;
export const MAX_CLASSES = 100000;

/** The built-in models, in the catalog's order. */
export function modelCatalog(): readonly CatalogEntry[] {
  return BUILTIN_NETWORKS.map(({ spec: _spec, ...entry }) => entry);
}

export function modelNames(): string[] {
  return modelCatalog().map((m) => m.name);
}

export function catalogEntry(name: unknown): BuiltinNetwork {
  if (typeof name !== 'string') {
    throw new TypeError(`model must be a built-in model's name, a network spec (an object with name, input and layers) or { torchscript: PATH }; got ${describe(name)}`);
  }
  const entry = BUILTIN_NETWORKS.find((m) => m.name === name);
  if (!entry) throw new RangeError(`model must be one of ${modelNames().join(', ')}; got '${name}'`);
  return entry;
}

export function resolveDevice(device: unknown): string {
  if (device === undefined) return DEFAULT_DEVICE;
  if (typeof device !== 'string') throw new TypeError(`device must be a string, got ${describe(device)}`);
  const runtime = loadNative().runtimeInfo();
  if (device === 'auto') return runtime.cudaAvailable ? 'cuda' : 'cpu';
  if (device === 'cpu') return 'cpu';
  const m = /^cuda(?::(\d+))?$/.exec(device);
  if (!m) throw new RangeError(`device must be cpu, cuda, cuda:N or auto; got '${device}'`);
  if (!runtime.cudaAvailable) {
    throw new RangeError(`device '${device}' requested but libtorch ${runtime.torchVersion} sees no CUDA GPU`);
  }
  if (m[1] !== undefined && Number(m[1]) >= runtime.cudaDevices) {
    throw new RangeError(`device '${device}' does not exist: libtorch sees ${runtime.cudaDevices} GPU(s)`);
  }
  return device;
}

const MODEL_OPTION_KEYS = ['model', 'classes', 'hidden', 'inputShape', 'seed', 'device', 'channelsLast', 'precision'] as const satisfies readonly (keyof ModelOptions)[];

export function toNativeModelOptions(options: ModelOptions): NativeModelOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`model options must be an object, got ${describe(options)}`);
  }
  requireKnownKeys('model option', options, MODEL_OPTION_KEYS);
  if (options.channelsLast !== undefined && typeof options.channelsLast !== 'boolean') {
    throw new TypeError(`channelsLast must be true or false, got ${describe(options.channelsLast)}`);
  }
  const precision = requireOneOf('precision', options.precision ?? DEFAULT_PRECISION, PRECISIONS);
  if (precision === 'bf16') {
    if (options.device !== undefined && options.device !== 'cpu') throw new RangeError(`precision bf16 is available on CPU only in this version, not on ${options.device}`);
    if (!cpuHasBf16()) throw new RangeError('precision bf16 needs a CPU with native bfloat16 (AVX512-BF16 or AMX); this CPU has neither: use fp32');
  }
  const native = nativeModelOptions(options);
  // Unset: the catalog's per-model default (channels-last for the ResNets and mnist-net on CPU, where it was
  // measured faster); users' specs and TorchScript modules keep the default layout.
  const builtin = typeof options.model === 'string' ? catalogEntry(options.model) : undefined;
  const preferred = native.device === 'cpu' && Boolean(builtin?.channelsLastOnCpu);
  return { ...native, channelsLast: options.channelsLast ?? preferred, precision };
}

function nativeModelOptions(options: ModelOptions): NativeModelOptions {
  const classes = requireInteger('classes', options.classes ?? 10, 1, MAX_CLASSES);
  const seed = requireInteger('seed', options.seed ?? DEFAULT_SEED, 0, 2 ** 32 - 1);
  if (isNetworkSpec(options.model)) {
    if (options.hidden !== undefined || options.inputShape !== undefined) {
      throw new RangeError('hidden and inputShape do not apply to a network spec (its input is part of the spec)');
    }
    const plan = planNetwork(options.model, classes);
    return {
      model: plan.name,
      classes,
      hidden: [],
      inputShape: [...plan.inputShape],
      seed,
      device: resolveDevice(options.device),
      network: { convInit: plan.convInit, linearInit: plan.linearInit, layers: plan.layers },
    };
  }
  if (isTorchScriptSource(options.model)) return torchScriptOptions(options.model, options, classes, seed);
  const entry = catalogEntry(options.model);
  let hidden: number[] = [];
  if (entry.configurable) {
    hidden = options.hidden ?? [64];
    if (!Array.isArray(hidden)) throw new TypeError(`hidden must be an array of widths, got ${describe(hidden)}`);
    hidden.forEach((w, i) => requireInteger(`hidden[${i}]`, w, 1, 1 << 16));
  } else if (options.hidden !== undefined) {
    throw new RangeError(`hidden widths apply to configurable models (mlp) only, not '${entry.name}'`);
  }
  // The resizable ones take any shape within their limits; mnist-net only its own.
  const inputShape = builtinInputShape(entry, options.inputShape);
  const plan = planNetwork(entry.spec({ hidden, inputShape }), classes);
  return {
    model: entry.name,
    classes,
    hidden,
    inputShape: [...plan.inputShape],
    seed,
    device: resolveDevice(options.device),
    network: { convInit: plan.convInit, linearInit: plan.linearInit, layers: plan.layers },
  };
}

/**
 * The input shape train() builds a model for, given its data's shape [N, C, H, W]:
 * - an explicit `given` wins;
 * - a TorchScript module: the data's C, H, W (it does not say its own);
 * - a built-in that does not pad (the mlp): always the data's C, H, W;
 * - a resizable built-in that pads (the ResNets, vgg16): its default (the paper's 3x32x32) when
 *   the data fits inside it with the same channels (smaller images are zero-padded, as ever),
 *   otherwise the data's C, H, W;
 * - a fixed built-in (mnist-net) and a network spec: undefined, their own (the data check then
 *   refuses data that does not fit).
 */
export function inputShapeFor(model: ModelOptions['model'], dataShape: unknown, given?: [number, number, number]): [number, number, number] | undefined {
  if (given !== undefined) return given;
  // Malformed data: no opinion here; setData names the problem.
  if (!Array.isArray(dataShape) || dataShape.length !== 4 || !dataShape.every((d) => Number.isInteger(d) && d >= 1)) return undefined;
  const data: [number, number, number] = [dataShape[1], dataShape[2], dataShape[3]];
  if (isTorchScriptSource(model)) return data;
  if (typeof model !== 'string') return undefined;
  const entry = BUILTIN_NETWORKS.find((m) => m.name === model);
  if (!entry || !entry.resizable) return undefined;
  if (!entry.padsSmallerInput) return data;
  const [c, h, w] = entry.inputShape;
  return data[0] === c && data[1] <= h && data[2] <= w ? [...entry.inputShape] : data;
}

/**
 * How a model's data must fit its input beyond the channels and size checkImages compares:
 * exactly (a built-in that does not pad: the mlp), and the note that ends its errors (what a
 * built-in network takes).
 */
export function inputFit(record: { model: string; network?: unknown; torchscript?: unknown }): { exact: boolean; note?: string } {
  if (record.network !== undefined || record.torchscript !== undefined) return { exact: false };
  const entry = BUILTIN_NETWORKS.find((m) => m.name === record.model);
  if (!entry) return { exact: false };
  if (!entry.resizable) {
    const [c, h, w] = entry.inputShape;
    return { exact: false, note: `${entry.name} takes only ${c}x${h}x${w} input (or smaller ${c}-channel images, zero-padded to it)` };
  }
  if (!entry.padsSmallerInput) return { exact: true, note: `build the ${entry.name} with inputShape set to the data's [C, H, W] (train() does so)` };
  return { exact: false, note: `${entry.name} takes any [C, H, W]: build it with inputShape set to the data's (train() does so)` };
}

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

export function isTorchScriptSource(value: unknown): value is TorchScriptSource {
  return typeof value === 'object' && value !== null && 'torchscript' in value;
}

function torchScriptOptions(source: TorchScriptSource, options: ModelOptions, classes: number, seed: number): NativeModelOptions {
  if (typeof source.torchscript !== 'string' || source.torchscript === '') {
    throw new TypeError(`torchscript must be the path of a TorchScript file, got ${describe(source.torchscript)}`);
  }
  const path = resolve(source.torchscript);
  if (!existsSync(path)) throw new RangeError(`torchscript: no such file: ${source.torchscript}`);
  requireRegularFile(path, 'TorchScript file', FILE_LIMITS.large); // libtorch would block on a FIFO
  if (source.sha256 !== undefined && fileSha256(path) !== source.sha256) {
    throw new RangeError(`torchscript: ${path} has changed since the run started (its SHA-256 differs); restore that file to continue`);
  }
  if (options.hidden !== undefined) throw new RangeError('hidden does not apply to a TorchScript model');
  const inputShape = options.inputShape;
  if (!Array.isArray(inputShape) || inputShape.length !== 3) {
    throw new TypeError('a TorchScript model needs inputShape [C, H, W] (train() takes it from the data; `info` from --input CxHxW)');
  }
  inputShape.forEach((d, i) => requireInteger(`inputShape[${i}]`, d, 1, 4096));
  const name = source.recorded?.name ?? basename(path).replace(/\.[^.]*$/, '');
  const units = source.units === undefined ? undefined : checkUnitRules(source.units, 'torchscript units');
  return {
    model: name, classes, hidden: [], inputShape: [...inputShape], seed, device: resolveDevice(options.device), torchscript: path,
    ...(units ? { torchscriptUnits: units } : {}),
    ...(source.recorded ? { torchscriptRecorded: source.recorded.path } : {}),
  };
}

export function fileSha256(path: string): string {
  return createHash('sha256').update(readRegularFile(path, 'TorchScript file', FILE_LIMITS.large)).digest('hex');
}

/**
 * The model a text names (`--model`, a study config): a built-in model's name as it is, a `.json`
 * path read as a network spec, `torchscript:PATH` as a TorchScript source.
 */
export function modelSource(value: string): string | NetworkSpec | TorchScriptSource {
  if (value.startsWith('torchscript:')) {
    const path = value.slice('torchscript:'.length);
    if (!path) throw new RangeError('--model torchscript:PATH needs the path of a TorchScript file');
    return { torchscript: path };
  }
  if (!value.endsWith('.json')) return value;
  let text: string;
  try {
    text = readRegularText(value, 'network spec');
  } catch (e) {
    throw new RangeError(`--model ${value}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as NetworkSpec;
  } catch (e) {
    throw new RangeError(`--model ${value}: not valid JSON (${(e as Error).message})`);
  }
}
