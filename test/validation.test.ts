// The training recipe beyond the paper's loop: a validation split that the test set never
// influences, early stopping, the best epoch kept in best.pt (also across kill -9 and resume),
// gradient clipping, warm-up and per-step schedules, and weights that turn non-finite.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataSpec } from '../src/data/spec';
import { Model } from '../src/model';
import { lrAt, stepRates } from '../src/schedule';
import { train } from '../src/train';
import { bestEpoch, checkEarlyStop, parseEarlyStop } from '../src/training/validation';
import { tempDir, THREADS } from './helpers';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const SPEC = 'synthetic:4:80:1x8x8';
const small = { model: 'mlp', hidden: [16], inputShape: [1, 8, 8] as [number, number, number], batchSize: 16, seed: 5, threads: THREADS };

function layerout(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

describe('a validation split', () => {
  it('comes out of the training data, stratified and seeded, and every record reports on it', async () => {
    const data = loadDataSpec(SPEC);
    const seen: number[] = [];
    const { summary, model } = await train({ ...small, data, epochs: 2, valSplit: 0.25, onStart: ({ model: m }) => void seen.push(m.trainSamples) });
    expect(seen).toEqual([60]); // 80 training samples, 5 of each class held out
    expect(summary.epochsDone).toBe(2);
    const again = await train({ ...small, data, epochs: 2, valSplit: 0.25 });
    expect(again.summary.digest).toBe(summary.digest);
    // The test set is untouched by the split: same test loss with or without it is not implied, but it is still evaluated on all of it.
    const evaluation = await model.evaluate({ split: 'val' });
    expect(evaluation.samples).toBe(20);
    expect((await model.evaluate()).samples).toBe(data.test.shape[0]);
  });

  it('records valLoss and valAcc, and metrics.csv carries them with testLoss', async () => {
    const out = join(tempDir(), 'val');
    const { model } = await train({ ...small, data: loadDataSpec(SPEC), epochs: 1, valSplit: 0.25, out });
    const record = JSON.parse(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim());
    // The record's figures are those of the held-out split, not of the test set.
    const val = await model.evaluate({ split: 'val' });
    expect(record.valLoss).toBe(val.loss);
    expect(record.valAcc).toBe(val.acc);
    expect(record.valLoss).not.toBe(record.testLoss);
    const [header, row] = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    const cells = Object.fromEntries(header.split(',').map((h, i) => [h, row.split(',')[i]]));
    expect(Number(cells.testLoss)).toBe(record.testLoss);
    expect(Number(cells.valLoss)).toBe(record.valLoss);
    expect(cells.lastLr).toBe(''); // one rate for the whole epoch
  });

  it('is needed by earlyStop and keepBest, and keepBest needs a run folder', async () => {
    const data = loadDataSpec(SPEC);
    await expect(train({ ...small, data, epochs: 1, earlyStop: 'val-loss' })).rejects.toThrow('earlyStop chooses by the validation set: give valSplit');
    await expect(train({ ...small, data, epochs: 1, keepBest: 'val-acc' })).rejects.toThrow('keepBest chooses by the validation set');
    await expect(train({ ...small, data, epochs: 1, valSplit: 0.2, keepBest: 'val-acc' })).rejects.toThrow('keepBest writes best.pt into the run folder: give out');
    await expect(train({ ...small, data, epochs: 1, valSplit: 0.2, keepBest: 'test-acc' as never })).rejects.toThrow("keepBest must be one of val-loss, val-acc, val-mae, val-rmse, val-r2; got 'test-acc'");
    await expect(train({ ...small, data, epochs: 1, valSplit: 0.2, keepBest: 'val-rmse', out: join(tempDir(), 'x') })).rejects.toThrow('keepBest val-rmse: the cross-entropy loss reports val-loss, val-acc');
    await expect(train({ ...small, data, epochs: 1, valSplit: 0.2, earlyStop: 'val-mae' })).rejects.toThrow('earlyStop val-mae: the cross-entropy loss reports val-loss, val-acc');
    await expect(train({ ...small, data, epochs: 1, valSplit: 0.6 })).rejects.toThrow('valSplit must be greater than 0 and at most 0.5, got 0.6');
  });
});

describe('early stopping', () => {
  it('reads its rule and refuses a bad one by name', () => {
    expect(parseEarlyStop('val-loss')).toEqual({ metric: 'val-loss', patience: 5, minDelta: 0 });
    expect(parseEarlyStop('val-acc:patience=2:min-delta=0.01')).toEqual({ metric: 'val-acc', patience: 2, minDelta: 0.01 });
    expect(() => parseEarlyStop('val-los')).toThrow("unknown metric 'val-los' (did you mean 'val-loss'?)");
    expect(() => parseEarlyStop('test-acc')).toThrow("unknown metric 'test-acc'");
    expect(() => parseEarlyStop('val-loss:patience=0')).toThrow('patience must be a whole number of epochs, at least 1');
    expect(() => parseEarlyStop('val-loss:wait=3')).toThrow("cannot read 'wait=3'");
    expect(() => checkEarlyStop({ metric: 'val-loss', patient: 3 })).toThrow("earlyStop has no field 'patient' (did you mean 'patience'?)");
  });

  it('stops once the metric has not improved for `patience` epochs, with endReason early-stopped', async () => {
    // No accuracy can improve by more than 1: the best stays epoch 1, so the run stops after epoch 3.
    const { summary } = await train({ ...small, data: loadDataSpec(SPEC), epochs: 6, valSplit: 0.25, earlyStop: { metric: 'val-acc', patience: 2, minDelta: 1 } });
    expect(summary.endReason).toBe('early-stopped');
    expect(summary.epochsDone).toBe(3);
  });

  it('chooses the best epoch from the records alone (earliest among equals)', () => {
    const r = (epoch: number, valLoss: number, valAcc: number) => ({ epoch, valLoss, valAcc }) as never;
    const records = [r(1, 0.9, 0.5), r(2, 0.7, 0.6), r(3, 0.7, 0.6), r(4, 0.8, 0.7)];
    expect(bestEpoch(records, 'val-loss')).toBe(2);
    expect(bestEpoch(records, 'val-acc')).toBe(4);
    expect(bestEpoch(records, 'val-acc', 0.15)).toBe(4); // 0.7 beats 0.5 by more than 0.15; 0.6 does not
    expect(bestEpoch(records, 'val-acc', 0.25)).toBe(1);
  });
});

describe('best.pt with early stopping, killed at any write and resumed', () => {
  it('ends with the same weights, the same best.pt and the same end as an unbroken run', async () => {
    const base = ['train', '--model', 'mlp', '--data', SPEC, '--epochs', '6', '--batch', '16', '--threads', '1', '--seed', '5', '--lr', '0.05',
      '--val-split', '0.25', '--keep-best', 'val-loss', '--early-stop', 'val-acc:patience=2:min-delta=1', '--optimizer', 'adamw', '--quiet', '--json'];
    const wholeDir = join(tempDir(), 'whole');
    const whole = layerout([...base, '--out', wholeDir]);
    expect(whole.code, whole.stderr).toBe(0);
    const summary = lastJson(whole.stdout).summary;
    expect(summary.endReason).toBe('early-stopped');
    expect(whole.stderr).toMatch(/early stop: the validation metric did not improve; stopped after epoch 3 of 6/);
    const records = readFileSync(join(wholeDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const best = await Model.load(join(wholeDir, 'best.pt'));
    expect(best.checkpointMeta?.training?.epochsDone).toBe(bestEpoch(records, 'val-loss'));
    expect(best.checkpointDamage?.damaged).toEqual([]);
    const bestDigest = best.digest();
    // A resume of the finished run stops at once, where it stopped.
    const again = layerout(['train', '--resume', wholeDir, '--quiet', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(lastJson(again.stdout).summary).toMatchObject({ endReason: 'early-stopped', epochsDone: 3, digest: summary.digest });

    let points = 0;
    for (let at = 2; at < 60; at += 3) {
      const out = join(tempDir(), `kill-${at}`);
      const killed = layerout([...base, '--out', out], { ...process.env, LAYEROUT_TEST_KILL_AT: String(at) });
      if (killed.code === 0) break; // past the last write
      expect(killed.signal, `kill point ${at}: ${killed.stderr}`).toBe('SIGKILL');
      points++;
      const hasRun = existsSync(join(out, 'run.json'));
      const resumed = hasRun ? layerout(['train', '--resume', out, '--quiet', '--json']) : layerout([...base, '--out', out]);
      expect(resumed.code, `kill point ${at}: ${resumed.stderr}`).toBe(0);
      expect(lastJson(resumed.stdout).summary, `kill point ${at}`).toMatchObject({ endReason: 'early-stopped', epochsDone: 3, digest: summary.digest });
      expect((await Model.load(join(out, 'best.pt'))).digest(), `kill point ${at}: best.pt`).toBe(bestDigest);
    }
    expect(points).toBeGreaterThan(4);
  });
});

describe('gradient clipping and learning-rate warm-up', () => {
  it('clipping reports the norms it saw and changes the update only when a norm is above the bound', async () => {
    const data = loadDataSpec(SPEC);
    const plain = await train({ ...small, data, epochs: 1, lr: 0.05 });
    const loose = await train({ ...small, data, epochs: 1, lr: 0.05, clipGradNorm: 1e9 });
    const tight = await train({ ...small, data, epochs: 1, lr: 0.05, clipGradNorm: 1e-3 });
    expect(loose.summary.digest).toBe(plain.summary.digest);
    expect(tight.summary.digest).not.toBe(plain.summary.digest);
    const records: { clippedSteps?: number; maxGradNorm?: number }[] = [];
    await train({ ...small, data, epochs: 1, lr: 0.05, clipGradNorm: 1e-3, onEpoch: (r) => void records.push(r) });
    expect(records[0].clippedSteps).toBe(5); // every one of the 80 / 16 steps
    expect(records[0].maxGradNorm).toBeGreaterThan(1e-3);
  });

  it('warm-up scales the first steps and the record shows the first and last step rates', async () => {
    stepRates({ kind: 'constant' }, 0.1, 0, 3, 4, 6)!.forEach((lr, b) => expect(lr).toBeCloseTo((0.1 * (b + 1)) / 6, 15));
    expect(stepRates({ kind: 'constant' }, 0.1, 1, 3, 4, 6)?.map((x) => +x.toFixed(6))).toEqual([0.083333, 0.1, 0.1, 0.1]);
    expect(stepRates({ kind: 'constant' }, 0.1, 2, 3, 4, 6)).toBeNull(); // warm-up over: one rate per epoch
    const records: { lr: number; lastLr?: number }[] = [];
    await train({ ...small, data: loadDataSpec(SPEC), epochs: 2, lr: 0.05, warmupSteps: 5, onEpoch: (r) => void records.push(r) });
    expect(records[0].lr).toBeCloseTo(0.01, 12);
    expect(records[0].lastLr).toBeCloseTo(0.05, 12);
    expect(records[1].lastLr).toBeUndefined();
  });

  it('per-step schedules: cosine-step falls every step, onecycle rises then falls', () => {
    const cos = stepRates({ kind: 'cosine-step' }, 1, 0, 2, 4, 0)!;
    expect(cos[0]).toBe(1);
    expect(cos.every((x, i) => i === 0 || x < cos[i - 1])).toBe(true);
    expect(lrAt({ kind: 'cosine-step' }, 1, 1, 2, { step: 4, steps: 8 })).toBeCloseTo(0.5, 12);
    const one = [0, 1].flatMap((e) => stepRates({ kind: 'onecycle' }, 1, e, 2, 10, 0)!);
    expect(one[0]).toBeCloseTo(1 / 25, 12);
    expect(Math.max(...one)).toBeCloseTo(1, 2);
    expect(one.indexOf(Math.max(...one))).toBe(5); // 30% of 20 steps, as torch's OneCycleLR
    expect(one[19]).toBeLessThan(1e-4);
  });
});

describe('weights that turn non-finite', () => {
  it('end the run as non-finite-weights (not completed), exit 3, the checkpoint kept at the last finite epoch', () => {
    const out = join(tempDir(), 'nanw');
    // 'continue' applies a non-finite loss's update: the weights then hold NaN.
    const r = layerout(['train', '--model', 'mlp', '--data', SPEC, '--epochs', '3', '--lr', '1e30', '--threads', '1', '--on-nonfinite', 'continue', '--out', out, '--quiet', '--json']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/stopped: after epoch \d \(learning rate 1e\+30\) \d+ parameters? held a NaN or an infinity \(fc1\.weight/);
    const summary = lastJson(r.stdout).summary;
    expect(summary).toMatchObject({ endReason: 'non-finite-weights', epochsDone: summary.nonFinite.epoch - 1 });
    const inspect = layerout(['inspect', out, '--verify']);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toContain(`after epoch ${summary.epochsDone}`);
    expect(inspect.stdout).toContain('optimizer: sgd (state per parameter: momentum_buffer)');
  });
});

describe('what a probe found', () => {
  it('--resume may change --early-stop (it is decided from the records)', () => {
    const out = join(tempDir(), 'es');
    const base = ['train', '--model', 'mlp', '--data', SPEC, '--epochs', '6', '--batch', '16', '--threads', '1', '--seed', '5', '--val-split', '0.25', '--quiet', '--json'];
    const first = layerout([...base, '--early-stop', 'val-acc:patience=1:min-delta=1', '--out', out]);
    expect(lastJson(first.stdout).summary).toMatchObject({ endReason: 'early-stopped', epochsDone: 2 });
    const more = layerout(['train', '--resume', out, '--early-stop', 'val-acc:patience=3:min-delta=1', '--quiet', '--json']);
    expect(more.code, more.stderr).toBe(0);
    expect(lastJson(more.stdout).summary).toMatchObject({ endReason: 'early-stopped', epochsDone: 4 });
  });

  it('a run.json edited to other optimizer settings is refused on --resume: the checkpoint names its optimizer', () => {
    const out = join(tempDir(), 'edit');
    const first = layerout(['train', '--model', 'mlp', '--data', SPEC, '--epochs', '1', '--threads', '1', '--optimizer', 'adamw:betas=0.9,0.99', '--out', out, '--quiet']);
    expect(first.code, first.stderr).toBe(0);
    const file = join(out, 'run.json');
    const run = JSON.parse(readFileSync(file, 'utf8'));
    run.training.optimizer.betas = [0.5, 0.6];
    writeFileSync(file, JSON.stringify(run));
    const resumed = layerout(['train', '--resume', out, '--epochs', '2', '--quiet']);
    expect(resumed.code).not.toBe(0);
    expect(resumed.stderr).toContain('was trained with optimizer adamw:betas=0.9,0.99, not adamw:betas=0.5,0.6');
  });

  it('predict refuses a regression run, and values libtorch cannot take are refused before the folder is written', async () => {
    const out = join(tempDir(), 'reg');
    const images = new Float32Array(32 * 64).map((_, i) => Math.sin(i * 1.7));
    const set = (name: string) => ({ name, images, labels: new Float32Array(32).map((_, i) => i / 32), shape: [32, 1, 8, 8] as [number, number, number, number], classes: 1 });
    await train({ ...small, data: { kind: 'r', train: set('r/train'), test: set('r/test'), classes: 1 }, epochs: 1, loss: 'mse', out });
    const predict = layerout(['predict', out, '--data', SPEC]);
    expect(predict.code).toBe(2);
    expect(predict.stderr).toContain('was trained with the mse loss (float targets): --data scores classification runs');
    for (const [flags, message] of [
      [['--clip-grad-norm', '1e308'], '--clip-grad-norm must be at most 1e+30'],
      [['--schedule', 'cosine-step:0.1'], 'the minimum rate 0.1 is above the base lr 0.01'],
      [['--loss', 'huber:delta=0'], '--loss huber delta must be greater than 0'],
      [['--early-stop', 'val-acc:patience=0', '--val-split', '0.2'], '--early-stop: patience must be a whole number'],
    ] as const) {
      const dir = join(tempDir(), 'never');
      const r = layerout(['train', '--model', 'mlp', '--data', SPEC, '--epochs', '1', '--threads', '1', ...flags, '--out', dir]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
      expect(existsSync(dir)).toBe(false);
    }
  });
});
