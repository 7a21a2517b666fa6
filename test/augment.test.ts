import { describe, expect, it } from 'vitest';
import { loadNative, type NativeAugment } from '../src/native';

const addon = loadNative();
const PLAIN: NativeAugment = { cropPad: 0, flip: false, eraseP: 0, mean: [0], std: [1] };

/** n distinct 1-channel images of size h x w with varied pixel values. */
function images(n: number, h: number, w: number, value?: number): Uint8Array {
  return Uint8Array.from({ length: n * h * w }, (_, i) => value ?? ((i * 37 + Math.floor(i / 7)) % 250) + 1);
}

function augment(input: Uint8Array, n: number, size: [number, number], target: number, options: Partial<NativeAugment>, seed = 1, trainMode = true) {
  return addon.augmentBatch(input, [n, 1, ...size], [1, target, target], { ...PLAIN, ...options }, seed, trainMode);
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const px = (v: number) => v / 255;
// Normalisation is computed in float32 as (x - mean) * (1 / std): equal to within rounding.
const near = (a: number, b: number) => Math.abs(a - b) < 1e-6;

describe('augmentation', () => {
  it('random crop moves content without changing it (28x28, pad 4, crop 32)', () => {
    const n = 32;
    const input = images(n, 28, 28);
    const out = augment(input, n, [28, 28], 32, { cropPad: 4 });
    const offsets = new Set<string>();
    for (let s = 0; s < n; s++) {
      const sample = out.subarray(s * 1024, (s + 1) * 1024);
      // The padded image is 36x36; find the crop offset that reproduces the sample exactly.
      let found: string | undefined;
      for (let oy = 0; oy <= 4 && !found; oy++) {
        for (let ox = 0; ox <= 4 && !found; ox++) {
          let same = true;
          for (let r = 0; r < 32 && same; r++) {
            for (let c = 0; c < 32 && same; c++) {
              const y = r + oy - 4;
              const x = c + ox - 4;
              const v = y >= 0 && y < 28 && x >= 0 && x < 28 ? input[s * 784 + y * 28 + x] : 0;
              same = near(sample[r * 32 + c], px(v));
            }
          }
          if (same) found = `${oy},${ox}`;
        }
      }
      expect(found, `sample ${s} is a shifted copy`).toBeDefined();
      offsets.add(found!);
    }
    expect(offsets.size).toBeGreaterThan(5);
  });

  it('flips horizontally at random, and a flip twice is the identity', () => {
    const n = 64;
    const input = images(n, 8, 8);
    const mirrored = new Uint8Array(input.length);
    for (let s = 0; s < n; s++) for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) mirrored[s * 64 + r * 8 + c] = input[s * 64 + r * 8 + 7 - c];
    const a = augment(input, n, [8, 8], 8, { flip: true }, 5);
    const b = augment(mirrored, n, [8, 8], 8, { flip: true }, 5);
    let flipped = 0;
    for (let s = 0; s < n; s++) {
      const isFlipped = near(a[s * 64], px(mirrored[s * 64])) && near(a[s * 64 + 1], px(mirrored[s * 64 + 1]));
      if (isFlipped) flipped++;
      let consistent = true;
      for (let i = 0; i < 64; i++) {
        // Same draws: where `input` was flipped, `mirrored` was flipped back to `input`.
        consistent &&= near(b[s * 64 + i], isFlipped ? px(input[s * 64 + i]) : px(mirrored[s * 64 + i]));
        consistent &&= near(a[s * 64 + i], isFlipped ? px(mirrored[s * 64 + i]) : px(input[s * 64 + i]));
      }
      expect(consistent, `sample ${s}`).toBe(true);
    }
    expect(flipped).toBeGreaterThan(16);
    expect(flipped).toBeLessThan(48);
  });

  it('erases one in-bounds rectangle of 2-40% of the image, filled with the mean', () => {
    const n = 200;
    const out = augment(images(n, 32, 32, 255), n, [32, 32], 32, { eraseP: 1 });
    for (let s = 0; s < n; s++) {
      let minR = 99, maxR = -1, minC = 99, maxC = -1, zeros = 0;
      for (let r = 0; r < 32; r++) {
        for (let c = 0; c < 32; c++) {
          const v = out[s * 1024 + r * 32 + c];
          if (v !== 0 && !near(v, 1)) throw new Error(`sample ${s}: pixel ${v} is neither erased (0) nor untouched (1)`);
          if (v === 0) {
            zeros++;
            minR = Math.min(minR, r); maxR = Math.max(maxR, r); minC = Math.min(minC, c); maxC = Math.max(maxC, c);
          }
        }
      }
      expect(zeros).toBe((maxR - minR + 1) * (maxC - minC + 1)); // one solid rectangle
      expect(zeros / 1024).toBeGreaterThan(0.015);
      expect(zeros / 1024).toBeLessThan(0.45);
    }
    const some = augment(images(n, 32, 32, 255), n, [32, 32], 32, { eraseP: 0.5 });
    let erased = 0;
    for (let s = 0; s < n; s++) if (some.subarray(s * 1024, (s + 1) * 1024).includes(0)) erased++;
    expect(erased).toBeGreaterThan(70);
    expect(erased).toBeLessThan(130);
  });

  it('gives the same batch for the same seed and another for another seed', () => {
    const input = images(16, 28, 28);
    const all = { cropPad: 4, flip: true, eraseP: 0.5 };
    expect(bytes(augment(input, 16, [28, 28], 32, all, 9))).toEqual(bytes(augment(input, 16, [28, 28], 32, all, 9)));
    expect(bytes(augment(input, 16, [28, 28], 32, all, 9))).not.toEqual(bytes(augment(input, 16, [28, 28], 32, all, 10)));
  });

  it('test-time batches are only centred and normalised', () => {
    const input = images(3, 28, 28);
    const mean = 0.1307, std = 0.3081;
    const out = augment(input, 3, [28, 28], 32, { cropPad: 4, flip: true, eraseP: 1, mean: [mean], std: [std] }, 1, false);
    for (let s = 0; s < 3; s++) {
      for (let r = 0; r < 32; r++) {
        for (let c = 0; c < 32; c++) {
          const y = r - 2, x = c - 2;
          const v = y >= 0 && y < 28 && x >= 0 && x < 28 ? input[s * 784 + y * 28 + x] : 0;
          expect(out[s * 1024 + r * 32 + c]).toBeCloseTo((v / 255 - mean) / std, 5);
        }
      }
    }
  });
});
