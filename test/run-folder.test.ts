// The run folder through the API: what train({ out }) writes, what it refuses, and old folders.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetPair } from '../src/data/types';
import { Model } from '../src/model';
import { RunFolder } from '../src/run/folder';
import { loadDataSpec } from '../src/data/spec';
import { train } from '../src/train';
import { tempDir, THREADS } from './helpers';

/** A float dataset (already preprocessed): class c has mean value c - 1 plus a ramp. */
function floatData(): DatasetPair {
  const make = (n: number, name: string) => {
    const images = new Float32Array(n * 16);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 3;
      for (let j = 0; j < 16; j++) images[i * 16 + j] = labels[i] - 1 + 0.05 * Math.sin(i * 16 + j);
    }
    return { name, images, labels, shape: [n, 1, 4, 4] as [number, number, number, number], classes: 3 };
  };
  return { kind: 'preprocessed', train: make(60, 'floats/train'), test: make(15, 'floats/test'), classes: 3 };
}

const base = { model: 'mlp', inputShape: [1, 4, 4] as [number, number, number], hidden: [8], data: floatData(), batchSize: 10, lr: 0.1, threads: THREADS };

describe('run folders written by train({ out })', () => {
  it('hold run.json, the checkpoint, metrics and summary; Model.load predicts with the trained weights', async () => {
    const out = join(tempDir(), 'api-run');
    const { summary, model } = await train({ ...base, epochs: 3, out, policy: 'layerout', seed: 5 });
    expect(readdirSync(out).sort()).toEqual(['checkpoint.pt', 'metrics.csv', 'metrics.jsonl', 'run.json', 'summary.json']);
    const config = new RunFolder(out).readConfig();
    expect(config).toMatchObject({
      format: 'layerout-run-2',
      model: { model: 'mlp', classes: 3, hidden: [8], inputShape: [1, 4, 4], seed: 5 },
      data: { kind: 'preprocessed', classes: 3, source: null, train: { name: 'floats/train', count: 60 } },
      training: { policy: 'layerout', epochs: 3, batchSize: 10, lr: 0.1, seed: 5, bn: 'train', threads: THREADS },
    });
    expect(summary.finalTestAcc).toBeGreaterThan(0.9); // three well-separated classes
    const loaded = await Model.load(out);
    const x = base.data.test;
    expect(Array.from(await loaded.predict(x.images, x.shape, { threads: THREADS }))).toEqual(Array.from(await model.predict(x.images, x.shape, { threads: THREADS })));
  });

  it('refuses to start a new run over an existing one, and bad folders before any epoch', async () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    await train({ ...base, epochs: 1, out });
    const before = readFileSync(join(out, 'checkpoint.pt'));
    await expect(train({ ...base, epochs: 1, out })).rejects.toThrow(/already holds a run; continue it with --resume .* replace it with --force/);
    expect(readFileSync(join(out, 'checkpoint.pt')).equals(before)).toBe(true);
    // force replaces it: a new run from epoch 0 (different seed, different weights).
    const replaced = await train({ ...base, epochs: 1, out, force: true, seed: 77 });
    expect((await Model.load(out)).digest()).toBe(replaced.summary.digest);
    expect(readFileSync(join(out, 'checkpoint.pt')).equals(before)).toBe(false);
    writeFileSync(join(dir, 'file'), 'x');
    let epochs = 0;
    await expect(train({ ...base, epochs: 1, out: join(dir, 'file'), onEpoch: () => epochs++ })).rejects.toThrow(/is a file, not a folder/);
    await expect(train({ ...base, epochs: 1, out: join(dir, 'file', 'sub'), onEpoch: () => epochs++ })).rejects.toThrow(/could not create run folder/);
    await expect(train({ ...base, epochs: 1, out: '' })).rejects.toThrow(TypeError);
    expect(epochs).toBe(0);
  });

  it('reads a first-format run folder: percentages become shares and the model comes from run.json', async () => {
    const out = join(tempDir(), 'old');
    mkdirSync(out);
    const model = new Model({ model: 'mlp', inputShape: [1, 4, 4], hidden: [8], classes: 3, seed: 1 });
    const record = { epoch: 1, lr: 0.1, frozen: [true, false], frozenUnits: 1, frozenParamsPct: 40, idealBackwardSaving: 0.25, testAcc: 0.5 };
    const oldMeta = { format: 'layerout-checkpoint-1', epochsDone: 1, policy: 'none', policyState: null, records: [record], config: null };
    // The first format's bytes: the same archive with the old metadata (written through the raw addon).
    const raw = (model as unknown as { native: { save(meta: string): Promise<Buffer> } }).native;
    writeFileSync(join(out, 'checkpoint.pt'), await raw.save(JSON.stringify(oldMeta)));
    writeFileSync(join(out, 'run.json'), JSON.stringify({ model: 'mnist-net', data: 'synthetic:3:30:1x4x4', epochs: 1, batch: 10 }));
    // run.json names mnist-net, the archive holds an mlp: an error, not a crash.
    await expect(Model.load(out)).rejects.toThrow(/could not restore the checkpoint/);
    writeFileSync(join(out, 'run.json'), JSON.stringify({ model: 'mlp', classes: 3, data: 'synthetic:3:30:1x4x4', epochs: 1, batch: 10 }));
    // mlp's hidden widths were never in the first run.json format: a model built with them restores it.
    const meta = await new Model({ model: 'mlp', inputShape: [1, 4, 4], hidden: [8], classes: 3 }).restore(out);
    expect(meta.training?.records[0]).toMatchObject({ frozenParamsShare: 0.4, idealBackwardSavedShare: 0.25 });
    expect(meta.training?.records[0]).not.toHaveProperty('frozenParamsPct');
    expect(new RunFolder(out).readConfig()).toMatchObject({ format: 'layerout-run-2', training: { batchSize: 10, epochs: 1 }, data: { source: { spec: 'synthetic:3:30:1x4x4' } } });
  });
});

describe('resuming from the run folder', () => {
  it('uses the thread count the run started with unless given another (digests depend on it)', async () => {
    const { resumeOptions } = await import('../src/run/resume');
    const out = join(tempDir(), 'threads');
    const data = loadDataSpec('synthetic:3:30:1x4x4');
    await train({ ...base, data, epochs: 1, out, threads: 1 });
    expect((await resumeOptions(out)).threads).toBe(1);
    expect((await resumeOptions(out, { threads: 2 })).threads).toBe(2);
  });
});
