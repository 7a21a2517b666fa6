// Option probes from a bad day: every one is a clear error (or does what it says), and none
// leaves a run folder behind.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultAugment, parseAugmentList } from '../src/data/augment';
import { limitData, loadDataSpec } from '../src/data/spec';
import { tempDir } from './helpers';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const layerout = (...args: string[]) => {
  const started = Date.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
};
const SMALL = ['--model', 'mlp', '--data', 'synthetic:4:40:1x28x28', '--epochs', '1', '--threads', '1', '--quiet'];

describe('augmentation lists', () => {
  const base = defaultAugment('cifar10', 3);
  it('turns flip and erase off with =0 and rejects what it cannot read', () => {
    expect(parseAugmentList('crop,flip=0,erase=0', base)).toMatchObject({ cropPad: 4, flip: false, eraseP: 0 });
    expect(parseAugmentList('flip=1,erase=0.25,crop=2', base)).toMatchObject({ cropPad: 2, flip: true, eraseP: 0.25 });
    expect(() => parseAugmentList('flip=2', base)).toThrow('--augment flip=2: flip takes 0 or 1');
    expect(() => parseAugmentList('crop=0x4', base)).toThrow(/crop takes a whole number/);
    expect(() => parseAugmentList('erase=1e-1', base)).toThrow(/erase takes a decimal number/);
    expect(() => parseAugmentList('blur', base)).toThrow(/unknown augmentation 'blur'/);
  });
});

describe('data limits and synthetic sizes', () => {
  it('refuses limits larger than the data and empty images', () => {
    const data = loadDataSpec('synthetic:4:40:1x8x8');
    expect(() => limitData(data, 1e12, undefined, 0)).toThrow(/--limit-train 1000000000000 is larger than synthetic\/train \(40 samples\)/);
    expect(() => limitData(data, undefined, 9, 0)).toThrow(/--limit-test 9 is larger than synthetic\/test \(8 samples\)/);
    expect(limitData(data, 32, 8, 0).train.shape[0]).toBe(32);
    expect(() => loadDataSpec('synthetic:10:256:1x0x0')).toThrow('image sizes must be at least 1x1x1, got 1x0x0');
  });
});

describe('the run folder is created only after every option is valid', () => {
  it.each([
    [['--lr', '0'], /--lr must be greater than 0/],
    [['--policy', 'layerout:v=0.5'], /1 entries but the model has 2 freeze units/],
    [['--limit-train', '100000'], /--limit-train 100000 is larger than/],
    [['--augment', 'flip=yes'], /flip takes 0 or 1/],
    [['--batch', '0x10'], /--batch must be a whole number in decimal digits/],
    [['--epochs', '2'], /--epochs is given more than once; give it once/],
    [['--optimizer', 'adamx'], /unknown kind 'adamx' \(did you mean 'adam'\?\)/],
    [['--optimizer', 'adam', '--momentum', '0.5'], /momentum is not read by the adam optimizer/],
    [['--early-stop', 'val-loss'], /earlyStop chooses by the validation set: give valSplit/],
    [['--lerning-rate', '0.1'], /unknown option --lerning-rate/],
  ])('%j: exit 2, no folder', (extra, message) => {
    const out = join(tempDir(), 'never');
    const r = layerout('train', ...SMALL, ...extra, '--out', out);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('paths that cannot be a run folder fail at once with the cause', () => {
    const proc = layerout('train', ...SMALL, '--out', '/proc/layerout-x');
    expect(proc.code).toBe(1);
    expect(proc.stderr).toMatch(/could not create run folder \/proc\/layerout-x: ENOENT/);
    expect(proc.ms).toBeLessThan(20_000); // it used to spin forever in Node's recursive mkdir
    const empty = layerout('train', ...SMALL, '--out', '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--out must not be empty/);
  });

  it('--resume of a folder without a run says what to do instead', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'empty'));
    const r = layerout('train', '--resume', join(dir, 'empty'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds no run to resume .* start it with --out /);
  });
});
