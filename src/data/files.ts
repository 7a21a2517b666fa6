// Reading data files: whole-file reads with gzip detection and errors that say where data comes from.
import { existsSync } from 'node:fs';
import { FILE_LIMITS, readRegularFile } from '../io/read';
import { gunzipSync } from 'node:zlib';

/** Reads `path`, or `path.gz` when only the gzipped file exists; gunzips either when needed. */
export function readMaybeGzip(path: string, hint: string): { bytes: Buffer; file: string } {
  const file = existsSync(path) ? path : existsSync(`${path}.gz`) ? `${path}.gz` : undefined;
  if (!file) throw new Error(`missing data file ${path} (or ${path}.gz). ${hint}`);
  const raw = readRegularFile(file, 'data file', FILE_LIMITS.large);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return { bytes: gunzipSync(raw), file };
    } catch (e) {
      throw new Error(`${file}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return { bytes: raw, file };
}
