// The decoded pixels of an image dataset in one file, so later runs skip decoding:
//   "LAYEROUT-IMAGES\n" | u32 format version | u32 header length | header JSON | pixels
// The header holds the key (every listed file's name, size, mtime, ctime and label, and the decode
// options), the full listing's labels and which files were skipped, and the pixels' SHA-256.
// Pixels are the kept files' in listing order, so the cache does not depend on a split's seed.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../../run/atomic';
import type { ImageDecodeRecord } from '../inputs';
import type { ImageEntry, ImageListing } from './scan';

const MAGIC = Buffer.from('LAYEROUT-IMAGES\n');
export const IMAGE_CACHE_VERSION = 1;
const MAX_HEADER = 256 << 20;

export interface ImageCacheHeader {
  version: number;
  key: string;
  decode: ImageDecodeRecord;
  classNames?: string[];
  targetNames?: string[];
  /** Every listed file (train then test), by index: its label (-1 with float targets). */
  labels: number[];
  /** Listing indices of files that could not be decoded (skip-unreadable), with why. */
  skipped: { index: number; name: string; reason: string }[];
  pixelBytes: number;
  sha256: string;
}

/** The folder caches go to: `cache=DIR`, else $LAYEROUT_CACHE, $XDG_CACHE_HOME/layerout or ~/.cache/layerout. */
export function cacheFolder(given: string | undefined): string {
  if (given) return given;
  if (process.env.LAYEROUT_CACHE) return process.env.LAYEROUT_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'layerout');
}

/** What the cache of this listing and decode must have been written for. */
export function cacheKey(listing: ImageListing, decode: ImageDecodeRecord): string {
  const h = createHash('sha256');
  // The decoder's versions too: another libvips may decode (or resize) to other pixels.
  h.update(JSON.stringify({ version: IMAGE_CACHE_VERSION, sharp: sharp.versions.sharp, vips: sharp.versions.vips, root: listing.root, layout: listing.layout, decode, classNames: listing.classNames ?? null, targetNames: listing.targetNames ?? null }));
  const add = (e: ImageEntry) => h.update(`${e.name}\0${e.size}\0${e.mtimeMs}\0${e.ctimeMs}\0${e.label}\0${e.targets?.join(',') ?? ''}\n`);
  listing.train.forEach(add);
  h.update('--test--\n');
  listing.test?.forEach(add);
  return h.digest('hex');
}

/** One cache file per dataset (folder or manifest) and decode: a changed folder replaces its old cache. */
export function cachePath(folder: string, listing: ImageListing, decode: ImageDecodeRecord): string {
  const id = createHash('sha256').update(`${listing.source}\0${JSON.stringify(decode)}`).digest('hex').slice(0, 24);
  return join(folder, `${id}.images`);
}

/**
 * Reads the header of the cache at `path` if it exists and was written for `key`; null when
 * there is none or it is for other files. A damaged file is named (the caller decodes again).
 */
export function readCacheHeader(path: string, key: string): { header: ImageCacheHeader; offset: number } | null {
  let fd: number;
  try {
    if (!statSync(path).isFile()) return null;
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(MAGIC.length + 8);
    if (readSync(fd, head, 0, head.length, 0) !== head.length || !head.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not an image cache (bad magic)');
    const version = head.readUInt32LE(MAGIC.length);
    if (version !== IMAGE_CACHE_VERSION) return null; // another format: decode again and replace it
    const length = head.readUInt32LE(MAGIC.length + 4);
    if (length > MAX_HEADER) throw new Error(`header of ${length} bytes`);
    const json = Buffer.alloc(length);
    if (readSync(fd, json, 0, length, head.length) !== length) throw new Error('truncated header');
    const header = JSON.parse(json.toString('utf8')) as ImageCacheHeader;
    if (typeof header !== 'object' || header === null || !Array.isArray(header.skipped) || !Array.isArray(header.labels) || !Number.isSafeInteger(header.pixelBytes) || typeof header.sha256 !== 'string') {
      throw new Error('its header lacks fields');
    }
    if (header.key !== key) return null;
    const offset = head.length + length;
    if (statSync(path).size !== offset + header.pixelBytes) throw new Error(`${statSync(path).size - offset} pixel bytes, not ${header.pixelBytes}`);
    return { header, offset };
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams the cache's pixels (kept files in listing order) to `put(keptIndex, bytes)` in chunks
 * and checks their SHA-256; throws on a mismatch (the caller then decodes again).
 */
export function readCachePixels(path: string, offset: number, header: ImageCacheHeader, sampleBytes: number, put: (kept: number, bytes: Uint8Array) => void): void {
  const perChunk = Math.max(1, Math.floor((4 << 20) / sampleBytes));
  const chunk = Buffer.alloc(perChunk * sampleBytes);
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const total = header.pixelBytes / sampleBytes;
    for (let first = 0; first < total; first += perChunk) {
      const count = Math.min(perChunk, total - first);
      const bytes = count * sampleBytes;
      if (readSync(fd, chunk, 0, bytes, offset + first * sampleBytes) !== bytes) throw new Error('truncated pixels');
      hash.update(chunk.subarray(0, bytes));
      for (let k = 0; k < count; k++) put(first + k, chunk.subarray(k * sampleBytes, (k + 1) * sampleBytes));
    }
  } finally {
    closeSync(fd);
  }
  if (hash.digest('hex') !== header.sha256) throw new Error('pixels do not match their SHA-256');
}

/** Writes the cache atomically: `sample(keptIndex)` gives each kept file's pixels in listing order. */
export async function writeCache(path: string, header: Omit<ImageCacheHeader, 'sha256' | 'version' | 'pixelBytes'>, kept: number, sampleBytes: number, sample: (k: number) => Uint8Array): Promise<void> {
  const hash = createHash('sha256');
  for (let k = 0; k < kept; k++) hash.update(sample(k));
  const full: ImageCacheHeader = { version: IMAGE_CACHE_VERSION, ...header, pixelBytes: kept * sampleBytes, sha256: hash.digest('hex') };
  const json = Buffer.from(JSON.stringify(full), 'utf8');
  const head = Buffer.alloc(MAGIC.length + 8);
  MAGIC.copy(head);
  head.writeUInt32LE(IMAGE_CACHE_VERSION, MAGIC.length);
  head.writeUInt32LE(json.length, MAGIC.length + 4);
  mkdirSync(join(path, '..'), { recursive: true });
  await writeFileAtomic(path, pixelChunks(head, json, kept, sampleBytes, sample));
}

/** The file's bytes in chunks of about 4 MiB, gathered into one reused buffer. */
function* pixelChunks(head: Buffer, json: Buffer, kept: number, sampleBytes: number, sample: (k: number) => Uint8Array): Generator<Uint8Array> {
  yield head;
  yield json;
  const perChunk = Math.max(1, Math.floor((4 << 20) / sampleBytes));
  const staging = Buffer.alloc(Math.min(kept, perChunk) * sampleBytes);
  for (let first = 0; first < kept; first += perChunk) {
    const count = Math.min(perChunk, kept - first);
    for (let k = 0; k < count; k++) staging.set(sample(first + k), k * sampleBytes);
    yield staging.subarray(0, count * sampleBytes);
  }
}
