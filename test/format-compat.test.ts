// Files written by earlier versions still load and resume: a committed run folder from before the
// seams issue (run.json without `precision`, a checkpoint with `momentum.N` optimizer state).
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model } from '../src/model';
import { RunFolder } from '../src/run/folder';
import { resumeOptions } from '../src/run/resume';
import { train } from '../src/train';
import { tempDir } from './helpers';

const FIXTURE = join(__dirname, 'fixtures', 'format-1');
const facts = JSON.parse(readFileSync(join(FIXTURE, 'facts.json'), 'utf8')) as {
  digest: string;
  units: { unit: string; momentum: string }[];
  threeEpochDigest: string;
};

describe('a run folder of the first optimizer-state format', () => {
  it('loads with the same weights and momentum buffers', async () => {
    const model = await Model.load(join(FIXTURE, 'run'));
    expect(model.digest()).toBe(facts.digest);
    expect(model.units.map((u) => ({ unit: model.unitDigest(u.index), momentum: model.momentumDigest(u.index) }))).toEqual(facts.units);
  });

  it('reads its run.json (no precision: fp32) and resumes to the digest of an unbroken run', async () => {
    const dir = join(tempDir(), 'old-run');
    cpSync(join(FIXTURE, 'run'), dir, { recursive: true });
    const config = new RunFolder(dir).readConfig();
    expect(config.training.precision).toBeUndefined();
    const options = await resumeOptions(dir, { epochs: 3 });
    expect(options.precision).toBe('fp32');
    const { summary } = await train(options);
    expect(summary.epochsDone).toBe(3);
    expect(summary.digest).toBe(facts.threeEpochDigest);
  });
});
