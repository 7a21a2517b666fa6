// scripts/bench-vs-pytorch's options. Read with node:util parseArgs here rather than with the CLI's
// parser: benchmarks sit below the CLI and must not import it.
import { parseArgs } from 'node:util';
import { defaultOf } from '../config/fields';
import { DEFAULT_DEVICE, modelNames, type DeviceName } from '../models';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface VsPytorchOptions {
  model: string;
  batch: number;
  steps: number;
  rounds: number;
  threads?: number;
  device: DeviceName;
  masks: string[];
  samples: number;
  python?: string;
  json: boolean;
  out?: string;
  /** Undefined: the model's own default. */
  channelsLast?: boolean;
  precision: 'fp32' | 'bf16';
}

export const VS_PYTORCH_USAGE =
  'usage: scripts/bench-vs-pytorch --model NAME [--batch 128] [--steps 10] [--rounds 2] [--threads T] [--device cpu|cuda] ' +
  '[--masks none,efreeze,dfreeze,layerout:2,all-but-last] [--samples 2048] [--channels-last|--no-channels-last] [--precision fp32|bf16] [--python PATH] [--json] [--out DIR]';

const WHOLE = /^\d+$/;

/** `--name`'s whole number of at least 1, or `fallback` when the flag was not given. */
export function positive(name: string, text: string | undefined, fallback: number): number;
export function positive(name: string, text: string | undefined, fallback?: number): number | undefined;
export function positive(name: string, text: string | undefined, fallback?: number): number | undefined {
  if (text === undefined) return fallback;
  if (!WHOLE.test(text) || Number(text) < 1) throw new UsageError(`--${name} must be a whole number of at least 1, got '${text}'`);
  return Number(text);
}

export function readVsPytorchOptions(argv: string[]): VsPytorchOptions {
  const str = { type: 'string' } as const;
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { model: str, batch: str, steps: str, rounds: str, threads: str, device: str, masks: str, samples: str, python: str, out: str, json: { type: 'boolean' }, 'channels-last': { type: 'boolean' }, 'no-channels-last': { type: 'boolean' }, precision: str },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${VS_PYTORCH_USAGE}`);
  }
  if (!values.model) throw new UsageError(`--model is required\n${VS_PYTORCH_USAGE}`);
  const models = modelNames();
  if (!models.includes(values.model)) throw new UsageError(`--model must be one of ${models.join(', ')}, got '${values.model}'`);
  return {
    model: values.model,
    batch: positive('batch', values.batch, defaultOf('batchSize')),
    steps: positive('steps', values.steps, 10),
    rounds: positive('rounds', values.rounds, 2),
    threads: positive('threads', values.threads),
    device: (values.device ?? DEFAULT_DEVICE) as DeviceName,
    masks: (values.masks ?? 'none,efreeze,dfreeze,layerout:2,all-but-last').split(','),
    samples: positive('samples', values.samples, 2048),
    python: values.python,
    json: values.json ?? false,
    out: values.out,
    channelsLast: values['channels-last'] ? true : values['no-channels-last'] ? false : undefined,
    precision: precisionOf(values.precision),
  };
}

function precisionOf(text: string | undefined): 'fp32' | 'bf16' {
  if (text === undefined || text === 'fp32' || text === 'bf16') return text ?? 'fp32';
  throw new UsageError(`--precision must be fp32 or bf16, got '${text}'`);
}
