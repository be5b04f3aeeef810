import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';

export const LOCK_FILE = 'run.lock';

interface LockContent {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  readonly acquiredAt: string;
}

function parseLock(text: string): LockContent | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockContent>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string') return value as LockContent;
  } catch {
    // An unreadable lock is treated like a stale one below.
  }
  return undefined;
}

/** True while a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<LockContent | undefined | 'missing'> {
  try {
    return parseLock(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

/** Creates `path` holding `content` only if it does not exist (link(2) is atomic and never overwrites). */
async function createExclusive(path: string, content: LockContent): Promise<boolean> {
  const temporary = `${path}.new-${content.token}`;
  await writeFile(temporary, `${JSON.stringify(content)}\n`, { flag: 'wx' });
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
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
    for (let round = 0; round < 2; round += 1) {
      if (await createExclusive(path, content)) return new RunLock(path, content.token);
      const holder = await readLock(path);
      if (holder === 'missing') continue;
      if (holder !== undefined && (holder.host !== content.host || processAlive(holder.pid))) throw inUse(dir, path, holder);
      await RunLock.clearStale(path, holder, content.token);
    }
    const holder = await readLock(path);
    if (holder !== 'missing' && holder !== undefined) throw inUse(dir, path, holder);
    throw new UsageError(`run ${dir}: could not take the lock ${path}; another runner is starting on it`);
  }

  /**
   * Moves the stale lock aside and removes it. If, between reading and moving, another runner
   * replaced it with its own live lock, that lock is put back.
   */
  private static async clearStale(path: string, stale: LockContent | undefined, token: string): Promise<void> {
    const aside = `${path}.stale-${token}`;
    try {
      await rename(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const moved = await readLock(aside);
    const sameLock = moved === undefined ? stale === undefined : moved !== 'missing' && stale !== undefined && moved.token === stale.token;
    if (!sameLock) await link(aside, path).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
  }

  /** Removes the lock if it is still this runner's. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const holder = await readLock(this.path);
    if (holder !== 'missing' && holder?.token === this.token) await unlink(this.path);
  }
}
