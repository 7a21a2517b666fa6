import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model } from '../src/model';
import { cifarShaped, epoch, modelWithData, tempDir } from './helpers';

describe('exact freezing', () => {
  it('keeps frozen units bit-identical through an epoch with momentum and weight decay, even with momentum from before', async () => {
    const model = modelWithData({ model: 'mnist-net', seed: 1 });
    await epoch(model, 0); // every unit gets gradients and momentum buffers
    const before = model.unitDigests();
    expect(model.units.every((u) => model.momentumDigest(u.index) !== null)).toBe(true);

    const mask = [true, false, true, false, false, true, false];
    model.setFrozen(mask);
    await epoch(model, 1);
    const after = model.unitDigests();
    mask.forEach((frozen, i) => {
      if (frozen) expect(after[i], `unit ${i} is frozen`).toBe(before[i]);
      else expect(after[i], `unit ${i} trains`).not.toBe(before[i]);
    });
  });

  it('preserves a frozen unit\'s momentum buffer and uses it again when the unit thaws', async () => {
    const model = modelWithData({ model: 'mnist-net', seed: 2 });
    await epoch(model, 0);
    const momentum0 = model.momentumDigest(0);
    model.setFrozen([true, false, false, false, false, false, false]);
    await epoch(model, 1);
    expect(model.momentumDigest(0)).toBe(momentum0); // untouched while frozen
    expect(model.momentumDigest(1)).not.toBe(null);

    // Thaw: continuing from the kept buffer differs from continuing with a fresh one.
    const path = join(tempDir(), 'thaw.pt');
    await model.save(path);
    const reset = modelWithData({ model: 'mnist-net', seed: 2 });
    await reset.restore(path);
    reset.resetMomentum();
    for (const m of [model, reset]) m.setFrozen(Array(7).fill(false));
    await epoch(model, 2);
    await epoch(reset, 2);
    expect(model.momentumDigest(0)).not.toBe(momentum0);
    expect(model.unitDigest(0)).not.toBe(reset.unitDigest(0));
  });

  it('BatchNorm modes: train lets a frozen unit\'s BatchNorm learn, freeze-affine and freeze keep it', async () => {
    const results: Record<string, boolean> = {};
    const statsKept: Record<string, boolean> = {};
    for (const bn of ['train', 'freeze-affine', 'freeze'] as const) {
      const model = modelWithData({ model: 'resnet20', seed: 5 }, cifarShaped());
      const before = model.unitDigest(0);
      const statsBefore = model.unitDigest(0, true);
      model.setFrozen([true, ...Array(19).fill(false)], bn);
      await epoch(model, 0, { batchSize: 8 });
      results[bn] = model.unitDigest(0) === before;
      statsKept[bn] = model.unitDigest(0, true) === statsBefore;
    }
    expect(results).toEqual({ train: false, 'freeze-affine': true, freeze: true });
    // Running statistics: only 'freeze' runs the frozen unit's BatchNorm in eval mode.
    expect(statsKept).toEqual({ train: false, 'freeze-affine': false, freeze: true });
  });

  it('rejects masks that freeze everything, have the wrong length or wrong types', () => {
    const model = new Model({ model: 'mnist-net' });
    expect(() => model.setFrozen(Array(7).fill(true))).toThrow(/freezes every unit/);
    expect(() => model.setFrozen(Array(6).fill(false))).toThrow(RangeError);
    expect(() => model.setFrozen(Array(6).fill(false))).toThrow(/6 entries but the model has 7 freeze units/);
    expect(() => model.setFrozen([1, 0, 0, 0, 0, 0, 0] as unknown as boolean[])).toThrow(/mask\[0\] must be a boolean/);
    expect(() => model.setFrozen(Array(7).fill(false), 'eval' as 'train')).toThrow(/bn must be one of train, freeze-affine, freeze/);
  });
});

