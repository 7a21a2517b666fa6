import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { train, type EpochRecord, type TrainOptions } from '../src/train';
import { tempDir, THREADS, tinyDigits } from './helpers';

const data = tinyDigits(96);

function options(extra: Partial<TrainOptions> = {}): TrainOptions {
  return { model: 'mnist-net', data, policy: 'layerout', epochs: 4, batchSize: 32, lr: 0.05, seed: 3, threads: THREADS, ...extra };
}

async function run(extra: Partial<TrainOptions> = {}) {
  const records: EpochRecord[] = [];
  const { summary } = await train(
    options({
      ...extra,
      onEpoch: (r) => {
        records.push(r);
        extra.onEpoch?.(r);
      },
    }),
  );
  return { summary, records };
}

describe('train()', () => {
  it('reports epoch records and a summary', async () => {
    const out = tempDir();
    const { summary, records } = await run({ out, policy: 'layerout:warmup=1' });
    expect(records.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
    expect(records[0]).toMatchObject({ frozenUnits: 0, frozenParamsShare: 0, idealBackwardSavedShare: 0, layerOutEpoch: false });
    for (const r of records) {
      expect(r.frozen).toHaveLength(7);
      expect(r.frozenUnits).toBe(r.frozen.filter(Boolean).length);
      // Parameters are frozen exactly when units are, and never all of them.
      expect(r.frozenParamsShare > 0).toBe(r.frozenUnits > 0);
      expect(r.frozenParamsShare).toBeLessThan(1);
      // 19 test samples: accuracy is a whole number of them.
      expect(Math.abs(r.testAcc * 19 - Math.round(r.testAcc * 19))).toBeLessThan(1e-9);
      expect(r.lr).toBe(0.05);
    }
    const layerOut = records.slice(1).map((r) => r.frozenParamsShare);
    expect(layerOut.some((v) => v > 0)).toBe(true);
    expect(summary.meanFrozenParamsShareLayerOut).toBeCloseTo(layerOut.reduce((s, v) => s + v, 0) / 3, 10);
    expect(summary.meanFrozenParamsShareAll).toBeCloseTo(layerOut.reduce((s, v) => s + v, 0) / 4, 10);
    expect(summary.bestTestAcc).toBe(Math.max(...records.map((r) => r.testAcc)));
    expect(summary.finalTestAcc).toBe(records[3].testAcc);
    expect(summary.digest).toMatch(/^[0-9a-f]{64}$/);

    const jsonl = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl).toEqual(records);
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0].split(',')).toContain('frozenParamsShare');
    expect(csv).toHaveLength(5);
    // The mask column stays text for spreadsheets and numpy: F frozen, . trainable.
    const maskColumn = csv[0].split(',').indexOf('frozenMask');
    expect(csv.slice(1).map((l) => l.split(',')[maskColumn])).toEqual(records.map((r) => r.frozen.map((f) => (f ? 'F' : '.')).join('')));
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(summary);
    expect(existsSync(join(out, 'checkpoint.pt'))).toBe(true);
  });

  it.each([1, 2, 3])('a run interrupted after epoch %i and resumed equals the uninterrupted run', async (stopAfter) => {
    const whole = await run();
    const out = tempDir();
    const controller = new AbortController();
    const first = await run({
      out,
      signal: controller.signal,
      onEpoch: (r) => {
        if (r.epoch === stopAfter) controller.abort();
      },
    });
    expect(first.summary).toMatchObject({ interrupted: true, epochsDone: stopAfter });
    const resumed = await run({ out, resume: true });
    expect(resumed.summary.epochsDone).toBe(4);
    expect(resumed.summary.digest).toBe(whole.summary.digest);
    const masks = JSON.parse(`[${readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').join(',')}]`).map((r: EpochRecord) => r.frozen);
    expect(masks).toEqual(whole.records.map((r) => r.frozen));
  });

  it('an epoch aborted mid-way is dropped and redone on resume', async () => {
    // Batches of 4: the abort arrives at batch 1 of 24, far from the epoch's end.
    const whole = await run({ epochs: 2, batchSize: 4 });
    const out = tempDir();
    const controller = new AbortController();
    const { summary: first } = await train(options({
      epochs: 2,
      batchSize: 4,
      out,
      signal: controller.signal,
      progressEvery: 1,
      onBatch: (p) => {
        if (p.epoch === 2 && p.batch === 1) controller.abort();
      },
    }));
    expect(first).toMatchObject({ interrupted: true, epochsDone: 1 });
    const resumed = await run({ epochs: 2, batchSize: 4, out, resume: true });
    expect(resumed.summary.digest).toBe(whole.summary.digest);
  });

  it('resets momentum every LayerOut epoch under reference-code compatibility', async () => {
    const { records } = await run({ policy: 'layerout:compat=reference-code:warmup=2' });
    expect(records.map((r) => r.momentumReset)).toEqual([false, false, true, true]);
    for (const r of records) {
      const k = r.frozen.indexOf(false);
      expect(r.frozen.slice(k).every((f) => !f)).toBe(true);
    }
  });

  it('rejects inconsistent options', async () => {
    await expect(train(options({ epochs: -1 }))).rejects.toThrow(/epochs must be between 0/);
    await expect(train(options({ resume: true }))).rejects.toThrow(/resume needs the run folder/);
    await expect(train(options({ policy: 'layerout:v=0.5' }))).rejects.toThrow(/1 entries but the model has 7/);
    await expect(train(options({ schedule: 'steps' }))).rejects.toThrow(/schedule: cannot read 'steps'/);
  });
});
