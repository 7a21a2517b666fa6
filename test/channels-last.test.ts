// Channels-last memory format: the same network and the same guarantees, another layout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model } from '../src/model';
import { loadNative } from '../src/native';
import { train } from '../src/train';
import { cifarShaped, epoch, modelWithData, tempDir, THREADS, tinyDigits } from './helpers';

describe('channels-last', () => {
  it('starts from the same weights and predicts what the default layout predicts (< 1e-4)', async () => {
    const data = cifarShaped();
    const nchw = modelWithData({ model: 'resnet20', seed: 5, channelsLast: false }, data);
    const cl = modelWithData({ model: 'resnet20', seed: 5, channelsLast: true }, data);
    expect(cl.digest()).toBe(nchw.digest()); // digests hash values in a fixed layout
    const a = await nchw.predict(data.test.images, data.test.shape, { threads: THREADS });
    const b = await cl.predict(data.test.images, data.test.shape, { threads: THREADS });
    expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-4);
  });

  it('keeps frozen units bit-identical, momentum included, and round-trips checkpoints with the default layout', async () => {
    const model = modelWithData({ model: 'mnist-net', seed: 2, channelsLast: true });
    await epoch(model, 0);
    model.setFrozen([true, false, true, false, false, false, false]);
    const before = [0, 2].map((u) => [model.unitDigest(u), model.momentumDigest(u)]);
    await epoch(model, 1);
    expect([0, 2].map((u) => [model.unitDigest(u), model.momentumDigest(u)])).toEqual(before);
    const file = join(tempDir(), 'cl.pt');
    await model.save(file);
    const plain = new Model({ model: 'mnist-net' });
    await plain.restore(file);
    expect(plain.digest()).toBe(model.digest());
    const back = new Model({ model: 'mnist-net', channelsLast: true });
    await back.restore(file);
    expect(back.digest()).toBe(model.digest());
    await epoch(modelWithData({ model: 'mnist-net', channelsLast: true }), 0); // trains after a restore too
  });

  it('runs a one-channel network without converting activations between layouts', async () => {
    // The first conv's weight (32x1x3x3) has strides that fit both layouts: unless it is
    // restrided as PyTorch's module.to(channels_last) does, that conv runs in NCHW and every
    // step converts its output to channels-last and back (aten::contiguous, slower ReLU backward).
    const model = modelWithData({ model: 'mnist-net', channelsLast: true });
    const profile = await model.profileSteps({ steps: 1, batchSize: 16, threads: THREADS });
    const names = profile.operators.map((op) => op.name);
    expect(names).toContain('aten::convolution_backward');
    expect(names).not.toContain('aten::contiguous');
  });

  it('a checkpoint from the other layout is put in the model\'s own layout, momentum included', async () => {
    const dir = tempDir();
    const names = async (m: Model) => (await m.profileSteps({ steps: 1, batchSize: 16, threads: THREADS })).operators.map((op) => op.name);
    // Written in channels-last, restored into NCHW: the weights keep no channels-last strides.
    // With them, oneDNN would silently run every conv channels-last, and flattening the last
    // conv's channels-last output for fc1 would copy it (aten::clone), as in a channels-last model.
    const cl = modelWithData({ model: 'mnist-net', seed: 6, channelsLast: true });
    await epoch(cl, 0);
    await cl.save(join(dir, 'cl.pt'));
    const nchw = modelWithData({ model: 'mnist-net', channelsLast: false });
    await nchw.restore(join(dir, 'cl.pt'));
    expect(nchw.digest()).toBe(cl.digest());
    expect(await names(cl)).toContain('aten::clone');
    expect(await names(nchw)).not.toContain('aten::clone');
    // Written in NCHW with momentum, restored into channels-last: the momentum buffers follow the
    // weights, so the fused update still takes every parameter (no multi-tensor fallback).
    const plain = modelWithData({ model: 'mnist-net', seed: 6, channelsLast: false });
    await epoch(plain, 0);
    await plain.save(join(dir, 'nchw.pt'));
    const back = modelWithData({ model: 'mnist-net', channelsLast: true });
    await back.restore(join(dir, 'nchw.pt'));
    expect(back.momentumDigest(0)).toBe(plain.momentumDigest(0));
    const ops = await names(back);
    expect(ops).not.toContain('aten::contiguous');
    if (loadNative().runtimeInfo().fusedSgd === 'on') expect(ops.filter((n) => n.startsWith('Optimizer.step > aten::_foreach'))).toEqual([]);
  });

  it("is the ResNets' and mnist-net's default on CPU (measured faster there), and only theirs", () => {
    expect(new Model({ model: 'resnet20' }).channelsLast).toBe(true);
    expect(new Model({ model: 'resnet110-bottleneck' }).channelsLast).toBe(true);
    expect(new Model({ model: 'resnet20', channelsLast: false }).channelsLast).toBe(false);
    expect(new Model({ model: 'mnist-net' }).channelsLast).toBe(true);
    expect(new Model({ model: 'mnist-net', channelsLast: false }).channelsLast).toBe(false);
    expect(new Model({ model: 'vgg16' }).channelsLast).toBe(false);
    const spec = JSON.parse(readFileSync(join(__dirname, '..', 'examples', 'resnet20.json'), 'utf8'));
    expect(new Model({ model: spec }).channelsLast).toBe(false);
  });

  it('a resnet run records the default it ran with, and resumes with it', async () => {
    const out = join(tempDir(), 'resnet');
    const options = { model: 'resnet20', data: cifarShaped(), batchSize: 8, threads: THREADS, out };
    await train({ ...options, epochs: 1 });
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).training.channelsLast).toBe(true);
    expect((await train({ ...options, epochs: 2, resume: true })).summary.epochsDone).toBe(2);
  });

  it('is part of a run: a resume in the other layout is refused', async () => {
    const out = join(tempDir(), 'run');
    const options = { model: 'mnist-net', data: tinyDigits(40), batchSize: 20, threads: THREADS, out };
    await train({ ...options, epochs: 1, channelsLast: false });
    await expect(train({ ...options, epochs: 2, resume: true })).rejects.toThrow(/channelsLast was false, now true/);
    expect((await train({ ...options, epochs: 2, resume: true, channelsLast: false })).summary.epochsDone).toBe(2);
  });
});
