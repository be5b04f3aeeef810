import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { processAlive, removeLockIfOwned, tryCreateLock, type LockOwner } from '../../util/lock-file.js';

export const LOCK_FILE = 'run.lock';

interface LockContent extends LockOwner {
  readonly acquiredAt: string;
}

function inUse(dir: string, path: string, holder: LockContent): UsageError {
  const where = holder.host === hostname() ? '' : ` on host ${holder.host}`;
  return new UsageError(
    `run ${dir} is in use by pid ${holder.pid}${where} (lock ${path}); if no runner is using it, delete the lock file`,
    { lock: path, pid: holder.pid, host: holder.host },
  );
}

/**
 * Keeps two runners from appending to the same run: `run.lock` holds the owner's pid. A lock
 * whose pid is gone (the runner was killed) is taken over; a lock from another host is never
 * assumed stale, since its pid cannot be checked from here.
 */
export class RunLock {
  private released = false;

  private constructor(
    readonly path: string,
    private readonly token: string,
  ) {}

  static async acquire(dir: string): Promise<RunLock> {
    const path = join(dir, LOCK_FILE);
    const content: LockContent = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex'), acquiredAt: new Date().toISOString() };
    // Two rounds: the first may find a stale lock and clear it.
    const holder = await tryCreateLock(path, content, 2, (owner) => processAlive(owner.pid));
    if (holder === null) return new RunLock(path, content.token);
    if (holder !== undefined) throw inUse(dir, path, holder);
    throw new UsageError(`run ${dir}: could not take the lock ${path}; another runner is starting on it`);
  }

  /** Removes the lock if it is still this runner's. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await removeLockIfOwned(this.path, this.token);
  }
}
