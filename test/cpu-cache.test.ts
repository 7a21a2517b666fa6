// The caching CPU allocator (native/memory/cpu_cache.h) and the addon's own step profile
// (issue 15): reuse changes where tensors live, never what is computed.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../src/native';
import { epoch, modelWithData, THREADS } from './helpers';

const native = loadNative();
const cache = () => native.runtimeInfo().cpuCache;

describe('caching CPU allocator', () => {
  it('is on by default, reuses blocks across steps and gives them back when idle', async () => {
    expect(cache().enabled).toBe(true);
    const model = modelWithData({ model: 'mnist-net' });
    const before = cache().hits;
    await model.timeSteps({ steps: 3, batchSize: 16, threads: THREADS });
    expect(cache().hits).toBeGreaterThan(before); // steps 2 and 3 reuse step 1's activations
    await new Promise((r) => setTimeout(r, 1600)); // the compute thread idles for more than 1 s
    expect(cache().cachedBytes).toBe(0);
  });

  it('trains bit-identically with reuse on and off', async () => {
    const on = modelWithData({ model: 'mnist-net', seed: 3 });
    const off = modelWithData({ model: 'mnist-net', seed: 3 });
    on.setFrozen([false, true, false, false, true, false, false]);
    off.setFrozen([false, true, false, false, true, false, false]);
    try {
      const hits = cache().hits;
      const a = await epoch(on, 0);
      expect(cache().hits).toBeGreaterThan(hits);
      native.setCpuCache(false);
      expect(cache()).toMatchObject({ enabled: false, cachedBytes: 0 });
      const b = await epoch(off, 0);
      expect(cache().cachedBytes).toBe(0);
      expect(b.trainLoss).toBe(a.trainLoss);
      expect(off.digest()).toBe(on.digest());
      expect(off.unitDigests()).toEqual(on.unitDigests());
    } finally {
      native.setCpuCache(true);
    }
  });

  it('is left out with LAYEROUT_CPU_CACHE=0, and setCpuCache takes only a boolean', () => {
    const addon = join(__dirname, '..', 'build', 'Release', 'layerout.node');
    const script = `const a = require(${JSON.stringify(process.env.LAYEROUT_NATIVE ?? addon)}); console.log(JSON.stringify(a.runtimeInfo().cpuCache))`;
    const child = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, LAYEROUT_CPU_CACHE: '0' }, encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout).enabled).toBe(false);
    expect(() => native.setCpuCache('no' as never)).toThrow(/enabled must be a boolean/);
  });
});

describe('Model.profileSteps', () => {
  it('reports where the step goes, by operator and by phase', async () => {
    const model = modelWithData({ model: 'mnist-net' });
    const profile = await model.profileSteps({ steps: 2, batchSize: 16, threads: THREADS });
    expect(profile.steps).toBe(2);
    const ops = new Map(profile.operators.map((op) => [op.name, op]));
    // Five convolutions forward and backward, two linear layers, per step.
    expect(ops.get('aten::mkldnn_convolution')?.calls).toBe(5);
    expect(ops.get('aten::convolution_backward')?.calls).toBe(5);
    expect(ops.get('aten::addmm')?.calls).toBe(2);
    const phase = (name: string) => profile.phases.find((p) => p.phase === name)!;
    expect(phase('convolution forward').ms).toBeGreaterThan(0);
    expect(phase('convolution backward (input + weight gradients)').ms).toBeGreaterThan(0);
    expect(phase('BatchNorm').ms).toBe(0); // mnist-net has none
    const phaseSum = profile.phases.reduce((s, p) => s + p.ms, 0);
    expect(phaseSum).toBeCloseTo(profile.stepMs, 6);
    expect(profile.phases.reduce((s, p) => s + p.share, 0)).toBeCloseTo(1, 9);
    const selfMs = profile.operators.map((op) => op.selfMs);
    expect(selfMs).toEqual([...selfMs].sort((x, y) => y - x));
    // Frozen units do no backward work: an all-frozen network has no convolution backward.
    model.setFrozen([true, true, true, true, true, true, false]);
    const frozen = await model.profileSteps({ steps: 1, batchSize: 16, threads: THREADS });
    expect(frozen.operators.find((op) => op.name === 'aten::convolution_backward')).toBeUndefined();
    await expect(model.profileSteps({ steps: 0 })).rejects.toThrow(/steps/);
  });

  it('profiling changes nothing in the model: the same weights as timed steps', async () => {
    const a = modelWithData({ model: 'mnist-net', seed: 4 });
    const b = modelWithData({ model: 'mnist-net', seed: 4 });
    await a.profileSteps({ steps: 1, batchSize: 16, threads: THREADS });
    await b.timeSteps({ steps: 1, batchSize: 16, threads: THREADS });
    expect(a.digest()).toBe(b.digest());
  });
});
