// The options a policy string can carry (`warmup=20`, `v=0.9,0.5`, ...): each one names the spec
// field it fills, how help shows its value, and how its text becomes that value.

/** One `key=value` option of a policy string. F is the spec field, T its parsed value. */
export interface PolicyOption<F extends string = string, T = unknown> {
  /** The key in the policy string. */
  readonly key: string;
  /** The PolicySpec field it sets (`sample=` sets `sampleV`). */
  readonly field: F;
  /** How help shows the value: `E`, `P1,P2,...`, `epoch|once`. */
  readonly arg: string;
  /** The value from its text; throws a RangeError that starts with the key and says what is allowed. */
  parse(text: string): T;
}

/** Option value type of an option, for deriving spec types from option lists. */
export type OptionValue<O> = O extends PolicyOption<string, infer T> ? T : never;

/**
 * Decimal notation only: Number() alone would also take '', ' 5', '0x10', '1e3 ' and 'Infinity',
 * which in a policy string are typos rather than numbers.
 */
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export function parseDecimal(text: string, name: string): number {
  const n = Number(text);
  if (!DECIMAL.test(text) || !Number.isFinite(n)) throw new RangeError(`${name} must be a number, got '${text}'`);
  return n;
}

/** A probability in [0, 1]. */
function probability(text: string, name: string): number {
  const p = parseDecimal(text, name);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${name} must be in [0, 1], got '${text}'`);
  return p;
}

/** `key=` filling the spec field of the same name. */
export function option<K extends string, T>(key: K, arg: string, parse: (text: string, name: string) => T): PolicyOption<K, T> {
  return { key, field: key, arg, parse: (text) => parse(text, key) };
}

/** The same option filling another spec field (`sample=` fills `sampleV`). */
export function intoField<F extends string, T>(o: PolicyOption<string, T>, field: F): PolicyOption<F, T> {
  return { ...o, field };
}

/** A whole number of epochs (0 or more). */
export function epochs<F extends string>(key: F): PolicyOption<F, number> {
  return option(key, 'E', (text, name) => {
    const n = parseDecimal(text, name);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a whole number of epochs, got '${text}'`);
    return n;
  });
}

/** A fraction of the run in (0, 1]. */
export function runFraction<F extends string>(key: F): PolicyOption<F, number> {
  return option(key, 'T', (text, name) => {
    const t = parseDecimal(text, name);
    if (!(t > 0 && t <= 1)) throw new RangeError(`${name} must be in (0, 1], got '${text}'`);
    return t;
  });
}

/** Comma-separated probabilities, one per freeze unit (the count is checked against the model later). */
export function probabilities<F extends string>(key: F): PolicyOption<F, number[]> {
  return option(key, 'P1,P2,...', (text, name) => text.split(',').map((p, i) => probability(p, `${name}[${i}]`)));
}

/** One of a fixed set of words. */
export function oneOf<K extends string, C extends string>(key: K, choices: readonly C[]): PolicyOption<K, C> {
  const allowed = choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}` : choices[0];
  return option(key, choices.join('|'), (text, name) => {
    if (!(choices as readonly string[]).includes(text)) throw new RangeError(`${name} must be ${allowed}, got '${text}'`);
    return text as C;
  });
}
