// Writes a dataset as image files in class folders (DIR/train/CLASS/N.png, DIR/test/CLASS/N.png):
// how tests and benchmarks make real image folders from datasets they have, and how a user
// can look at the pixels a model sees.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { forEachLimited, decodeConcurrency } from './decode';
import type { DatasetPair, ImageDataset } from '../types';

export interface WriteImageFolderOptions {
  /** The image file format; default 'png' (lossless). */
  format?: 'png' | 'jpeg' | 'webp' | 'tiff';
  /** JPEG/WebP quality (1-100). */
  quality?: number;
  /** Class folder names (default: the pair's class names, else 0, 1, ...). */
  classNames?: string[];
}

/** Writes both splits of a classification pair of uint8 images; returns the files written. */
export async function writeImageFolder(pair: DatasetPair, dir: string, options: WriteImageFolderOptions = {}): Promise<number> {
  const names = options.classNames ?? pair.inputs?.classNames ?? Array.from({ length: pair.classes }, (_, i) => String(i));
  let written = 0;
  for (const [split, data] of [['train', pair.train], ['test', pair.test]] as const) {
    written += await writeSplit(data, join(dir, split), names, options);
  }
  return written;
}

async function writeSplit(data: ImageDataset, dir: string, names: string[], options: WriteImageFolderOptions): Promise<number> {
  if (!(data.images instanceof Uint8Array) || data.labels instanceof Float32Array) throw new TypeError(`writeImageFolder: ${data.name} must hold uint8 pixels and class labels`);
  const [n, c, h, w] = data.shape;
  if (c !== 1 && c !== 3) throw new RangeError(`writeImageFolder: ${data.name} has ${c} channels; image files hold 1 or 3`);
  for (const name of names) mkdirSync(join(dir, name), { recursive: true });
  const format = options.format ?? 'png';
  const digits = String(n - 1).length;
  const images = data.images;
  await forEachLimited(n, decodeConcurrency(), async (i) => {
    // N x C x H x W to H x W x C.
    const hwc = Buffer.alloc(c * h * w);
    const base = i * c * h * w;
    for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) hwc[p * c + ch] = images[base + ch * h * w + p];
    const file = join(dir, names[data.labels[i] as number], `${String(i).padStart(digits, '0')}.${format === 'jpeg' ? 'jpg' : format}`);
    // Raw bytes are read as sRGB: one channel is written as a grey image only when told so.
    const image = sharp(hwc, { raw: { width: w, height: h, channels: c } }).toColourspace(c === 1 ? 'b-w' : 'srgb');
    const q = options.quality;
    await (format === 'png' ? image.png() : format === 'jpeg' ? image.jpeg({ quality: q }) : format === 'webp' ? image.webp({ quality: q }) : image.tiff()).toFile(file);
  });
  return n;
}
