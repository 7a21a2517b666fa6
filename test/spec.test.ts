// Your own networks as declarative specs: the examples match the built-in models unit by unit,
// training keeps frozen units bit-identical, runs round-trip, and malformed specs name the place.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model } from '../src/model';
import { planNetwork } from '../src/spec/check';
import type { NetworkSpec } from '../src/spec/types';
import { train } from '../src/train';
import { cifarShaped, epoch, tempDir, THREADS, tinyDigits } from './helpers';

const example = (name: string) => JSON.parse(readFileSync(join(__dirname, '..', 'examples', `${name}.json`), 'utf8')) as NetworkSpec;
const CLI = join(__dirname, '..', 'dist', 'cli.js');

describe('the example specs', () => {
  it.each(['mnist-net', 'resnet20'])('%s.json has exactly the built-in model\'s parameters, units and multiply-adds', (name) => {
    const spec = new Model({ model: example(name) });
    const builtIn = new Model({ model: name });
    expect(spec.info.totalParams).toBe(builtIn.info.totalParams);
    expect(spec.units.map((u) => [u.kind, u.params, u.bnParams, u.macs])).toEqual(builtIn.units.map((u) => [u.kind, u.params, u.bnParams, u.macs]));
    expect(spec.info.inputShape).toEqual(builtIn.info.inputShape);
  });

  it('resnet20.json computes what the built-in resnet20 computes, given the same weights', async () => {
    const data = cifarShaped();
    const builtIn = new Model({ model: 'resnet20', seed: 3, channelsLast: false }); // the spec network's layout
    const spec = new Model({ model: example('resnet20'), seed: 3 });
    // Same weights: export the built-in's state and restore it into the spec model by position.
    const raw = (m: Model) => m as unknown as { native: { unitBytes(u: number, s: boolean): Buffer } };
    for (let u = 0; u < 20; u++) expect(raw(spec).native.unitBytes(u, true).equals(raw(builtIn).native.unitBytes(u, true))).toBe(true);
    const a = await builtIn.predict(data.test.images, data.test.shape, { threads: THREADS });
    const b = await spec.predict(data.test.images, data.test.shape, { threads: THREADS });
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});

describe('training a spec network', () => {
  it('trains an epoch with a mask and keeps the frozen units bit-identical (momentum and weight decay on)', async () => {
    const model = new Model({ model: example('small-cnn'), seed: 1 });
    const data = tinyDigits(64);
    model.setData('train', data.train, data.kind);
    model.setData('test', data.test, data.kind);
    expect(model.units.map((u) => u.name)).toEqual(['layers.0', 'layers.4.body.0', 'layers.4.body.3', 'layers.9', 'layers.11']);
    expect(model.units.map((u) => u.hasBatchNorm)).toEqual([true, true, true, false, false]);
    await epoch(model, 0); // momentum buffers exist for every unit
    const mask = [false, true, false, true, false];
    model.setFrozen(mask, 'freeze');
    const before = model.units.map((u) => model.unitDigest(u.index, true));
    const momentum = model.units.map((u) => model.momentumDigest(u.index));
    await epoch(model, 1);
    model.units.forEach((u, i) => {
      if (mask[i]) {
        expect(model.unitDigest(i, true)).toBe(before[i]);
        expect(model.momentumDigest(i)).toBe(momentum[i]);
      } else expect(model.unitDigest(i, true)).not.toBe(before[i]);
    });
  });

  it('runs, resumes through the CLI and loads from its run folder (the spec travels with the run)', async () => {
    const out = join(tempDir(), 'spec-run');
    const data = tinyDigits(60);
    const { model } = await train({ model: example('small-cnn'), data, epochs: 1, batchSize: 20, threads: THREADS, policy: 'layerout', out });
    const loaded = await Model.load(out);
    expect(loaded.info.model).toBe('small-cnn');
    expect(loaded.digest()).toBe(model.digest());
    const cli = spawnSync(process.execPath, [CLI, 'info', '--model', join(__dirname, '..', 'examples', 'small-cnn.json'), '--json'], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ model: 'small-cnn', totalParams: model.info.totalParams });
  });
});

describe('malformed specs', () => {
  const base = (): NetworkSpec => example('small-cnn');
  const cases: [string, (s: NetworkSpec) => unknown, RegExp][] = [
    ['no layers', (s) => ({ ...s, layers: [] }), /^layers: must be a non-empty array/],
    ['bad name', (s) => ({ ...s, name: 'my net!' }), /^name: must be 1-64 letters/],
    ['bad input', (s) => ({ ...s, input: [1, 28] }), /^input: must be \[C, H, W\]/],
    ['zero input size', (s) => ({ ...s, input: [1, 0, 28] }), /^input\[1\]: must be a positive integer/],
    ['unknown top-level field', (s) => ({ ...s, optimizer: 'adam' }), /unknown field 'optimizer'/],
    ['unknown layer type', (s) => ({ ...s, layers: [{ type: 'lstm' }, ...s.layers.slice(1)] }), /^layers\[0\]\.type: must be one of conv, batchnorm/],
    ['conv without out', (s) => ({ ...s, layers: [{ type: 'conv', kernel: 3 }, ...s.layers.slice(1)] }), /^layers\[0\]\.out: must be a positive integer/],
    ['fractional kernel', (s) => ({ ...s, layers: [{ type: 'conv', out: 8, kernel: 2.5 }, ...s.layers.slice(1)] }), /^layers\[0\]\.kernel: must be a positive integer/],
    ['kernel larger than its input', (s) => ({ ...s, layers: [{ type: 'conv', out: 8, kernel: 30 }, ...s.layers.slice(1)] }), /^layers\[0\]\.kernel: 30 is larger than the padded input 28x28/],
    ['unknown field on a layer', (s) => ({ ...s, layers: [{ ...s.layers[0], dilation: 2 }, ...s.layers.slice(1)] }), /^layers\[0\]\.dilation: a conv layer has no field 'dilation'/],
    ['batchnorm not after a conv', (s) => ({ ...s, layers: [s.layers[0], { type: 'relu' }, { type: 'batchnorm' }, ...s.layers.slice(3)] }), /^layers\[2\]: a batchnorm must come directly after a conv/],
    ['linear without a flatten', (s) => ({ ...s, layers: s.layers.filter((l) => l.type !== 'flatten') }), /^layers\[8\]: a linear layer needs a flat input; add \{ "type": "flatten" \} before it \(its input is 16x7x7\)/],
    ['conv after a flatten', (s) => ({ ...s, layers: [{ type: 'flatten' }, ...s.layers] }), /^layers\[1\]: conv needs an image input \(C x H x W\), but its input is 784 features \(after a flatten\)/],
    ['identity shortcut that changes shape', (s) => {
      const layers = structuredClone(s.layers) as Record<string, unknown>[];
      (layers[4].body as Record<string, unknown>[])[3] = { type: 'conv', out: 32, kernel: 3, padding: 1, bias: false };
      return { ...s, layers };
    }, /^layers\[4\]\.shortcut: identity needs the body to keep the shape 16x14x14, but it gives 32x14x14/],
    ['bad shortcut kind', (s) => ({ ...s, layers: s.layers.map((l, i) => (i === 4 ? { ...l, shortcut: 'dense' } : l)) }), /^layers\[4\]\.shortcut: must be one of identity, projection, option-a/],
    ['bad nested layer', (s) => ({ ...s, layers: s.layers.map((l, i) => (i === 4 ? { ...l, body: [{ type: 'conv', out: 16, kernel: 0 }] } : l)) }), /^layers\[4\]\.body\[0\]\.kernel: must be a positive integer/],
    ['dropout p out of range', (s) => ({ ...s, layers: s.layers.map((l) => (l.type === 'dropout' ? { type: 'dropout', p: 1.5 } : l)) }), /^layers\[7\]\.p: must be a number in \[0, 1\)/],
    ['does not end in classes', (s) => ({ ...s, layers: [...s.layers.slice(0, -1), { type: 'linear', out: 7 }] }), /ends with 7 features but must give one per class \(10\)/],
    ['bias not a boolean', (s) => ({ ...s, layers: [{ ...s.layers[0], bias: 'no' }, ...s.layers.slice(1)] }), /^layers\[0\]\.bias: must be true or false/],
    ['bad init', (s) => ({ ...s, init: { conv: 'orthogonal' } }), /^init\.conv: must be one of he-fan-out, he-fan-in, xavier/],
    ['too many parameters', (s) => ({ ...s, layers: [{ type: 'flatten' }, { type: 'linear', out: 1048576 }, { type: 'linear', out: 1048576 }, { type: 'linear', out: 'classes' }] }), /^layers: the network has 1\.10e\+12 parameters \(4099\.\d GiB in float32/],
    ['nested too deep', (s) => {
      let body: unknown[] = [{ type: 'relu' }];
      for (let i = 0; i < 40; i++) body = [{ type: 'residual', shortcut: 'identity', body }];
      return { ...s, layers: [...body, ...s.layers] };
    }, /residual blocks nest more than 32 deep/],
  ];
  it.each(cases)('%s', (_, make, message) => {
    expect(() => new Model({ model: make(base()) as NetworkSpec })).toThrow(message);
  });
  it('has at least 15 kinds', () => expect(cases.length).toBeGreaterThanOrEqual(15));
});

describe('layer names in specs', () => {
  const conv = (extra: object = {}) => ({ type: 'conv', out: 2, kernel: 1, ...extra });
  const spec = (layers: object[]) => ({ name: 'named', input: [1, 2, 2], layers: [...layers, { type: 'flatten' }, { type: 'linear', out: 'classes' }] });
  it('names modules and export keys, and says which two collide and why', () => {
    const plan = planNetwork(spec([conv({ name: 'stem.conv', export: 'features.0' }), { type: 'batchnorm', export: 'features.1' }]), 3);
    expect(plan.layers[0]).toMatchObject({ name: 'stem.conv', export: 'features.0' });
    expect(plan.layers[1]).toMatchObject({ export: 'features.1' });
    expect(() => planNetwork(spec([conv({ name: 'layers.1' }), conv()]), 3)).toThrow(/layers\[1\]: its module name 'layers_1' is also that of layers\[0\] \(modules are registered with '\.' turned into '_'/);
    expect(() => planNetwork(spec([conv({ name: 'x' }), { type: 'batchnorm' }, conv({ name: 'x_bn' })]), 3)).toThrow(/layers\[2\]: its module name 'x_bn' is also that of layers\[1\] .*'_bn'/);
    expect(() => planNetwork(spec([conv({ export: 'a' }), conv({ export: 'a.b' })]), 3)).toThrow("layers[1]: its export name 'a.b' lies inside 'a' (layers[0]'s)");
    expect(planNetwork(spec([conv({ export: '0' })]), 3).layers[0].export).toBe('0'); // nn.Sequential-style keys
    expect(() => planNetwork(spec([conv({ name: 'a b' })]), 3)).toThrow("layers[0].name: must be parts of letters, digits and '_' joined by dots");
    expect(() => planNetwork(spec([{ type: 'residual', shortcut: 'identity', shortcutName: 's', body: [conv({ out: 1 })] }]), 3)).toThrow('only a projection shortcut has a module to name');
  });
});
