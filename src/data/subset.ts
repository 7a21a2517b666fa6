// Seeded, stratified subsets: short runs still see every class in its proportion.
import seedrandom from 'seedrandom';
import { hasFloatTargets, selectSamples, type ImageDataset } from './types';

/** Indices grouped by label, each group shuffled with `rng`; float targets (`labels` null) are one group (a plain seeded shuffle). */
function shuffledGroups(labels: ArrayLike<number> | null, n: number, classes: number, rng: () => number): number[][] {
  const groups: number[][] = Array.from({ length: labels ? classes : 1 }, () => []);
  for (let i = 0; i < n; i++) groups[labels ? labels[i] : 0].push(i);
  for (const g of groups) {
    for (let i = g.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [g[i], g[j]] = [g[j], g[i]];
    }
  }
  return groups;
}

function shuffledByClass(data: ImageDataset, rng: () => number): number[][] {
  return shuffledGroups(hasFloatTargets(data) ? null : data.labels, data.shape[0], data.classes, rng);
}

/**
 * The indices of a seeded split per class (`labels` null: float targets, one group): `share` of
 * each class (rounded) goes to the second part; both parts in ascending order. Loaders that
 * decode files split before decoding, so the data is never held twice.
 */
export function stratifiedIndices(labels: ArrayLike<number> | null, n: number, classes: number, share: number, seed: number): [number[], number[]] {
  const first: number[] = [];
  const second: number[] = [];
  for (const g of shuffledGroups(labels, n, classes, seedrandom(`split:${seed}`))) {
    const k = Math.round(g.length * share);
    second.push(...g.slice(0, k));
    first.push(...g.slice(k));
  }
  first.sort((a, b) => a - b);
  second.sort((a, b) => a - b);
  return [first, second];
}

/** Splits per class: `share` of each class (rounded) goes to the second part. */
export function stratifiedSplit(data: ImageDataset, share: number, seed: number, names: [string, string]): [ImageDataset, ImageDataset] {
  const [first, second] = stratifiedIndices(hasFloatTargets(data) ? null : data.labels, data.shape[0], data.classes, share, seed);
  return [selectSamples(data, first, names[0]), selectSamples(data, second, names[1])];
}

/** A seeded subset of `count` samples with every class represented in proportion. */
export function stratifiedSubset(data: ImageDataset, count: number, seed: number): ImageDataset {
  const n = data.shape[0];
  if (count >= n) return data;
  const groups = shuffledByClass(data, seedrandom(`subset:${seed}`));
  // Largest-remainder allocation so the total is exactly `count`.
  const quotas = groups.map((g) => (g.length * count) / n);
  const take = quotas.map(Math.floor);
  let left = count - take.reduce((s, k) => s + k, 0);
  const order = quotas.map((q, i) => [q - Math.floor(q), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left === 0) break;
    take[i]++;
    left--;
  }
  const picked = groups.flatMap((g, i) => g.slice(0, take[i])).sort((a, b) => a - b);
  return selectSamples(data, picked, `${data.name}[${count}]`);
}
