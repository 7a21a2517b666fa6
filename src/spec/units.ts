// `--units FILE.json` (API: `{ torchscript, units }`): a TorchScript module's freeze units as named
// groups of parameter-name patterns, e.g. one unit per transformer block, one for the embeddings,
// one for the head. The addon matches the patterns (`*`: any run of characters, dots included)
// and refuses a parameter in no unit or in two.
import { readRegularText } from '../io/read';
import { describe } from '../validate';

/** One freeze unit: its name and the patterns of the parameter names it holds. */
export interface UnitRule {
  name: string;
  params: string[];
}

/**
 * Accepts `[{ name, params: [...] }, ...]`, `{ units: [...] }` or `{ NAME: [patterns], ... }`
 * (units in the order given); returns the list form.
 */
export function checkUnitRules(value: unknown, where = 'units'): UnitRule[] {
  let list: unknown = value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    list = 'units' in obj && Object.keys(obj).length === 1 ? obj.units : Object.entries(obj).map(([name, params]) => ({ name, params }));
  }
  if (!Array.isArray(list)) throw new TypeError(`${where} must be a list of { "name": ..., "params": ["pattern", ...] }, got ${describe(value)}`);
  if (list.length === 0) throw new RangeError(`${where} lists no units`);
  const seen = new Set<string>();
  return list.map((u, i) => {
    if (typeof u !== 'object' || u === null) throw new TypeError(`${where}[${i}] must be { "name": ..., "params": [...] }, got ${describe(u)}`);
    const { name, params, ...rest } = u as Record<string, unknown>;
    if (Object.keys(rest).length) throw new TypeError(`${where}[${i}]: unknown key(s) ${Object.keys(rest).join(', ')} (a unit has name and params)`);
    if (typeof name !== 'string' || name === '') throw new TypeError(`${where}[${i}].name must be a non-empty string, got ${describe(name)}`);
    if (seen.has(name)) throw new RangeError(`${where}: the unit name ${name} is used twice`);
    seen.add(name);
    if (!Array.isArray(params) || params.some((p) => typeof p !== 'string' || p === '')) {
      throw new TypeError(`${where}[${i}] (${name}).params must be a list of parameter-name patterns (strings), got ${describe(params)}`);
    }
    if (params.length === 0) throw new RangeError(`${where}[${i}] (${name}) lists no parameter patterns`);
    return { name, params: params as string[] };
  });
}

/** A units file (JSON). */
export function readUnitRules(file: string): UnitRule[] {
  const text = readRegularText(file, 'units file');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RangeError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  return checkUnitRules(value, file);
}

/** A torchscript source with `--units FILE.json`'s units (RangeError for other models or a bad file). */
export function withUnitsFile<T>(source: T, file: string | undefined): T {
  if (file === undefined) return source;
  if (typeof source !== 'object' || source === null || !('torchscript' in source)) {
    throw new RangeError('--units applies to torchscript:PATH models (built-in and spec networks have their units)');
  }
  return { ...source, units: readUnitRules(file) };
}
