// scripts/bench-images: image folders, measured side by side in one run.
//  1. Decoding into the dataset: `loadData('images:...')` (all cores, straight into the split
//     buffers) against a plain loop over sharp doing the same decode (one file at a time, and the
//     same loop with as many decodes in flight as there are cores), for 28x28 PNGs (Fashion-MNIST's
//     own pixels) and 256x256 JPEGs (the same images scaled up, tinted RGB). Images per second.
//  2. Loading again from the cache, against decoding.
//  3. Epoch time on the cached image folder against the same data from the IDX files (same order,
//     same augmentation), alternating A B A B.
//  4. Peak RSS of a process loading the whole Fashion-MNIST image folder (70,000 PNGs), decoding
//     and from the cache, beside one loading the IDX files.
//   scripts/bench-images [--png 10000] [--jpeg 1000] [--epochs 2] [--rounds 2] [--model mlp] [--skip-full] [--dir DIR]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { MNIST_STATS } from '../data/augment';
import { forEachLimited } from '../data/images/decode';
import { writeImageFolder } from '../data/images/write';
import { limitData, loadData, loadDataSpec } from '../data/spec';
import { selectSamples, type DatasetPair, type ImageDataset } from '../data/types';
import { train } from '../train';

const NAMES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** The plain loop: the same sharp pipeline, `inFlight` files at a time, results kept. */
async function plainLoop(files: string[], size: number, channels: 1 | 3, inFlight: number): Promise<number> {
  const started = performance.now();
  const out: Buffer[] = new Array(files.length);
  await forEachLimited(files.length, inFlight, async (i) => {
    out[i] = await sharp(files[i]).flatten({ background: '#000' }).resize(size, size, { fit: 'cover' }).toColourspace(channels === 1 ? 'b-w' : 'srgb').raw().toBuffer();
  });
  return (files.length * 1000) / (performance.now() - started);
}

async function ours(dir: string, size: number, channels: 1 | 3, cache: string | null): Promise<{ rate: number; from: string }> {
  const started = performance.now();
  const pair = await loadData(`images:${dir}:size=${size}x${size}:channels=${channels}:cache=${cache ?? 'off'}`);
  const n = pair.train.shape[0] + pair.test.shape[0];
  return { rate: (n * 1000) / (performance.now() - started), from: pair.load!.from };
}

async function decodeRow(label: string, dir: string, size: number, channels: 1 | 3, cache: string): Promise<string> {
  const files = filesUnder(dir);
  rmSync(cache, { recursive: true, force: true });
  const a = await ours(dir, size, channels, null);
  const seq = await plainLoop(files, size, channels, 1);
  const par = await plainLoop(files, size, channels, availableParallelism());
  const written = await ours(dir, size, channels, cache);
  const cached = await ours(dir, size, channels, cache);
  if (cached.from !== 'cache') throw new Error('the second load did not use the cache');
  return `| ${label} | ${files.length} | ${a.rate.toFixed(0)} | ${seq.toFixed(0)} | ${par.toFixed(0)} | ${(a.rate / seq).toFixed(2)} | ${(a.rate / par).toFixed(2)} | ${written.rate.toFixed(0)} | ${cached.rate.toFixed(0)} |`;
}

/** The IDX data in class-folder order (class by class, index order within), relabelled to sorted names. */
function asFolderOrder(data: ImageDataset): ImageDataset {
  const sorted = [...NAMES].sort();
  const relabelled = { ...data, labels: Int32Array.from(data.labels as ArrayLike<number>, (y) => sorted.indexOf(NAMES[y])) };
  const order = Array.from({ length: data.shape[0] }, (_, i) => i).sort((a, b) => relabelled.labels[a] - relabelled.labels[b] || a - b);
  return selectSamples(relabelled, order, data.name);
}

async function epochRow(pngDir: string, cache: string, model: string, epochs: number, rounds: number): Promise<string[]> {
  const images = await loadData(`images:${pngDir}:cache=${cache}`);
  const idx = limitData(loadDataSpec('fashion-mnist'), images.train.shape[0], images.test.shape[0], 1);
  const fromIdx: DatasetPair = { kind: 'images', classes: 10, train: asFolderOrder(idx.train), test: asFolderOrder(idx.test) };
  const augment = { cropPad: 4, flip: false, eraseP: 0, ...MNIST_STATS };
  const times: Record<'folder' | 'idx', number[]> = { folder: [], idx: [] };
  const digests: Record<'folder' | 'idx', string> = { folder: '', idx: '' };
  for (let r = 0; r < rounds; r++) {
    for (const [name, data] of [['folder', images], ['idx', fromIdx]] as const) {
      const { summary } = await train({ model, data, epochs, batchSize: 128, seed: 1, augment });
      times[name].push(summary.totalMs / epochs);
      digests[name] = summary.digest;
    }
  }
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  return [
    `| ${model}, ${images.train.shape[0]} training images | ${mean(times.folder).toFixed(0)} | ${mean(times.idx).toFixed(0)} | ${(mean(times.folder) / mean(times.idx)).toFixed(3)} | ${digests.folder === digests.idx ? 'equal' : 'DIFFERENT'} |`,
    `rounds (ms per epoch): folder ${times.folder.map((t) => t.toFixed(0)).join(', ')}; idx ${times.idx.map((t) => t.toFixed(0)).join(', ')}`,
  ];
}

/**
 * Peak RSS of a fresh process that loads `spec` (MiB), and how it loaded: VmHWM, which starts
 * afresh with the new program (getrusage's maxRSS keeps the forking parent's peak across exec).
 */
function peakRss(spec: string, cache: string): { mib: number; from: string } {
  const script = `const {loadData,loadDataSpec}=require(${JSON.stringify(join(__dirname, '..', 'index.js'))});
(async()=>{const s=${JSON.stringify(spec)}; const p=s.startsWith('images:')?await loadData(s+':cache=${cache}'):loadDataSpec(s);
const hwm=/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status','utf8'))[1];
console.log(JSON.stringify({rss:Number(hwm), from:p.load?p.load.from:'idx', n:p.train.shape[0]+p.test.shape[0]}));})();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`peak RSS child failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { mib: out.rss / 1024, from: out.from };
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { png: { type: 'string', default: '10000' }, jpeg: { type: 'string', default: '1000' }, epochs: { type: 'string', default: '2' }, rounds: { type: 'string', default: '2' }, model: { type: 'string', default: 'mlp' }, 'skip-full': { type: 'boolean' }, dir: { type: 'string' } }, strict: true });
  const root = values.dir ?? join(tmpdir(), 'layerout-bench-images');
  mkdirSync(root, { recursive: true });
  const fm = loadDataSpec('fashion-mnist');
  const nPng = Number(values.png);
  const nJpeg = Number(values.jpeg);
  const png = join(root, `png-${nPng}`);
  const jpeg = join(root, `jpeg-${nJpeg}`);
  const cache = join(root, 'cache');
  if (!existsSync(png)) {
    const sub = limitData(fm, Math.round(nPng * 0.8), nPng - Math.round(nPng * 0.8), 1);
    await writeImageFolder(sub, png, { classNames: NAMES });
  }
  if (!existsSync(jpeg)) {
    // 256x256 colour JPEGs: each Fashion-MNIST image scaled up and tinted by its class.
    const sub = limitData(fm, Math.round(nJpeg * 0.8), nJpeg - Math.round(nJpeg * 0.8), 2);
    for (const [split, data] of [['train', sub.train], ['test', sub.test]] as const) {
      for (const n of NAMES) mkdirSync(join(jpeg, split, n), { recursive: true });
      await forEachLimited(data.shape[0], availableParallelism(), async (i) => {
        const y = data.labels[i] as number;
        const grey = Buffer.from(data.images.subarray(i * 784, (i + 1) * 784));
        await sharp(grey, { raw: { width: 28, height: 28, channels: 1 } })
          .resize(256, 256, { kernel: 'lanczos3' })
          .toColourspace('srgb')
          .tint({ r: 60 + 19 * y, g: 200 - 15 * y, b: 128 })
          .jpeg({ quality: 90 })
          .toFile(join(jpeg, split, NAMES[y], `${i}.jpg`));
      });
    }
  }
  console.log(`machine: ${availableParallelism()} cores; sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}; libuv pool ${process.env.UV_THREADPOOL_SIZE ?? 4}`);
  console.log('| images | files | loadData images/s | plain sharp loop, 1 in flight | plain loop, one per core | ÷ 1 in flight | ÷ one per core | loadData writing the cache | loadData from the cache |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  console.log(await decodeRow('28x28 PNG, grey', png, 28, 1, cache));
  console.log(await decodeRow('256x256 JPEG, RGB (decoded to 3x256x256)', jpeg, 256, 3, cache));
  console.log('');
  console.log('| epoch | cached image folder ms | IDX ms | folder ÷ IDX | final weights |');
  console.log('|---|---|---|---|---|');
  for (const line of await epochRow(png, cache, values.model!, Number(values.epochs), Number(values.rounds))) console.log(line);
  if (!values['skip-full']) {
    const full = join(root, 'fashion-mnist-full');
    if (!existsSync(full)) await writeImageFolder(fm, full, { classNames: NAMES });
    const fullCache = join(root, 'cache-full');
    rmSync(fullCache, { recursive: true, force: true });
    const decoded = peakRss(`images:${full}`, fullCache);
    const cached = peakRss(`images:${full}`, fullCache);
    const idx = peakRss('fashion-mnist', fullCache);
    console.log('');
    console.log(`peak RSS, whole Fashion-MNIST (70,000 images, ${((70000 * 784) / 2 ** 20).toFixed(1)} MiB of pixels): image folder decoding ${decoded.mib.toFixed(0)} MiB (${decoded.from}), from the cache ${cached.mib.toFixed(0)} MiB (${cached.from}), IDX files ${idx.mib.toFixed(0)} MiB`);
  }
  return 0;
}

if (require.main === module) {
  process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`bench-images: ${(e as Error).stack}`);
      process.exit(1);
    },
  );
}
