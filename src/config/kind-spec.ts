// A kind with settings, as the run configuration names optimizers and losses: `KIND[:key=value][:flag]`
// text or an object, checked against the kind's settings and resolved with every default. Text
// keys are kebab-case (`label-smoothing`), object keys camelCase (`labelSmoothing`).
import { describe, nearest } from '../validate';

/** One setting of a kind, as `KIND:name=value` (or `KIND:name` for a flag) gives it. */
export interface KindSetting {
  /** 'number': one number; 'pair': two numbers `a,b`; 'flag': true when named, no value. */
  readonly type: 'number' | 'pair' | 'flag';
  readonly default: number | readonly [number, number] | boolean;
  /** Numbers (each of a pair): bounds; `minExclusive`/`maxExclusive` leave the bound out. */
  readonly min?: number;
  readonly minExclusive?: boolean;
  readonly max?: number;
  readonly maxExclusive?: boolean;
  readonly help: string;
}

export type SettingValue = number | [number, number] | boolean;

/** A kind with every setting given. */
export interface ResolvedKind<K extends string = string> {
  kind: K;
  [setting: string]: SettingValue | K;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const kebab = (camel: string) => camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The checker, parser and printer of one family of kinds (`what`: 'optimizer', 'loss'). */
export function kindSpecs<K extends string>(what: string, kinds: Readonly<Record<K, { readonly settings: Readonly<Record<string, KindSetting>> }>>, help: string) {
  const names = Object.keys(kinds) as K[];
  const bad = (why: string) => new RangeError(`${what}: ${why}; allowed: ${help}`);

  const kindOf = (name: unknown): K => {
    if (typeof name !== 'string') throw new TypeError(`${what} kind must be a string, got ${describe(name)}`);
    if (!names.includes(name as K)) {
      const guess = nearest(name, names);
      throw bad(`unknown kind '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}`);
    }
    return name as K;
  };

  const checkSetting = (kind: string, key: string, def: KindSetting, value: unknown): SettingValue => {
    const name = `${what} ${kind} ${key}`;
    const inRange = (x: unknown) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new TypeError(`${name} must be a finite number, got ${describe(x)}`);
      const tooHigh = def.max !== undefined && (def.maxExclusive ? x >= def.max : x > def.max);
      const tooLow = def.min !== undefined && (def.minExclusive ? x <= def.min : x < def.min);
      if (tooLow || tooHigh) {
        const lower = def.min === undefined ? '' : def.minExclusive ? `greater than ${def.min}` : `at least ${def.min}`;
        throw new RangeError(`${name} must be ${lower}${def.max !== undefined ? ` and ${def.maxExclusive ? 'below' : 'at most'} ${def.max}` : ''}, got ${x}`);
      }
      return x;
    };
    if (def.type === 'flag') {
      if (typeof value !== 'boolean') throw new TypeError(`${name} must be true or false, got ${describe(value)}`);
      return value;
    }
    if (def.type === 'pair') {
      if (!Array.isArray(value) || value.length !== 2) throw new TypeError(`${name} must be two numbers, got ${Array.isArray(value) ? `${value.length} value(s)` : describe(value)}`);
      return [inRange(value[0]), inRange(value[1])];
    }
    return inRange(value);
  };

  const check = (value: unknown): ResolvedKind<K> => {
    if (typeof value === 'string') return parse(value);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TypeError(`${what} must be a kind name, text such as '${help.split(',')[0].trim()}', or an object with its kind, such as { kind: '${names[0]}' }; got ${describe(value)}`);
    }
    const given = value as Record<string, unknown>;
    const kind = kindOf(given.kind);
    const settings = kinds[kind].settings;
    const out: ResolvedKind<K> = { kind };
    for (const key of Object.keys(given)) {
      if (key === 'kind' || Object.hasOwn(settings, key)) continue;
      const guess = nearest(key, Object.keys(settings));
      throw new TypeError(`${what} ${kind} has no setting '${key}'${guess ? ` (did you mean '${guess}'?)` : ''}; its settings: ${Object.keys(settings).join(', ') || 'none'}`);
    }
    for (const [key, def] of Object.entries(settings)) {
      out[key] = given[key] === undefined ? (Array.isArray(def.default) ? ([...def.default] as [number, number]) : (def.default as SettingValue)) : checkSetting(kind, key, def, given[key]);
    }
    return out;
  };

  /** Reads `KIND[:key=value][:flag]`. */
  const parse = (text: string): ResolvedKind<K> => {
    const [name, ...parts] = text.split(':');
    const kind = kindOf(name);
    const settings = kinds[kind].settings;
    const byText = new Map(Object.keys(settings).map((k) => [kebab(k), k]));
    const given: Record<string, unknown> = { kind };
    for (const part of parts) {
      const [textKey, raw, ...more] = part.split('=');
      const key = byText.get(textKey);
      if (!key) {
        const guess = nearest(textKey, [...byText.keys()]);
        throw bad(`${kind} has no setting '${textKey}'${guess ? ` (did you mean '${guess}'?)` : ''}`);
      }
      const def = settings[key];
      if (key in given) throw bad(`'${textKey}' is given twice in '${text}'`);
      if (more.length) throw bad(`cannot read '${part}'`);
      if (def.type === 'flag') {
        if (raw !== undefined) throw bad(`${textKey} is a flag and takes no value ('${kind}:${textKey}')`);
        given[key] = true;
        continue;
      }
      if (raw === undefined || raw.trim() === '') throw bad(`${textKey} needs a value ('${textKey}=...')`);
      // Decimal notation only, as every number on the command line (no 0x10, no spaces).
      const numbers = raw.split(',').map((t) => (DECIMAL.test(t) ? Number(t) : NaN));
      const wanted = def.type === 'pair' ? 'two numbers a,b in decimal notation' : 'a number in decimal notation';
      if (numbers.some((x) => !Number.isFinite(x)) || numbers.length !== (def.type === 'pair' ? 2 : 1)) throw bad(`${textKey} must be ${wanted}, got '${raw}'`);
      given[key] = checkSetting(kind, textKey, def, def.type === 'pair' ? numbers : numbers[0]); // named as the text names it
    }
    return check(given);
  };

  /** The settings that differ from the defaults, as text (`adamw:betas=0.9,0.99`); the kind alone when none do. */
  const text = (spec: ResolvedKind<K>): string => {
    const parts: string[] = [spec.kind];
    for (const [key, def] of Object.entries(kinds[spec.kind].settings)) {
      const v = spec[key];
      if (JSON.stringify(v) === JSON.stringify(def.default)) continue;
      parts.push(def.type === 'flag' ? kebab(key) : `${kebab(key)}=${Array.isArray(v) ? v.join(',') : v}`);
    }
    return parts.join(':');
  };

  return { check, parse, text };
}
