import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandMasks } from '../src/bench/masks';
import { backwardMacs, frozenParamsShare, idealBackwardSaving, type CostUnit } from '../src/cost';
import { Model } from '../src/model';

const u = (macs: number, params = 10, bn = false): CostUnit => ({ macs, params, bnParams: bn ? 2 : 0, hasBatchNorm: bn });

describe('the ideal cost model', () => {
  // Three units of 100, 200 and 300 MACs. Unfrozen backward: weight gradients 600, input
  // gradients for units 2 and 3 only (nothing before unit 1 needs a gradient): 500. Total 1100.
  const units = [u(100), u(200), u(300)];

  it('counts weight and input gradients by hand', () => {
    expect(backwardMacs(units, [false, false, false], 'train')).toBe(1100);
    // Frozen middle unit: saves its weight gradient only (unit 1 still needs its input gradient).
    expect(backwardMacs(units, [false, true, false], 'train')).toBe(1100 - 200);
    // Frozen prefix of two: no weight gradients for 1 and 2, no input gradient for 2 or 3.
    expect(backwardMacs(units, [true, true, false], 'train')).toBe(300);
    expect(idealBackwardSaving(units, [true, true, false], 'train')).toBeCloseTo(800 / 1100, 12);
    // Frozen suffix: weight gradients skipped, input gradients still flow to unit 1.
    expect(backwardMacs(units, [false, true, true], 'train')).toBe(100 + 500);
  });

  it('keeps input gradients flowing when a frozen unit\'s BatchNorm still trains', () => {
    const bnUnits = [u(100, 10, true), u(200, 10, true), u(300)];
    expect(backwardMacs(bnUnits, [true, true, false], 'train')).toBe(300 + 200 + 300);
    expect(backwardMacs(bnUnits, [true, true, false], 'freeze-affine')).toBe(300);
  });

  it('counts frozen parameters, BatchNorm affine only when it is frozen too', () => {
    const bnUnits = [u(1, 10, true), u(1, 30)];
    expect(frozenParamsShare(bnUnits, [true, false], 'train')).toBeCloseTo(0.2, 12);
    expect(frozenParamsShare(bnUnits, [true, false], 'freeze')).toBeCloseTo(0.25, 12);
  });
});

describe('layerout bench', () => {
  it('expands named masks', () => {
    const model = new Model({ model: 'mnist-net' });
    const masks = expandMasks(['prefix-2', 'suffix-1', 'all-but-last', 'layerout:2', 'efreeze'], model.units, 'mnist-net');
    expect(masks.map((m) => m.name)).toEqual(['none', 'prefix-2', 'suffix-1', 'all-but-last', 'layerout#1', 'layerout#2', 'efreeze']);
    expect(masks[1].mask).toEqual([true, true, false, false, false, false, false]);
    expect(masks[2].mask).toEqual([false, false, false, false, false, false, true]);
    expect(masks[3].mask).toEqual([true, true, true, true, true, true, false]);
    expect(() => expandMasks(['prefix-7'], model.units, 'mnist-net')).toThrow(/at most 6 may be frozen/);
    expect(() => expandMasks(['middle'], model.units, 'mnist-net')).toThrow(/unknown mask 'middle'/);
  });

  it('prints the documented JSON shape for a tiny model and two steps', () => {
    const cli = join(__dirname, '..', 'dist', 'cli.js');
    const r = spawnSync(
      process.execPath,
      [cli, 'bench', '--model', 'mlp', '--batch', '8', '--steps', '2', '--warmup', '1', '--threads', '1', '--masks', 'prefix-1,all-but-last', '--json'],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['batch', 'machine', 'model', 'rows', 'steps', 'threads']);
    expect(out).toMatchObject({ model: 'mlp', batch: 8, threads: 1, steps: 2 });
    expect(out.rows.map((row: { mask: string }) => row.mask)).toEqual(['none', 'prefix-1', 'all-but-last']);
    for (const row of out.rows) {
      for (const key of ['mask', 'frozen', 'frozenParamsShare', 'forwardMs', 'backwardMs', 'optimizerMs', 'backwardRatio', 'idealBackwardRatio', 'realization', 'peakMemoryBytes']) {
        expect(row, key).toHaveProperty(key);
      }
      expect(row.backwardMs).toBeGreaterThan(0);
    }
    expect(out.rows[0]).toMatchObject({ backwardRatio: 1, idealBackwardRatio: 1, realization: null });
    expect(out.rows[2].idealBackwardRatio).toBeLessThan(0.1);
  });
});
