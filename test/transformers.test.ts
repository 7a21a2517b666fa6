// Modern networks through TorchScript: PyTorch's own nn.TransformerEncoder in a small ViT (class
// token and positional embedding on the root module) and an nn.LSTM. Freeze units by default and
// from a units file, multiply-adds measured by the profiler, frozen units bit-identical, the
// rest equal to a PyTorch loop on the same libtorch, resume exact.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { limitData, loadDataSpec } from '../src/data/spec';
import { Model } from '../src/model';
import { train } from '../src/train';
import type { EpochRecord } from '../src/types';
import { tempDir, THREADS } from './helpers';

const PYTHON = '/usr/bin/python3';
const FIXTURES = join(__dirname, 'fixtures', 'torchscript');
const CLI = join(__dirname, '..', 'dist', 'cli.js');
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

const VIT_UNITS = {
  embed: ['patch_embed.*', 'cls_token', 'pos_embed'],
  block0: ['encoder.layers.0.*'],
  block1: ['encoder.layers.1.*'],
  block2: ['encoder.layers.2.*'],
  block3: ['encoder.layers.3.*'],
  head: ['head.*'],
};
const LSTM_UNITS = [
  { name: 'lstm.layer0', params: ['lstm.*_l0'] },
  { name: 'lstm.layer1', params: ['lstm.*_l1'] },
  { name: 'head', params: ['head.*'] },
];

/** Per ViT layer and sample (17 tokens of 32): qkv projection, scores, weighted values, output projection, the MLP. */
const VIT_LAYER_MACS = 17 * 32 * 96 + 2 * (17 * 17 * 32) + 17 * 32 * 32 + 2 * (17 * 32 * 64);

function script(kind: 'vit' | 'lstm'): string {
  const file = join(tempDir(), `${kind}.pt`);
  const r = spawnSync(PYTHON, [join(FIXTURES, 'modern.py'), kind, file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return file;
}

/** Real Fashion-MNIST images as normalised floats (used as they are), and their labels. */
function fashionFloats(n: number) {
  const data = limitData(loadDataSpec('fashion-mnist'), n, 10, 11);
  const images = Float32Array.from(data.train.images, (v) => (v / 255 - 0.2860) / 0.3530);
  return { name: 'fashion floats', images, labels: Int32Array.from(data.train.labels as ArrayLike<number>), shape: data.train.shape, classes: 10 };
}

/** One SGD step here and in PyTorch with `frozen` units; each parameter's difference and movement. */
async function compareWithPyTorch(file: string, units: unknown, mask: boolean[], frozenPatterns: string[]) {
  const model = new Model({ model: { torchscript: file, units: units as never }, inputShape: [1, 28, 28], classes: 10 });
  const set = fashionFloats(32);
  model.setData('train', set as never, 'custom');
  model.setFrozen(mask, 'train');
  const before = model.units.map((_, i) => model.unitDigest(i, true));
  await model.trainEpoch({ epoch: 0, lr: 0.05, batchSize: 32, threads: THREADS });
  const after = model.units.map((_, i) => model.unitDigest(i, true));
  const dir = tempDir();
  const ours = join(dir, 'ours.pt');
  writeFileSync(ours, await model.stateDict());
  writeFileSync(join(dir, 'x.f32'), Buffer.from(set.images.buffer));
  writeFileSync(join(dir, 'y.i64'), Buffer.from(BigInt64Array.from(set.labels, (v) => BigInt(v)).buffer));
  const r = spawnSync(PYTHON, [join(FIXTURES, 'sgd_peer.py'), file, ours, join(dir, 'x.f32'), join(dir, 'y.i64'), set.shape.join(','), '0.05', '1', frozenPatterns.join(',')], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return { model, before, after, params: JSON.parse(r.stdout) as Record<string, { diff: number; moved: number; frozen: boolean }> };
}

describe.skipIf(!hasTorch)('a ViT with PyTorch\'s nn.TransformerEncoder, through TorchScript', () => {
  let vit = '';
  beforeAll(() => {
    vit = script('vit');
  });

  it('default units: root parameters one each, then each top-level child; multiply-adds measured per sample', () => {
    const model = new Model({ model: { torchscript: vit }, inputShape: [1, 28, 28], classes: 10 });
    expect(model.units.map((u) => [u.name, u.kind, u.params, u.macs])).toEqual([
      ['cls_token', 'other', 32, 0],
      ['pos_embed', 'other', 17 * 32, 0],
      ['patch_embed', 'conv', 32 * 49 + 32, 32 * 16 * 49],
      ['encoder', 'other', 4 * 8544, 4 * VIT_LAYER_MACS],
      ['head', 'linear', 330, 320],
    ]);
    expect(model.info.totalParams).toBe(36682);
  });

  it('units from a file: one per block, the embeddings, the head; `info --units` lists them with their multiply-adds', () => {
    const model = new Model({ model: { torchscript: vit, units: VIT_UNITS }, inputShape: [1, 28, 28], classes: 10 });
    expect(model.units.map((u) => [u.name, u.params, u.macs])).toEqual([
      ['embed', 32 + 544 + 1600, 25088],
      ['block0', 8544, VIT_LAYER_MACS],
      ['block1', 8544, VIT_LAYER_MACS],
      ['block2', 8544, VIT_LAYER_MACS],
      ['block3', 8544, VIT_LAYER_MACS],
      ['head', 330, 320],
    ]);
    const units = join(tempDir(), 'units.json');
    writeFileSync(units, JSON.stringify(VIT_UNITS));
    const r = spawnSync(process.execPath, [CLI, 'info', '--model', `torchscript:${vit}`, '--input', '1x28x28', '--units', units, '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.layers.map((l: { name: string; macs: number }) => [l.name, l.macs])).toEqual(model.units.map((u) => [u.name, u.macs]));
  });

  it('refuses a units file that leaves a parameter out, claims one twice, or names nothing', () => {
    const make = (units: unknown) => () => new Model({ model: { torchscript: vit, units: units as never }, inputShape: [1, 28, 28], classes: 10 });
    const { head: _head, ...noHead } = VIT_UNITS;
    expect(make(noHead)).toThrow(/units: 2 parameter\(s\) in no unit: head\.weight, head\.bias/);
    expect(make({ ...VIT_UNITS, all: ['encoder.*'] })).toThrow(/in two units: encoder\.layers\.0\.self_attn\.in_proj_weight \(block0 and all\)/);
    expect(make({ ...VIT_UNITS, ghost: ['decoder.*'] })).toThrow(/unit ghost matches no parameter/);
    expect(make({ ...VIT_UNITS, head: ['head.*', 'haed.*'] })).toThrow(/the pattern haed\.\* of unit head matches no parameter/);
    expect(make({ ...VIT_UNITS, head: 'head.*' })).toThrow(/units\[5\] \(head\)\.params must be a list of parameter-name patterns/);
    expect(make([{ name: 'a' }])).toThrow(/units\[0\] \(a\)\.params must be a list/);
    expect(make([])).toThrow(/lists no units/);
    expect(make([{ name: 'a', params: ['*'] }, { name: 'a', params: ['x'] }])).toThrow(/the unit name a is used twice/);
  });

  it('frozen units stay bit-identical; the others equal a PyTorch SGD step on the same libtorch', async () => {
    const { before, after, params } = await compareWithPyTorch(vit, VIT_UNITS, [true, false, true, false, false, false], ['patch_embed.*', 'cls_token', 'pos_embed', 'encoder.layers.1.*']);
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    for (const i of [1, 3, 4, 5]) expect(after[i]).not.toBe(before[i]);
    for (const [name, p] of Object.entries(params)) {
      if (p.frozen) expect(p.moved, name).toBe(0);
      else expect(p.moved, name).toBeGreaterThan(0);
      expect(p.diff, name).toBeLessThan(1e-5);
    }
  }, 60_000);

  it('initFrom a PyTorch state dict of the module: every tensor by its PyTorch name, the head kept fresh with resetHead', async () => {
    const dir = tempDir();
    const weights = join(dir, 'sd.pt');
    // A plain torch.save of the module's state dict, every value moved by 1 so the load shows.
    const r = spawnSync(PYTHON, ['-c', `import torch\nm = torch.jit.load(${JSON.stringify(vit)})\ntorch.save({k: v + 1.0 for k, v in m.state_dict().items()}, ${JSON.stringify(weights)})`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const fresh = new Model({ model: { torchscript: vit, units: VIT_UNITS }, inputShape: [1, 28, 28], classes: 10 });
    const model = new Model({ model: { torchscript: vit, units: VIT_UNITS }, inputShape: [1, 28, 28], classes: 10 });
    const report = await model.loadWeights(weights, { resetHead: true });
    expect(report.loaded).toHaveLength(52);
    expect(report.reset).toEqual(['head.weight', 'head.bias']);
    expect([report.missing, report.unexpected]).toEqual([[], []]);
    expect(model.unitDigest(5)).toBe(fresh.unitDigest(5));
    for (const u of [0, 1, 4]) expect(model.unitDigest(u)).not.toBe(fresh.unitDigest(u));
  });

  it('a LayerOut run resumed after epoch 1 ends where the uninterrupted run ends (same digest)', async () => {
    const data = limitData(loadDataSpec('fashion-mnist'), 64, 16, 3);
    const base = { model: { torchscript: vit, units: VIT_UNITS }, data, policy: 'layerout', batchSize: 32, lr: 0.01, seed: 4, threads: THREADS };
    const masks = (records: EpochRecord[]) => records.map((r) => r.frozen);
    const wholeRecords: EpochRecord[] = [];
    const whole = await train({ ...base, epochs: 2, onEpoch: (r) => void wholeRecords.push(r) });
    const out = join(tempDir(), 'vit');
    const resumedRecords: EpochRecord[] = [];
    await train({ ...base, epochs: 1, out, onEpoch: (r) => void resumedRecords.push(r) });
    const resumed = await train({ ...base, epochs: 2, out, resume: true, onEpoch: (r) => void resumedRecords.push(r) });
    expect(resumed.summary.digest).toBe(whole.summary.digest);
    expect(masks(resumedRecords)).toEqual(masks(wholeRecords));
  }, 120_000);
});

describe.skipIf(!hasTorch)('an nn.LSTM through TorchScript', () => {
  let lstm = '';
  beforeAll(() => {
    lstm = script('lstm');
  });

  it('is one unit by default; a units file splits it per layer, multiply-adds shared by weight', () => {
    const plain = new Model({ model: { torchscript: lstm }, inputShape: [1, 28, 28], classes: 10 });
    const perStep = (inputs: number) => 4 * 32 * (inputs + 32);
    expect(plain.units.map((u) => [u.name, u.macs])).toEqual([['lstm', 28 * (perStep(28) + perStep(32))], ['head', 320]]);
    const split = new Model({ model: { torchscript: lstm, units: LSTM_UNITS }, inputShape: [1, 28, 28], classes: 10 });
    expect(split.units.map((u) => u.name)).toEqual(['lstm.layer0', 'lstm.layer1', 'head']);
    expect(split.units.map((u) => u.params)).toEqual([4 * 32 * 60 + 256, 4 * 32 * 64 + 256, 330]);
    const total = split.units[0].macs! + split.units[1].macs!;
    expect(Math.abs(total - plain.units[0].macs!)).toBeLessThanOrEqual(1);
    // Shared by the layers' weights: within 0.2% of each layer's own products.
    expect(split.units[0].macs! / (28 * perStep(28))).toBeCloseTo(1, 2);
  });

  it('frozen layer 0 stays bit-identical; the rest equals a PyTorch SGD step', async () => {
    const { before, after, params } = await compareWithPyTorch(lstm, LSTM_UNITS, [true, false, false], ['lstm.*_l0']);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    for (const [name, p] of Object.entries(params)) {
      if (p.frozen) expect(p.moved, name).toBe(0);
      expect(p.diff, name).toBeLessThan(1e-5);
    }
  }, 60_000);
});
