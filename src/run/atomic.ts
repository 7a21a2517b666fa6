// Atomic, durable file replacement: a uniquely named temporary file in the same folder, fsync,
// rename over the target, fsync the folder. A reader sees the old file or the new one, never a
// part; a failed write removes its temporary file and names the file and the cause.
import { randomBytes } from 'node:crypto';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export class WriteError extends Error {
  override name = 'WriteError';
  constructor(
    readonly path: string,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    super(`could not write ${path}: ${cause.code ? `${cause.code} (${cause.message})` : cause.message}`);
  }
}

/**
 * Test hook: with LAYEROUT_TEST_KILL_AT=N the process kills itself (SIGKILL) at the Nth write
 * point (each write has two: temporary file complete, and renamed), so tests can place a kill
 * between every pair of writes without depending on timing.
 */
let writePoints = 0;

/** Writes in progress, so a second Ctrl-C can wait for them (src/cli/interrupt.ts). */
let inFlight = 0;
let settled: (() => void)[] = [];

/** Resolves when no atomic write is in progress. */
export function writesSettled(): Promise<void> {
  return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => settled.push(resolve));
}
function killPoint(): void {
  const at = process.env.LAYEROUT_TEST_KILL_AT;
  if (at && ++writePoints === Number(at)) process.kill(process.pid, 'SIGKILL');
}

/**
 * Replaces `path` with `data`; chunks from an iterable are written in order, each before the
 * next is asked for (so a large file needs no joined copy, and a chunk buffer may be reused).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array | Iterable<Uint8Array>): Promise<void> {
  inFlight++;
  try {
    await writeAtomically(path, data);
  } finally {
    if (--inFlight === 0) for (const resolve of settled.splice(0)) resolve();
  }
}

async function writeAtomically(path: string, data: string | Uint8Array | Iterable<Uint8Array>): Promise<void> {
  // A rename would replace a device node, a folder or a symlink itself (as root even /dev/null):
  // only regular files (or nothing) may be replaced.
  const existing = await lstat(path).catch(() => null);
  if (existing && !existing.isFile()) {
    const what = existing.isSymbolicLink() ? 'a symbolic link' : existing.isDirectory() ? 'a folder' : 'not a regular file';
    throw new WriteError(path, Object.assign(new Error(`${path} is ${what}; only a regular file is replaced`), { code: 'ENOTREG' }));
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const file = await open(tmp, 'wx');
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await file.writeFile(data);
      else {
        for (const chunk of data) {
          // A full disk can make write() take part of a chunk without an error: write the rest.
          for (let at = 0; at < chunk.length; ) at += (await file.write(chunk, at, chunk.length - at)).bytesWritten;
        }
      }
      await file.sync();
    } finally {
      await file.close();
    }
    killPoint();
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new WriteError(path, e as NodeJS.ErrnoException);
  }
  killPoint();
  await syncFolder(dirname(path));
}

/** Makes a rename in `dir` durable; file systems that cannot fsync a folder are tolerated. */
async function syncFolder(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw new WriteError(dir, e as NodeJS.ErrnoException);
  } finally {
    await handle?.close();
  }
}
