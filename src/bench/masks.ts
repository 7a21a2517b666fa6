// Named masks for the benchmark: none, efreeze, dfreeze, layerout draws, prefix-K, suffix-K, all-but-last.
import type { FreezeUnit } from '../types';
import { createPolicy } from '../policy';

export const DEFAULT_MASKS = ['none', 'efreeze', 'dfreeze', 'layerout', 'prefix-2', 'suffix-2', 'all-but-last'];
export const MASK_HELP = 'none, efreeze, dfreeze, layerout[:N] (N seeded draws, default 3), prefix-K, suffix-K, all-but-last';

export interface NamedMask {
  name: string;
  mask: boolean[];
}

/** Expands mask names into concrete masks; policy draws are seeded so runs repeat. */
export function expandMasks(names: string[], units: readonly FreezeUnit[], model: string, seed = 0): NamedMask[] {
  // The default list fits any model: prefix-K/suffix-K that a small model cannot take are left out
  // (asked for by name, they stay an error).
  if (names === DEFAULT_MASKS) names = names.filter((n) => !/^(prefix|suffix)-\d+$/.test(n) || Number(n.split('-')[1]) < units.length);
  const k = units.length;
  const out: NamedMask[] = [];
  const draw = (policy: string, count: number, label: string) => {
    const p = createPolicy(policy, { units, model, epochs: count, seed });
    for (let i = 0; i < count; i++) out.push({ name: count > 1 ? `${label}#${i + 1}` : label, mask: p.mask(i) });
  };
  for (const name of names) {
    const [kind, arg] = name.split(/[-:]/, 2);
    if (name === 'none') out.push({ name, mask: Array(k).fill(false) });
    else if (name === 'all-but-last') out.push({ name, mask: units.map((_, i) => i < k - 1) });
    else if (name === 'efreeze' || name === 'dfreeze') draw(name, 1, name);
    else if (kind === 'layerout') draw('layerout', arg === undefined ? 3 : positive(arg, name), 'layerout');
    else if (kind === 'prefix' || kind === 'suffix') {
      const n = positive(arg, name);
      if (n >= k) throw new RangeError(`--masks ${name}: the model has ${k} units; at most ${k - 1} may be frozen`);
      out.push({ name, mask: units.map((_, i) => (kind === 'prefix' ? i < n : i >= k - n)) });
    } else throw new RangeError(`--masks: unknown mask '${name}'; allowed: ${MASK_HELP}`);
  }
  if (!out.some((m) => m.name === 'none')) out.unshift({ name: 'none', mask: Array(k).fill(false) });
  return out;
}

function positive(text: string | undefined, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--masks ${name}: expected a positive whole number`);
  return n;
}
