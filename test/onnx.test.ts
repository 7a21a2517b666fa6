// ONNX export checked by onnxruntime-node: for every built-in network and example spec, the
// graph's logits equal `predict`'s on real Fashion-MNIST images, with and without the baked-in
// preprocessing; exports are byte-stable across a resume; TorchScript runs get the PyTorch route.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { limitData, loadDataSpec } from '../src/data/spec';
import type { DatasetPair, ImageDataset } from '../src/data/types';
import { onnxBytes } from '../src/export/onnx';
import { Model } from '../src/model';
import { modelNames } from '../src/models';
import type { NetworkSpec } from '../src/spec/types';
import { tempDir, THREADS } from './helpers';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

const fashion: DatasetPair = limitData(loadDataSpec('fashion-mnist'), 96, 12, 3);

/** Fashion-MNIST's pixels as C x size x size: channels repeated, centred on black (real images for the 3-channel networks). */
function asShape(set: ImageDataset, channels: number, size: number): ImageDataset {
  const [n, , h, w] = set.shape;
  const out = new Uint8Array(n * channels * size * size);
  const top = Math.floor((size - h) / 2), left = Math.floor((size - w) / 2);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    out[((i * channels + c) * size + y + top) * size + x + left] = set.images[(i * h + y) * w + x];
  }
  return { ...set, images: out, shape: [n, channels, size, size] };
}

async function runOnnx(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run(feeds);
  return out[session.outputNames[0]].data as Float32Array;
}

/** max |a - b| over max |b|: the error relative to the logits' scale. */
function relativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  expect(scale).toBeGreaterThan(0);
  return diff / scale;
}

/** Every layer kind a spec can hold, with projection and option-A shortcuts. */
const ALL_KINDS: NetworkSpec = {
  name: 'all-kinds',
  input: [1, 28, 28],
  layers: [
    { type: 'conv', out: 8, kernel: 3, padding: 1 },
    { type: 'relu' },
    { type: 'conv', out: 8, kernel: 3, padding: 1, bias: false },
    { type: 'batchnorm' },
    { type: 'relu' },
    { type: 'residual', shortcut: 'projection', body: [
      { type: 'conv', out: 12, kernel: 3, stride: 2, padding: 1, bias: false }, { type: 'batchnorm' }, { type: 'relu' },
      { type: 'conv', out: 12, kernel: 3, padding: 1, bias: false }, { type: 'batchnorm' },
    ] },
    { type: 'relu' },
    { type: 'residual', shortcut: 'option-a', body: [
      { type: 'conv', out: 16, kernel: 3, stride: 2, padding: 1, bias: false }, { type: 'batchnorm' }, { type: 'relu' },
      { type: 'conv', out: 16, kernel: 3, padding: 1, bias: false }, { type: 'batchnorm' },
    ] },
    { type: 'avgpool', kernel: 2, stride: 1 },
    { type: 'maxpool', kernel: 2, stride: 2 },
    { type: 'conv', out: 6, kernel: 1 },
    { type: 'globalavgpool' },
    { type: 'flatten' },
    { type: 'dropout', p: 0.3 },
    { type: 'linear', out: 12 },
    { type: 'relu' },
    { type: 'linear', out: 'classes', bias: false },
  ],
};

interface Case {
  label: string;
  options: ConstructorParameters<typeof Model>[0];
  /** Trained one short epoch first (BatchNorm statistics away from their initial values). */
  trainFirst: boolean;
}

const examples = ['mnist-net', 'resnet20', 'small-cnn'].map((name): Case => ({
  label: `examples/${name}.json`,
  options: { model: JSON.parse(readFileSync(join(ROOT, 'examples', `${name}.json`), 'utf8')) as NetworkSpec, seed: 2 },
  trainFirst: name !== 'resnet20',
}));

const builtins = modelNames().map((name): Case => {
  const big = ['vgg16', 'resnet110', 'resnet110-bottleneck', 'resnet56', 'resnet44'].includes(name);
  // vgg16 needs at least 32x32; the rest are built at Fashion-MNIST's 1x28x28 (mnist-net pads to its 32x32).
  const inputShape: [number, number, number] | undefined = name === 'mnist-net' ? undefined : name === 'vgg16' ? [1, 32, 32] : [1, 28, 28];
  return { label: name, options: { model: name, inputShape, hidden: name === 'mlp' ? [32, 16] : undefined, seed: 1 }, trainFirst: !big };
});

describe('ONNX export, checked by onnxruntime-node on real Fashion-MNIST images', () => {
  for (const c of [...builtins, ...examples, { label: 'a spec with every layer kind', options: { model: ALL_KINDS, seed: 4 }, trainFirst: true }]) {
    it(`${c.label}: logits equal predict's within 1e-4 (preprocessed input, and raw uint8 pixels with --with-preprocessing)`, async () => {
      const model = new Model({ ...c.options, classes: 10 });
      const [channels, size] = model.info.inputShape;
      const data: DatasetPair = channels === 1 ? fashion : { ...fashion, kind: 'cifar10', train: asShape(fashion.train, 3, size), test: asShape(fashion.test, 3, size) };
      model.setData('train', data.train, data.kind);
      model.setData('test', data.test, data.kind);
      model.setPreprocessing(data.kind);
      if (c.trainFirst) await model.trainEpoch({ epoch: 0, lr: 0.01, batchSize: 32, threads: THREADS });
      const raw = data.test;
      const expected = await model.predict(raw.images, raw.shape, { threads: THREADS });

      const withPre = await onnxBytes(model, { withPreprocessing: true });
      const fromPixels = await runOnnx(withPre, { pixels: new ort.Tensor('uint8', raw.images, [...raw.shape]) });
      expect(relativeError(fromPixels, expected)).toBeLessThan(1e-4);

      // The plain graph takes what predict computes from the pixels: centred, normalised floats.
      const [n, , h, w] = raw.shape;
      const [, H, W] = model.info.inputShape;
      const { mean, std } = model.normalisation;
      const floats = new Float32Array(n * channels * H * W);
      const top = Math.floor((H - h) / 2), left = Math.floor((W - w) / 2);
      for (let i = 0; i < n; i++) for (let ch = 0; ch < channels; ch++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
        const inside = y >= top && y < top + h && x >= left && x < left + w;
        const v = inside ? raw.images[((i * channels + ch) * h + y - top) * w + x - left] : 0;
        floats[((i * channels + ch) * H + y) * W + x] = (v / 255 - mean[ch]) / std[ch];
      }
      const plain = await runOnnx(await onnxBytes(model), { input: new ort.Tensor('float32', floats, [n, channels, H, W]) });
      expect(relativeError(plain, await model.predict(floats, [n, channels, H, W], { threads: THREADS }))).toBeLessThan(1e-4);
      expect(relativeError(plain, expected)).toBeLessThan(1e-4);
    }, 120_000);
  }

  it('writes opset 17, a dynamic batch, named input and output, and the class names in the metadata', async () => {
    const model = new Model({ model: 'mlp', inputShape: [1, 28, 28], hidden: [8], classes: 3, seed: 1 });
    model.setInputs({ classNames: ['cat', 'dog', 'eel'] });
    const session = await ort.InferenceSession.create(await onnxBytes(model));
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['logits']);
    // Any batch size runs.
    for (const n of [1, 5]) {
      const y = await runOnnx(await onnxBytes(model), { input: new ort.Tensor('float32', new Float32Array(n * 784).fill(0.25), [n, 1, 28, 28]) });
      expect(y.length).toBe(n * 3);
    }
    const text = Buffer.from(await onnxBytes(model)).toString('latin1');
    expect(text).toContain('["cat","dog","eel"]');
    expect(text).toContain('layerout.classes');
  });

  it('a table model: the graph standardises raw features as predict does', async () => {
    const dir = tempDir();
    const csv = join(dir, 'rows.csv');
    const rows = ['a,b,c,label', ...Array.from({ length: 60 }, (_, i) => `${i * 3.5},${100 - i},${(i * 7) % 11},${i % 3}`)];
    writeFileSync(csv, rows.join('\n') + '\n');
    const out = join(dir, 'run');
    const r = spawnSync(process.execPath, [CLI, 'train', '--model', 'mlp', '--data', `csv:${csv}:label=label`, '--epochs', '1', '--threads', '1', '--quiet', '--out', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const model = await Model.load(out);
    const feats = new Float32Array([1, 2, 3, 50, 40, 5, 200, -3, 0.5]);
    const graph = await runOnnx(await onnxBytes(model, { withPreprocessing: true }), { features: new ort.Tensor('float32', feats, [3, 3]) });
    const t = model.inputs!.table!;
    const standardised = feats.map((v, i) => (v - t.mean[i % 3]) / t.std[i % 3]);
    expect(relativeError(graph, await model.predict(standardised, [3, 1, 1, 3], { threads: THREADS }))).toBeLessThan(1e-5);
  }, 60_000);

  it('an export made at epoch 2 of a run equals the one made after stopping at epoch 1 and resuming (same file digest)', async () => {
    const dir = tempDir();
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    const flags = ['--model', 'mnist-net', '--data', 'synthetic:10:64:1x28x28', '--policy', 'layerout', '--batch', '32', '--lr', '0.05', '--seed', '6', '--threads', '1', '--quiet'];
    expect(run(['train', ...flags, '--epochs', '2', '--out', join(dir, 'whole')]).status).toBe(0);
    expect(run(['train', ...flags, '--epochs', '1', '--out', join(dir, 'half')]).status).toBe(0);
    const mid = run(['export', join(dir, 'half'), '--format', 'onnx', '--out', join(dir, 'mid.onnx')]);
    expect(mid.status, mid.stderr).toBe(0);
    expect(run(['train', '--resume', join(dir, 'half'), '--epochs', '2', '--quiet']).status).toBe(0);
    const digest = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    for (const [name, folder] of [['whole.onnx', 'whole'], ['resumed.onnx', 'half']]) {
      const r = run(['export', join(dir, folder), '--format', 'onnx', '--with-preprocessing', '--out', join(dir, name)]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/whole\.onnx|resumed\.onnx/);
    }
    expect(digest(join(dir, 'resumed.onnx'))).toBe(digest(join(dir, 'whole.onnx')));
    expect(digest(join(dir, 'mid.onnx'))).not.toBe(digest(join(dir, 'whole.onnx')));
    // The CLI's refusals.
    const both = run(['export', join(dir, 'whole'), '--with-preprocessing', '--out', join(dir, 'x.pt')]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--with-preprocessing applies to --format onnx/);
  }, 180_000);

  it.skipIf(!hasTorch)('a TorchScript run: a clear message with the PyTorch route, and that route gives the same logits', async () => {
    const dir = tempDir();
    const script = join(dir, 'net.pt');
    const make = spawnSync(PYTHON, ['-c', [
      'import torch, torch.nn as nn',
      'torch.manual_seed(0)',
      'net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 28 * 28, 10))',
      `torch.jit.script(net).save(${JSON.stringify(script)})`,
    ].join('\n')], { encoding: 'utf8' });
    expect(make.status, make.stderr).toBe(0);
    const model = new Model({ model: { torchscript: script }, inputShape: [1, 28, 28], classes: 10 });
    await expect(onnxBytes(model)).rejects.toThrow(/TorchScript model cannot be exported to ONNX by layerout.*torch\.onnx\.export\(torch\.jit\.load/);
    // The documented route: export the module, convert it in PyTorch, run it in onnxruntime.
    const exported = join(dir, 'exported.pt');
    writeFileSync(exported, await model.stateDict());
    const onnxFile = join(dir, 'model.onnx');
    const convert = spawnSync(PYTHON, ['-c', [
      'import torch',
      `torch.onnx.export(torch.jit.load(${JSON.stringify(exported)}), torch.zeros(1, 1, 28, 28), ${JSON.stringify(onnxFile)}, opset_version=17, input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})`,
    ].join('\n')], { encoding: 'utf8' });
    expect(convert.status, convert.stderr).toBe(0);
    const x = new Float32Array(3 * 784).map((_, i) => Math.sin(i * 0.1));
    const y = await runOnnx(readFileSync(onnxFile), { input: new ort.Tensor('float32', x, [3, 1, 28, 28]) });
    expect(relativeError(y, await model.predict(x, [3, 1, 28, 28], { threads: THREADS }))).toBeLessThan(1e-4);
  }, 120_000);
});
