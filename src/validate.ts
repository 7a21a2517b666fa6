// Argument checks shared by the public API: precise TypeError/RangeError before any native call.

export function requireInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isInteger(value)) throw new RangeError(`${name} must be an integer, got ${value}`);
  if (value < min || value > max) throw new RangeError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function requireNumber(name: string, value: unknown, min: number, max = Infinity, minExclusive = false): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isFinite(value) || value < min || value > max || (minExclusive && value === min)) {
    const lower = minExclusive ? `greater than ${min}` : `at least ${min}`;
    const upper = Number.isFinite(max) ? ` and at most ${max}` : '';
    throw new RangeError(`${name} must be ${lower}${upper}, got ${value}`);
  }
  return value;
}

export function requireOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  if (!allowed.includes(value as T)) {
    throw new RangeError(`${name} must be one of ${allowed.join(', ')}; got '${value}'`);
  }
  return value as T;
}

export function requireBooleanArray(name: string, value: unknown, length: number): boolean[] {
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array of booleans, got ${describe(value)}`);
  if (value.length !== length) {
    throw new RangeError(`${name} has ${value.length} entries but the model has ${length} freeze units`);
  }
  value.forEach((v, i) => {
    if (typeof v !== 'boolean') throw new TypeError(`${name}[${i}] must be a boolean, got ${describe(v)}`);
  });
  return value as boolean[];
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** The candidate closest to `word` (case-insensitive edit distance, ignoring `-` and `_`), if it is near enough to be a slip. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const w = norm(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, norm(c));
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  // Near enough: at most a third of the word's letters differ, or one names the other in full.
  const limit = Math.max(1, Math.floor(w.length / 3));
  if (best !== undefined && (bestDistance <= limit || (w.length >= 2 && (norm(best).includes(w) || w.includes(norm(best)))))) return best;
  return undefined;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/**
 * Refuses keys of an options object that are not allowed: a TypeError naming each unknown key
 * and, where one is near, the known key it was probably meant to be (`learningRate`: did you mean `lr`?).
 */
export function requireKnownKeys(what: string, options: object, allowed: readonly string[], aliases: Readonly<Record<string, string>> = {}): void {
  const unknown = Object.keys(options).filter((k) => !allowed.includes(k));
  if (!unknown.length) return;
  const hints = unknown.map((k) => {
    const guess = aliases[k] ?? nearest(k, allowed);
    return `'${k}'${guess ? ` (did you mean '${guess}'?)` : ''}`;
  });
  throw new TypeError(`unknown ${what}${unknown.length > 1 ? 's' : ''} ${hints.join(', ')}; allowed: ${allowed.join(', ')}`);
}
