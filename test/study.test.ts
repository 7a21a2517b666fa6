// `layerout study`: a tiny synthetic grid runs, its tables equal what the run folders say,
// rerunning skips finished runs, an interrupted run resumes to the same weights, changed
// options are refused (or rerun with force), and the command writes its report.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli';
import { splitPolicies, studyConfig } from '../src/cli/study';
import { studyGrid, type StudyConfig } from '../src/study/config';
import { collectStudy, timeToTarget } from '../src/study/results';
import { runStudy } from '../src/study/runner';
import { mean, sampleStd, welchInterval } from '../src/study/stats';
import type { EpochRecord, TrainSummary } from '../src/types';
import { tempDir } from './helpers';

const DATA = 'synthetic:4:40:1x28x28';

function config(out: string, extra: Partial<StudyConfig> = {}): StudyConfig {
  return {
    models: ['mlp'],
    data: DATA,
    policies: ['none', 'layerout', 'efreeze:every=batch'],
    seeds: [1, 2, 3],
    epochs: 2,
    baseline: 'none',
    targets: null,
    out,
    train: { threads: 1, lr: 0.05, batch: 16 },
    ...extra,
  };
}

const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as TrainSummary;
const recordsOf = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EpochRecord);

describe('study grid', () => {
  it('runs every cell, and its tables equal the statistics of the run folders', async () => {
    const c = config(tempDir());
    const grid = studyGrid(c);
    expect(grid.map((r) => `${r.policy}/${r.seed}`)).toEqual(['none/1', 'layerout/1', 'efreeze:every=batch/1', 'none/2', 'layerout/2', 'efreeze:every=batch/2', 'none/3', 'layerout/3', 'efreeze:every=batch/3']);
    const first = await runStudy(c);
    expect(first.interrupted).toBe(false);
    expect(first.runs.map((r) => r.outcome)).toEqual(Array(9).fill('trained'));
    const results = collectStudy(c);
    const base = grid.filter((r) => r.policy === 'none').map((r) => summaryOf(r.dir));
    for (const policy of c.policies) {
      const runs = grid.filter((r) => r.policy === policy).map((r) => summaryOf(r.dir));
      const row = results.policies.find((p) => p.policy === policy)!;
      const final = runs.map((s) => s.finalTestAcc);
      expect(row.n).toBe(3);
      expect(row.finalAcc.mean).toBeCloseTo(final.reduce((a, b) => a + b) / 3, 12);
      const m = row.finalAcc.mean;
      expect(row.finalAcc.std).toBeCloseTo(Math.sqrt(final.reduce((a, b) => a + (b - m) ** 2, 0) / 2), 12);
      expect(row.bestAcc.mean).toBeCloseTo(mean(runs.map((s) => s.bestTestAcc)), 12);
      expect(row.bestAcc.std).toBeCloseTo(sampleStd(runs.map((s) => s.bestTestAcc)), 12);
      expect(row.frozenParamsShare).toBeCloseTo(mean(runs.map((s) => s.meanFrozenParamsShareAll)), 12);
      const perEpoch = (ss: TrainSummary[], k: 'totalMs' | 'backwardMs') => mean(ss.map((s) => s[k] / s.epochsDone));
      expect(row.epochTimeRatio).toBeCloseTo(perEpoch(runs, 'totalMs') / perEpoch(base, 'totalMs'), 12);
      expect(row.backwardTimeRatio).toBeCloseTo(perEpoch(runs, 'backwardMs') / perEpoch(base, 'backwardMs'), 12);
      if (policy === 'none') expect(row.finalDiff).toBeNull();
      else expect(row.finalDiff).toEqual(welchInterval(final, base.map((s) => s.finalTestAcc)));
      // Curves: per epoch, the mean and std of the runs' test accuracy.
      for (const point of row.curve) {
        const accs = grid.filter((r) => r.policy === policy).map((r) => recordsOf(r.dir)[point.epoch - 1].testAcc);
        expect(point.acc.mean).toBeCloseTo(mean(accs), 12);
      }
    }
    // Default targets: the baseline's final mean minus 0.5 and 1 point.
    const baseMean = mean(base.map((s) => s.finalTestAcc));
    expect(results.targets.mlp).toEqual([baseMean - 0.005, baseMean - 0.01]);
    // A per-batch policy's records are means over batches: frozen shares between 0 and 1.
    const perBatch = recordsOf(grid[2].dir);
    for (const r of perBatch) expect(r.frozenParamsShare).toBeGreaterThan(0);

    // Rerunning: everything finished, nothing is written.
    const mtimes = grid.map((r) => statSync(join(r.dir, 'checkpoint.pt')).mtimeMs);
    const again = await runStudy(c);
    expect(again.runs.map((r) => r.outcome)).toEqual(Array(9).fill('skipped'));
    expect(grid.map((r) => statSync(join(r.dir, 'checkpoint.pt')).mtimeMs)).toEqual(mtimes);

    // A changed option is refused, naming every changed folder; force trains them again.
    const changed = config(c.out, { train: { ...c.train, lr: 0.02 } });
    await expect(runStudy(changed)).rejects.toThrow(/differ from 9 run folder\(s\)[\s\S]*lr: 0.05 in the folder, 0.02 now/);
    const forced = await runStudy(config(c.out, { seeds: [1], policies: ['none'], epochs: 3 }), { force: true });
    expect(forced.runs.map((r) => r.outcome)).toEqual(['restarted']);
    expect(summaryOf(grid[0].dir).epochsDone).toBe(3);
  });

  it('an interrupted study resumes to the same weights as an uninterrupted one', async () => {
    const straight = config(tempDir(), { seeds: [4], policies: ['none', 'layerout:every=batch'], epochs: 3 });
    await runStudy(straight);
    const c = config(tempDir(), { seeds: [4], policies: ['none', 'layerout:every=batch'], epochs: 3 });
    const controller = new AbortController();
    const stopped = await runStudy(c, {
      signal: controller.signal,
      onEpoch: (p) => {
        if (p.run.index === 2 && p.record.epoch === 1) controller.abort();
      },
    });
    expect(stopped.interrupted).toBe(true);
    expect(stopped.runs.map((r) => r.outcome)).toEqual(['trained', 'interrupted']);
    expect(collectStudy(c).runs.map((r) => r.state)).toEqual(['finished', 'partial']);
    const starts: number[] = [];
    const resumed = await runStudy(c, { onRunStart: (_run, info) => starts.push(info.resumeFrom) });
    expect(resumed.runs.map((r) => r.outcome)).toEqual(['skipped', 'resumed']);
    expect(starts).toEqual([1]);
    const [a, b] = [studyGrid(straight), studyGrid(c)];
    for (let i = 0; i < 2; i++) expect(summaryOf(b[i].dir).digest).toBe(summaryOf(a[i].dir).digest);
  });

  it('time to target is the first epoch reaching it and the training time until then', () => {
    const r = (epoch: number, testAcc: number, epochMs: number) => ({ epoch, testAcc, epochMs }) as EpochRecord;
    const records = [r(1, 0.5, 100), r(2, 0.8, 150), r(3, 0.7, 120), r(4, 0.9, 130)];
    expect(timeToTarget(records, 0.75)).toEqual({ epoch: 2, timeMs: 250 });
    expect(timeToTarget(records, 0.9)).toEqual({ epoch: 4, timeMs: 500 });
    expect(timeToTarget(records, 0.95)).toBeNull();
  });
});

describe('layerout study (command)', () => {
  it('parses flags and config files, with policies that hold commas', () => {
    expect(splitPolicies('none,layerout:v=0.9,0.1,0.5,efreeze:warmup=1')).toEqual(['none', 'layerout:v=0.9,0.1,0.5', 'efreeze:warmup=1']);
    const dir = tempDir();
    const file = join(dir, 'study.json');
    writeFileSync(file, JSON.stringify({ model: 'mlp', data: DATA, policies: ['none', 'layerout:v=0.9,0.1,0.5'], seeds: [1, 2], epochs: 2, lr: 0.05, out: dir, targets: [80, 90] }));
    const { config: c } = studyConfig(['--config', file, '--epochs', '3', '--threads', '1']);
    expect(c).toMatchObject({ models: ['mlp'], policies: ['none', 'layerout:v=0.9,0.1,0.5'], seeds: [1, 2], epochs: 3, targets: [80, 90], baseline: 'none' });
    expect(c.train).toEqual({ lr: 0.05, threads: 1 });
    writeFileSync(file, JSON.stringify({ model: 'mlp', colour: 'red' }));
    expect(() => studyConfig(['--config', file])).toThrow(/unknown key 'colour'/);
    expect(() => studyConfig(['--model', 'mlp', '--data', DATA, '--policies', 'none,nope', '--epochs', '1', '--out', dir])).toThrow(/unknown policy 'nope'/);
    expect(() => studyConfig(['--model', 'mlp', '--data', DATA, '--policies', 'layerout', '--epochs', '1', '--out', dir, '--baseline', 'none'])).toThrow(/--baseline none is not one/);
    expect(() => studyConfig(['--data', DATA])).toThrow(/--model, --policies, --epochs, --out are required/);
  });

  it('writes study.json, study.md and figures, and a second identical command trains nothing', async () => {
    const dir = tempDir();
    const argv = ['study', '--model', 'mlp', '--data', DATA, '--policies', 'none,efreeze', '--seeds', '1,2', '--epochs', '2', '--out', dir, '--threads', '1', '--quiet'];
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const capture = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    const errWrite = process.stderr.write.bind(process.stderr);
    process.stderr.write = capture as typeof process.stderr.write;
    let codes: number[];
    try {
      codes = [await main(argv)];
      const firstOutput = lines.join('');
      lines.length = 0;
      codes.push(await main(argv));
      expect(firstOutput).toMatch(/efreeze seed 2: trained/);
    } finally {
      process.stdout.write = write;
      process.stderr.write = errWrite;
    }
    expect(codes).toEqual([0, 0]);
    expect(lines.join('')).not.toMatch(/: trained/);
    expect(lines.join('')).toMatch(/study: 4\/4 runs finished/);
    for (const f of ['study.json', 'study.md', 'mlp-accuracy-epoch.svg', 'mlp-accuracy-time.svg']) expect(existsSync(join(dir, f))).toBe(true);
    const json = JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8'));
    expect(json.environment.command).toContain('layerout study --model mlp');
    expect(json.environment.libtorch).toMatch(/^\d+\.\d+/);
    expect(json.policies).toHaveLength(2);
    const md = readFileSync(join(dir, 'study.md'), 'utf8');
    const none = json.policies[0];
    expect(md).toContain(`| \`none\` | 2 | ${(100 * none.finalAcc.mean).toFixed(2)} ± ${(100 * none.finalAcc.std).toFixed(2)} |`);
    expect(md).toContain('Time to target accuracy');
    expect(readFileSync(join(dir, 'mlp-accuracy-epoch.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
  });
});

describe('study figures and help', () => {
  it('draws a line and a ± std band per series, with round ticks', async () => {
    const { lineChart, niceTicks } = await import('../src/report/svg');
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.713, 0.802, 4)).toEqual([0.725, 0.75, 0.775, 0.8]);
    const svg = lineChart(
      [
        { name: 'a <b>', points: [{ x: 1, y: 0.5, band: 0.1 }, { x: 2, y: 0.6, band: 0.05 }] },
        { name: 'c', points: [{ x: 1, y: 0.4 }, { x: 2, y: 0.7 }] },
      ],
      { title: 't', xLabel: 'x', yLabel: 'y', xMin: 0 },
    );
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<polygon/g)).toHaveLength(1);
    expect(svg).toContain('a &lt;b&gt;');
    expect(svg).toContain('>0</text>'); // the x axis starts at xMin
  });

  it('help study fits 80 columns', async () => {
    const { commandHelp } = await import('../src/cli/help');
    const { STUDY_COMMAND } = await import('../src/cli/study');
    const text = commandHelp(STUDY_COMMAND);
    expect(text).toMatch(/^usage: layerout study /);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });
});
