import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model } from '../src/model';
import { cifarShaped, epoch, modelWithData, tempDir, tinyDigits } from './helpers';

describe('the epoch loop', () => {
  it('reports loss, accuracy, timings and progress', async () => {
    const model = modelWithData({ model: 'mnist-net' }, tinyDigits(96));
    const progress: { batch: number; loss: number; acc: number }[] = [];
    const stats = await epoch(model, 0, { onProgress: (p) => progress.push(p), progressEvery: 2 });
    expect(stats).toMatchObject({ batches: 6, samples: 96, aborted: false });
    expect(stats.trainLoss).toBeGreaterThan(0);
    // The last progress report covers every sample: the epoch's loss and accuracy exactly.
    expect(progress[2].loss).toBe(stats.trainLoss);
    expect(progress[2].acc).toBe(stats.trainAcc);
    // Accuracy is a count of correct samples over 96: a multiple of 1/96 in [0, 1].
    const trainCorrect = Math.round(stats.trainAcc * 96);
    expect(stats.trainAcc * 96).toBeCloseTo(trainCorrect, 9);
    expect(trainCorrect).toBeLessThanOrEqual(96);
    for (const k of ['dataMs', 'forwardMs', 'backwardMs', 'optimizerMs'] as const) expect(stats[k]).toBeGreaterThan(0);
    expect(stats.epochMs).toBeGreaterThanOrEqual(stats.forwardMs + stats.backwardMs);
    expect(progress.map((p) => p.batch)).toEqual([2, 4, 6]);
    const evaluation = await model.evaluate({ threads: 1 });
    expect(evaluation.samples).toBe(19); // synthetic test split: count / 5
    // evaluate's accuracy is the share of argmax predictions equal to the labels.
    const data = tinyDigits(96);
    const logits = await model.predict(data.test.images, data.test.shape, { threads: 1 });
    let correct = 0;
    for (let i = 0; i < 19; i++) {
      const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
      if (row.indexOf(Math.max(...row)) === data.test.labels[i]) correct++;
    }
    expect(evaluation.acc).toBeCloseTo(correct / 19, 12);
  });

  it('stops within one batch when the AbortSignal fires, and the model stays usable', async () => {
    const model = modelWithData({ model: 'mnist-net' }, tinyDigits(800));
    const controller = new AbortController();
    // Aborting right after the call: the flag is set before the loop checks it for batch 1, so at
    // most the batch already running (batch 0) completes, however slow the machine is.
    const running = epoch(model, 0, { batchSize: 4, signal: controller.signal });
    controller.abort();
    const stats = await running;
    expect(stats.aborted).toBe(true);
    expect(stats.batches).toBeLessThanOrEqual(1);
    expect(stats.samples).toBe(stats.batches * 4);
    // A signal that has fired already stops before any batch.
    expect(await epoch(model, 0, { signal: controller.signal })).toMatchObject({ aborted: true, batches: 0 });
    const again = await epoch(model, 1, { batchSize: 100 });
    expect(again).toMatchObject({ aborted: false, batches: 8 });
  });

  it('a throwing progress callback stops the epoch and rejects with that error', async () => {
    const model = modelWithData({ model: 'mnist-net' }, tinyDigits(200));
    await expect(
      epoch(model, 0, {
        batchSize: 4,
        progressEvery: 1,
        onProgress: () => {
          throw new Error('stop here');
        },
      }),
    ).rejects.toThrow('stop here');
    expect(model.busy).toBe(false);
  });

  it('keeps the event loop free while an epoch runs', async () => {
    const model = modelWithData({ model: 'mnist-net' }, tinyDigits(512));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const stats = await epoch(model, 0, { batchSize: 32 });
    clearInterval(timer);
    // An epoch of this size takes hundreds of milliseconds; a blocked loop would tick at most once.
    expect(stats.epochMs).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThanOrEqual(10);
  });

  it('refuses a second job on the same model while one runs', async () => {
    const model = modelWithData({ model: 'mnist-net' }, tinyDigits(256));
    const running = epoch(model, 0);
    expect(model.busy).toBe(true);
    await expect(epoch(model, 1)).rejects.toThrow(/model is busy/);
    expect(() => model.setFrozen(Array(7).fill(false))).toThrow(/model is busy/);
    expect(() => model.digest()).toThrow(/model is busy/);
    await expect(model.evaluate()).rejects.toThrow(/model is busy/);
    await running;
    expect(model.busy).toBe(false);
    await expect(epoch(model, 1)).resolves.toMatchObject({ aborted: false });
  });

  it('rejects bad hyper-parameters before any native call', async () => {
    const model = modelWithData({ model: 'mnist-net' });
    await expect(epoch(model, 0, { lr: -1 })).rejects.toThrow(/lr must be greater than 0/);
    await expect(epoch(model, 0, { lr: Number.NaN })).rejects.toThrow(TypeError);
    await expect(epoch(model, 0, { batchSize: 0 })).rejects.toThrow(/batchSize must be between 1/);
    await expect(epoch(model, 0, { momentum: 1.5 })).rejects.toThrow(/momentum must be at least 0 and at most 1/);
    await expect(epoch(model, -1)).rejects.toThrow(/epoch must be between 0/);
    await expect(epoch(model, 0, { weightDecay: -0.1 })).rejects.toThrow(RangeError);
  });

  it('turns native failures into Errors that say what failed', async () => {
    const model = new Model({ model: 'mnist-net' });
    await expect(epoch(model, 0)).rejects.toThrow(/trainEpoch failed: no training data has been set/);
    await expect(model.restore('/nonexistent/ckpt.pt')).rejects.toThrow(/no such run folder or checkpoint: \/nonexistent\/ckpt.pt/);
    const wrongShape = tinyDigits(8);
    expect(() => new Model({ model: 'vgg16' }).setData('train', wrongShape.train)).toThrow(/images have 1 channel\(s\) but the model expects 3/);
  });
});

describe('checkpoints and digests', () => {
  it('round-trips model and momentum to identical digests, atomically', async () => {
    const dir = tempDir();
    const model = modelWithData({ model: 'resnet20', seed: 9 }, cifarShaped());
    await epoch(model, 0, { batchSize: 8 });
    const path = join(dir, 'a.pt');
    await model.save(path, { note: 'hello', epoch: 1 });
    expect(readdirSync(dir)).toEqual(['a.pt']); // no temporary file left behind

    const other = modelWithData({ model: 'resnet20', seed: 10 }, cifarShaped());
    expect(other.digest()).not.toBe(model.digest());
    expect((await other.restore(path)).user).toEqual({ note: 'hello', epoch: 1 });
    expect(other.digest()).toBe(model.digest());
    expect(other.unitDigests()).toEqual(model.unitDigests());
    expect(other.units.map((u) => other.momentumDigest(u.index))).toEqual(model.units.map((u) => model.momentumDigest(u.index)));

    // Continuing both gives the same weights: nothing the optimizer needs was lost.
    await epoch(model, 1, { batchSize: 8 });
    await epoch(other, 1, { batchSize: 8 });
    expect(other.digest()).toBe(model.digest());
  });

  it('a failed save leaves no partial file', async () => {
    const model = new Model({ model: 'mnist-net' });
    const dir = tempDir();
    await expect(model.save(join(dir, 'missing', 'x.pt'))).rejects.toThrow(/could not write .*missing\/x.pt: ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the same seed gives the same trained digest', async () => {
    const run = async () => {
      const model = modelWithData({ model: 'mnist-net', seed: 4 });
      const before = model.unitDigests();
      model.setFrozen([false, true, false, false, true, false, false]);
      await epoch(model, 0, { seed: 11 });
      await epoch(model, 1, { seed: 11 });
      return { before, after: model.unitDigests(), digest: model.digest() };
    };
    const [a, b] = [await run(), await run()];
    expect(a.digest).toBe(b.digest);
    // Training moved every trainable unit and none of the frozen ones.
    a.after.forEach((d, i) => (i === 1 || i === 4 ? expect(d).toBe(a.before[i]) : expect(d).not.toBe(a.before[i])));
  });
});

