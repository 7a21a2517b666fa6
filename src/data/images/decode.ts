// Decoding image files with sharp (libvips) into one preallocated N x C x H x W buffer: every
// file is decoded, resized and converted off the event loop, several at a time (one per core).
import { accessSync, constants } from 'node:fs';
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import type { ImageDecodeRecord } from '../inputs';

/** The formats read (sharp sniffs the content; the extension does not matter). */
export const IMAGE_FORMATS = 'JPEG, PNG, WebP, TIFF, GIF (first frame)';

/** One file's pixels as interleaved H x W x C bytes (sharp's raw layout). */
export async function decodeImage(path: string | Buffer, decode: ImageDecodeRecord): Promise<Buffer> {
  const { data, info } = await sharp(path, { failOn: 'error', pages: 1, limitInputPixels: 1 << 28 })
    // Transparency over black, as padding is black: the network never sees an alpha channel.
    .flatten({ background: { r: 0, g: 0, b: 0 } })
    .resize(decode.width, decode.height, { fit: decode.fit === 'crop' ? 'cover' : 'contain', position: 'centre', background: { r: 0, g: 0, b: 0 } })
    .toColourspace(decode.channels === 1 ? 'b-w' : 'srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== decode.channels || info.width !== decode.width || info.height !== decode.height || data.length !== decode.channels * decode.height * decode.width) {
    throw new Error(`decoded to ${info.channels}x${info.height}x${info.width}, not ${decode.channels}x${decode.height}x${decode.width}`);
  }
  return data;
}

/** Copies H x W x C bytes into sample `k` of an N x C x H x W buffer. */
export function putChw(target: Uint8Array, k: number, hwc: Uint8Array, decode: ImageDecodeRecord): void {
  const { channels: c, height: h, width: w } = decode;
  const plane = h * w;
  const base = k * c * plane;
  if (c === 1) {
    target.set(hwc, base);
    return;
  }
  // One view per channel plane: twice as fast as indexing the whole buffer per byte.
  const planes = Array.from({ length: c }, (_, ch) => target.subarray(base + ch * plane, base + (ch + 1) * plane));
  if (c === 3) {
    const [r, g, b] = planes;
    for (let p = 0, q = 0; p < plane; p++, q += 3) {
      r[p] = hwc[q];
      g[p] = hwc[q + 1];
      b[p] = hwc[q + 2];
    }
    return;
  }
  for (let ch = 0; ch < c; ch++) for (let p = 0, q = ch; p < plane; p++, q += c) planes[ch][p] = hwc[q];
}

/** The size a folder's images take when none is given: its first image's, and grey or colour by it. */
export async function firstImageShape(path: string): Promise<{ channels: 1 | 3; height: number; width: number }> {
  const meta = await sharp(path, { pages: 1 }).metadata();
  if (!meta.width || !meta.height) throw new Error('no image size in its header');
  // 1 or 2 channels (grey, grey + alpha) are grey; the rest colour.
  return { channels: (meta.channels ?? 3) <= 2 ? 1 : 3, height: meta.height, width: meta.width };
}

/** What one decode attempt ended with. */
export type DecodeOutcome = { ok: true } | { ok: false; reason: string };

/**
 * Runs `work(i)` for i in [0, count), `limit` at a time; `onDone` after each. Each worker
 * awaits its next item, so at most `limit` decodes (and their buffers) exist at once.
 */
export async function forEachLimited(count: number, limit: number, work: (i: number) => Promise<void>, onDone?: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    // After a failure no new item starts: the Promise rejects with it once those running end.
    while (next < count && !failed) {
      const i = next++;
      try {
        await work(i);
      } catch (e) {
        failed = true;
        throw e;
      }
      onDone?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** Decodes at a time: one per core (each decode is one libvips thread). */
export function decodeConcurrency(): number {
  return Math.max(1, availableParallelism());
}

/** Why a file did not decode: sharp says "unsupported image format" for a file it may not open. */
export function whyUnreadable(path: string, error: Error): string {
  try {
    accessSync(path, constants.R_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EACCES' ? 'permission denied' : code === 'ENOENT' ? 'no such file (removed while loading)' : `cannot be opened: ${code}`;
  }
  return error.message;
}
