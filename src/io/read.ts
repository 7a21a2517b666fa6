// Reading the files a user points at: only regular files, and only up to a size that fits what
// they are. A FIFO would block a read forever and /dev/zero would grow a buffer until the process
// aborts; both, a folder, and an oversized file are a clear error instead.
import { readFileSync, statSync } from 'node:fs';

const MiB = 1 << 20;

/** The most bytes a file of each kind may have. */
export const FILE_LIMITS = {
  /** run.json, summary.json, a study's --config, a network spec. */
  json: 64 * MiB,
  /** metrics.jsonl: one line per epoch. */
  metrics: 512 * MiB,
  /** Data files (IDX, CIFAR batches), TorchScript modules, checkpoints. */
  large: 16 * 1024 * MiB,
} as const;

/** A file's bytes; `what` names it in errors ("run.json", "network spec"). */
export function readRegularFile(path: string, what: string, maxBytes: number): Buffer {
  requireRegularFile(path, what, maxBytes);
  return readFileSync(path);
}

/** Throws unless `path` is a regular file of at most `maxBytes` (for files another reader opens: libtorch's). */
export function requireRegularFile(path: string, what: string, maxBytes: number): void {
  let stats;
  try {
    stats = statSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw Object.assign(new Error(`cannot read ${what} ${path}: ${err.code === 'ENOENT' ? 'no such file' : (err.code ?? err.message)}`), { code: err.code });
  }
  if (!stats.isFile()) {
    const kind = stats.isDirectory() ? 'a folder' : stats.isFIFO() ? 'a FIFO' : stats.isCharacterDevice() || stats.isBlockDevice() ? 'a device' : stats.isSocket() ? 'a socket' : 'not a file';
    throw new Error(`${what} ${path} is ${kind}, not a regular file`);
  }
  if (stats.size > maxBytes) throw new Error(`${what} ${path} is ${stats.size} bytes, more than a ${what} may be (${maxBytes})`);
}

/** A file's text (UTF-8), as readRegularFile. */
export function readRegularText(path: string, what: string, maxBytes: number = FILE_LIMITS.json): string {
  return readRegularFile(path, what, maxBytes).toString('utf8');
}
