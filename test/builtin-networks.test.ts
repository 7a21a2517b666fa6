// The built-in networks are network specs (src/networks/) compiled to the same plan as users'
// specs. Built from them, every network equals what the C++ builders it replaced built, bit for
// bit: the same initial weights, units, multiply-adds, export keys and bytes, and the same weights
// after a short epoch (test/fixtures/builtin-networks.json, written by those builders; see there).
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
// The same facts, measured the same way as when the fixture was written.
const { factsOf, TRAINED } = require('./fixtures/builtin-facts.cjs') as {
  factsOf(lib: { Model: typeof Model; loadDataSpec: typeof loadDataSpec }, options: ModelOptions, train: boolean): Promise<Facts>;
  TRAINED: Set<string>;
};

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
    expect(await factsOf({ Model, loadDataSpec }, FIXTURE.cases[key], TRAINED.has(key))).toEqual(FIXTURE.facts[key]);
  }, 120_000);
});
