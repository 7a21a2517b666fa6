// One writer per run folder: a lock file holding the owner's pid and host, created exclusively
// before anything is written. A lock left by a dead process on this host is taken over.
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'lock';

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(readonly path: string) {
    process.once('exit', this.onExit);
  }

  /** Takes the folder's lock or throws "run folder D is in use by pid N". `notice` hears take-overs. */
  static acquire(dir: string, notice: (message: string) => void = () => undefined): RunLock {
    const path = join(dir, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        try {
          writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies LockOwner) + '\n');
        } finally {
          closeSync(fd);
        }
        return new RunLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          const err = e as NodeJS.ErrnoException;
          throw new Error(`could not lock run folder ${dir}: ${err.code ?? ''} ${err.message}`.trim());
        }
      }
      if (statSync(path).isDirectory()) throw new Error(`${path} is a folder, not a lock file: remove it, then start again`);
      const owner = readOwner(path);
      if (owner && (owner.host !== hostname() || alive(owner.pid))) {
        const where = owner.host === hostname() ? '' : ` on host ${owner.host}`;
        const since = typeof owner.since === 'string' ? ` (since ${owner.since})` : '';
        throw new Error(`run folder ${dir} is in use by pid ${owner.pid}${where}${since}; wait for it or stop it`);
      }
      // Unreadable (a writer killed mid-write) or left by a dead local process: take it over.
      notice(`run folder ${dir}: taking over the lock of ${owner ? `pid ${owner.pid}, which is no longer running` : 'an unreadable lock file'}`);
      try {
        unlinkSync(path);
      } catch {
        // another process took it over first; the next attempt finds its lock
      }
    }
    throw new Error(`run folder ${dir} is in use (its lock changed hands while this process tried to take it)`);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      unlinkSync(this.path);
    } catch {
      // already gone: nothing to release
    }
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8'));
    return typeof owner?.pid === 'number' && typeof owner?.host === 'string' ? owner : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}
