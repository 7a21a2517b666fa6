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
