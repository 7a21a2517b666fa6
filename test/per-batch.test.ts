// Per-batch freezing (`:every=batch` on the LayerOut family): the policy draws all masks of an
// epoch up front, the native loop applies mask b before batch b. Frozen tensors stay
// bit-identical, momentum is kept, records report the means, and runs resume exactly.
import { describe, expect, it } from 'vitest';
import { frozenParamsShare, idealBackwardSaving } from '../src/cost';
import { createPolicy, LayerOutPolicy, parsePolicy } from '../src/policy';
import { train } from '../src/train';
import { epoch, modelWithData, tempDir, THREADS, tinyDigits } from './helpers';

const MLP = { model: 'mlp', inputShape: [1, 28, 28] as [number, number, number], hidden: [24, 16], classes: 10, seed: 3 };
const data = tinyDigits(96);

function batchesOf(batchSize: number): number {
  return Math.ceil(data.train.shape[0] / batchSize);
}

describe('every=batch policies', () => {
  const units = modelWithData(MLP, data).units;
  const ctx = { units, model: 'mlp', epochs: 4, seed: 5 };

  it('parses on the LayerOut family and names itself', () => {
    expect(parsePolicy('layerout:every=batch')).toEqual({ kind: 'layerout', every: 'batch' });
    expect(parsePolicy('efreeze:warmup=1:every=batch')).toEqual({ kind: 'efreeze', warmup: 1, every: 'batch' });
    expect(createPolicy('dfreeze:every=batch', ctx).name).toBe('dfreeze(v=fixed, every=batch)');
    expect(() => parsePolicy('layerout:every=step')).toThrow(/every must be epoch or batch/);
    expect(() => parsePolicy('freezeout:every=batch')).toThrow(/unknown or malformed option/);
  });

  it('draws one mask per batch, never all frozen, deterministically, and resumes from its state', () => {
    const a = createPolicy('layerout:every=batch', ctx);
    const masks = [0, 1, 2].map((e) => a.batchMasks!(e, 7)!);
    for (const epochMasks of masks) {
      expect(epochMasks).toHaveLength(7);
      for (const m of epochMasks) {
        expect(m).toHaveLength(units.length);
        expect(m.every(Boolean)).toBe(false);
      }
    }
    expect(new Set(masks.flat().map((m) => m.join())).size).toBeGreaterThan(1);
    const b = createPolicy('layerout:every=batch', ctx);
    b.batchMasks!(0, 7);
    const c = createPolicy('layerout:every=batch', ctx);
    c.setState(JSON.parse(JSON.stringify(b.getState())));
    expect([1, 2].map((e) => c.batchMasks!(e, 7))).toEqual(masks.slice(1));
    // Warm-up epochs and every=epoch use one mask.
    expect(createPolicy('layerout:warmup=2:every=batch', ctx).batchMasks!(1, 7)).toBeNull();
    expect((createPolicy('layerout', ctx) as LayerOutPolicy).batchMasks(0, 7)).toBeNull();
    // Reference-code semantics still freeze only a leading run.
    for (const m of createPolicy('layerout:compat=reference-code:every=batch', ctx).batchMasks!(0, 20)!) {
      expect(m.slice(m.indexOf(false))).not.toContain(true);
    }
  });
});

describe('per-batch masks in the native epoch loop', () => {
  const batchSize = 16;
  const n = batchesOf(batchSize);

  it('the same mask for every batch equals the epoch mask, bit for bit (momentum too)', async () => {
    const mask = [false, true, false];
    const a = modelWithData(MLP, data);
    const b = modelWithData(MLP, data);
    await epoch(a, 0);
    await epoch(b, 0);
    a.setFrozen(mask);
    await epoch(a, 1);
    await epoch(b, 1, { batchMasks: Array.from({ length: n }, () => mask) });
    expect(b.digest()).toBe(a.digest());
    for (const u of a.units) expect(b.momentumDigest(u.index)).toBe(a.momentumDigest(u.index));
    expect(b.frozen).toEqual([false, false, false]); // the model's own mask is back
  });

  it('a unit frozen in every batch keeps its tensors and momentum; varying masks are applied', async () => {
    const a = modelWithData(MLP, data);
    await epoch(a, 0); // momentum buffers exist from here on
    const before = a.units.map((u) => a.unitDigest(u.index));
    const momentum = a.momentumDigest(0);
    expect(momentum).not.toBeNull();
    const masks = Array.from({ length: n }, (_, b) => [true, b % 2 === 0, b % 2 === 1]);
    await epoch(a, 1, { batchMasks: masks });
    expect(a.unitDigest(0)).toBe(before[0]);
    expect(a.momentumDigest(0)).toBe(momentum);
    expect(a.unitDigest(1)).not.toBe(before[1]);
    expect(a.unitDigest(2)).not.toBe(before[2]);
    // Different masks per batch train differently from the first batch's mask for the whole epoch.
    const c = modelWithData(MLP, data);
    await epoch(c, 0);
    c.setFrozen(masks[0]);
    await epoch(c, 1);
    expect(c.unitDigest(0)).toBe(before[0]);
    expect(c.digest()).not.toBe(a.digest());
  });
});

describe('train() with every=batch', () => {
  const batchSize = 16;

  it('records the means over the batches, the first batch mask, and resumes exactly', async () => {
    const options = { ...MLP, data, policy: 'layerout:every=batch', epochs: 3, batchSize, lr: 0.05, threads: THREADS };
    const straight = await train({ ...options, out: tempDir() });
    const model = straight.model;
    const policy = createPolicy('layerout:every=batch', { units: model.units, model: 'mlp', epochs: 3, seed: 3 });
    const seen: number[] = [];
    const dir = tempDir();
    const controller = new AbortController();
    const first = await train({
      ...options,
      out: dir,
      signal: controller.signal,
      onEpoch: (r) => {
        const masks = policy.batchMasks!(r.epoch - 1, batchesOf(batchSize))!;
        expect(r.frozen).toEqual(masks[0]);
        const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
        expect(r.frozenParamsShare).toBeCloseTo(mean(masks.map((m) => frozenParamsShare(model.units, m, 'train'))), 12);
        expect(r.idealBackwardSavedShare).toBeCloseTo(mean(masks.map((m) => idealBackwardSaving(model.units, m, 'train') as number)), 12);
        expect(r.frozenUnits).toBeCloseTo(mean(masks.map((m) => m.filter(Boolean).length)), 12);
        seen.push(r.epoch);
        if (r.epoch === 1) controller.abort();
      },
    });
    expect(first.summary.endReason).toBe('interrupted');
    const resumed = await train({ ...options, out: dir, resume: true });
    expect(seen).toEqual([1]);
    expect(resumed.summary.endReason).toBe('completed');
    expect(resumed.summary.digest).toBe(straight.summary.digest);
    expect(straight.summary.meanFrozenParamsShareAll).toBeGreaterThan(0);
  });
});
