// The optimizers against torch.optim on the same libtorch (scripts/peer/peer.py, Debian's
// python3-torch), bit for bit, and their freezing rule: a parameter without a gradient keeps its
// bytes and its state, and continues from its own step count when it trains again.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model } from '../src/model';
import { checkOptimizer, optimizerText, parseOptimizer, type OptimizerSpec } from '../src/optim/spec';
import { tempDir } from './helpers';

const PYTHON = '/usr/bin/python3';
const PEER = join(__dirname, '..', 'scripts', 'peer', 'peer.py');
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!hasTorch) console.warn(`optimizer-against-PyTorch tests skipped: ${PYTHON} has no torch (apt-get install python3-torch; npm run setup does)`);

type Phase = [boolean[], number];

/** A model on one fixed float batch (8 samples) with the optimizer, and the peer's verdict on its weights after the phases' steps. */
async function againstPytorch(name: string, shape: [number, number, number], optimizer: OptimizerSpec, phases: (units: number) => Phase[]) {
  const n = 8;
  const [c, h, w] = shape;
  const images = new Float32Array(n * c * h * w).map((_, i) => Math.sin(i * 0.37) * 1.5 + ((i * 7919) % 13) / 13 - 0.5);
  const labels = Array.from({ length: n }, (_, i) => (i * 3) % 10);
  const model = new Model({ model: name, seed: 11, channelsLast: false });
  model.setTraining({ optimizer });
  model.setData('train', { name: 'floats', images, labels, shape: [n, c, h, w], classes: 10 });
  const dir = tempDir();
  writeFileSync(join(dir, 'before.pt'), await model.stateDict());
  writeFileSync(join(dir, 'batch.f32'), Buffer.from(images.buffer));
  const plan = phases(model.units.length);
  for (const [mask, steps] of plan) {
    model.setFrozen(mask);
    await model.timeSteps({ steps, batchSize: n, threads: 1 }); // the optimizer's default lr, weight decay 5e-4
  }
  writeFileSync(join(dir, 'after.pt'), await model.stateDict());
  const { kind, ...settings } = optimizer;
  const args = [PEER, 'sgd-steps', '--model', name, '--shape', shape.join(','), '--weights', join(dir, 'before.pt'), '--compare', join(dir, 'after.pt'),
    '--input', join(dir, 'batch.f32'), '--batch-shape', [n, c, h, w].join(','), '--labels', labels.join(','), '--threads', '1',
    '--optimizer', kind, '--optimizer-settings', JSON.stringify(settings), '--phases', JSON.stringify(plan)];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { mismatched: string[]; maxAbsDiff: number; tensors: number };
}

const NETS = [['mnist-net', [1, 32, 32]], ['resnet20', [3, 32, 32]]] as const; // without BatchNorm, with it

describe.skipIf(!hasTorch)('optimizers against torch.optim(foreach=True)', () => {
  for (const optimizer of [{ kind: 'adamw' }, { kind: 'adam', betas: [0.8, 0.99], eps: 1e-6 }, { kind: 'sgd', nesterov: true }, { kind: 'sgd', dampening: 0.3 }] as OptimizerSpec[]) {
    it(`${optimizerText(checkOptimizer(optimizer))}: the same weights bit for bit after 3 steps, with and without BatchNorm`, async () => {
      for (const [name, shape] of NETS) {
        const result = await againstPytorch(name, [...shape], optimizer, (units) => [[Array(units).fill(false), 3]]);
        expect(result.tensors).toBeGreaterThan(0);
        expect({ name, mismatched: result.mismatched, maxAbsDiff: result.maxAbsDiff }).toEqual({ name, mismatched: [], maxAbsDiff: 0 });
      }
    });
  }

  it('adamw with a unit frozen for 2 steps, then training again: the same weights as torch.optim', async () => {
    // The first unit sits out the first two steps; its step count then starts at 1 while the others' is at 3.
    const result = await againstPytorch('resnet20', [3, 32, 32], { kind: 'adamw' }, (units) => [
      [Array.from({ length: units }, (_, i) => i === 0 || i === 5), 2],
      [Array(units).fill(false), 2],
    ]);
    expect({ mismatched: result.mismatched, maxAbsDiff: result.maxAbsDiff }).toEqual({ mismatched: [], maxAbsDiff: 0 });
  });
});

describe('Adam state under freezing', () => {
  it("a frozen unit's weights and moments and step count do not move, and its update resumes from its own step", async () => {
    const n = 8;
    const images = new Float32Array(n * 32 * 32).map((_, i) => Math.cos(i * 0.11));
    const model = new Model({ model: 'mnist-net', seed: 3 });
    model.setTraining({ optimizer: 'adamw:betas=0.9,0.99' });
    model.setData('train', { name: 'floats', images, labels: Array.from({ length: n }, (_, i) => i % 10), shape: [n, 1, 32, 32], classes: 10 });
    const units = model.units.length;
    await model.timeSteps({ steps: 1, batchSize: n, threads: 1 });
    const weights = model.unitDigest(0);
    const state = model.momentumDigest(0);
    const other = model.unitDigest(1);
    expect(state).not.toBeNull();
    model.setFrozen(Array.from({ length: units }, (_, i) => i === 0));
    await model.timeSteps({ steps: 3, batchSize: n, threads: 1 });
    expect(model.unitDigest(0)).toBe(weights);
    expect(model.momentumDigest(0)).toBe(state);
    expect(model.unitDigest(1)).not.toBe(other); // the units that train do move
    model.setFrozen(Array(units).fill(false));
    await model.timeSteps({ steps: 1, batchSize: n, threads: 1 });
    expect(model.unitDigest(0)).not.toBe(weights);
    expect(model.momentumDigest(0)).not.toBe(state);
  });

  it('resetMomentum (the reference code rebuilding its optimizer) forgets moments and step counts', async () => {
    const n = 8;
    const model = new Model({ model: 'mnist-net', seed: 3 });
    model.setTraining({ optimizer: 'adam' });
    model.setData('train', { name: 'floats', images: new Float32Array(n * 32 * 32).fill(0.5), labels: Array.from({ length: n }, (_, i) => i % 10), shape: [n, 1, 32, 32], classes: 10 });
    await model.timeSteps({ steps: 1, batchSize: n, threads: 1 });
    expect(model.momentumDigest(0)).not.toBeNull();
    model.resetMomentum();
    expect(model.momentumDigest(0)).toBeNull();
  });
});

describe('saved models keep their optimizer', () => {
  it('Model.save of an adamw model opens again with its optimizer and state (it used to refuse it as sgd)', async () => {
    const n = 8;
    const model = new Model({ model: 'mnist-net', seed: 3 });
    model.setTraining({ optimizer: 'adamw:betas=0.8,0.9' });
    model.setData('train', { name: 'floats', images: new Float32Array(n * 32 * 32).fill(0.25), labels: Array.from({ length: n }, (_, i) => i % 10), shape: [n, 1, 32, 32], classes: 10 });
    await model.timeSteps({ steps: 2, batchSize: n, threads: 1 });
    const file = join(tempDir(), 'adamw.pt');
    await model.save(file);
    const loaded = await Model.load(file);
    expect(loaded.optimizer).toEqual({ kind: 'adamw', betas: [0.8, 0.9], eps: 1e-8 });
    expect(loaded.digest()).toBe(model.digest());
    expect(loaded.momentumDigest(0)).toBe(model.momentumDigest(0));
    const again = join(tempDir(), 'again.pt');
    await loaded.save(again);
    expect((await Model.load(again)).optimizer.kind).toBe('adamw');
  });
});

describe('optimizer specs', () => {
  it('reads text and objects into every setting', () => {
    expect(parseOptimizer('adamw')).toEqual({ kind: 'adamw', betas: [0.9, 0.999], eps: 1e-8 });
    expect(parseOptimizer('adam:betas=0.8,0.99:eps=1e-6')).toEqual({ kind: 'adam', betas: [0.8, 0.99], eps: 1e-6 });
    expect(parseOptimizer('sgd:nesterov')).toEqual({ kind: 'sgd', dampening: 0, nesterov: true });
    expect(checkOptimizer({ kind: 'sgd', dampening: 0.1 })).toEqual({ kind: 'sgd', dampening: 0.1, nesterov: false });
    expect(optimizerText(parseOptimizer('adamw:eps=1e-6'))).toBe('adamw:eps=0.000001');
  });

  it('refuses what it cannot use, naming it', () => {
    expect(() => parseOptimizer('adamx')).toThrow("unknown kind 'adamx' (did you mean 'adam'?)");
    expect(() => parseOptimizer('adamw:beta=0.9,0.99')).toThrow("adamw has no setting 'beta' (did you mean 'betas'?)");
    expect(() => parseOptimizer('adamw:betas=0.9')).toThrow('betas must be two numbers a,b');
    expect(() => parseOptimizer('adamw:betas=1,0.9')).toThrow('optimizer adamw betas must be at least 0 and below 1, got 1');
    expect(() => parseOptimizer('adamw:eps=-1')).toThrow('eps must be at least 0');
    expect(() => parseOptimizer('sgd:nesterov=1')).toThrow('nesterov is a flag and takes no value');
    expect(() => parseOptimizer('adam:eps=1:eps=2')).toThrow("'eps' is given twice");
    expect(() => checkOptimizer({ kind: 'adam', momentum: 0.9 })).toThrow("optimizer adam has no setting 'momentum'");
    expect(() => checkOptimizer(3)).toThrow(TypeError);
    expect(() => parseOptimizer('adam:eps=0x10')).toThrow('eps must be a number in decimal notation');
    expect(() => parseOptimizer('adamw:betas=0.9, 0.99')).toThrow('betas must be two numbers a,b in decimal notation');
    expect(() => checkOptimizer({ kind: 'adam', betas: [0.9] })).toThrow('optimizer adam betas must be two numbers, got 1 value(s)');
  });
});
