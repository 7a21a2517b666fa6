// Image folders on real data: Fashion-MNIST's own pixels written as PNG class folders load to the
// same bytes as the IDX files and train bit-identically; the cache is used, checked and replaced;
// damaged, foreign, renamed and missing files get a named error or are skipped and counted.
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { limitData, loadData, loadDataSpec } from '../src/data/spec';
import { writeImageFolder } from '../src/data/images/write';
import { selectSamples, type DatasetPair, type ImageDataset } from '../src/data/types';
import { train } from '../src/train';
import { MNIST_STATS } from '../src/data/augment';
import { tempDir, THREADS } from './helpers';

const FMNIST_NAMES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];

/** The dataset in class-folder order (class by class, each in file-name order = index order). */
function classOrder(data: ImageDataset): ImageDataset {
  const order = Array.from({ length: data.shape[0] }, (_, i) => i).sort((a, b) => (data.labels[a] as number) - (data.labels[b] as number) || a - b);
  return selectSamples(data, order, data.name);
}

let idx: DatasetPair;
let root: string;
let cache: string;

beforeAll(async () => {
  idx = limitData(loadDataSpec('fashion-mnist'), 300, 100, 7);
  root = join(tempDir('layerout-images-'), 'fmnist');
  cache = tempDir('layerout-cache-');
  await writeImageFolder(idx, root, { classNames: FMNIST_NAMES });
}, 60_000);

const spec = () => `images:${root}:cache=${cache}`;

describe('an image folder of Fashion-MNIST PNGs', () => {
  it('loads the same pixels and labels as the IDX files, with the folder names as classes, decoded then from the cache', async () => {
    const lines: string[] = [];
    const first = await loadData(spec(), { log: (l) => lines.push(l) });
    expect(first.load?.from).toBe('decoded');
    expect(first.load?.decoded).toBe(400);
    expect(first.inputs?.classNames).toEqual([...FMNIST_NAMES].sort());
    expect(first.inputs?.image).toEqual({ channels: 1, height: 28, width: 28, fit: 'crop' });
    expect(lines.some((l) => /cache written to/.test(l))).toBe(true);
    // Class folders sort by name: map IDX labels to the sorted names' indices.
    const sorted = [...FMNIST_NAMES].sort();
    for (const [split, want] of [['train', idx.train], ['test', idx.test]] as const) {
      const relabelled = { ...want, labels: Int32Array.from(want.labels as ArrayLike<number>, (y) => sorted.indexOf(FMNIST_NAMES[y])) };
      const expected = classOrder(relabelled);
      const got = first[split];
      expect(got.shape).toEqual(expected.shape);
      expect(Buffer.from(got.images.buffer, got.images.byteOffset, got.images.byteLength).equals(Buffer.from(expected.images as Uint8Array))).toBe(true);
      expect(Array.from(got.labels as Int32Array)).toEqual(Array.from(expected.labels as Int32Array));
    }
    const second = await loadData(spec(), { log: (l) => lines.push(l) });
    expect(second.load?.from).toBe('cache');
    expect(second.load?.decoded).toBe(0);
    expect(Buffer.from(second.train.images).equals(Buffer.from(first.train.images))).toBe(true);
    expect(Array.from(second.test.labels as Int32Array)).toEqual(Array.from(first.test.labels as Int32Array));
  }, 60_000);

  it('trains bit-identically to the IDX data in the same order', async () => {
    const images = await loadData(spec());
    const sorted = [...FMNIST_NAMES].sort();
    const relabel = (d: ImageDataset) => classOrder({ ...d, labels: Int32Array.from(d.labels as ArrayLike<number>, (y) => sorted.indexOf(FMNIST_NAMES[y])) });
    const fromIdx: DatasetPair = { kind: 'images', classes: 10, train: relabel(idx.train), test: relabel(idx.test) };
    const augment = { cropPad: 4, flip: false, eraseP: 0, ...MNIST_STATS };
    const run = (data: DatasetPair) => train({ model: 'mnist-net', data, epochs: 1, batchSize: 50, seed: 3, threads: THREADS, augment, policy: 'layerout' });
    const [a, b] = [await run(images), await run(fromIdx)];
    expect(a.summary.digest).toBe(b.summary.digest);
    expect(a.summary.finalTestAcc).toBe(b.summary.finalTestAcc);
    expect(a.summary.dataFrom).toBe('cache');
    expect(a.model.inputs?.classNames).toEqual(sorted);
  }, 120_000);

  it('decodes again when a file changes, and when the cache is damaged', async () => {
    const file = join(root, 'train', 'bag', readdirSync(join(root, 'train', 'bag'))[0]);
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    expect((await loadData(spec())).load?.from).toBe('decoded');
    expect((await loadData(spec())).load?.from).toBe('cache');
    const [cacheFile] = readdirSync(cache).filter((f) => f.endsWith('.images'));
    const bytes = readFileSync(join(cache, cacheFile));
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(join(cache, cacheFile), bytes);
    const lines: string[] = [];
    const again = await loadData(spec(), { log: (l) => lines.push(l) });
    expect(again.load?.from).toBe('decoded');
    expect(lines.join('\n')).toMatch(/is damaged \(pixels do not match their SHA-256\); decoding again/);
    expect((await loadData(spec())).load?.from).toBe('cache');
  }, 60_000);
});

describe('image folder faults', () => {
  /** A small folder: 2 classes x 3 RGB PNGs in train/ and 1 each in test/. */
  async function smallFolder(): Promise<string> {
    const dir = tempDir('layerout-imgfault-');
    for (const [split, n] of [['train', 3], ['test', 1]] as const) {
      for (const cls of ['cat', 'dog']) {
        mkdirSync(join(dir, split, cls), { recursive: true });
        for (let i = 0; i < n; i++) {
          await sharp({ create: { width: 12, height: 10, channels: 3, background: { r: 40 * i, g: cls === 'cat' ? 200 : 20, b: 90 } } }).png().toFile(join(dir, split, cls, `${i}.png`));
        }
      }
    }
    return dir;
  }

  it('names a truncated file, or skips and counts it with skip-unreadable', async () => {
    const dir = await smallFolder();
    const file = join(dir, 'train', 'dog', '1.png');
    writeFileSync(file, readFileSync(file).subarray(0, 40));
    await expect(loadData(`images:${dir}:cache=off`)).rejects.toThrow(/train\/dog\/1\.png cannot be decoded as an image .*add :skip-unreadable/);
    const pair = await loadData(`images:${dir}:cache=off:skip-unreadable`);
    expect(pair.train.shape[0]).toBe(5);
    expect(pair.load?.skipped).toEqual([{ name: join('train', 'dog', '1.png'), reason: expect.stringMatching(/./) }]);
    // The labels close up with the pixels: 3 cats, then the 2 dogs left.
    expect(Array.from(pair.train.labels as Int32Array)).toEqual([0, 0, 0, 1, 1]);
    const { summary } = await train({ model: 'mlp', hidden: [8], data: pair, epochs: 1, batchSize: 4, threads: THREADS });
    expect(summary.skippedFiles).toHaveLength(1);
  }, 60_000);

  it('does not reuse a cache that skipped files: the file is read again once fixed, and refused without skip-unreadable', async () => {
    const dir = await smallFolder();
    const cacheDir = tempDir('layerout-skipcache-');
    const file = join(dir, 'train', 'dog', '1.png');
    const good = readFileSync(file);
    writeFileSync(file, good.subarray(0, 40));
    const skipped = await loadData(`images:${dir}:cache=${cacheDir}:skip-unreadable`);
    expect(skipped.load?.skipped).toHaveLength(1);
    await expect(loadData(`images:${dir}:cache=${cacheDir}`)).rejects.toThrow(/dog\/1\.png cannot be decoded/);
    writeFileSync(file, good);
    const fixed = await loadData(`images:${dir}:cache=${cacheDir}:skip-unreadable`);
    expect(fixed.load).toMatchObject({ from: 'decoded', skipped: [] });
    expect(fixed.train.shape[0]).toBe(6);
  }, 60_000);

  it('predicts new files through the API on a two-class model (top defaults to what the model has)', async () => {
    const dir = await smallFolder();
    const { model } = await train({ model: 'mlp', hidden: [8], data: await loadData(`images:${dir}:cache=off`), epochs: 1, batchSize: 2, threads: THREADS });
    const { predictions, skipped } = await model.predictFiles({ images: [join(dir, 'test')] });
    expect(skipped).toEqual([]);
    expect(predictions.map((p) => p.name)).toEqual([join('cat', '0.png'), join('dog', '0.png')]);
    for (const p of predictions) {
      if (p.kind !== 'class') throw new Error('expected class predictions');
      expect(p.top).toHaveLength(2);
      expect(p.top[0].probability + p.top[1].probability).toBeCloseTo(1, 12);
      expect(['cat', 'dog']).toContain(p.class.name);
    }
  }, 60_000);

  it('names a foreign (non-image) file; reads a PNG renamed .jpg by its content', async () => {
    const dir = await smallFolder();
    renameSync(join(dir, 'train', 'cat', '0.png'), join(dir, 'train', 'cat', '0.jpg'));
    expect((await loadData(`images:${dir}:cache=off`)).train.shape[0]).toBe(6);
    writeFileSync(join(dir, 'train', 'cat', 'notes.txt'), 'not an image\n');
    await expect(loadData(`images:${dir}:cache=off`)).rejects.toThrow(/train\/cat\/notes\.txt cannot be decoded as an image \(.*unsupported image format/);
  }, 60_000);

  it('refuses an empty class folder, a single class, a test class train does not have, and a missing test/', async () => {
    let dir = await smallFolder();
    mkdirSync(join(dir, 'train', 'empty'));
    await expect(loadData(`images:${dir}:cache=off`)).rejects.toThrow(/class folder .*train\/empty holds no files/);
    dir = await smallFolder();
    mkdirSync(join(dir, 'test', 'bird'));
    copyFileSync(join(dir, 'test', 'cat', '0.png'), join(dir, 'test', 'bird', '0.png'));
    await expect(loadData(`images:${dir}:cache=off`)).rejects.toThrow(/class folder\(s\) 'bird' that train\/ does not have; the classes are cat, dog/);
    const single = tempDir('layerout-single-');
    mkdirSync(join(single, 'only'));
    copyFileSync(join(dir, 'train', 'cat', '0.png'), join(single, 'only', 'a.png'));
    await expect(loadData(`images:${single}:cache=off`)).rejects.toThrow(/one class folder \('only'\); classification needs at least 2 classes/);
    await expect(loadData(`images:${join(dir, 'train')}:bogus=1`)).rejects.toThrow(/unknown option 'bogus'/);
    await expect(loadData(`images:${dir}:size=0x5`)).rejects.toThrow(/size must be HxW/);
  }, 60_000);

  it('refuses, before decoding, a folder whose pixels would not fit in memory, naming both sizes', async () => {
    const dir = await smallFolder();
    for (let i = 0; i < 200; i++) copyFileSync(join(dir, 'train', 'cat', '0.png'), join(dir, 'train', 'cat', `copy${i}.png`));
    const started = Date.now();
    await expect(loadData(`images:${dir}:size=8192x8192:channels=3:cache=off`)).rejects.toThrow(/208 images of 3x8192x8192 need 39\.\d\d GiB as pixels, more than the \d+\.\d\d GiB of memory available/);
    expect(Date.now() - started).toBeLessThan(20_000); // nothing was decoded
  }, 60_000);

  it('splits a folder without train/ and test/ into a seeded, stratified 20% test set', async () => {
    const dir = tempDir('layerout-split-');
    for (const cls of ['a', 'b']) {
      mkdirSync(join(dir, cls));
      for (let i = 0; i < 10; i++) await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: i * 20, g: i * 20, b: i * 20 } } }).toColourspace('b-w').png().toFile(join(dir, cls, `${i}.png`));
    }
    const one = await loadData(`images:${dir}:cache=off`, { seed: 1 });
    expect(one.train.shape[0]).toBe(16);
    expect(Array.from(one.test.labels as Int32Array).sort()).toEqual([0, 0, 1, 1]);
    const same = await loadData(`images:${dir}:cache=off`, { seed: 1 });
    expect(Buffer.from(same.test.images).equals(Buffer.from(one.test.images))).toBe(true);
    const other = await loadData(`images:${dir}:cache=off`, { seed: 2 });
    expect(Buffer.from(other.test.images).equals(Buffer.from(one.test.images))).toBe(false);
    expect(one.source).toEqual({ spec: `images:${dir}:cache=off`, seed: 1, splitSeed: 1 });
    expect(one.inputs?.split).toEqual({ seed: 1, testShare: 0.2 });
    // A run with another seed resumes on the same split: the data's own seed is what run.json keeps.
    const out = join(tempDir('layerout-splitrun-'), 'run');
    const unseeded = await loadData(`images:${dir}:cache=off`);
    expect(unseeded.source?.splitSeed).toBe(unseeded.inputs?.split?.seed);
    await train({ model: 'mlp', hidden: [4], data: one, epochs: 1, batchSize: 4, threads: THREADS, seed: 5, out });
    const { resumeOptions } = await import('../src/run/resume');
    const again = await resumeOptions(out, { epochs: 2 });
    expect(Buffer.from(again.data.test.images).equals(Buffer.from(one.test.images))).toBe(true);
    await train(again);
  }, 60_000);

  it('resizes with crop or pad, converts colour to grey, and reads JPEG, WebP, TIFF and GIF', async () => {
    const dir = tempDir('layerout-fit-');
    // 20x10 white image: crop to 8x8 stays all white; pad to 8x8 has black rows top and bottom.
    for (const cls of ['wide', 'other']) mkdirSync(join(dir, cls));
    await sharp({ create: { width: 20, height: 10, channels: 3, background: '#ffffff' } }).png().toFile(join(dir, 'wide', 'w.png'));
    const formats = { jpg: (s: sharp.Sharp) => s.jpeg(), webp: (s: sharp.Sharp) => s.webp({ lossless: true }), tif: (s: sharp.Sharp) => s.tiff(), gif: (s: sharp.Sharp) => s.gif() };
    for (const [ext, f] of Object.entries(formats)) await f(sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 255, g: 0, b: 0 } } })).toFile(join(dir, 'other', `red.${ext}`));
    const crop = await loadData(`images:${dir}:size=8x8:channels=1:cache=off:test-share=0.2`, { seed: 0 });
    const all = [crop.train, crop.test];
    const white = all.flatMap((d) => Array.from({ length: d.shape[0] }, (_, i) => [d.labels[i], d.images.subarray(i * 64, (i + 1) * 64)] as const)).filter(([y]) => y === 1);
    expect(white).toHaveLength(1);
    expect(Array.from(white[0][1]).every((v) => v === 255)).toBe(true);
    expect(crop.train.shape[0] + crop.test.shape[0]).toBe(5); // 4 formats + the png
    const pad = await loadData(`images:${dir}:size=8x8:channels=3:fit=pad:cache=off`, { seed: 0 });
    const w = [pad.train, pad.test].flatMap((d) => Array.from({ length: d.shape[0] }, (_, i) => [d.labels[i], d.images.subarray(i * 192, (i + 1) * 192)] as const)).find(([y]) => y === 1)!;
    const red = w[1].subarray(0, 64); // channel 0 (R), 8x8
    expect(Array.from(red.subarray(0, 8)).every((v) => v === 0)).toBe(true); // a black padding row
    expect(Array.from(red.subarray(32, 40)).every((v) => v === 255)).toBe(true); // the image's middle row
    // The red images: channel planes in R, G, B order (N x C x H x W), whatever the format.
    const reds = [pad.train, pad.test].flatMap((d) => Array.from({ length: d.shape[0] }, (_, i) => [d.labels[i], d.images.subarray(i * 192, (i + 1) * 192)] as const)).filter(([y]) => y === 0);
    expect(reds).toHaveLength(4);
    for (const [, px] of reds) {
      expect(Math.min(...px.subarray(0, 64))).toBeGreaterThan(240);
      expect(Math.max(...px.subarray(64, 192))).toBeLessThan(16);
    }
  }, 60_000);

  it('reads a manifest of path,label and of float targets; names a missing file and an unknown label', async () => {
    const dir = await smallFolder();
    writeFileSync(join(dir, 'train.csv'), 'path,label\ntrain/cat/0.png,cat\ntrain/cat/1.png,cat\ntrain/dog/0.png,dog\ntrain/dog/1.png,dog\n');
    writeFileSync(join(dir, 'test.csv'), 'path,label\ntest/cat/0.png,cat\ntest/dog/0.png,dog\n');
    const pair = await loadData(`images:${join(dir, 'train.csv')}:test=${join(dir, 'test.csv')}:cache=off`);
    expect(pair.inputs?.classNames).toEqual(['cat', 'dog']);
    expect(pair.train.shape).toEqual([4, 3, 10, 12]);
    writeFileSync(join(dir, 'reg.csv'), 'path,brightness,size\ntrain/cat/0.png,0.5,1\ntrain/cat/1.png,0.25,2\ntrain/dog/0.png,0.75,3\ntrain/dog/1.png,1,4\ntrain/dog/2.png,0,5\n');
    const reg = await loadData(`images:${join(dir, 'reg.csv')}:cache=off`, { seed: 0 });
    expect(reg.inputs?.targetNames).toEqual(['brightness', 'size']);
    expect(reg.train.labels).toBeInstanceOf(Float32Array);
    expect(reg.train.shape[0] + reg.test.shape[0]).toBe(5);
    // Line numbers count the file's lines, blank ones included.
    appendFileSync(join(dir, 'test.csv'), '\n\ntest/dog/9.png,dog\n');
    await expect(loadData(`images:${join(dir, 'train.csv')}:test=${join(dir, 'test.csv')}:cache=off`)).rejects.toThrow(/test\.csv line 6: test\/dog\/9\.png is no such file/);
    writeFileSync(join(dir, 'dup.csv'), 'path,label\ntrain/cat/0.png,cat\ntrain/dog/0.png,dog\ntrain/cat/0.png,dog\n');
    await expect(loadData(`images:${join(dir, 'dup.csv')}:cache=off`)).rejects.toThrow(/dup\.csv line 4: train\/cat\/0\.png is listed again \(first at manifest .*dup\.csv line 2\)/);
    writeFileSync(join(dir, 'extra.csv'), 'path,label,weight\ntrain/cat/0.png,cat,1\n');
    await expect(loadData(`images:${join(dir, 'extra.csv')}:cache=off`)).rejects.toThrow(/a class manifest has exactly two columns, path and label/);
    await expect(loadData(`images:${dir}:test-share=0.3:cache=off`)).rejects.toThrow(/test-share applies to data without a test set/);
    writeFileSync(join(dir, 'test.csv'), 'path,label\ntest/cat/0.png,bird\n');
    await expect(loadData(`images:${join(dir, 'train.csv')}:test=${join(dir, 'test.csv')}:cache=off`)).rejects.toThrow(/label 'bird' is not one of the training manifest's classes \(cat, dog\)/);
  }, 60_000);

  it('is refused by the synchronous loader with a pointer to loadData', () => {
    expect(() => loadDataSpec('images:/nowhere')).toThrow(/decodes files asynchronously: load it with loadData/);
  });
});
