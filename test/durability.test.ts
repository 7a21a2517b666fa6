// Damaged checkpoints are found and named; non-finite losses stop a run with its last finite
// checkpoint kept; a failed write keeps the previous file.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetPair } from '../src/data/types';
import { Model } from '../src/model';
import { writeFileAtomic } from '../src/run/atomic';
import { RunFolder } from '../src/run/folder';
import { train, type TrainOptions } from '../src/train';
import { tempDir, THREADS, tinyDigits } from './helpers';

const small: Omit<TrainOptions, 'epochs'> = {
  model: 'mlp',
  inputShape: [1, 28, 28],
  hidden: [16],
  data: tinyDigits(60),
  batchSize: 20,
  lr: 0.05,
  threads: THREADS,
};

/** A finished one-epoch run (momentum buffers exist) and the bytes of its checkpoint. */
async function finishedRun() {
  const out = join(tempDir(), 'run');
  const { model } = await train({ ...small, epochs: 1, out, policy: 'none' });
  return { out, model, file: join(out, 'checkpoint.pt'), bytes: readFileSync(join(out, 'checkpoint.pt')) };
}

/** Flips one bit in the first occurrence of `needle` (a tensor's bytes or metadata text). */
function flipInside(bytes: Buffer, needle: Buffer, offset = 8): Buffer {
  const at = bytes.indexOf(needle);
  expect(at, 'the tensor bytes are stored verbatim in the archive').toBeGreaterThan(0);
  const copy = Buffer.from(bytes);
  copy[at + offset] ^= 0x10;
  return copy;
}

describe('checkpoint integrity', () => {
  it('names a damaged weight, momentum buffer or metadata, and never loads it', async () => {
    const { model, file, bytes } = await finishedRun();
    const raw = model as unknown as { native: { unitBytes(u: number, s: boolean): Buffer; momentumBytes(u: number): Buffer } };
    const cases: [string, Buffer, RegExp][] = [
      ['a weight', flipInside(bytes, raw.native.unitBytes(1, false).subarray(0, 64)), /damaged: model\/fc2\.weight/],
      ['a momentum buffer', flipInside(bytes, raw.native.momentumBytes(0).subarray(0, 64)), /damaged: optimizer\.momentum_buffer\.fc1\.weight\b/],
      ['the metadata', flipInside(bytes, Buffer.from('"epochsDone":1'), 13), /metadata no longer matches/],
      ['the policy state', flipInside(bytes, Buffer.from('"policyState":'), 3), /metadata no longer matches/],
      ['a truncation', bytes.subarray(0, bytes.length >> 1), /truncated or not a layerout checkpoint/],
    ];
    for (const [what, damaged, message] of cases) {
      writeFileSync(file, damaged);
      await expect(Model.load(file), what).rejects.toThrow(message);
      await expect(train({ ...small, epochs: 2, out: join(file, '..'), resume: true, policy: 'none' }), what).rejects.toThrow(message);
    }
  });

  it('keeps the model unchanged when a restore finds damage, and reports it when asked to load anyway', async () => {
    const { model, file, bytes } = await finishedRun();
    const raw = model as unknown as { native: { unitBytes(u: number, s: boolean): Buffer } };
    writeFileSync(file, flipInside(bytes, raw.native.unitBytes(0, false).subarray(0, 64)));
    const other = new Model({ model: 'mlp', inputShape: [1, 28, 28], hidden: [16], classes: 10, seed: 9 });
    const before = other.digest();
    await expect(other.restore(file)).rejects.toThrow(/damaged: model\/fc1\.weight/);
    expect(other.digest()).toBe(before);
    const loaded = await Model.load(file, { allowDamaged: true });
    expect(loaded.checkpointDamage).toEqual({ damaged: ['model/fc1.weight'], verified: true });
    writeFileSync(file, bytes);
    expect((await Model.load(file)).checkpointDamage).toEqual({ damaged: [], verified: true });
  });
});

describe('non-finite losses', () => {
  /** Images near the float maximum: the first forward pass overflows to infinite logits, a NaN loss. */
  function overflowing(): DatasetPair {
    const d = tinyDigits(60);
    const huge = (x: typeof d.train) => ({ ...x, images: Float32Array.from(x.images, () => 3e38) });
    return { ...d, kind: 'preprocessed', train: huge(d.train), test: huge(d.test) };
  }

  it("stop (the default): ends the run at that batch, says where, and keeps the last finite checkpoint", async () => {
    const out = join(tempDir(), 'nan');
    const { summary, model } = await train({ ...small, data: overflowing(), epochs: 3, out });
    expect(summary).toMatchObject({ endReason: 'non-finite-loss', epochsDone: 0, nonFinite: { epoch: 1, batch: 1, lr: 0.05 } });
    expect(Number.isFinite(summary.nonFinite?.loss)).toBe(false);
    // Nothing of the bad batch was applied, and the checkpoint is the initial (finite) state.
    const saved = await Model.load(out);
    expect(saved.digest()).toBe(model.digest());
    const logits = await saved.predict(new Float32Array(784), [1, 1, 28, 28], { threads: THREADS });
    expect(Array.from(logits).every(Number.isFinite)).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ endReason: 'non-finite-loss' });
  });

  it('skip-batch leaves such batches out; continue trains on', async () => {
    // Every batch here overflows: skip-batch leaves them all out, so nothing trains and the run
    // ends as non-finite (it used to end 'completed' with trainLoss 0).
    const skipped = await train({ ...small, data: overflowing(), epochs: 1, onNonFinite: 'skip-batch' });
    expect(skipped.summary).toMatchObject({ endReason: 'non-finite-loss', epochsDone: 0, nonFinite: { epoch: 1, allSkipped: true } });
    // continue applies the non-finite update: NaN reaches the weights, so the epoch is dropped and
    // the run ends as non-finite-weights, never as completed.
    const continued = await train({ ...small, data: overflowing(), epochs: 1, onNonFinite: 'continue' });
    expect(continued.summary).toMatchObject({ endReason: 'non-finite-weights', epochsDone: 0 });
    expect(continued.summary.nonFiniteParams?.length).toBeGreaterThan(0);
  });
});

describe('a full disk', () => {
  const root = process.getuid?.() === 0;
  const mountable = root && spawnSync('mount', ['--version']).status === 0;
  if (!mountable) console.warn('full-disk test skipped: it mounts a 2 MB tmpfs, which needs root (CI runs as root)');

  it.skipIf(!mountable)('fails the write that does not fit with a clear error, keeps the previous checkpoint, leaves no temporary file', async () => {
    const disk = tempDir('layerout-tmpfs-');
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk], { encoding: 'utf8' });
    if (mounted.status !== 0) return console.warn(`full-disk test skipped: mount failed: ${mounted.stderr.trim()}`);
    try {
      const out = join(disk, 'run');
      // mlp 784-256-10: ~0.8 MB of weights; with momentum after epoch 1 the checkpoint is ~1.6 MB,
      // which does not fit next to the first one.
      const options = { ...small, hidden: [256], epochs: 2, out };
      await expect(train(options)).rejects.toThrow(/could not write .*run\/checkpoint\.pt: ENOSPC/);
      expect(readdirSync(out).filter((f) => f.includes('.tmp'))).toEqual([]);
      const kept = await Model.load(out);
      expect(kept.checkpointDamage).toEqual({ damaged: [], verified: true });
      const meta = await kept.restore(out);
      expect(meta.training?.epochsDone).toBe(0);
    } finally {
      spawnSync('umount', [disk]);
    }
  });
});

describe('atomic writes', () => {
  it('a folder where the file should go is refused, named, kept, and no temporary file is left', async () => {
    const dir = tempDir();
    const path = join(dir, 'checkpoint.pt');
    mkdirSync(path); // a folder where the file should go: the final rename fails
    writeFileSync(join(path, 'keep'), 'x');
    await expect(writeFileAtomic(path, 'new')).rejects.toThrow(/could not write .*checkpoint\.pt: ENOTREG \(.*checkpoint\.pt is a folder; only a regular file is replaced\)/);
    expect(readdirSync(dir)).toEqual(['checkpoint.pt']);
    expect(readdirSync(path)).toEqual(['keep']);
  });
});

describe('one writer per run folder', () => {
  it('a second writer fails at once naming the owner; a dead owner\'s lock is taken over; the lock goes when the run ends', async () => {
    const out = join(tempDir(), 'run');
    mkdirSync(out);
    const sleeper = spawn('sleep', ['30']);
    try {
      writeFileSync(join(out, 'lock'), JSON.stringify({ pid: sleeper.pid, host: hostname(), since: 'now' }));
      await expect(train({ ...small, epochs: 1, out })).rejects.toThrow(`run folder ${out} is in use by pid ${sleeper.pid}`);
      expect(readdirSync(out)).toEqual(['lock']); // nothing written
    } finally {
      sleeper.kill();
    }
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(out, 'lock'), JSON.stringify({ pid: Number(dead.stdout), host: hostname(), since: 'then' }));
    const notices: string[] = [];
    const { summary } = await train({ ...small, epochs: 1, out, onNotice: (m) => notices.push(m) });
    expect(summary.endReason).toBe('completed');
    expect(notices).toEqual([`run folder ${out}: taking over the lock of pid ${dead.stdout}, which is no longer running`]);
    expect(readdirSync(out)).not.toContain('lock');
  });

  it('two runs started together on one folder: exactly one writes it', async () => {
    const out = join(tempDir(), 'race');
    const results = await Promise.allSettled([train({ ...small, epochs: 1, out, seed: 1 }), train({ ...small, epochs: 1, out, seed: 2 })]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(String(failed[0].reason)).toMatch(/is in use by pid|already holds a run/);
    const winner = (ok[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof train>>>).value;
    expect((await Model.load(out)).digest()).toBe(winner.summary.digest);
  });
});

describe('what a run folder refuses', () => {
  it('a resume with other options is refused before anything is written', async () => {
    const out = join(tempDir(), 'resume');
    await train({ ...small, epochs: 1, out, policy: 'none' });
    const runJson = readFileSync(join(out, 'run.json'), 'utf8');
    await expect(train({ ...small, epochs: 2, out, resume: true, policy: 'efreeze' })).rejects.toThrow(/started with other options: policy was "none", now "efreeze"/);
    await expect(train({ ...small, epochs: 2, out, resume: true, policy: 'none', lr: 0.3 })).rejects.toThrow(/lr was 0.05, now 0.3/);
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(runJson);
    const { summary } = await train({ ...small, epochs: 2, out, resume: true, policy: 'none' });
    expect(summary.epochsDone).toBe(2);
  });

  it('names a damaged run.json, a folder where the lock should be, and never replaces what is not a regular file', async () => {
    const out = join(tempDir(), 'odd');
    await train({ ...small, epochs: 1, out, policy: 'none' });
    writeFileSync(join(out, 'run.json'), JSON.stringify({ format: 'layerout-run-2', model: { model: 'mlp' }, training: {} }));
    expect(() => new RunFolder(out).readConfig()).toThrow(/run.json is damaged: missing or wrong data.kind \(string\).* model.classes \(number\)/);
    mkdirSync(join(out, 'lock'));
    await expect(train({ ...small, epochs: 1, out, force: true })).rejects.toThrow(/lock is a folder, not a lock file: remove it/);
    const dir = tempDir();
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'link.pt'));
    await expect(new Model({ model: 'mnist-net' }).save(join(dir, 'link.pt'))).rejects.toThrow(/link.pt is a symbolic link; only a regular file is replaced/);
    expect(readdirSync(dir)).toEqual(['link.pt']);
  });
});
