// Data parallel on c10d (README "Data parallel"): 2 local ranks against the one-process run,
// the bytes all-reduced, agreement failures, lost ranks, Ctrl-C and resume. Ranks are child
// processes on the compiled package (dist/), one libtorch thread each.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDistributed, distributedFromEnv, parseMaster } from '../src/distributed/options';
import { withoutOption } from '../src/distributed/launch';
import { loadNative } from '../src/native';
import { tempDir } from './helpers';

const WORKER = join(__dirname, 'fixtures', 'dp-worker.cjs');
const CLI = join(__dirname, '..', 'dist', 'cli.js');

interface Job {
  rank?: number;
  world: number;
  store?: string;
  policy: string;
  epochs: number;
  samples: number;
  batch: number;
  seed?: number;
  model?: unknown;
  channelsLast?: boolean;
  out?: string;
  timeout?: number;
  extra?: Record<string, unknown>;
}
interface Result {
  code: number | null;
  stderr: string;
  ms: number;
  out?: {
    summary: { digest: string; finalTestAcc: number };
    records: { frozen: boolean[]; trainLoss: number; testAcc: number; dataParallel?: { ranks: number; allreducedBytes: number; idealAllreducedBytes: number } }[];
    digests: string[][];
    weights: number[][];
  };
}

function worker(job: Job): Promise<Result> {
  const start = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WORKER, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr, ms: Date.now() - start, out: code === 0 ? JSON.parse(stdout) : undefined }));
  });
}

/** The same job on `world` ranks meeting through a fresh file store. */
async function ranks(job: Omit<Job, 'rank' | 'store'>, perRank: (rank: number) => Partial<Job> = () => ({})): Promise<Result[]> {
  const dir = tempDir('layerout-dp-test-');
  const store = join(dir, 'store');
  try {
    return await Promise.all(Array.from({ length: job.world }, (_, rank) => worker({ ...job, rank, store, ...perRank(rank) })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let max = 0;
  a.forEach((unit, u) => unit.forEach((v, i) => (max = Math.max(max, Math.abs(v - b[u][i])))));
  return max;
}

const mnistNetParams = 491_114;
const mnistNetLastUnit = 10_250; // fc2: 1024 x 10 + 10
const base = { policy: 'layerout', epochs: 3, samples: 512, batch: 64 };

describe('data parallel on 2 local ranks', () => {
  it('this build has c10d', () => {
    expect(loadNative().runtimeInfo().c10d).toBe(true);
  });

  it.each([true, false])('takes the one-process step: after one global batch the weights agree to float rounding (channelsLast %s)', async (channelsLast) => {
    const job = { ...base, epochs: 1, samples: 64, channelsLast };
    const [[r0], [one]] = await Promise.all([ranks({ ...job, world: 2 }), ranks({ ...job, world: 1 })]);
    for (const r of [r0, one]) expect(r.code, r.stderr).toBe(0);
    // Two partial sums instead of one: a few ulps after one step (measured 7.5e-9), where a
    // missing or doubled share of the gradient would move weights by ~lr x gradient (1e-3 and more).
    expect(maxAbsDiff(r0.out!.weights, one.out!.weights)).toBeLessThan(1e-6);
  });

  it('follows the one-process run: same masks and losses, weights within 5e-3, frozen units untouched, identical ranks', async () => {
    const [[r0, r1], [one]] = await Promise.all([ranks({ ...base, world: 2 }), ranks({ ...base, world: 1 })]);
    for (const r of [r0, r1, one]) expect(r.code, r.stderr).toBe(0);
    const [a, b, o] = [r0.out!, r1.out!, one.out!];
    // Every rank holds the same model, bit for bit.
    expect(a.summary.digest).toBe(b.summary.digest);
    expect(a.digests).toEqual(b.digests);
    // Same masks as the one-process run; the sums differ only in float rounding (two partial
    // sums per step instead of one), which 24 steps amplify chaotically: over seeds 0-4 in both
    // layouts, measured max |difference| 4.8e-8 to 1.1e-3 on weights up to 0.25, and 6.7e-8 to
    // 8.3e-5 on epoch losses. These bounds leave 4x and more; the one-step test above is the tight one.
    expect(a.records.map((r) => r.frozen)).toEqual(o.records.map((r) => r.frozen));
    a.records.forEach((r, e) => expect(Math.abs(r.trainLoss - o.records[e].trainLoss)).toBeLessThan(5e-4));
    expect(maxAbsDiff(a.weights, o.weights)).toBeLessThan(5e-3);
    expect(maxAbsDiff(a.weights, o.weights)).toBeGreaterThan(0); // really two processes' sums
    // A unit frozen in epoch e is bit-identical before and after it, on both ranks.
    let frozenChecks = 0;
    for (const r of [a, b]) {
      r.records.forEach((rec, e) =>
        rec.frozen.forEach((frozen, u) => {
          if (!frozen) return;
          expect(r.digests[e + 1][u], `epoch ${e + 1} unit ${u}`).toBe(r.digests[e][u]);
          frozenChecks++;
        }),
      );
    }
    expect(frozenChecks).toBeGreaterThan(2);
    for (const rec of a.records) expect(rec.dataParallel!.allreducedBytes).toBe(rec.dataParallel!.idealAllreducedBytes);
  });

  it('all-reduces exactly the trainable parameters: none, efreeze, all-but-last', async () => {
    const steps = 512 / 64;
    const expected: Record<string, number | null> = { none: 4 * mnistNetParams * steps, 'all-but-last': 4 * mnistNetLastUnit * steps, efreeze: null };
    for (const policy of Object.keys(expected)) {
      const [r0, r1] = await ranks({ ...base, policy, epochs: 1, world: 2 });
      expect(r0.code, r0.stderr).toBe(0);
      expect(r1.code, r1.stderr).toBe(0);
      const dp = r0.out!.records[0].dataParallel!;
      expect(dp.ranks).toBe(2);
      expect(dp.allreducedBytes, policy).toBe(dp.idealAllreducedBytes);
      expect(r1.out!.records[0].dataParallel!.allreducedBytes).toBe(dp.allreducedBytes);
      if (expected[policy] !== null) expect(dp.allreducedBytes, policy).toBe(expected[policy]);
      else expect(dp.allreducedBytes).toBeLessThan(4 * mnistNetParams * steps); // some unit frozen
    }
  });

  it('keeps BatchNorm statistics identical on every rank', async () => {
    const model = {
      name: 'bn-net',
      input: [1, 28, 28],
      layers: [
        { type: 'conv', out: 4, kernel: 3, padding: 1, bias: false },
        { type: 'batchnorm' },
        { type: 'relu' },
        { type: 'maxpool', kernel: 4 },
        { type: 'flatten' },
        { type: 'linear', out: 'classes' },
      ],
    };
    const [r0, r1] = await ranks({ ...base, model, epochs: 2, world: 2 });
    expect(r0.code, r0.stderr).toBe(0);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r0.out!.summary.digest).toBe(r1.out!.summary.digest);
  });

  it('AdamW with clipping (after the all-reduce), warm-up and a validation split: identical ranks that follow the one-process run', async () => {
    const extra = { optimizer: 'adamw', lr: 0.002, clipGradNorm: 0.5, warmupSteps: 4, valSplit: 0.25 };
    const job = { ...base, policy: 'layerout', epochs: 2, extra };
    const [[r0, r1], [one]] = await Promise.all([ranks({ ...job, world: 2 }), ranks({ ...job, world: 1 })]);
    for (const r of [r0, r1, one]) expect(r.code, r.stderr).toBe(0);
    expect(r0.out!.summary.digest).toBe(r1.out!.summary.digest);
    expect(r0.out!.digests).toEqual(r1.out!.digests);
    // The same clipping decisions and validation sets as one process; the sums differ in rounding only.
    const fields = (r: Result) => r.out!.records.map((x) => ({ frozen: x.frozen, clipped: (x as { clippedSteps?: number }).clippedSteps, lr: (x as { lastLr?: number }).lastLr }));
    expect(fields(r0)).toEqual(fields(one));
    expect(maxAbsDiff(r0.out!.weights, one.out!.weights)).toBeLessThan(5e-3);
  });

  it('sums correctly when a parameter is used twice in the graph (TorchScript)', async () => {
    const file = join(tempDir(), 'reused.pt');
    const py = spawnSync('/usr/bin/python3', [join(__dirname, '..', 'scripts', 'peer', 'script_model.py'), 'reused', file], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const job = { ...base, policy: 'none', epochs: 1, model: { torchscript: file } };
    const [[r0, r1], [one]] = await Promise.all([ranks({ ...job, world: 2 }), ranks({ ...job, world: 1 })]);
    for (const r of [r0, r1, one]) expect(r.code, r.stderr).toBe(0);
    expect(r0.out!.summary.digest).toBe(r1.out!.summary.digest);
    expect(maxAbsDiff(r0.out!.weights, one.out!.weights)).toBeLessThan(2e-4);
    // Autograd sums a parameter's uses before its gradient hook runs: one arrival, sent once.
    const dp = r0.out!.records[0].dataParallel!;
    expect(dp.allreducedBytes).toBe(dp.idealAllreducedBytes);
  });

  it('stops every rank with a clear error when their options or data differ', async () => {
    for (const [differ, what] of [[{ seed: 1 }, 'seed'], [{ samples: 448 }, 'data']] as const) {
      const results = await ranks({ ...base, epochs: 1, world: 2 }, (rank) => (rank === 1 ? differ : {}));
      for (const r of results) {
        expect(r.code, what).toBe(1);
        expect(r.stderr).toMatch(/data-parallel ranks disagree on the run's options and data/);
      }
    }
  });

  it('a rank left alone fails after the timeout, naming the rendezvous', async () => {
    const store = join(tempDir('layerout-dp-test-'), 'store');
    const r = await worker({ ...base, world: 2, rank: 0, store, timeout: 2 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rank 0 of 2 could not join the data-parallel group through the file store .* waits up to 2 s/m);
    expect(r.ms).toBeLessThan(30_000);
  });

  it('rank 0 refusing the run folder stops the other ranks with its reason', async () => {
    const out = join(tempDir(), 'taken');
    const first = await worker({ ...base, epochs: 1, world: 1, out });
    expect(first.code, first.stderr).toBe(0);
    const [r0, r1] = await ranks({ ...base, epochs: 1, world: 2, out });
    expect(r0.code).toBe(1);
    expect(r0.stderr).toMatch(/already holds a run/);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/rank 0 could not start the run: .*already holds a run/);
  });
});

describe('layerout train --nproc', () => {
  const args = ['train', '--model', 'mnist-net', '--data', 'synthetic:10:1024:1x28x28', '--policy', 'layerout', '--batch', '64', '--lr', '0.05', '--threads', '2'];
  /** `args` with one flag's value replaced (a flag given twice is refused). */
  const argsWith = (flag: string, value: string) => args.map((a, i) => (args[i - 1] === flag ? value : a));

  function start(extra: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
    const child = spawn(process.execPath, [CLI, ...args, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    return { child, done: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr }))) };
  }
  const lastSummary = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!).summary;
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const rankPids = (launcher: number) =>
    spawnSync('pgrep', ['-P', String(launcher)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
  const waitFor = async (what: () => boolean, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!what()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const metricsLines = (dir: string) => (existsSync(join(dir, 'metrics.jsonl')) ? readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').filter(Boolean).length : 0);

  it('Ctrl-C stops both ranks at the same batch, and a resume ends where the uninterrupted run ends', async () => {
    const whole = start(['--epochs', '5', '--nproc', '2', '--json', '--out', join(tempDir(), 'whole')]);
    const out = join(tempDir(), 'cut');
    const cut = start(['--epochs', '5', '--nproc', '2', '--json', '--out', out]);
    await waitFor(() => metricsLines(out) >= 1);
    cut.child.kill('SIGINT');
    const stopped = await cut.done;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/every rank stops at the same batch/);
    const done = lastSummary(stopped.stdout).epochsDone;
    expect(done).toBeLessThan(5);
    const resumed = spawnSync(process.execPath, [CLI, 'train', '--resume', out, '--nproc', '2', '--threads', '2', '--json'], { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    const w = await whole.done;
    expect(w.code, w.stderr).toBe(0);
    expect(lastSummary(resumed.stdout).digest).toBe(lastSummary(w.stdout).digest);
  });

  it('a non-finite loss stops every rank with exit 3, not as a failure', async () => {
    const r = spawnSync(process.execPath, [CLI, ...argsWith('--lr', '1e6'), '--epochs', '1', '--nproc', '2'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/stopped: the loss was/);
    expect(r.stderr).not.toMatch(/stopping the other ranks/);
  });

  it('a killed rank stops the job quickly: non-zero exit naming it, no process left, the folder resumable', async () => {
    const out = join(tempDir(), 'killed');
    const job = start(['--epochs', '50', '--nproc', '2', '--out', out]);
    await waitFor(() => metricsLines(out) >= 1);
    const pids = rankPids(job.child.pid!);
    expect(pids).toHaveLength(2);
    const killedAt = Date.now();
    process.kill(pids[1], 'SIGKILL');
    const r = await job.done;
    expect(Date.now() - killedAt).toBeLessThan(20_000);
    expect(r.code).toBe(1); // the help's code for a lost rank, not the killed rank's 137
    expect(r.stderr).toMatch(/rank 1 was killed \(SIGKILL\); stopping the other ranks/);
    expect(r.stderr).toMatch(/failed on rank 0 of 2: another rank has stopped/);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    const resumed = spawnSync(process.execPath, [CLI, 'train', '--resume', out, '--epochs', String(metricsLines(out) + 1), '--nproc', '2', '--threads', '2', '--quiet'], { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
  });

  it('refuses contradictory or incomplete options before starting anything', () => {
    const run = (...extra: string[]) => spawnSync(process.execPath, [CLI, ...args, '--epochs', '1', ...extra], { encoding: 'utf8' });
    let r = run('--rank', '0');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--world-size, --rank and --master go together/);
    r = run('--rank', '2', '--world-size', '2', '--master', '127.0.0.1:29511');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--rank must be less than --world-size \(2\), got 2/);
    r = run('--nproc', '2', '--rank', '0', '--world-size', '2', '--master', '127.0.0.1:29511');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--nproc starts its own ranks/);
    r = run('--master', 'nohost', '--rank', '0', '--world-size', '2');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/HOST:PORT/);
    r = spawnSync(process.execPath, [CLI, ...argsWith('--batch', '1'), '--epochs', '1', '--nproc', '2'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--batch is the global batch and must be at least --nproc \(2\), got 1/);
    expect(r.stderr).not.toMatch(/rank/); // refused by the launcher, before any rank started
    r = run('--nproc', '2', '--dist-timeout', '1e9');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--dist-timeout/);
    r = run('--nproc', '1', '--rank', '0', '--world-size', '2', '--master', '127.0.0.1:29511');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--nproc starts its own ranks/);
  });
});

describe('distributed options', () => {
  it('are checked precisely', () => {
    expect(() => checkDistributed({ rank: 2, worldSize: 2, storeFile: '/tmp/x' })).toThrow(/distributed.rank must be between 0 and 1, got 2/);
    expect(() => checkDistributed({ rank: 0, worldSize: 2 })).toThrow(/exactly one of master .* or storeFile/);
    expect(() => checkDistributed({ rank: 0, worldSize: 2, master: 'a:1', storeFile: '/x' })).toThrow(/exactly one of/);
    expect(() => checkDistributed({ rank: 0, worldSize: 2, master: 'a:1', timeoutSeconds: 0 })).toThrow(RangeError);
    expect(checkDistributed({ rank: 1, worldSize: 2, master: '[::1]:29500' })).toMatchObject({ masterHost: '::1', masterPort: 29500, timeoutMs: 60_000 });
    expect(() => parseMaster('host:70000')).toThrow(/port in 1..65535/);
    expect(() => checkDistributed({ rank: 0, worldSize: 2, storeFile: '/nonexistent-folder/x/store' })).toThrow(/storeFile's folder \/nonexistent-folder\/x does not exist/);
    expect(() => checkDistributed({ rank: 0, worldSize: 2, storeFile: '/tmp/s', timeoutSeconds: 1e9 })).toThrow(/at most 86400/);
  });

  it("read torchrun's variables", () => {
    expect(distributedFromEnv({})).toBeNull();
    expect(distributedFromEnv({ WORLD_SIZE: '1' })).toBeNull();
    expect(() => distributedFromEnv({ RANK: '1' })).toThrow(/RANK is set but WORLD_SIZE is not/);
    expect(() => distributedFromEnv({ WORLD_SIZE: '2', RANK: '5', MASTER_ADDR: 'h', MASTER_PORT: '1' })).toThrow(/RANK \(5\) must be less than WORLD_SIZE \(2\)/);
    expect(distributedFromEnv({ WORLD_SIZE: '4', RANK: '3', MASTER_ADDR: '10.0.0.1', MASTER_PORT: '29500' })).toEqual({ rank: 3, worldSize: 4, master: '10.0.0.1:29500' });
    expect(() => distributedFromEnv({ WORLD_SIZE: '4', RANK: 'x' })).toThrow(/RANK must be a whole number/);
    expect(() => distributedFromEnv({ WORLD_SIZE: '4', RANK: '1' })).toThrow(/MASTER_ADDR/);
  });

  it('the launcher removes an option in both spellings', () => {
    expect(withoutOption(['--nproc', '2', '--a', '--nproc=3', 'b'], 'nproc')).toEqual(['--a', 'b']);
  });
});
