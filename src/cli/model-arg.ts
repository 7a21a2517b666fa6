// `--model`: a built-in model's name, or a network spec file (PATH.json).
import { modelNames, modelSource, type TorchScriptSource } from '../models';
import { withUnitsFile as withUnitsFileOf } from '../spec/units';
import type { NetworkSpec } from '../spec/types';
import { UsageError, type OptionDef, type ParsedOptions } from './args';

export const MODEL_HELP = 'a built-in model (see `layerout info`), a network spec file PATH.json, or torchscript:PATH';

/** The model a `--model` value names (models.ts's `modelSource`), as a usage error when unreadable. */
export function resolveModelArg(value: string): string | NetworkSpec | TorchScriptSource {
  try {
    return modelSource(value);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The option definition every command's `--model` uses. */
export function modelOption(extra: Partial<OptionDef> = {}): OptionDef {
  return {
    type: 'string',
    arg: 'NAME|PATH.json',
    help: MODEL_HELP,
    check: (value) => {
      const text = String(value);
      if (!text.endsWith('.json') && !text.startsWith('torchscript:') && !modelNames().includes(text)) {
        throw new RangeError(`--model must be one of ${modelNames().join(', ')}, a network spec PATH.json, or torchscript:PATH; got '${text}'`);
      }
    },
    ...extra,
  };
}

/** `--input CxHxW` (TorchScript models), or undefined when not given. */
export function parseInputShape(text: string | undefined): [number, number, number] | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)x(\d+)x(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--input must be CxHxW, e.g. 1x28x28; got '${text}'`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** --channels-last / --no-channels-last, or undefined for the model's own default. */
export function memoryFormat(given: ParsedOptions): boolean | undefined {
  if (given['channels-last'] && given['no-channels-last']) throw new UsageError('--channels-last and --no-channels-last exclude each other');
  return given['channels-last'] ? true : given['no-channels-last'] ? false : undefined;
}

/** `--units FILE.json` on a torchscript:PATH model, as a usage error when it does not apply or cannot be read. */
export function withUnitsFile<T>(source: T, file: string | undefined): T {
  try {
    return withUnitsFileOf(source, file);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
