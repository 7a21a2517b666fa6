// An image dataset from files: list, check the memory it needs, split (seeded, stratified)
// before any pixel is read so each sample is decoded straight into its split's buffer, then
// take the pixels from the cache or decode them (and write the cache).
import { freemem } from 'node:os';
import type { DataLoadReport, DatasetPair, ImageDataset } from '../types';
import { checkDataset } from '../types';
import type { ImageDecodeRecord, InputRecord } from '../inputs';
import { stratifiedIndices } from '../subset';
import { cacheFolder, cacheKey, cachePath, readCacheHeader, readCachePixels, writeCache, type ImageCacheHeader } from './cache';
import { decodeConcurrency, decodeImage, firstImageShape, forEachLimited, putChw, whyUnreadable } from './decode';
import { scanImages, type ImageEntry, type ImageListing } from './scan';

export interface ImageFolderOptions {
  /** Output size; default: the first training image's. */
  size?: [number, number];
  /** 1 (grey) or 3 (RGB); default: the first training image's (grey stays grey). */
  channels?: 1 | 3;
  fit: 'crop' | 'pad';
  /** Share of a dataset without a test set that becomes the test set (seeded, stratified); default 0.2. */
  testShare?: number;
  seed: number;
  /** A second manifest: the test set of a manifest dataset. */
  test?: string;
  /** Skip (and count) files that do not decode, instead of failing. */
  skipUnreadable: boolean;
  /** Cache folder (undefined: the default one; see cacheFolder), or false for none. */
  cache?: string | false;
  log?: (line: string) => void;
}

/** The most bytes one split's pixels may take (the native data copy indexes them with 32-bit counts). */
export const MAX_SPLIT_BYTES = 2 ** 31 - 1;

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** Where each listed file goes: split 0 (train) or 1 (test), and its place there. */
interface Placement {
  split: Int8Array;
  slot: Int32Array;
  counts: [number, number];
}

function place(listing: ImageListing, testShare: number | undefined, seed: number): Placement {
  const all = [...listing.train, ...(listing.test ?? [])];
  const split = new Int8Array(all.length);
  if (listing.test) split.fill(1, listing.train.length);
  else {
    const labels = listing.classNames ? Int32Array.from(listing.train, (e) => e.label) : null;
    const [, second] = stratifiedIndices(labels, listing.train.length, listing.classNames?.length ?? 1, testShare ?? 0.2, seed);
    for (const i of second) split[i] = 1;
  }
  const slot = new Int32Array(all.length);
  const counts: [number, number] = [0, 0];
  for (let i = 0; i < all.length; i++) slot[i] = counts[split[i]]++;
  return { split, slot, counts };
}

/** Refuses, before decoding, a dataset whose pixels cannot be held: both sizes named. */
function checkMemory(source: string, counts: [number, number], decode: ImageDecodeRecord): void {
  const sample = decode.channels * decode.height * decode.width;
  const total = (counts[0] + counts[1]) * sample;
  const shape = `${decode.channels}x${decode.height}x${decode.width}`;
  // A container's limit counts too (free memory is the host's there).
  const limit = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const available = limit > 0 && limit < 2 ** 52 ? Math.min(freemem(), limit - process.memoryUsage().rss) : freemem();
  if (total > available) {
    throw new RangeError(`--data images: ${source}: ${counts[0] + counts[1]} images of ${shape} need ${gib(total)} as pixels, more than the ${gib(available)} of memory available; choose a smaller size=HxW, channels=1, or fewer images`);
  }
  counts.forEach((n, s) => {
    if (n * sample > MAX_SPLIT_BYTES) throw new RangeError(`--data images: ${source}: the ${s ? 'test' : 'training'} split's ${n} images of ${shape} need ${gib(n * sample)} as pixels, more than a split may hold (${gib(MAX_SPLIT_BYTES)}); choose a smaller size=HxW or channels=1`);
  });
}

/** The decode used: the options given, the rest from the first training image. */
async function resolveDecode(listing: ImageListing, options: ImageFolderOptions): Promise<ImageDecodeRecord> {
  if (options.size && options.channels) return { channels: options.channels, height: options.size[0], width: options.size[1], fit: options.fit };
  const first = listing.train[0];
  let shape;
  try {
    shape = await firstImageShape(first.path);
  } catch (e) {
    throw new RangeError(`--data images: ${first.name} (the first image, which sets the default size and channels) cannot be read: ${(e as Error).message}; give size=HxW and channels=1|3, or fix the file`);
  }
  return { channels: options.channels ?? shape.channels, height: options.size?.[0] ?? shape.height, width: options.size?.[1] ?? shape.width, fit: options.fit };
}

export async function loadImageFolder(source: string, options: ImageFolderOptions): Promise<DatasetPair> {
  const log = options.log ?? (() => undefined);
  const listing = scanImages(source, { test: options.test, skipUnreadable: options.skipUnreadable });
  if (listing.unreadable.length && !options.skipUnreadable) {
    const u = listing.unreadable[0];
    throw new RangeError(`--data images: ${u.name} is ${u.reason}${listing.unreadable.length > 1 ? ` (and ${listing.unreadable.length - 1} more)` : ''}; remove it, or add :skip-unreadable to skip such entries`);
  }
  if (listing.test && options.testShare !== undefined) throw new RangeError(`--data images: test-share applies to data without a test set; ${source} has its own (${listing.layout === 'manifest' ? 'test=' : 'train/ and test/'})`);
  if (listing.train.length === 0) throw new RangeError(`--data images: ${source} lists no training image that exists (${listing.unreadable.length} skipped: ${listing.unreadable.slice(0, 3).map((u) => `${u.name} (${u.reason})`).join('; ')})`);
  const decode = await resolveDecode(listing, options);
  if (!options.size || !options.channels) log(`images: decoding to ${decode.channels}x${decode.height}x${decode.width} (fit ${decode.fit}); ${!options.size && !options.channels ? 'size and channels' : !options.size ? 'size' : 'channels'} from the first image, ${listing.train[0].name} (set size=HxW, channels=1|3 to choose)`);
  const all: ImageEntry[] = [...listing.train, ...(listing.test ?? [])];
  const placement = place(listing, options.testShare, options.seed);
  checkMemory(source, placement.counts, decode);
  const sampleBytes = decode.channels * decode.height * decode.width;
  const pixels = placement.counts.map((n) => new Uint8Array(n * sampleBytes)) as [Uint8Array, Uint8Array];
  const targetsPer = listing.targetNames?.length ?? 0;
  const labels = placement.counts.map((n) => (targetsPer ? new Float32Array(n * targetsPer) : new Int32Array(n)));
  all.forEach((e, i) => {
    const s = placement.split[i];
    if (targetsPer) (labels[s] as Float32Array).set(e.targets!, placement.slot[i] * targetsPer);
    else labels[s][placement.slot[i]] = e.label;
  });

  const key = cacheKey(listing, decode);
  const cacheFile = options.cache === false ? undefined : cachePath(cacheFolder(options.cache), listing, decode);
  const skipped = new Map<number, string>(); // listing index -> why
  let from: DataLoadReport['from'] = 'decoded';
  const started = Date.now();
  let cached = cacheFile ? readCacheSafely(cacheFile, key, log) : null;
  // A cache that skipped files is not reused: the files may read now (a passing fault), and a run
  // without skip-unreadable must fail on them, not leave them out.
  if (cached && cached.header.skipped.length) cached = null;
  if (cached && cached.header.pixelBytes !== all.length * sampleBytes) {
    log(`images: the cache ${cacheFile} holds ${cached.header.pixelBytes} pixel bytes, not ${all.length * sampleBytes}; decoding again`);
    cached = null;
  }
  if (cached && cacheFile) {
    for (const s of cached.header.skipped) skipped.set(s.index, s.reason);
    const keptIndices = keptOf(all.length, skipped);
    try {
      readCachePixels(cacheFile, cached.offset, cached.header, sampleBytes, (k, bytes) => {
        const i = keptIndices[k];
        pixels[placement.split[i]].set(bytes, placement.slot[i] * sampleBytes);
      });
      from = 'cache';
      log(`images: ${keptIndices.length} images from the cache ${cacheFile} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (e) {
      log(`images: the cache ${cacheFile} is damaged (${(e as Error).message}); decoding again`);
      skipped.clear();
    }
  }
  if (from === 'decoded') {
    await decodeAll(all, decode, placement, pixels, skipped, options.skipUnreadable, log);
    if (cacheFile && skipped.size === 0) {
      const keptIndices = keptOf(all.length, skipped);
      const header: Omit<ImageCacheHeader, 'sha256' | 'version' | 'pixelBytes'> = {
        key,
        decode,
        classNames: listing.classNames,
        targetNames: listing.targetNames,
        labels: all.map((e) => e.label),
        skipped: [...skipped].map(([index, reason]) => ({ index, name: all[index].name, reason })),
      };
      try {
        await writeCache(cacheFile, header, keptIndices.length, sampleBytes, (k) => {
          const i = keptIndices[k];
          return pixels[placement.split[i]].subarray(placement.slot[i] * sampleBytes, (placement.slot[i] + 1) * sampleBytes);
        });
        log(`images: decoded ${keptIndices.length} images in ${((Date.now() - started) / 1000).toFixed(1)} s; cache written to ${cacheFile}`);
      } catch (e) {
        // A cache that cannot be written costs the next run a decode, not this run its data.
        log(`images: decoded ${keptIndices.length} images; the cache could not be written (${(e as Error).message})`);
      }
    }
  }
  if (skipped.size) {
    const list = [...skipped].map(([i, reason]) => `${all[i].name} (${reason})`);
    log(`images: skipped ${skipped.size} unreadable file(s): ${list.slice(0, 5).join('; ')}${list.length > 5 ? `; and ${list.length - 5} more (summary.json lists them)` : ''}`);
  }
  if (listing.unreadable.length) log(`images: skipped ${listing.unreadable.length} entr${listing.unreadable.length === 1 ? 'y' : 'ies'} that are not files: ${listing.unreadable.slice(0, 5).map((u) => `${u.name} (${u.reason})`).join('; ')}`);
  const report: DataLoadReport = { from, cacheFile, decoded: from === 'decoded' ? all.length - skipped.size : 0, skipped: [...skipped].map(([i, reason]) => ({ name: all[i].name, reason })) };
  for (const u of listing.unreadable) report.skipped.push(u);
  const [train, test] = ([0, 1] as const).map((s) => splitDataset(s, all, placement, skipped, pixels[s], labels[s], decode, listing, sampleBytes, targetsPer));
  if (train.shape[0] === 0 || test.shape[0] === 0) {
    const which = train.shape[0] === 0 ? 'training' : 'test';
    throw new RangeError(`--data images: ${source}: no ${which} images ${skipped.size ? 'left after skipping unreadable files' : `(test-share ${options.testShare ?? 0.2} of ${all.length} images)`}`);
  }
  const inputs: InputRecord = {
    image: decode,
    ...(listing.classNames ? { classNames: listing.classNames } : {}),
    ...(listing.targetNames ? { targetNames: listing.targetNames } : {}),
    ...(listing.test ? {} : { split: { seed: options.seed, testShare: options.testShare ?? 0.2 } }),
  };
  const classes = listing.classNames?.length ?? targetsPer;
  return { kind: 'images', train, test, classes, inputs, load: report };
}

function readCacheSafely(path: string, key: string, log: (line: string) => void) {
  try {
    return readCacheHeader(path, key);
  } catch (e) {
    log(`images: the cache ${path} is damaged (${(e as Error).message}); decoding again`);
    return null;
  }
}

async function decodeAll(all: ImageEntry[], decode: ImageDecodeRecord, placement: Placement, pixels: Uint8Array[], skipped: Map<number, string>, skipUnreadable: boolean, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  let lastLog = started;
  let failure: Error | null = null;
  await forEachLimited(
    all.length,
    decodeConcurrency(),
    async (i) => {
      if (failure) return;
      try {
        const hwc = await decodeImage(all[i].path, decode);
        putChw(pixels[placement.split[i]], placement.slot[i], hwc, decode);
      } catch (e) {
        const reason = whyUnreadable(all[i].path, e as Error);
        if (skipUnreadable) skipped.set(i, reason);
        else failure ??= new RangeError(`--data images: ${all[i].name} cannot be decoded as an image (${reason}); remove or fix it, or add :skip-unreadable to skip such files`);
      }
    },
    (done) => {
      const now = Date.now();
      if (now - lastLog >= 2000) {
        lastLog = now;
        log(`images: decoded ${done}/${all.length} (${Math.round((done * 1000) / (now - started))}/s)`);
      }
    },
  );
  if (failure) throw failure;
}

/** One split as a dataset; skipped samples are closed up in place (a view, not a copy). */
function splitDataset(s: 0 | 1, all: ImageEntry[], placement: Placement, skipped: Map<number, string>, pixels: Uint8Array, labels: Int32Array | Float32Array, decode: ImageDecodeRecord, listing: ImageListing, sampleBytes: number, targetsPer: number): ImageDataset {
  let kept = 0;
  const per = targetsPer || 1;
  for (let i = 0; i < all.length; i++) {
    if (placement.split[i] !== s) continue;
    if (skipped.has(i)) continue;
    const from = placement.slot[i];
    if (from !== kept) {
      pixels.copyWithin(kept * sampleBytes, from * sampleBytes, (from + 1) * sampleBytes);
      labels.copyWithin(kept * per, from * per, (from + 1) * per);
    }
    kept++;
  }
  const dataset: ImageDataset = {
    name: `images/${s ? 'test' : 'train'}`,
    images: kept * sampleBytes === pixels.length ? pixels : pixels.subarray(0, kept * sampleBytes),
    labels: kept * per === labels.length ? labels : labels.subarray(0, kept * per),
    shape: [kept, decode.channels, decode.height, decode.width],
    classes: listing.classNames?.length ?? targetsPer,
  };
  return kept ? checkDataset(dataset, `--data images (${s ? 'test' : 'train'})`) : dataset;
}

/** Listing indices of the files not skipped, in order: the cache's samples. */
function keptOf(count: number, skipped: Map<number, string>): number[] {
  return Array.from({ length: count }, (_, i) => i).filter((i) => !skipped.has(i));
}
