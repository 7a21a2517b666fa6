// Predictions and weights out: `predict` logits, `Model.load`, and the exported state dict
// opened by PyTorch (Debian's python3-torch, the same libtorch) giving the same logits.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { limitData, loadDataSpec } from '../src/data/spec';
import { writeExport } from '../src/export/write';
import { Model } from '../src/model';
import type { ModelOptions } from '../src/models';
import type { NetworkSpec } from '../src/spec/types';
import { train } from '../src/train';
import { cifarShaped, epoch, modelWithData, tempDir, THREADS, tinyDigits } from './helpers';

const PYTHON = '/usr/bin/python3';
const PEER = join(__dirname, '..', 'scripts', 'peer', 'peer.py');
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!hasTorch) console.warn(`export round-trip tests skipped: ${PYTHON} has no torch (apt-get install python3-torch; npm run setup does)`);

/** A fixed float batch: a smooth pattern, so every model sees non-trivial input. */
function floatBatch(n: number, c: number, h: number, w: number): Float32Array {
  const x = new Float32Array(n * c * h * w);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) * 1.5 + ((i * 7919) % 13) / 13 - 0.5;
  return x;
}

function pytorchLogits(model: Model, weights: string, batch: Float32Array, shape: number[]): number[] {
  const input = join(tempDir(), 'batch.f32');
  writeFileSync(input, Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength));
  const spec = model.modelSpec;
  const args = [PEER, 'logits', '--model', spec.model, '--classes', String(spec.classes), '--weights', weights, '--input', input, '--batch-shape', shape.join(','), '--threads', '1'];
  if (spec.hidden) args.push('--hidden', spec.hidden.join(','));
  if (spec.inputShape) args.push('--shape', spec.inputShape.join(','));
  const r = spawnSync(PYTHON, args, { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout).logits;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('predict', () => {
  it('returns N x classes logits; pixels get the evaluation preprocessing, floats are used as they are', async () => {
    const data = tinyDigits(40);
    const model = modelWithData({ model: 'mnist-net', seed: 3 }, data);
    await epoch(model, 0);
    const test = data.test;
    const logits = await model.predict(test.images, test.shape, { threads: THREADS });
    expect(logits).toBeInstanceOf(Float32Array);
    expect(logits.length).toBe(test.shape[0] * 10);
    let correct = 0;
    for (let i = 0; i < test.shape[0]; i++) {
      const row = Array.from(logits.subarray(i * 10, (i + 1) * 10));
      if (row.indexOf(Math.max(...row)) === test.labels[i]) correct++;
    }
    const evaluation = await model.evaluate({ threads: THREADS });
    expect(correct / test.shape[0]).toBeCloseTo(evaluation.acc, 10);
    // The same pixels normalised by hand, centred in 32x32 with the normalised value of a black
    // pixel (floats are only zero-padded, so the padding is done here).
    const n = test.shape[0];
    const norm = (v: number) => (v / 255 - 0.5) / 0.5; // synthetic data: the default mean and std
    const floats = new Float32Array(n * 32 * 32).fill(norm(0));
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < 28; r++) {
        for (let c = 0; c < 28; c++) floats[i * 1024 + (r + 2) * 32 + c + 2] = norm(test.images[i * 784 + r * 28 + c]);
      }
    }
    const fromFloats = await model.predict(floats, [n, 1, 32, 32], { threads: THREADS });
    expect(maxAbsDiff(fromFloats, logits)).toBeLessThan(1e-4);
  });

  it('predicts in batches with the same result and rejects malformed input', async () => {
    const model = new Model({ model: 'mlp', inputShape: [1, 4, 4], hidden: [8], classes: 3 });
    const x = floatBatch(7, 1, 4, 4);
    const all = await model.predict(x, [7, 1, 4, 4], { batchSize: 100, threads: THREADS });
    const batched = await model.predict(x, [7, 1, 4, 4], { batchSize: 2, threads: THREADS });
    expect(maxAbsDiff(all, batched)).toBeLessThan(1e-6);
    await expect(model.predict(x, [8, 1, 4, 4])).rejects.toThrow(/images hold 112 values but shape 8x1x4x4 needs 128/);
    await expect(model.predict(new Float64Array(112) as never, [7, 1, 4, 4])).rejects.toThrow(TypeError);
    await expect(model.predict(x, [7, 2, 4, 2])).rejects.toThrow(/2 channel\(s\) but the model expects 1/);
  });
});

describe('Model.load', () => {
  it('opens a run folder or its checkpoint and gives the trained model back, with its preprocessing', async () => {
    const out = join(tempDir(), 'run');
    const data = tinyDigits(48);
    const { summary, model } = await train({ model: 'mnist-net', data, epochs: 1, batchSize: 16, threads: THREADS, seed: 2, out });
    expect(summary.epochsDone).toBe(1);
    const fromFolder = await Model.load(out);
    const fromFile = await Model.load(join(out, 'checkpoint.pt'));
    expect(fromFolder.digest()).toBe(model.digest());
    expect(fromFile.digest()).toBe(model.digest());
    const a = await model.predict(data.test.images, data.test.shape, { threads: THREADS });
    const b = await fromFolder.predict(data.test.images, data.test.shape, { threads: THREADS });
    expect(maxAbsDiff(a, b)).toBe(0);
  });

  it('names what is wrong with a path that is not a run', async () => {
    const dir = tempDir();
    await expect(Model.load(join(dir, 'nope'))).rejects.toThrow(/no such run folder or checkpoint/);
    await expect(Model.load(dir)).rejects.toThrow(/holds no checkpoint.pt/);
    writeFileSync(join(dir, 'x.pt'), 'not a checkpoint');
    await expect(Model.load(join(dir, 'x.pt'))).rejects.toThrow(/x.pt: the file is truncated or not a layerout checkpoint/);
  });

  it('refuses to restore a checkpoint of another model into a model', async () => {
    const dir = tempDir();
    const mlp = new Model({ model: 'mlp', inputShape: [1, 4, 4], hidden: [8], classes: 3 });
    await mlp.save(join(dir, 'mlp.pt'));
    const other = new Model({ model: 'mnist-net' });
    await expect(other.restore(join(dir, 'mlp.pt'))).rejects.toThrow(/holds mlp with 3 classes, not mnist-net with 10/);
    expect(existsSync(join(dir, 'mlp.pt'))).toBe(true);
    // Same model kind and classes, other widths: the first tensor of another shape is named.
    const narrow = new Model({ model: 'mlp', inputShape: [1, 4, 4], hidden: [4], classes: 3 });
    const before = narrow.digest();
    await expect(narrow.restore(join(dir, 'mlp.pt'))).rejects.toThrow('holds another network: its fc1.weight is [8, 16], this model\'s is [4, 16]');
    expect(narrow.digest()).toBe(before);
  });
});

describe.skipIf(!hasTorch)('exported weights in PyTorch', () => {
  const cases: { name: string; build: () => Promise<Model>; shape: [number, number, number, number] }[] = [
    {
      name: 'mnist-net',
      shape: [5, 1, 32, 32],
      build: async () => {
        const model = modelWithData({ model: 'mnist-net', seed: 4 });
        await epoch(model, 0);
        return model;
      },
    },
    {
      name: 'resnet20 (BatchNorm running statistics, option-A shortcuts)',
      shape: [3, 3, 32, 32],
      build: async () => {
        const model = modelWithData({ model: 'resnet20', seed: 4 }, cifarShaped());
        await epoch(model, 0, { batchSize: 8 });
        return model;
      },
    },
    {
      name: 'mlp',
      shape: [4, 1, 6, 6],
      build: async () => new Model({ model: 'mlp', inputShape: [1, 6, 6], hidden: [16, 8], classes: 5, seed: 9 }),
    },
  ];
  for (const c of cases) {
    it(`gives the logits of predict for ${c.name} (max abs difference < 1e-4)`, async () => {
      const model = await c.build();
      const weights = join(tempDir(), 'weights.pt');
      writeFileSync(weights, await model.stateDict());
      const batch = floatBatch(...c.shape);
      const ours = await model.predict(batch, c.shape, { threads: THREADS });
      const theirs = pytorchLogits(model, weights, batch, c.shape);
      expect(maxAbsDiff(ours, theirs)).toBeLessThan(1e-4);
    });
  }
});

describe.skipIf(!hasTorch)('python/layerout_torch.py: the shipped PyTorch definitions', () => {
  const MODULE_DIR = join(__dirname, '..', 'python');
  const fashion = limitData(loadDataSpec('fashion-mnist'), 64, 10, 5);
  const cases: { label: string; model: ModelOptions['model']; inputShape?: [number, number, number] }[] = [
    { label: 'a spec (examples/small-cnn.json)', model: JSON.parse(readFileSync(join(__dirname, '..', 'examples', 'small-cnn.json'), 'utf8')) as NetworkSpec },
    { label: 'a built-in (resnet20 at 1x28x28)', model: 'resnet20', inputShape: [1, 28, 28] },
    { label: 'a built-in that pads (mnist-net, 28x28 pixels into 32x32)', model: 'mnist-net' },
  ];
  for (const c of cases) {
    it(`${c.label}: load(FILE, with_preprocessing=True) on raw Fashion-MNIST pixels gives predict's logits within 1e-5`, async () => {
      const model = new Model({ model: c.model, inputShape: c.inputShape, classes: 10, seed: 8 });
      model.setData('train', fashion.train, fashion.kind);
      model.setPreprocessing(fashion.kind);
      model.setInputs({ classNames: fashion.inputs?.classNames ?? Array.from({ length: 10 }, (_, i) => `class ${i}`) });
      await model.trainEpoch({ epoch: 0, lr: 0.01, batchSize: 32, threads: THREADS });
      const dir = tempDir();
      const file = join(dir, 'model.pt');
      const written = await writeExport(model, file);
      expect(written.files.map((f) => f.path)).toEqual([file, `${file}.json`]);
      const pixels = join(dir, 'pixels.u8');
      writeFileSync(pixels, fashion.test.images);
      const r = spawnSync(PYTHON, ['-c', [
        'import json, sys, torch',
        `sys.path.insert(0, ${JSON.stringify(MODULE_DIR)})`,
        'import layerout_torch',
        'torch.set_num_threads(1)',
        `net = layerout_torch.load(${JSON.stringify(file)}, with_preprocessing=True)`,
        `x = torch.frombuffer(bytearray(open(${JSON.stringify(pixels)}, "rb").read()), dtype=torch.uint8).view(${fashion.test.shape.join(', ')})`,
        'with torch.no_grad(): y = net(x)',
        'print(json.dumps({"logits": y.flatten().tolist(), "names": net.class_names}))',
      ].join('\n')], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      const ours = await model.predict(fashion.test.images, fashion.test.shape, { threads: THREADS });
      expect(maxAbsDiff(ours, out.logits)).toBeLessThan(1e-5);
      expect(out.names).toEqual(model.inputs!.classNames);
    }, 60_000);
  }

  it('plan_of builds a fresh built-in or spec network whose state dict keys are the export\'s', async () => {
    const model = new Model({ model: 'resnet20', classes: 10 });
    const file = join(tempDir(), 'w.pt');
    await writeExport(model, file);
    const r = spawnSync(PYTHON, ['-c', [
      'import json, sys, torch',
      `sys.path.insert(0, ${JSON.stringify(MODULE_DIR)})`,
      'import layerout_torch',
      'fresh = layerout_torch.build(layerout_torch.plan_of("resnet20", classes=10))',
      `theirs = torch.load(${JSON.stringify(file)})`,
      'print(json.dumps({"same": sorted(fresh.state_dict().keys()) == sorted(theirs.keys()), "n": sum(p.numel() for p in fresh.parameters())}))',
      'spec = layerout_torch.build(layerout_torch.plan_of(' + JSON.stringify(join(__dirname, '..', 'examples', 'small-cnn.json')) + ', classes=4))',
      'print(json.dumps({"spec_out": spec(torch.zeros(2, 1, 28, 28)).shape[1]}))',
    ].join('\n')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [first, second] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(first).toEqual({ same: true, n: model.info.totalParams });
    expect(second).toEqual({ spec_out: 4 });
  }, 60_000);
});
