// run.json bound to its checkpoint (a hand edit or a flipped byte is named, not trained on), and
// skip-batch that skips everything ends as a non-finite run, not a completed one.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const SMALL = ['--model', 'mlp', '--data', 'synthetic:4:40:1x8x8', '--threads', '1', '--batch', '10', '--quiet'];

function layerout(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A one-epoch run folder whose run.json is then changed by `edit`. */
function editedRun(edit: (run: { training: Record<string, unknown> } & Record<string, unknown>) => void): string {
  const out = join(tempDir(), 'run');
  const first = layerout(['train', ...SMALL, '--epochs', '1', '--out', out]);
  expect(first.code, first.stderr).toBe(0);
  const file = join(out, 'run.json');
  const run = JSON.parse(readFileSync(file, 'utf8'));
  edit(run);
  writeFileSync(file, JSON.stringify(run, null, 2));
  return out;
}

describe('run.json bound to its checkpoint', () => {
  it('an edited learning rate, momentum or batch size is refused on --resume, naming the field', () => {
    for (const [key, value] of [['lr', 0.07], ['momentum', 0.5], ['batchSize', 20]] as const) {
      const out = editedRun((run) => (run.training[key] = value));
      const r = layerout(['train', '--resume', out, '--epochs', '2']);
      expect(r.code, key).toBe(2);
      expect(r.stderr).toContain('no longer matches the options');
      expect(r.stderr).toMatch(new RegExp(`${key} was [0-9.]+, now ${value}`));
    }
  });

  it('a flipped byte in a key ("chajnelsLast") is an error naming the key, and resume may still change what it may', () => {
    const out = editedRun((run) => {
      run.training.chajnelsLast = run.training.channelsLast;
      delete run.training.channelsLast;
    });
    const r = layerout(['train', '--resume', out, '--epochs', '2']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown key training.chajnelsLast (did you mean training.channelsLast?)');
    const fine = editedRun(() => undefined);
    expect(layerout(['train', '--resume', fine, '--epochs', '2', '--on-nonfinite', 'skip-batch']).code).toBe(0);
  });
});

describe('skip-batch with every batch non-finite', () => {
  it('ends as non-finite (exit 3) with the skipped batches counted, never completed', () => {
    const out = join(tempDir(), 'skip');
    const r = layerout(['train', ...SMALL, '--epochs', '2', '--lr', '1e30', '--on-nonfinite', 'skip-batch', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(3);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!).summary;
    expect(summary.endReason).toBe('non-finite-loss');
    expect(summary.nonFinite.allSkipped).toBe(true);
    expect(r.stderr).toMatch(/every batch of epoch \d had a non-finite loss and was skipped/);
    const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    // Epochs before it that skipped some batches say how many.
    for (const record of records) expect(record.skippedBatches ?? 0).toBeLessThan(4);
  });
});

describe('interrupts, exit codes and the small things', () => {
  it('a second Ctrl-C quits with 130 only after the atomic write in flight is complete', async () => {
    const { vi } = await import('vitest');
    const { onInterrupt } = await import('../src/cli/interrupt');
    const { writeFileAtomic } = await import('../src/run/atomic');
    const lines: string[] = [];
    const events: string[] = [];
    const file = join(tempDir(), 'big.bin');
    const { existsSync, statSync } = await import('node:fs');
    // At exit the file is all there (renamed into place, 64 MiB), not half-written.
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code: number) => {
      events.push(`exit ${code} with ${existsSync(file) ? statSync(file).size : 'no file'}`);
    }) as never);
    const interrupt = onInterrupt((l) => lines.push(l));
    try {
      // 64 chunks written one after another: the write is still in flight when the signals come.
      const chunks = function* () {
        for (let i = 0; i < 64; i++) yield new Uint8Array(1 << 20).fill(i);
      };
      const write = writeFileAtomic(file, chunks());
      process.emit('SIGINT');
      expect(interrupt.signal.aborted).toBe(true);
      process.emit('SIGINT');
      await write;
      await new Promise((r) => setTimeout(r, 10));
      expect(events).toEqual([`exit 130 with ${64 << 20}`]);
      expect(lines.join('\n')).toMatch(/stopping within one batch[\s\S]*quitting once the file being written is complete/);
    } finally {
      interrupt.dispose();
      exit.mockRestore();
    }
  });

  it('Ctrl-C, then another, from the command line: exit 130 and a folder that resumes', async () => {
    const { spawn } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    const out = join(tempDir(), 'twice');
    const child = spawn(process.execPath, [CLI, 'train', '--model', 'mlp', '--data', 'synthetic:4:4000:1x16x16', '--threads', '1', '--batch', '8', '--epochs', '200', '--out', out, '--quiet']);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 600 && !(existsSync(join(out, 'metrics.jsonl')) && readFileSync(join(out, 'metrics.jsonl'), 'utf8').length > 0); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    for (let i = 0; i < 100 && !/stopping within one batch/.test(stderr); i++) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT'); // the stop may already be over: either way the exit is 130
    expect(await exited, stderr).toBe(130);
    const resumed = layerout(['train', '--resume', out, '--epochs', String(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).epochsDone + 1), '--threads', '1', '--quiet']);
    expect(resumed.code, resumed.stderr).toBe(0);
  }, 120_000);

  it('an unfrozen epoch saves 0.0% of the backward pass, not -0.0%', async () => {
    const { idealSaving } = await import('../src/cli/progress');
    expect(idealSaving(0)).toBe('0.0%');
    expect(idealSaving(-0)).toBe('0.0%');
    expect(idealSaving(0.1234)).toBe('-12.3%');
    expect(idealSaving(null)).toBe('unknown');
  });

  it('a DatasetPair whose classes disagree with its sets is refused', async () => {
    const { loadDataSpec } = await import('../src/data/spec');
    const { train } = await import('../src/train');
    const pair = loadDataSpec('synthetic:4:40:1x8x8');
    await expect(train({ model: 'mlp', data: { ...pair, classes: 5 }, epochs: 1, threads: 1 })).rejects.toThrow(/data\.classes is 5 but the training set has 4 and the test set 4; they must agree/);
  });
});
