// Synthetic, learnable data: each class is a fixed random prototype; samples are the prototype
// shifted by a pixel or two plus noise. For tests and benchmarks, not for accuracy claims.
import seedrandom from 'seedrandom';
import { checkDataset, type DatasetPair, type ImageDataset } from './types';

export interface SyntheticSpec {
  classes: number;
  count: number;
  shape: [number, number, number];
  /** Seeds the prototypes and noise (default SYNTHETIC_SEED: every `synthetic:` spec gives the same data). */
  seed?: number;
}

export const SYNTHETIC_SEED = 0;

function generate(spec: SyntheticSpec, count: number, prototypes: Float32Array[], rng: () => number, name: string): ImageDataset {
  const [c, h, w] = spec.shape;
  const size = c * h * w;
  const images = new Uint8Array(count * size);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const y = i % spec.classes;
    labels[i] = y;
    const dy = Math.floor(rng() * 3) - 1;
    const dx = Math.floor(rng() * 3) - 1;
    const proto = prototypes[y];
    for (let ch = 0; ch < c; ch++) {
      for (let r = 0; r < h; r++) {
        for (let col = 0; col < w; col++) {
          const sr = Math.min(h - 1, Math.max(0, r + dy));
          const sc = Math.min(w - 1, Math.max(0, col + dx));
          const v = proto[(ch * h + sr) * w + sc] + (rng() - 0.5) * 60;
          images[i * size + (ch * h + r) * w + col] = Math.max(0, Math.min(255, Math.round(v)));
        }
      }
    }
  }
  return checkDataset({ name, images, labels, shape: [count, c, h, w], classes: spec.classes });
}

/** `count` training samples and count/5 (at least one per class) test samples. */
export function makeSynthetic(spec: SyntheticSpec): DatasetPair {
  const rng = seedrandom(`synthetic:${spec.seed ?? SYNTHETIC_SEED}`);
  const [c, h, w] = spec.shape;
  const prototypes = Array.from({ length: spec.classes }, () => {
    // Smooth blobs: a coarse random grid, upsampled, so convolutions have structure to find.
    const p = new Float32Array(c * h * w);
    const grid = 4;
    const coarse = Array.from({ length: c * grid * grid }, () => rng() * 255);
    for (let ch = 0; ch < c; ch++)
      for (let r = 0; r < h; r++)
        for (let col = 0; col < w; col++) {
          p[(ch * h + r) * w + col] = coarse[(ch * grid + Math.floor((r * grid) / h)) * grid + Math.floor((col * grid) / w)];
        }
    return p;
  });
  const testCount = Math.max(spec.classes, Math.floor(spec.count / 5));
  return {
    kind: 'synthetic',
    train: generate(spec, spec.count, prototypes, rng, 'synthetic/train'),
    test: generate(spec, testCount, prototypes, rng, 'synthetic/test'),
    classes: spec.classes,
  };
}

/** A fixed pseudo-random batch (no class structure): input for timing, where content does not matter. */
export function patternDataset(count: number, shape: [number, number, number], classes: number, name = 'pattern'): ImageDataset {
  const [c, h, w] = shape;
  const images = new Uint8Array(count * c * h * w);
  for (let i = 0; i < images.length; i++) images[i] = (i * 2654435761) >>> 24;
  const labels = Int32Array.from({ length: count }, (_, i) => i % classes);
  return { name, images, labels, shape: [count, c, h, w], classes };
}
