// New, unlabelled inputs read the way the model's training data was: image files decoded with
// the run's decode (size, channels, fit), table rows standardised with the training split's
// statistics, NumPy arrays shaped as the npy loader shapes them.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { decodeConcurrency, decodeImage, firstImageShape, forEachLimited, putChw } from '../data/images/decode';
import type { ImageDecodeRecord, InputRecord } from '../data/inputs';
import { readNpy } from '../data/npy';
import { npyInputs } from '../data/sources/npy';
import { columnIndex, featureMatrix, readTable, ROW_NAME_COLUMNS } from '../data/table/read';

/** Where new inputs come from: image files or folders, a table, or a .npy array. */
export type PredictSource = { images: string[] } | { csv: string } | { npy: string };

export interface PredictInputs {
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

export async function readPredictInputs(model: InputsOf, source: PredictSource): Promise<PredictInputs> {
  if (typeof source !== 'object' || source === null) throw new TypeError('the inputs must be { images: [...] }, { csv: FILE } or { npy: FILE }');
  const keys = Object.keys(source);
  if (keys.length !== 1 || !['images', 'csv', 'npy'].includes(keys[0])) throw new TypeError(`give exactly one of images, csv or npy, got ${keys.join(', ') || 'none'}`);
  if ('images' in source) return readImages(model, source.images);
  if ('csv' in source) return readRows(model, source.csv);
  return readArray(model, source.npy);
}

/** Every image file named, and those in the folders named (sorted, recursively; hidden files left out). */
function listImageFiles(paths: string[]): { path: string; name: string }[] {
  if (!Array.isArray(paths) || paths.length === 0 || paths.some((p) => typeof p !== 'string' || !p)) throw new TypeError('images must be a non-empty array of file or folder paths');
  const out: { path: string; name: string }[] = [];
  const walk = (root: string, dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(root, path);
      else out.push({ path, name: relative(root, path) });
    }
  };
  for (const p of paths) {
    const stats = statSync(p, { throwIfNoEntry: false });
    if (!stats) throw new RangeError(`no such image file or folder: ${p}`);
    if (stats.isDirectory()) walk(resolve(p), resolve(p));
    else if (stats.isFile()) out.push({ path: resolve(p), name: p });
    else throw new RangeError(`${p} is not a file or a folder`);
  }
  if (out.length === 0) throw new RangeError(`no image files in ${paths.join(', ')}`);
  return out;
}

/** The decode of the run's images; a model trained on data in memory decodes to its input's channels, each image at its own size when it fits (padded as in training) and resized to the input otherwise. */
async function decodeFor(model: InputsOf, first: string): Promise<ImageDecodeRecord> {
  if (model.inputs?.image) return model.inputs.image;
  if (model.inputs?.table) throw new RangeError('this model was trained on a table: predict on a table (csv) of the same columns, not images');
  const [c, h, w] = model.inputShape;
  if (c !== 1 && c !== 3) throw new RangeError(`this model takes ${c}-channel inputs; image files give 1 or 3 channels`);
  const own = await firstImageShape(first);
  const fits = own.height <= h && own.width <= w;
  return { channels: c, height: fits ? own.height : h, width: fits ? own.width : w, fit: 'crop' };
}

async function readImages(model: InputsOf, paths: string[]): Promise<PredictInputs> {
  const files = listImageFiles(paths);
  const decode = await decodeFor(model, files[0].path);
  const sample = decode.channels * decode.height * decode.width;
  const images = new Uint8Array(files.length * sample);
  const failures: string[] = [];
  await forEachLimited(files.length, decodeConcurrency(), async (i) => {
    try {
      putChw(images, i, await decodeImage(files[i].path, decode), decode);
    } catch (e) {
      failures.push(`${files[i].name} (${(e as Error).message})`);
    }
  });
  if (failures.length) throw new RangeError(`cannot decode ${failures.length} of ${files.length} file(s) as images: ${failures.slice(0, 3).join('; ')}${failures.length > 3 ? '; ...' : ''}`);
  return { names: files.map((f) => f.name), images, shape: [files.length, decode.channels, decode.height, decode.width] };
}

async function readRows(model: InputsOf, file: string): Promise<PredictInputs> {
  const record = model.inputs?.table;
  if (!record) throw new RangeError('this model was not trained on a table (no feature columns or standardisation in its checkpoint): predict on its kind of data');
  const table = readTable(file, file.toLowerCase().endsWith('.tsv') ? '\t' : record.delimiter);
  const columns = record.features.map((f) => columnIndex(table, f, 'feature'));
  const rows = table.rows.map((_, i) => i);
  const images = featureMatrix(table, columns, record, rows);
  const nameColumn = ROW_NAME_COLUMNS.map((n) => table.header.indexOf(n)).find((i) => i >= 0);
  const names = rows.map((r) => (nameColumn !== undefined ? table.rows[r][nameColumn] : `line ${table.lines[r]}`));
  return { names, images, shape: [rows.length, 1, 1, columns.length] };
}

async function readArray(model: InputsOf, file: string): Promise<PredictInputs> {
  if (model.inputs?.table) throw new RangeError('this model was trained on a table: predict on a table (csv) of the same columns');
  const x = readNpy(file);
  const { images, shape } = npyInputs(x);
  return { names: Array.from({ length: shape[0] }, (_, i) => `row ${i}`), images, shape };
}
