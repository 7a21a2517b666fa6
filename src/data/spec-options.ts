// The `:key=value` options after a data spec's path (images:DIR:size=64x64:channels=3):
// one reader, so every kind refuses an unknown or repeated option the same way.
import { nearest } from '../validate';

/** `flag`: given alone (`skip-unreadable`); `value`: `key=value`. */
export type DataOptionKind = 'flag' | 'value';

/**
 * Splits `arg` (the text after `kind:`) into the leading path and its options. Paths may contain
 * colons only before the first `:key=` or `:flag` that names a known option.
 */
export function splitDataOptions(kind: string, arg: string, known: Readonly<Record<string, DataOptionKind>>): { path: string; options: Map<string, string> } {
  const parts = arg.split(':');
  // The path runs up to the first part that looks like an option (key=value, or a known flag).
  let end = parts.length;
  for (let i = 1; i < parts.length; i++) {
    if (/^[a-z][a-z-]*=/.test(parts[i]) || known[parts[i]] === 'flag') {
      end = i;
      break;
    }
  }
  const path = parts.slice(0, end).join(':');
  const options = new Map<string, string>();
  for (const part of parts.slice(end)) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    const want = known[key];
    if (!want) {
      const near = nearest(key, Object.keys(known));
      throw new RangeError(`--data ${kind}: unknown option '${key}'${near ? ` (did you mean '${near}'?)` : ''}; allowed: ${Object.entries(known).map(([k, v]) => (v === 'flag' ? k : `${k}=...`)).join(', ')}`);
    }
    if (options.has(key)) throw new RangeError(`--data ${kind}: option '${key}' given twice`);
    if (want === 'flag' && eq >= 0) throw new RangeError(`--data ${kind}: '${key}' takes no value`);
    if (want === 'value' && (eq < 0 || value === '')) throw new RangeError(`--data ${kind}: '${key}' needs a value (${key}=...)`);
    options.set(key, value);
  }
  return { path, options };
}

/** A share in (0, 1) given as a decimal (`test-share=0.2`). */
export function parseShare(kind: string, key: string, text: string): number {
  const share = /^(0?\.\d+|0)$/.test(text) ? Number(text) : NaN;
  if (!(share > 0 && share < 1)) throw new RangeError(`--data ${kind}: ${key} must be a decimal between 0 and 1, got '${text}'`);
  return share;
}
