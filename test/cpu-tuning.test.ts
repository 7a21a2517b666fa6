// The addon's CPU tunings (issue 15): the caching CPU allocator (native/memory/cpu_cache.h)
// changes where tensors live, never what is computed; the fused SGD kernel (native/optim/sgd_kernel.h)
// gives PyTorch's SGD(foreach=True) result bit for bit; and the addon's own step profile.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuFlags } from '../src/cpu';
import { Model } from '../src/model';
import { loadNative } from '../src/native';
import { phaseOf } from '../src/profile';
import { epoch, modelWithData, tempDir, THREADS, tinyDigits } from './helpers';

const native = loadNative();
const cache = () => native.runtimeInfo().cpuCache;
/** Lets the compute thread idle past its 1 s release. */
const idle = () => new Promise((r) => setTimeout(r, 1600));
/**
 * Runs jobs meant to follow each other closely; if this busy machine stalled long enough between
 * two of them for the compute thread's idle release (1 s), runs them again (at most 3 times).
 */
async function steady<T>(jobs: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const before = cache().idleReleases;
    const result = await jobs();
    if (cache().idleReleases === before || attempt === 3) return result;
  }
}
/** The tunings as they are now (LAYEROUT_CPU_CACHE / LAYEROUT_FUSED_SGD may have set them), to restore after a test. */
const tuningNow = () => ({ cache: cache().enabled, fusedSgd: native.runtimeInfo().fusedSgd !== 'off' });

describe('caching CPU allocator', () => {
  it('is on by default, reuses blocks across steps and gives them back when idle', async () => {
    expect(cache().enabled).toBe(true);
    const model = modelWithData({ model: 'mnist-net' });
    const before = cache().hits;
    await model.timeSteps({ steps: 3, batchSize: 16, threads: THREADS });
    expect(cache().hits).toBeGreaterThan(before); // steps 2 and 3 reuse step 1's activations
    await idle(); // the compute thread idles for more than 1 s
    expect(cache().cachedBytes).toBe(0);
    expect(cache().idleReleases).toBeGreaterThan(0);
    // While idle, blocks freed on the JS thread (data replaced) go straight back too.
    for (let i = 0; i < 2; i++) model.setData('train', tinyDigits(400).train);
    expect(cache().cachedBytes).toBe(0);
  });

  it('gives back blocks two whole jobs left unused, so memory stays near the working set', async () => {
    const model = modelWithData({ model: 'mnist-net' });
    // Straight after each other (no idle release in between): batch 32's blocks wait through
    // two jobs of batch 4 unused and go back when the third one starts.
    const switched = await steady(async () => {
      await model.timeSteps({ steps: 2, batchSize: 32, threads: THREADS });
      const large = cache().cachedBytes;
      const misses = cache().misses;
      await model.timeSteps({ steps: 1, batchSize: 4, threads: THREADS });
      const missed = cache().misses > misses; // a smaller batch misses
      await model.timeSteps({ steps: 1, batchSize: 4, threads: THREADS });
      const keptThroughOne = cache().cachedBytes;
      await model.timeSteps({ steps: 1, batchSize: 4, threads: THREADS });
      return { large, missed, keptThroughOne, afterSwitch: cache().cachedBytes };
    });
    expect(switched.large).toBeGreaterThan(0);
    expect(switched.missed).toBe(true);
    expect(switched.keptThroughOne).toBeGreaterThanOrEqual(switched.large);
    expect(switched.afterSwitch).toBeLessThan(switched.large);
    // What batch 4 alone leaves cached, from an empty cache; then a repeating step misses nothing.
    await idle();
    expect(cache().cachedBytes).toBe(0);
    const alone = await steady(async () => {
      await model.timeSteps({ steps: 1, batchSize: 4, threads: THREADS });
      await model.timeSteps({ steps: 1, batchSize: 4, threads: THREADS });
      const cached = cache().cachedBytes;
      const warm = cache().misses;
      await model.timeSteps({ steps: 3, batchSize: 4, threads: THREADS });
      return { cached, missesWhenWarm: cache().misses - warm };
    });
    expect(switched.afterSwitch).toBe(alone.cached);
    expect(alone.missesWhenWarm).toBe(0);
  });

  it('keeps training warm across the evaluations and checkpoints between epochs', async () => {
    const model = modelWithData({ model: 'mnist-net' });
    const missed = await steady(async () => {
      await model.timeSteps({ steps: 2, batchSize: 16, threads: THREADS });
      await model.evaluate({ batchSize: 50, threads: THREADS });
      await model.checkpointBytes(); // a run folder saves after every epoch: not a job that evicts
      const misses = cache().misses;
      await model.timeSteps({ steps: 2, batchSize: 16, threads: THREADS });
      return cache().misses - misses;
    });
    expect(missed).toBe(0); // the training blocks waited through the evaluation and the save
  });

  it('trains bit-identically with reuse on and off', async () => {
    const on = modelWithData({ model: 'mnist-net', seed: 3 });
    const off = modelWithData({ model: 'mnist-net', seed: 3 });
    on.setFrozen([false, true, false, false, true, false, false]);
    off.setFrozen([false, true, false, false, true, false, false]);
    const tuning = tuningNow();
    try {
      const hits = cache().hits;
      const a = await epoch(on, 0);
      expect(cache().hits).toBeGreaterThan(hits);
      native.setCpuTuning({ cache: false });
      expect(cache()).toMatchObject({ enabled: false, cachedBytes: 0 });
      const b = await epoch(off, 0);
      expect(cache().cachedBytes).toBe(0);
      expect(b.trainLoss).toBe(a.trainLoss);
      expect(off.digest()).toBe(on.digest());
      expect(off.unitDigests()).toEqual(on.unitDigests());
    } finally {
      native.setCpuTuning(tuning);
    }
  });

  it('LAYEROUT_CPU_CACHE=0 and LAYEROUT_FUSED_SGD=0 leave them out; setCpuTuning takes only booleans', () => {
    const addon = join(__dirname, '..', 'build', 'Release', 'layerout.node');
    const script = `const a = require(${JSON.stringify(process.env.LAYEROUT_NATIVE ?? addon)}); console.log(JSON.stringify(a.runtimeInfo()))`;
    const child = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, LAYEROUT_CPU_CACHE: '0', LAYEROUT_FUSED_SGD: '0' },
      encoding: 'utf8',
    });
    expect(child.status, child.stderr).toBe(0);
    const info = JSON.parse(child.stdout);
    expect(info.cpuCache.enabled).toBe(false);
    expect(info.fusedSgd).toMatch(/^(off|unsupported)$/);
    expect(() => native.setCpuTuning({ cache: 'no' as never })).toThrow(/cache must be a boolean/);
    expect(() => native.setCpuTuning({ fusedSgd: 1 as never })).toThrow(/fusedSgd must be a boolean/);
    expect(() => native.setCpuTuning(null as never)).toThrow(/options/);
  });
});

const PYTHON = '/usr/bin/python3';
const PEER = join(__dirname, '..', 'scripts', 'peer', 'peer.py');
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!hasTorch) console.warn(`SGD-against-PyTorch tests skipped: ${PYTHON} has no torch (apt-get install python3-torch; npm run setup does)`);
const flags = cpuFlags();
const kernelCpu = flags.has('avx2') && flags.has('fma');

/** The addon's state dict after `steps` timed steps on one float batch, compared by PyTorch doing the same. */
async function againstPytorch(name: string, shape: [number, number, number], steps: number, channelsLast?: boolean): Promise<{ mismatched: string[]; maxAbsDiff: number; tensors: number }> {
  const n = 8;
  const [c, h, w] = shape;
  const images = new Float32Array(n * c * h * w).map((_, i) => Math.sin(i * 0.37) * 1.5 + ((i * 7919) % 13) / 13 - 0.5);
  const labels = Array.from({ length: n }, (_, i) => (i * 3) % 10);
  const model = new Model({ model: name, seed: 11, ...(channelsLast === undefined ? {} : { channelsLast }) });
  model.setData('train', { name: 'floats', images, labels, shape: [n, c, h, w], classes: 10 });
  const dir = tempDir();
  writeFileSync(join(dir, 'before.pt'), await model.stateDict());
  writeFileSync(join(dir, 'batch.f32'), Buffer.from(images.buffer));
  await model.timeSteps({ steps, batchSize: n, threads: 1 }); // lr 0.01, momentum 0.9, weight decay 5e-4
  writeFileSync(join(dir, 'after.pt'), await model.stateDict());
  const args = [PEER, 'sgd-steps', '--model', name, '--weights', join(dir, 'before.pt'), '--compare', join(dir, 'after.pt'),
    '--input', join(dir, 'batch.f32'), '--batch-shape', [n, c, h, w].join(','), '--labels', labels.join(','),
    '--steps', String(steps), '--threads', '1', ...(model.channelsLast ? ['--channels-last'] : [])];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('fused SGD', () => {
  it('is checked against the multi-tensor path before it is used', async () => {
    const model = modelWithData({ model: 'mnist-net' });
    await model.timeSteps({ steps: 1, batchSize: 16, threads: THREADS });
    expect(native.runtimeInfo().fusedSgd).toBe(kernelCpu ? 'on' : 'unsupported');
  });

  it.skipIf(!hasTorch)('gives torch.optim.SGD(foreach=True)\'s weights bit for bit, fused and not', async () => {
    const tuning = tuningNow();
    try {
      for (const fusedSgd of [true, false]) {
        native.setCpuTuning({ fusedSgd });
        // Both layouts of a one-channel network (whose first conv weight fits either layout's
        // strides: it must take PyTorch's channels-last path all the same), and resnet20.
        const cases = [['mnist-net', [1, 32, 32], false], ['mnist-net', [1, 32, 32], true], ['resnet20', [3, 32, 32], true]] as const;
        for (const [name, shape, channelsLast] of cases) {
          const result = await againstPytorch(name, [...shape], 3, channelsLast); // a fresh momentum buffer, then two updates of it
          expect(result.tensors).toBeGreaterThan(0);
          expect({ name, channelsLast, fusedSgd, mismatched: result.mismatched }).toEqual({ name, channelsLast, fusedSgd, mismatched: [] });
          expect(result.maxAbsDiff).toBe(0);
        }
      }
    } finally {
      native.setCpuTuning(tuning);
    }
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
    // The update is recorded as one optimizer scope, whatever kernel ran it.
    expect(phase('optimizer').ms).toBeGreaterThan(0);
    expect(ops.get('Optimizer.step#layerout.Sgd')?.calls).toBe(1);
    const phaseSum = profile.phases.reduce((s, p) => s + p.ms, 0);
    expect(phaseSum).toBeCloseTo(profile.stepMs, 6);
    expect(profile.phases.reduce((s, p) => s + p.share, 0)).toBeCloseTo(1, 9);
    // First match wins: backward before its forward's prefix, the update before its operators' names.
    expect(phaseOf('aten::mkldnn_convolution_backward')).toBe('convolution backward (input + weight gradients)');
    expect(phaseOf('aten::mkldnn_convolution')).toBe('convolution forward');
    expect(phaseOf('Optimizer.step > aten::mul_')).toBe('optimizer');
    expect(phaseOf('aten::relu_')).toBe('ReLU');
    const selfMs = profile.operators.map((op) => op.selfMs);
    expect(selfMs).toEqual([...selfMs].sort((x, y) => y - x));
    // Frozen units do no backward work: an all-frozen network has no convolution backward.
    model.setFrozen([true, true, true, true, true, true, false]);
    const frozen = await model.profileSteps({ steps: 1, batchSize: 16, threads: THREADS });
    expect(frozen.operators.find((op) => op.name === 'aten::convolution_backward')).toBeUndefined();
    await expect(model.profileSteps({ steps: 0 })).rejects.toThrow(/steps/);
    await expect(model.profileSteps({ steps: 1001 })).rejects.toThrow(RangeError);
    await expect(model.profileSteps(undefined as never)).rejects.toThrow(/options must be an object/);
    await expect(model.timeSteps(null as never)).rejects.toThrow(/options must be an object/);
    // The default batch (128) is all of the data where there is less; a larger batch asked for
    // is refused, not silently shrunk.
    expect((await model.timeSteps({ steps: 1, threads: THREADS })).forwardMs).toHaveLength(1);
    await expect(model.timeSteps({ steps: 1, batchSize: 100_000 })).rejects.toThrow(/batchSize 100000 is larger than the training data \(\d+ samples\)/);
    await expect(model.profileSteps({ steps: 1, batchSize: 100_000 })).rejects.toThrow(RangeError);
  });

  it('profiling changes nothing in the model: the same weights as timed steps', async () => {
    const a = modelWithData({ model: 'mnist-net', seed: 4 });
    const b = modelWithData({ model: 'mnist-net', seed: 4 });
    await a.profileSteps({ steps: 1, batchSize: 16, threads: THREADS });
    await b.timeSteps({ steps: 1, batchSize: 16, threads: THREADS });
    expect(a.digest()).toBe(b.digest());
  });
});
