// Seeded, stratified subsets: short runs still see every class in its proportion.
import seedrandom from 'seedrandom';
import { hasFloatTargets, selectSamples, type ImageDataset } from './types';

/** Indices grouped by label, each group shuffled with `rng`; float targets are one group (a plain seeded shuffle). */
function shuffledByClass(data: ImageDataset, rng: () => number): number[][] {
  const targets = hasFloatTargets(data);
  const groups: number[][] = Array.from({ length: targets ? 1 : data.classes }, () => []);
  for (let i = 0; i < data.shape[0]; i++) groups[targets ? 0 : data.labels[i]].push(i);
  for (const g of groups) {
    for (let i = g.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [g[i], g[j]] = [g[j], g[i]];
    }
  }
  return groups;
}

/** Splits per class: `share` of each class (rounded) goes to the second part. */
export function stratifiedSplit(data: ImageDataset, share: number, seed: number, names: [string, string]): [ImageDataset, ImageDataset] {
  const groups = shuffledByClass(data, seedrandom(`split:${seed}`));
  const first: number[] = [];
  const second: number[] = [];
  for (const g of groups) {
    const k = Math.round(g.length * share);
    second.push(...g.slice(0, k));
    first.push(...g.slice(k));
  }
  first.sort((a, b) => a - b);
  second.sort((a, b) => a - b);
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
