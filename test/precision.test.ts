// bf16 autocast on CPU (issue 15): weights, gradients, updates and checkpoints stay float32,
// frozen units stay bit-identical, and CPUs without native bfloat16 are refused.
import { describe, expect, it } from 'vitest';
import { cpuHasBf16 } from '../src/cpu';
import { Model } from '../src/model';
import { toNativeModelOptions } from '../src/models';
import { train } from '../src/train';
import { epoch, modelWithData, tempDir, THREADS, tinyDigits } from './helpers';

const hasBf16 = cpuHasBf16();
if (!hasBf16) console.warn('bf16 training tests skipped: this CPU has no native bfloat16 (avx512_bf16 / amx_bf16)');

describe('precision bf16', () => {
  it.skipIf(!hasBf16)('trains in bf16: a different result from fp32, finite, frozen units bit-identical', async () => {
    const fp32 = modelWithData({ model: 'mnist-net' });
    const bf16 = modelWithData({ model: 'mnist-net', precision: 'bf16' });
    expect(bf16.digest()).toBe(fp32.digest()); // same float32 initial weights
    const mask = [true, false, false, true, false, false, false];
    bf16.setFrozen(mask);
    fp32.setFrozen(mask);
    const before = bf16.unitDigests();
    const [a, b] = [await epoch(fp32, 0), await epoch(bf16, 0)];
    expect(Number.isFinite(b.trainLoss)).toBe(true);
    expect(Math.abs(a.trainLoss - b.trainLoss)).toBeLessThan(0.05); // bf16 rounding, same data
    expect(bf16.digest()).not.toBe(fp32.digest());
    const after = bf16.unitDigests();
    mask.forEach((frozen, u) => (frozen ? expect(after[u]).toBe(before[u]) : expect(after[u]).not.toBe(before[u])));
    // Weights stay float32: the checkpoint restores into an fp32 model bit for bit.
    const path = `${tempDir()}/bf16.pt`;
    await bf16.save(path);
    const back = await Model.load(path);
    expect(back.digest()).toBe(bf16.digest());
  });

  it.skipIf(!hasBf16)('is part of a run: a resume with another precision is refused', async () => {
    const out = `${tempDir()}/run`;
    const data = tinyDigits();
    await train({ model: 'mnist-net', data, epochs: 1, batchSize: 16, threads: THREADS, precision: 'bf16', out });
    await expect(train({ model: 'mnist-net', data, epochs: 2, batchSize: 16, threads: THREADS, out, resume: true })).rejects.toThrow(/precision was bf16, now fp32/);
  });

  it('is refused on CUDA and checked as a value', () => {
    expect(() => toNativeModelOptions({ model: 'mnist-net', precision: 'bf16', device: 'cuda' })).toThrow(/CPU only .* not on cuda/);
    expect(() => toNativeModelOptions({ model: 'mnist-net', precision: 'fp16' as never })).toThrow(/precision must be one of fp32, bf16/);
  });
});

describe('CPU features', () => {
  it('bf16 needs avx512_bf16 or amx_bf16', () => {
    expect(cpuHasBf16(new Set(['avx512f', 'avx512bw']))).toBe(false);
    expect(cpuHasBf16(new Set(['avx512_bf16']))).toBe(true);
    expect(cpuHasBf16(new Set(['amx_bf16']))).toBe(true);
  });
});
