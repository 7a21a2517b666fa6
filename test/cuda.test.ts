// CUDA end to end. Runs where libtorch sees a GPU (scripts/gpu-check); elsewhere skipped with a reason.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model } from '../src/model';
import { loadNative } from '../src/native';
import { train } from '../src/train';
import { epoch, tempDir, tinyDigits } from './helpers';

const runtime = loadNative().runtimeInfo();
const hasCuda = runtime.cudaAvailable;
if (!hasCuda) console.warn(`CUDA tests skipped: libtorch ${runtime.torchVersion} on this machine sees no CUDA GPU`);

describe.skipIf(!hasCuda)('CUDA', () => {
  const data = tinyDigits(256);

  function cudaModel(seed = 1): Model {
    const model = new Model({ model: 'mnist-net', seed, device: 'cuda' });
    model.setData('train', data.train, data.kind);
    model.setData('test', data.test, data.kind);
    return model;
  }

  it('auto picks CUDA and the model reports its device', () => {
    expect(new Model({ model: 'mnist-net', device: 'auto' }).info.device).toMatch(/^cuda/);
  });

  it('keeps frozen units bit-identical through a CUDA epoch with momentum and weight decay', async () => {
    const model = cudaModel();
    await epoch(model, 0);
    const before = model.unitDigests();
    const mask = [true, true, false, false, true, false, false];
    model.setFrozen(mask);
    await epoch(model, 1);
    const after = model.unitDigests();
    mask.forEach((frozen, i) => (frozen ? expect(after[i]).toBe(before[i]) : expect(after[i]).not.toBe(before[i])));
  });

  it('trains an epoch on CUDA with device-synchronised timings', async () => {
    const { summary } = await train({ model: 'mnist-net', data, epochs: 2, device: 'cuda', lr: 0.05, batchSize: 32, policy: 'layerout' });
    expect(summary.device).toMatch(/^cuda/);
    expect(summary.epochsDone).toBe(2);
    expect(summary.backwardMs).toBeGreaterThan(0);
    expect(summary.finalTestAcc).toBeGreaterThan(0.2);
  });

  it('aborts a CUDA epoch within a batch and stays usable', async () => {
    const model = cudaModel();
    const controller = new AbortController();
    const stats = epoch(model, 0, {
      batchSize: 4,
      signal: controller.signal,
    }).finally(() => undefined);
    controller.abort(); // right after the call: at most the batch already running completes
    expect((await stats).aborted).toBe(true);
    expect((await stats).batches).toBeLessThanOrEqual(1);
    await expect(epoch(model, 1)).resolves.toMatchObject({ aborted: false });
  });

  it('round-trips checkpoints between CUDA and CPU with identical digests', async () => {
    const dir = tempDir();
    const gpu = cudaModel(3);
    await epoch(gpu, 0);
    await gpu.save(join(dir, 'gpu.pt'), { from: 'cuda' });
    const cpu = new Model({ model: 'mnist-net', seed: 4, device: 'cpu' });
    expect((await cpu.restore(join(dir, 'gpu.pt'))).user).toEqual({ from: 'cuda' });
    expect(cpu.digest()).toBe(gpu.digest());
    expect(cpu.momentumDigest(0)).toBe(gpu.momentumDigest(0));
    await cpu.save(join(dir, 'cpu.pt'));
    const back = cudaModel(5);
    await back.restore(join(dir, 'cpu.pt'));
    expect((await Model.load(join(dir, 'gpu.pt'), { device: 'cuda' })).digest()).toBe(gpu.digest());
    expect(back.digest()).toBe(gpu.digest());
  });

  it('reports CUDA allocator peak memory', async () => {
    const model = cudaModel();
    model.cudaPeakMemory(true);
    await model.timeSteps({ steps: 1, batchSize: 64 });
    expect(model.cudaPeakMemory()).toBeGreaterThan(1e6);
  });
});
