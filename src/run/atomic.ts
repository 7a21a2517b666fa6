// Atomic, durable file replacement: a uniquely named temporary file in the same folder, fsync,
// rename over the target, fsync the folder. A reader sees the old file or the new one, never a
// part; a failed write removes its temporary file and names the file and the cause.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
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

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const file = await open(tmp, 'wx');
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new WriteError(path, e as NodeJS.ErrnoException);
  }
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
