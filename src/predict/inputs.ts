// New, unlabelled inputs read the way the model's training data was: image files decoded with
// the run's decode (size, channels, fit), table rows standardised with the training split's
// statistics, NumPy arrays shaped as the npy loader shapes them.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { decodeConcurrency, decodeImage, firstImageShape, forEachLimited, putChw, whyUnreadable } from '../data/images/decode';
import type { ImageDecodeRecord, InputRecord } from '../data/inputs';
import { readNpy, readNpz, type NpyArray } from '../data/npy';
import { npyInputs } from '../data/sources/npy';
import { columnIndex, featureMatrix, readTable, ROW_NAME_COLUMNS } from '../data/table/read';

/** Where new inputs come from: image files or folders, a table, or a .npy array. */
export type PredictSource = { images: string[] } | { csv: string } | { npy: string };

export interface PredictInputs {
  /** Files left out with skipUnreadable, and why. */
  skipped?: { name: string; reason: string }[];
  /** One name per input: the file (relative to the folder given), the table's name/id column, or the row number. */
  names: string[];
  images: Uint8Array | Float32Array;
  shape: [number, number, number, number];
}

/** What a model reads: its input record (from its checkpoint) and its input shape. */
export interface InputsOf {
  inputs: InputRecord | null;
  inputShape: readonly number[];
}

export async function readPredictInputs(model: InputsOf, source: PredictSource, options: { skipUnreadable?: boolean } = {}): Promise<PredictInputs> {
  if (typeof source !== 'object' || source === null) throw new TypeError('the inputs must be { images: [...] }, { csv: FILE } or { npy: FILE }');
  const keys = Object.keys(source);
  if (keys.length !== 1 || !['images', 'csv', 'npy'].includes(keys[0])) throw new TypeError(`give exactly one of images, csv or npy, got ${keys.join(', ') || 'none'}`);
  if ('images' in source) return readImages(model, source.images, options.skipUnreadable ?? false);
  if ('csv' in source) return readRows(model, source.csv);
  return readArray(model, source.npy);
}

/**
 * Every file named, and the files in the folders named (sorted, recursively, following links;
 * hidden files left out). Names are relative to the folder given, prefixed with it when several
 * paths are given, so two folders' 1.png stay apart. Anything but a regular file is an error.
 */
function listImageFiles(paths: string[]): { path: string; name: string }[] {
  if (!Array.isArray(paths) || paths.length === 0 || paths.some((p) => typeof p !== 'string' || !p)) throw new TypeError('images must be a non-empty array of file or folder paths');
  const out: { path: string; name: string }[] = [];
  const prefix = paths.length > 1;
  const walk = (given: string, root: string, dir: string, depth: number) => {
    if (depth > 32) throw new RangeError(`${dir}: folders nested more than 32 deep (a link loop?)`);
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      const stats = statSync(path, { throwIfNoEntry: false });
      const shown = prefix ? join(given, relative(root, path)) : relative(root, path);
      if (!stats) throw new RangeError(`${path} is a broken link`);
      if (stats.isDirectory()) walk(given, root, path, depth + 1);
      else if (stats.isFile()) out.push({ path, name: shown });
      else throw new RangeError(`${path} is not a regular file (a FIFO, socket or device); remove it from the folder`);
    }
  };
  for (const p of paths) {
    const stats = statSync(p, { throwIfNoEntry: false });
    if (!stats) throw new RangeError(`no such image file or folder: ${p}`);
    if (stats.isDirectory()) walk(p, resolve(p), resolve(p), 0);
    else if (stats.isFile()) out.push({ path: resolve(p), name: p });
    else throw new RangeError(`${p} is not a regular file or a folder`);
  }
  if (out.length === 0) throw new RangeError(`no image files in ${paths.join(', ')}`);
  return out;
}

/** The decode of the run's images; a model trained on data in memory decodes to its input's channels, each image at its own size when it fits (padded as in training) and resized to the input otherwise. */
async function decodeFor(model: InputsOf, first: string): Promise<ImageDecodeRecord> {
  if (model.inputs?.image) return model.inputs.image;
  if (model.inputs?.table) throw new RangeError('this model was trained on a table: predict on a table (csv) of the same columns, not images');
  const [c, h, w] = model.inputShape;
  if (h === 1) throw new RangeError(`this model takes vectors of ${w} values (1x1x${w}), not images: predict on rows like its training data (--npy, --csv)`);
  if (c !== 1 && c !== 3) throw new RangeError(`this model takes ${c}-channel inputs; image files give 1 or 3 channels`);
  const own = await firstImageShape(first);
  const fits = own.height <= h && own.width <= w;
  return { channels: c, height: fits ? own.height : h, width: fits ? own.width : w, fit: 'crop' };
}

async function readImages(model: InputsOf, paths: string[], skipUnreadable: boolean): Promise<PredictInputs> {
  let files = listImageFiles(paths);
  const decode = await decodeFor(model, files[0].path);
  if (!model.inputs?.image) await requireOneSize(files, decode);
  const sample = decode.channels * decode.height * decode.width;
  const images = new Uint8Array(files.length * sample);
  const failed = new Map<number, string>();
  await forEachLimited(files.length, decodeConcurrency(), async (i) => {
    try {
      putChw(images, i, await decodeImage(files[i].path, decode), decode);
    } catch (e) {
      failed.set(i, whyUnreadable(files[i].path, e as Error));
    }
  });
  const skipped = [...failed].sort((a, b) => a[0] - b[0]).map(([i, reason]) => ({ name: files[i].name, reason }));
  if (skipped.length && !skipUnreadable) {
    throw new RangeError(`cannot decode ${skipped.length} of ${files.length} file(s) as images: ${skipped.slice(0, 3).map((f) => `${f.name} (${f.reason})`).join('; ')}${skipped.length > 3 ? '; ...' : ''}; skip them with --skip-unreadable`);
  }
  if (skipped.length === files.length) throw new RangeError(`none of the ${files.length} file(s) decodes as an image`);
  // Close up the skipped ones in place.
  let kept = 0;
  files.forEach((_, i) => {
    if (failed.has(i)) return;
    if (kept !== i) images.copyWithin(kept * sample, i * sample, (i + 1) * sample);
    kept++;
  });
  files = files.filter((_, i) => !failed.has(i));
  return { names: files.map((f) => f.name), images: images.subarray(0, kept * sample), shape: [kept, decode.channels, decode.height, decode.width], skipped };
}

/**
 * Without a recorded decode, images are read at their own size (padded as the run's data was):
 * all must have the first one's, or predictions would be made on images resized differently.
 */
async function requireOneSize(files: { path: string; name: string }[], decode: ImageDecodeRecord): Promise<void> {
  for (const f of files) {
    const shape = await firstImageShape(f.path).catch(() => null);
    if (shape && (shape.height !== decode.height || shape.width !== decode.width)) {
      throw new RangeError(`${f.name} is ${shape.height}x${shape.width} but ${files[0].name} is ${decode.height}x${decode.width}: a model trained on data in memory or IDX files reads images at their own size, so all must have one size (resize them, or train on an images: folder, whose decode the run keeps)`);
    }
  }
}

async function readRows(model: InputsOf, file: string): Promise<PredictInputs> {
  const record = model.inputs?.table;
  if (!record) throw new RangeError('this model was not trained on a table (no feature columns or standardisation in its checkpoint): predict on its kind of data');
  const lower = file.toLowerCase();
  const table = readTable(file, lower.endsWith('.tsv') ? '\t' : lower.endsWith('.csv') ? ',' : record.delimiter);
  const columns = record.features.map((f) => columnIndex(table, f, 'feature'));
  const rows = table.rows.map((_, i) => i);
  const images = featureMatrix(table, columns, record, rows);
  const nameColumn = ROW_NAME_COLUMNS.map((n) => table.header.indexOf(n)).find((i) => i >= 0);
  const names = rows.map((r) => (nameColumn !== undefined ? table.rows[r][nameColumn] : `line ${table.lines[r]}`));
  return { names, images, shape: [rows.length, 1, 1, columns.length] };
}

async function readArray(model: InputsOf, file: string): Promise<PredictInputs> {
  if (model.inputs?.table) throw new RangeError('this model was trained on a table: predict on a table (csv) of the same columns');
  const x = file.toLowerCase().endsWith('.npz') ? npzInputs(file) : readNpy(file);
  const { images, shape } = npyInputs(x);
  return { names: Array.from({ length: shape[0] }, (_, i) => `row ${i}`), images, shape };
}

/** An .npz's inputs: its x_test, else x, else its only member. */
function npzInputs(file: string): NpyArray {
  const archive = readNpz(file);
  const names = archive.members;
  const pick = ['x_test', 'x'].find((n) => names.includes(n)) ?? (names.length === 1 ? names[0] : undefined);
  if (!pick) throw new RangeError(`${file} holds ${names.join(', ')}: predict reads its x_test, its x, or its only array`);
  return archive.read(pick);
}
