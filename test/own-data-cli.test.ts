// Users' own data from the command line: an image folder trains, resumes from the cache, keeps
// its class names in the checkpoint (inspect), and predict reads new files the way training did;
// a table trains an mlp sized by its columns and predict standardises new rows as in training.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { limitData, loadDataSpec } from '../src/data/spec';
import { writeImageFolder } from '../src/data/images/write';
import { tempDir } from './helpers';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const NAMES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];
let dir: string;
let cache: string;

function layerout(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, LAYEROUT_CACHE: cache } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  dir = tempDir('layerout-own-');
  cache = join(dir, 'cache');
  const data = limitData(loadDataSpec('fashion-mnist'), 200, 60, 2);
  await writeImageFolder(data, join(dir, 'fm'), { classNames: NAMES });
  const row = (d: typeof data.train, i: number, label: boolean) => [`item${i}`, ...(label ? [NAMES[d.labels[i] as number]] : []), ...d.images.subarray(i * 784, (i + 1) * 784)].join(',');
  const header = (label: boolean) => ['id', ...(label ? ['label'] : []), ...Array.from({ length: 784 }, (_, j) => `p${j}`)].join(',');
  writeFileSync(join(dir, 'train.csv'), [header(true), ...Array.from({ length: 200 }, (_, i) => row(data.train, i, true))].join('\n'));
  writeFileSync(join(dir, 'new.csv'), [header(false), ...Array.from({ length: 5 }, (_, i) => row(data.test, i, false))].join('\n'));
}, 60_000);

describe('layerout with an image folder', () => {
  it('trains, resumes from the cache, and names its classes in inspect and predict', () => {
    const run = join(dir, 'run');
    const first = layerout('train', '--model', 'mlp', '--data', `images:${join(dir, 'fm')}`, '--epochs', '1', '--batch', '50', '--threads', '1', '--out', run);
    expect(first.code, first.err).toBe(0);
    expect(first.err).toMatch(/images: decoded 260 images in .* s; cache written to /);
    expect(JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')).data.source.spec).toBe(`images:${join(dir, 'fm')}`);
    const resumed = layerout('train', '--resume', run, '--epochs', '2', '--threads', '1');
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toMatch(/images: 260 images from the cache/);
    expect(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')).dataFrom).toBe('cache');

    const inspect = layerout('inspect', run);
    expect(inspect.out).toContain(`classes: ${[...NAMES].sort().map((n, i) => `${i}=${n}`).join(', ')}`);
    expect(inspect.out).toContain('images: decoded to 1x28x28 (fit crop)');

    const out = join(dir, 'predictions.csv');
    const predicted = layerout('predict', run, '--images', join(dir, 'fm', 'test', 'bag'), join(dir, 'fm', 'test', 'boot'), '--out', out, '--top', '2');
    expect(predicted.code, predicted.err).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('name,class,probability,class_2,probability_2');
    expect(lines.length).toBe(13); // 6 bags + 6 boots in a 60-image test set, and the header
    for (const line of lines.slice(1)) {
      const [name, cls, p, cls2, p2] = line.split(',');
      expect(name).toMatch(/fm\/test\/(bag|boot)\/\d+\.png$/); // two folders given: each name keeps its folder
      expect(NAMES).toContain(cls);
      expect(NAMES).toContain(cls2);
      expect(Number(p)).toBeGreaterThanOrEqual(Number(p2));
    }
    const json = layerout('predict', run, '--images', join(dir, 'fm', 'test', 'bag'), '--json');
    const parsed = JSON.parse(json.out);
    expect(parsed.predictions[0].top).toHaveLength(3);
    const sum = parsed.predictions[0].top.reduce((s: number, t: { probability: number }) => s + t.probability, 0);
    expect(sum).toBeLessThanOrEqual(1 + 1e-9);
  }, 120_000);

  it('gives a usage error (exit 2) for a bad spec, a missing folder and a table for an image model', () => {
    const bad = layerout('train', '--model', 'mlp', '--data', `images:${join(dir, 'fm')}:fit=stretch`, '--epochs', '1');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/fit must be crop .* or pad/);
    const bare = layerout('train', '--model', 'mlp', '--data', join(dir, 'fm'), '--epochs', '1');
    expect(bare.code).toBe(2);
    expect(bare.err).toContain(`is a folder: did you mean images:${join(dir, 'fm')}?`);
    const missing = layerout('train', '--model', 'mlp', '--data', `images:${join(dir, 'nowhere')}`, '--epochs', '1');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read image folder or manifest .*nowhere: no such file or folder/);
    const wrong = layerout('predict', join(dir, 'run'), '--csv', join(dir, 'new.csv'));
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/not trained on a table/);
    const both = layerout('predict', join(dir, 'run'), '--csv', join(dir, 'new.csv'), '--images', dir);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/give one of --data, --images, --csv and --npy, not --images and --csv/);
  }, 60_000);
});

describe('predict on data the run did not train on', () => {
  const run = () => join(dir, 'run');

  it('--data matches labels to the run\'s classes by name and reads images with the run\'s decode', () => {
    // A folder with only two of the ten classes, in the run's layout: labels 0 and 1 here are bag and coat.
    const sub = join(dir, 'sub');
    for (const split of ['train', 'test']) for (const cls of ['bag', 'coat']) cpSync(join(dir, 'fm', 'test', cls), join(sub, split, cls), { recursive: true });
    const scored = layerout('predict', run(), '--data', `images:${sub}`, '--json');
    expect(scored.code, scored.err).toBe(0);
    const report = JSON.parse(scored.out);
    const sorted = [...NAMES].sort();
    const bags = readdirSync(join(sub, 'test', 'bag')).length;
    const coats = readdirSync(join(sub, 'test', 'coat')).length;
    // Rows of the confusion matrix are the run's classes: only bag's and coat's rows hold samples.
    const rowTotals = report.confusion.map((row: number[]) => row.reduce((a, b) => a + b, 0));
    expect(rowTotals[sorted.indexOf('bag')]).toBe(bags);
    expect(rowTotals[sorted.indexOf('coat')]).toBe(coats);
    expect(rowTotals.reduce((a: number, b: number) => a + b, 0)).toBe(bags + coats);
    const other = layerout('predict', run(), '--data', `images:${sub}:size=16x16`);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/trained on images decoded to 1x28x28 \(fit crop\); this spec asks for 1x16x16/);
    cpSync(join(sub, 'test', 'bag'), join(sub, 'test', 'zebra'), { recursive: true });
    cpSync(join(sub, 'train', 'bag'), join(sub, 'train', 'zebra'), { recursive: true });
    const unknown = layerout('predict', run(), '--data', `images:${sub}`);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/has class\(es\) 'zebra' that the model does not know/);
  }, 60_000);

  it('--images names files apart across folders, refuses a FIFO, and skips undecodable files on request', () => {
    const a = join(dir, 'pa');
    const b = join(dir, 'pb');
    for (const d of [a, b]) {
      mkdirSync(d, { recursive: true });
      cpSync(join(dir, 'fm', 'test', 'bag', readdirSync(join(dir, 'fm', 'test', 'bag'))[0]), join(d, '1.png'));
    }
    const two = layerout('predict', run(), '--images', a, b);
    expect(two.code, two.err).toBe(0);
    expect(two.out.trim().split('\n').slice(1).map((l) => l.split(',')[0])).toEqual([join(a, '1.png'), join(b, '1.png')]);
    writeFileSync(join(a, 'notes.txt'), 'not an image\n');
    const bad = layerout('predict', run(), '--images', a);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/cannot decode 1 of 2 file\(s\) as images: notes\.txt .*--skip-unreadable/);
    const skipped = layerout('predict', run(), '--images', a, '--skip-unreadable');
    expect(skipped.code, skipped.err).toBe(0);
    expect(skipped.err).toMatch(/skipped notes\.txt: .*unsupported image format/);
    expect(skipped.out.trim().split('\n')).toHaveLength(2);
    const fifo = spawnSync('mkfifo', [join(b, 'pipe.png')]);
    expect(fifo.status).toBe(0);
    const hung = layerout('predict', run(), '--images', b);
    expect(hung.code).toBe(2);
    expect(hung.err).toMatch(/pipe\.png is not a regular file \(a FIFO/);
  }, 60_000);
});

describe('layerout with a table', () => {
  it('trains an mlp sized by the columns and predicts new rows by their id', () => {
    const run = join(dir, 'table-run');
    const trained = layerout('train', '--model', 'mlp', '--data', `csv:${join(dir, 'train.csv')}`, '--epochs', '1', '--batch', '20', '--threads', '1', '--out', run, '--json');
    expect(trained.code, trained.err).toBe(0);
    const inspect = layerout('inspect', run);
    expect(inspect.out).toMatch(/table: 784 feature column\(s\) \(p0, p1, /);
    const predicted = layerout('predict', run, '--csv', join(dir, 'new.csv'));
    expect(predicted.code, predicted.err).toBe(0);
    const lines = predicted.out.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['item0', 'item1', 'item2', 'item3', 'item4']);
    writeFileSync(join(dir, 'short.csv'), 'id,p0\nx,1\n');
    const short = layerout('predict', run, '--csv', join(dir, 'short.csv'));
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/no feature column 'p1'; its columns are id, p0/);
    // The table changes under the run: a resume refuses it, naming what changed.
    const text = readFileSync(join(dir, 'train.csv'), 'utf8').split('\n');
    text[1] = text[1].replace(/,(\d+)$/, (_, v) => `,${Number(v) + 100}`);
    writeFileSync(join(dir, 'train.csv'), text.join('\n'));
    const resumed = layerout('train', '--resume', run, '--epochs', '2', '--threads', '1');
    expect(resumed.code).toBe(2);
    expect(resumed.err).toMatch(/was trained on other data: the training split's statistics changed for 1 column\(s\) \(p783\)/);
  }, 60_000);
});
