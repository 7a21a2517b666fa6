// Run folders across the API and the CLI: inspect, resume, predict, export, and the exit codes
// of runs that stop early.
import { spawnSync } from 'node:child_process';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataSpec } from '../src/data/spec';
import { train } from '../src/train';
import { tempDir, THREADS } from './helpers';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const SPEC = 'synthetic:10:160:1x28x28';

function layerout(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const apiOptions = { model: 'mnist-net', policy: 'layerout', batchSize: 32, lr: 0.05, seed: 6, threads: THREADS };

describe('a run made through the API', () => {
  it('is inspected and resumed through the CLI, ending where an uninterrupted run ends', async () => {
    const whole = await train({ ...apiOptions, data: loadDataSpec(SPEC), epochs: 2 });
    const out = join(tempDir(), 'api');
    await train({ ...apiOptions, data: loadDataSpec(SPEC), epochs: 1, out });
    const inspect = layerout('inspect', out);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toMatch(/mnist-net after epoch 1, policy layerout\(sample=epoch\)/);
    expect(inspect.stdout).toMatch(/integrity: every tensor and the metadata match their SHA-256/);
    const resumed = layerout('train', '--resume', out, '--epochs', '2', '--threads', '1', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout.trim().split('\n').pop()!).summary;
    expect(summary).toMatchObject({ epochsDone: 2, endReason: 'completed' });
    expect(summary.digest).toBe(whole.summary.digest);
  });

  it('on data built in memory, resumes through the CLI only with --data', async () => {
    const out = join(tempDir(), 'mem');
    const data = loadDataSpec(SPEC);
    delete data.source; // as if built in memory
    await train({ ...apiOptions, data, epochs: 1, out });
    const r = layerout('train', '--resume', out, '--epochs', '2', '--quiet');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/trained on a dataset built in memory \(no --data spec saved\): give --data SPEC/);
    const withData = layerout('train', '--resume', out, '--epochs', '2', '--data', SPEC, '--threads', '1', '--quiet');
    expect(withData.code, withData.stderr).toBe(0);
    expect(withData.stdout).toMatch(/^summary: 2\/2 epochs/);
  });
});

describe('layerout predict and export', () => {
  it('predict reports the accuracy evaluate reported, per class and as a confusion matrix', async () => {
    const out = join(tempDir(), 'p');
    const { summary } = await train({ ...apiOptions, data: loadDataSpec(SPEC), epochs: 2, out });
    const r = layerout('predict', out, '--data', SPEC, '--json', '--threads', '1');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.samples).toBe(32);
    expect(report.accuracy).toBeCloseTo(summary.finalTestAcc, 12);
    expect(report.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(32);
    const diagonal = report.confusion.reduce((s: number, row: number[], i: number) => s + row[i], 0);
    expect(diagonal / 32).toBeCloseTo(report.accuracy, 12);
    const text = layerout('predict', out, '--data', SPEC, '--threads', '1');
    expect(text.stdout).toMatch(/confusion matrix \(rows: true class, columns: predicted\)/);
    const missing = layerout('predict', out);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/give --data SPEC \(score a test split\) or --images, --csv or --npy/);
  });

  it('export writes a torch.load-able file, and refuses missing folders and existing files without --force', async () => {
    const out = join(tempDir(), 'e');
    await train({ ...apiOptions, data: loadDataSpec(SPEC), epochs: 1, out });
    const file = join(tempDir(), 'weights.pt');
    const first = layerout('export', out, '--out', file);
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(file)).toBe(true);
    const again = layerout('export', out, '--out', file);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; add --force to replace it/);
    // A link to the run folder is the run folder.
    const link = join(tempDir(), 'link');
    symlinkSync(out, link);
    const intoRun = layerout('export', out, '--out', join(link, 'w.pt'));
    expect(intoRun.code).toBe(2);
    expect(intoRun.stderr).toMatch(/is inside the run folder/);
    expect(layerout('export', out, '--out', file, '--force').code).toBe(0);
    const nowhere = layerout('export', out, '--out', '/nonexistent-folder/w.pt');
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/the folder \/nonexistent-folder does not exist/);
    const py = spawnSync('/usr/bin/python3', ['-c', `import torch; d = torch.load(${JSON.stringify(file)}); print(len(d), list(d)[0], list(d)[-1])`], { encoding: 'utf8' });
    if (py.status === 0) expect(py.stdout.trim()).toBe('14 convs.0.weight fc2.bias');
    else console.warn(`torch.load check skipped: /usr/bin/python3 has no torch (${py.stderr.trim().split('\n').pop()})`);
  });
});

describe('runs that stop early', () => {
  it('a diverging run stops with exit code 3 at the first non-finite loss and keeps the last finite checkpoint', () => {
    const out = join(tempDir(), 'nan');
    const r = layerout('train', '--model', 'mnist-net', '--data', SPEC, '--epochs', '3', '--lr', '1e30', '--threads', '1', '--batch', '32', '--out', out, '--quiet');
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/stopped: the loss was (NaN|Infinity|-Infinity) at epoch 1, batch 2 \(learning rate 1e\+30\); nothing of that batch was applied/);
    const inspect = layerout('inspect', out, '--verify');
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toMatch(/after epoch 0/);
  });

  it('inspect --verify exits 1 on a damaged checkpoint and names what is damaged', async () => {
    const out = join(tempDir(), 'dmg');
    await train({ ...apiOptions, data: loadDataSpec(SPEC), epochs: 1, out });
    const file = join(out, 'checkpoint.pt');
    const bytes = require('node:fs').readFileSync(file) as Buffer;
    const at = bytes.indexOf(Buffer.from('"epochsDone":1'));
    bytes[at + 13] = '7'.charCodeAt(0); // the epoch count, changed inside the metadata
    writeFileSync(file, bytes);
    const r = layerout('inspect', out, '--verify');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is damaged: metadata no longer matches its SHA-256/);
    const resume = layerout('train', '--resume', out, '--epochs', '2', '--quiet');
    expect(resume.code).toBe(1);
    expect(resume.stderr).toMatch(/damaged/);
  });
});

describe('a kill at any moment of the first epoch', () => {
  it('leaves a folder that --resume (or, before run.json exists, --out) continues to the uninterrupted result', () => {
    const base = ['--model', 'mlp', '--data', 'synthetic:4:40:1x28x28', '--epochs', '1', '--batch', '10', '--threads', '1', '--policy', 'layerout', '--seed', '3', '--quiet'];
    const whole = layerout('train', ...base, '--json');
    expect(whole.code, whole.stderr).toBe(0);
    const digest = JSON.parse(whole.stdout.trim().split('\n').pop()!).summary.digest;
    const env = (at: number) => ({ ...process.env, LAYEROUT_TEST_KILL_AT: String(at) });
    let points = 0;
    for (let at = 1; at < 100; at++) {
      const out = join(tempDir(), `kill-${at}`);
      const killed = spawnSync(process.execPath, [CLI, 'train', ...base, '--out', out], { encoding: 'utf8', env: env(at) });
      if (killed.status === 0) break; // past the last write point: the run finished
      expect(killed.signal, `kill point ${at}: ${killed.stderr}`).toBe('SIGKILL');
      points = at;
      const hasRun = existsSync(join(out, 'run.json'));
      const again = hasRun ? layerout('train', '--resume', out, '--json') : layerout('train', ...base, '--out', out, '--json');
      expect(again.code, `kill point ${at} (${hasRun ? 'resume' : 'new run'}): ${again.stderr}`).toBe(0);
      expect(JSON.parse(again.stdout.trim().split('\n').pop()!).summary.digest, `kill point ${at}`).toBe(digest);
      expect(again.stderr).toMatch(/taking over the lock of pid \d+, which is no longer running/);
    }
    // run.json, the initial checkpoint, metrics.jsonl, metrics.csv, summary.json, then the same
    // five again after epoch 1 (run.json once): 2 points per write.
    expect(points).toBe(18);
  }, 300_000); // 37 processes, each loading libtorch: slow on a busy machine
});
