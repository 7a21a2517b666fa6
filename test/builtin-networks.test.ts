// The built-in networks are network specs (src/networks/) compiled to the same plan as users'
// specs. Built from them, every network equals what the C++ builders it replaced built, bit for
// bit: the same initial weights, units, multiply-adds, export keys and bytes, and the same weights
// after a short epoch (test/fixtures/builtin-networks.json, written by those builders; see there).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataSpec } from '../src/data/spec';
import { Model, type ModelOptions } from '../src/index';
import { modelCatalog } from '../src/models';
import { BUILTIN_NETWORKS } from '../src/networks/catalog';
import { planNetwork } from '../src/spec/check';

interface Facts {
  digest: string;
  totalParams: number;
  units: [string, string, number, number | null, boolean][];
  stateDict: string;
  afterEpoch?: string;
  evalLoss?: number;
}
const FIXTURE = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'builtin-networks.json'), 'utf8')) as { cases: Record<string, ModelOptions>; facts: Record<string, Facts> };
/** A short epoch on the heavier networks would dominate the suite: these train one. */
const TRAINED = new Set(['mnist-net', 'vgg16', 'resnet20', 'resnet110-bottleneck', 'mlp', 'mlp[16,8]@3x8x8']);

async function factsOf(options: ModelOptions, train: boolean): Promise<Facts> {
  const model = new Model(options);
  const facts: Facts = {
    digest: model.digest(),
    totalParams: model.info.totalParams,
    units: model.units.map((u) => [u.name, u.kind, u.params, u.macs, u.hasBatchNorm]),
    stateDict: createHash('sha256').update(await model.stateDict()).digest('hex'),
  };
  if (train) {
    const [c, h, w] = model.info.inputShape;
    const data = loadDataSpec(`synthetic:${model.info.classes}:${Math.max(32, model.info.classes)}:${c}x${h}x${w}`);
    model.setData('train', data.train, data.kind);
    model.setData('test', data.test, data.kind);
    model.setFrozen(model.units.map((_, i) => i === 1), 'train');
    await model.trainEpoch({ epoch: 0, lr: 0.01, batchSize: 8, threads: 1, seed: 5 });
    facts.afterEpoch = model.digest();
    facts.evalLoss = (await model.evaluate({ threads: 1 })).loss;
  }
  return facts;
}

describe('the built-in networks as specs', () => {
  it('lists every built-in network once, each a spec that plans without error', () => {
    expect(modelCatalog().map((e) => e.name)).toEqual(BUILTIN_NETWORKS.map((e) => e.name));
    for (const entry of BUILTIN_NETWORKS) {
      const spec = entry.spec({ hidden: [64], inputShape: entry.inputShape });
      expect(spec.name).toBe(entry.name);
      expect(planNetwork(spec, 10).inputShape).toEqual(entry.inputShape);
    }
  });

  it.each(Object.keys(FIXTURE.facts))('%s equals what the C++ builder built, bit for bit', async (key) => {
    expect(await factsOf(FIXTURE.cases[key], TRAINED.has(key))).toEqual(FIXTURE.facts[key]);
  }, 120_000);
});
