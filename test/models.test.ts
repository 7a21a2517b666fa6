import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model } from '../src/model';
import { modelCatalog, modelNames, type ModelName } from '../src/models';

// Totals from the design notes (computed there independently from the layer definitions).
const TOTALS: [ModelName, number, number, number][] = [
  ['mnist-net', 10, 491_114, 7],
  ['vgg16', 10, 33_646_666, 16],
  ['vgg16', 100, 34_015_396, 16],
  ['resnet20', 10, 269_722, 20],
  ['resnet32', 10, 464_154, 32],
  ['resnet44', 10, 658_586, 44],
  ['resnet56', 10, 853_018, 56],
  ['resnet110', 10, 1_727_962, 110],
  ['resnet110-bottleneck', 10, 1_704_154, 167],
  ['resnet110-bottleneck', 100, 1_727_284, 167],
];

describe('models', () => {
  it.each(TOTALS)('%s with %i classes has %i parameters in %i freeze units', (name, classes, total, units) => {
    const model = new Model({ model: name, classes });
    expect(model.info.totalParams).toBe(total);
    expect(model.units).toHaveLength(units);
    expect(model.units.reduce((s, u) => s + u.params, 0)).toBe(total);
  });

  it('mnist-net has the per-unit counts of the design notes', () => {
    const model = new Model({ model: 'mnist-net' });
    expect(model.units.map((u) => u.params)).toEqual([320, 18_496, 73_856, 73_792, 18_464, 295_936, 10_250]);
    expect(model.units.map((u) => u.kind)).toEqual(['conv', 'conv', 'conv', 'conv', 'conv', 'linear', 'linear']);
    expect(model.info.inputShape).toEqual([1, 32, 32]);
    // conv1: 32 output channels of 30x30, 1x3x3 each
    expect(model.units[0].macs).toBe(32 * 30 * 30 * 9);
    expect(model.units[5].macs).toBe(288 * 1024);
  });

  it('resnets have conv units with BatchNorm and a final linear unit', () => {
    const model = new Model({ model: 'resnet20' });
    expect(model.units.slice(0, -1).every((u) => u.kind === 'conv' && u.hasBatchNorm)).toBe(true);
    expect(model.units.at(-1)).toMatchObject({ kind: 'linear', hasBatchNorm: false, params: 650 });
  });

  it('mlp takes its widths and input shape', () => {
    const model = new Model({ model: 'mlp', inputShape: [1, 4, 4], hidden: [8, 6], classes: 3 });
    expect(model.units.map((u) => u.params)).toEqual([16 * 8 + 8, 8 * 6 + 6, 6 * 3 + 3]);
  });

  it('the same seed gives the same initial weights, another seed different ones', () => {
    const a = new Model({ model: 'resnet20', seed: 3 });
    const b = new Model({ model: 'resnet20', seed: 3 });
    const c = new Model({ model: 'resnet20', seed: 4 });
    expect(a.digest()).toBe(b.digest());
    expect(a.digest()).not.toBe(c.digest());
  });

  it('reads the model table from the addon: names and input shapes in one place', () => {
    expect(modelNames()).toEqual(['mnist-net', 'vgg16', 'resnet20', 'resnet32', 'resnet44', 'resnet56', 'resnet110', 'resnet110-bottleneck', 'mlp']);
    for (const entry of modelCatalog()) {
      if (entry.configurable) continue;
      expect(new Model({ model: entry.name }).info.inputShape, entry.name).toEqual(entry.inputShape);
    }
    expect(modelCatalog().filter((m) => m.configurable).map((m) => m.name)).toEqual(['mlp']);
  });

  it('rejects unknown models and bad options with precise errors', () => {
    expect(() => new Model({ model: 'resnet18' as ModelName })).toThrow(RangeError);
    expect(() => new Model({ model: 'resnet18' as ModelName })).toThrow(/model must be one of mnist-net, vgg16/);
    expect(() => new Model({ model: 'mnist-net', classes: 0 })).toThrow(/classes must be between 1/); // 1: one regression output
    expect(() => new Model({ model: 'mnist-net', classes: 2.5 })).toThrow(/classes must be an integer/);
    expect(() => new Model({ model: 'mnist-net', classes: '10' as unknown as number })).toThrow(TypeError);
    expect(() => new Model({ model: 'mnist-net', device: 'tpu' as 'cpu' })).toThrow(/device must be cpu, cuda/);
    expect(() => new Model({ model: 'vgg16', hidden: [4] })).toThrow("apply to configurable models (mlp) only, not 'vgg16'");
  });

  it('`layerout info --model mnist-net --json` prints the unit table', () => {
    const cli = join(__dirname, '..', 'dist', 'cli.js');
    const out = JSON.parse(execFileSync(process.execPath, [cli, 'info', '--model', 'mnist-net', '--json'], { encoding: 'utf8' }));
    expect(out.totalParams).toBe(491_114);
    expect(out.model).toBe('mnist-net');
    expect(out.classes).toBe(10);
    expect(out.layers).toHaveLength(7);
    expect(Object.keys(out.layers[0]).sort()).toEqual(['index', 'kind', 'macs', 'name', 'params']);
  });
});
