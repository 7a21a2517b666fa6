// An optimizer as the run configuration names it: `KIND[:key=value][:flag]` text or an object,
// checked against its kind's settings (src/optim/<kind>.ts) and resolved with every default.
import { describe, nearest } from '../validate';
import { OPTIMIZER_NAMES, OPTIMIZERS, type OptimizerName } from './registry';
import type { OptimizerSetting, SettingValue } from './types';

/** An optimizer with its settings (those left out take their defaults). */
export type OptimizerSpec =
  | { kind: 'sgd'; dampening?: number; nesterov?: boolean }
  | { kind: 'adam' | 'adamw'; betas?: [number, number]; eps?: number };

/** An optimizer with every setting given: what run.json keeps and the model trains with. */
export interface ResolvedOptimizer {
  kind: OptimizerName;
  [setting: string]: SettingValue | OptimizerName;
}

export const OPTIMIZER_HELP = 'sgd[:nesterov][:dampening=D], adam or adamw[:betas=B1,B2][:eps=E]';

const bad = (why: string) => new RangeError(`optimizer: ${why}; allowed: ${OPTIMIZER_HELP}`);

function kindOf(name: unknown): OptimizerName {
  if (typeof name !== 'string') throw new TypeError(`optimizer kind must be a string, got ${describe(name)}`);
  if (!OPTIMIZER_NAMES.includes(name as OptimizerName)) {
    const guess = nearest(name, OPTIMIZER_NAMES);
    throw bad(`unknown kind '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}`);
  }
  return name as OptimizerName;
}

function checkSetting(kind: string, key: string, def: OptimizerSetting, value: unknown): SettingValue {
  const name = `optimizer ${kind} ${key}`;
  const inRange = (x: unknown) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new TypeError(`${name} must be a finite number, got ${describe(x)}`);
    const tooHigh = def.max !== undefined && (def.maxExclusive ? x >= def.max : x > def.max);
    if ((def.min !== undefined && x < def.min) || tooHigh) {
      throw new RangeError(`${name} must be ${def.min !== undefined ? `at least ${def.min}` : ''}${def.max !== undefined ? ` and ${def.maxExclusive ? 'below' : 'at most'} ${def.max}` : ''}, got ${x}`);
    }
    return x;
  };
  if (def.type === 'flag') {
    if (typeof value !== 'boolean') throw new TypeError(`${name} must be true or false, got ${describe(value)}`);
    return value;
  }
  if (def.type === 'pair') {
    if (!Array.isArray(value) || value.length !== 2) throw new TypeError(`${name} must be two numbers, got ${describe(value)}`);
    return [inRange(value[0]), inRange(value[1])];
  }
  return inRange(value);
}

/** An optimizer given as a name, `KIND:key=value` text or an OptimizerSpec, with every setting resolved. */
export function checkOptimizer(value: unknown): ResolvedOptimizer {
  if (typeof value === 'string') return parseOptimizer(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`optimizer must be a name such as 'adamw', text such as 'adamw:betas=0.9,0.99', or an object such as { kind: 'adamw', betas: [0.9, 0.99] }; got ${describe(value)}`);
  }
  const given = value as Record<string, unknown>;
  const kind = kindOf(given.kind);
  const settings = OPTIMIZERS[kind].settings;
  const out: ResolvedOptimizer = { kind };
  for (const key of Object.keys(given)) {
    if (key === 'kind') continue;
    if (!Object.hasOwn(settings, key)) {
      const guess = nearest(key, Object.keys(settings));
      throw new TypeError(`optimizer ${kind} has no setting '${key}'${guess ? ` (did you mean '${guess}'?)` : ''}; its settings: ${Object.keys(settings).join(', ') || 'none'}`);
    }
  }
  for (const [key, def] of Object.entries(settings)) {
    out[key] = given[key] === undefined ? (Array.isArray(def.default) ? [...def.default] as [number, number] : def.default as SettingValue) : checkSetting(kind, key, def, given[key]);
  }
  return out;
}

/** Reads `KIND[:key=value][:flag]` (`adamw:betas=0.9,0.999:eps=1e-8`, `sgd:nesterov`). */
export function parseOptimizer(text: string): ResolvedOptimizer {
  const [name, ...parts] = text.split(':');
  const kind = kindOf(name);
  const settings = OPTIMIZERS[kind].settings;
  const given: Record<string, unknown> = { kind };
  for (const part of parts) {
    const [key, raw, ...more] = part.split('=');
    const def = settings[key];
    if (!def) {
      const guess = nearest(key, Object.keys(settings));
      throw bad(`${kind} has no setting '${key}'${guess ? ` (did you mean '${guess}'?)` : ''}`);
    }
    if (key in given) throw bad(`'${key}' is given twice in '${text}'`);
    if (more.length) throw bad(`cannot read '${part}'`);
    if (def.type === 'flag') {
      if (raw !== undefined) throw bad(`${key} is a flag and takes no value ('${kind}:${key}')`);
      given[key] = true;
      continue;
    }
    if (raw === undefined || raw.trim() === '') throw bad(`${key} needs a value ('${key}=...')`);
    const numbers = raw.split(',').map((t) => (t.trim() === '' ? NaN : Number(t)));
    if (numbers.some((x) => !Number.isFinite(x))) throw bad(`${key} must be ${def.type === 'pair' ? 'two numbers a,b' : 'a number'}, got '${raw}'`);
    if (numbers.length !== (def.type === 'pair' ? 2 : 1)) throw bad(`${key} must be ${def.type === 'pair' ? 'two numbers a,b' : 'one number'}, got '${raw}'`);
    given[key] = def.type === 'pair' ? numbers : numbers[0];
  }
  return checkOptimizer(given);
}

/** The settings that differ from the defaults, as text (`adamw:betas=0.9,0.99`); the kind alone when none do. */
export function optimizerText(spec: ResolvedOptimizer): string {
  const parts: string[] = [spec.kind];
  for (const [key, def] of Object.entries(OPTIMIZERS[spec.kind].settings)) {
    const v = spec[key];
    if (JSON.stringify(v) === JSON.stringify(def.default)) continue;
    parts.push(def.type === 'flag' ? key : `${key}=${Array.isArray(v) ? v.join(',') : v}`);
  }
  return parts.join(':');
}

/** The addon's hyper-parameters of a resolved optimizer besides the run options it reads. */
export function optimizerHyper(spec: ResolvedOptimizer): Record<string, number> {
  return OPTIMIZERS[spec.kind].hyper(spec);
}
