// One writer per run folder: a lock file holding the owner's pid and host. Two processes can
// never both hold it:
// - a lock is made whole in a private file and then linked to `lock`, so `lock` never exists
//   empty or half written (link fails if `lock` exists: exactly one creator wins);
// - a lock left by a dead process on this host is taken over only by the holder of a second,
//   short-lived lock (`lock.takeover`, made the same way), which judges `lock` stale again while
//   it holds that guard (a take-over that finished meanwhile left a live owner there) before it
//   removes it and links its own;
// - an empty or unreadable lock (written by an older version, or damaged) counts as held for a
//   grace period after its last change, then as stale.
import { closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const LOCK_FILE = 'lock';
const TAKEOVER_FILE = 'lock.takeover';
/** How long an unreadable lock (or a take-over in progress) is assumed to belong to a live writer. */
export const LOCK_GRACE_MS = 10_000;

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
    for (let attempt = 0; attempt < 3; attempt++) {
      if (createExclusive(dir, path)) return new RunLock(path);
      const seen = lockState(path);
      if (!seen) continue; // released meanwhile: try again
      if (seen.stats.isDirectory()) throw new Error(`${path} is a folder, not a lock file: remove it, then start again`);
      const { owner } = seen;
      if (!isStale(seen) && owner) {
        const where = owner.host === hostname() ? '' : ` on host ${owner.host}`;
        const since = typeof owner.since === 'string' ? ` (since ${owner.since})` : '';
        throw new Error(`run folder ${dir} is in use by pid ${owner.pid}${where}${since}; wait for it or stop it`);
      }
      if (!owner && Date.now() - seen.stats.mtimeMs < LOCK_GRACE_MS) {
        throw new Error(`run folder ${dir} is in use (its lock file is being written or cannot be read; it counts as stale ${LOCK_GRACE_MS / 1000} s after its last change)`);
      }
      if (takeOver(dir, path)) {
        notice(`run folder ${dir}: taking over the lock of ${owner ? `pid ${owner.pid}, which is no longer running` : 'an unreadable lock file'}`);
        return new RunLock(path);
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

/** Links a whole lock file of this process to `path`; false when one exists there already. */
function createExclusive(dir: string, path: string): boolean {
  const tmp = join(dir, `.lock.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies LockOwner) + '\n');
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    const err = e as NodeJS.ErrnoException;
    throw new Error(`could not lock run folder ${dir}: ${err.code ?? ''} ${err.message}`.trim());
  } finally {
    unlinkSync(tmp);
  }
}

/** Whether a lock may be taken over: its owner is a dead process of this host, or it has been unreadable for the grace period. */
function isStale(state: { stats: Stats; owner: LockOwner | null }): boolean {
  if (state.stats.isDirectory()) return false;
  if (state.owner) return state.owner.host === hostname() && !alive(state.owner.pid);
  return Date.now() - state.stats.mtimeMs >= LOCK_GRACE_MS;
}

/**
 * Replaces a stale lock with this process's, holding `lock.takeover` meanwhile; false when
 * another process got there first (the caller looks again).
 */
function takeOver(dir: string, path: string): boolean {
  const guard = join(dir, TAKEOVER_FILE);
  if (!createExclusive(dir, guard)) {
    // Another take-over is in progress, or one died in its few microseconds: after the grace period it is cleared.
    const other = lockState(guard);
    if (other && isStale(other) && Date.now() - other.stats.mtimeMs >= LOCK_GRACE_MS) removeIfSame(guard, other.stats);
    return false;
  }
  try {
    // Judged again under the guard: only a guard holder removes a lock, and a fresh lock has a live owner.
    const now = lockState(path);
    if (now && !isStale(now)) return false;
    if (now) unlinkSync(path);
    return createExclusive(dir, path);
  } finally {
    unlinkSync(guard);
  }
}

function removeIfSame(path: string, seen: Stats): void {
  try {
    const now = statSync(path);
    if (now.ino === seen.ino && now.dev === seen.dev) unlinkSync(path);
  } catch {
    // gone already
  }
}

/** The lock file's stat and owner (null owner: empty or unreadable); null when there is no file. */
function lockState(path: string): { stats: Stats; owner: LockOwner | null } | null {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    return null;
  }
  if (stats.isDirectory()) return { stats, owner: null };
  return { stats, owner: readOwner(path) };
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
