import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';

/**
 * A lock file holding its owner's pid, host and a random token, taken with link(2) so two
 * processes never both create it. A lock whose owner is gone is stale and taken over; a lock from
 * another host is never assumed stale, since its pid cannot be checked from here.
 */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
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

/** The lock's content; undefined when it is unreadable (treated as stale), 'missing' when there is none. */
export async function readLockFile<T extends LockOwner>(path: string): Promise<T | undefined | 'missing'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<T>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string') return value as T;
  } catch {
    // unreadable: treated as stale
  }
  return undefined;
}

/** Creates `path` holding `content` only if it does not exist (link(2) is atomic and never overwrites). */
async function createExclusive(path: string, content: LockOwner): Promise<boolean> {
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

/** Moves a stale lock aside and removes it; puts it back if another process replaced it with its own meanwhile. */
async function clearStale(path: string, stale: LockOwner | undefined, token: string): Promise<void> {
  const aside = `${path}.stale-${token}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readLockFile(aside);
  const sameLock = moved === undefined ? stale === undefined : moved !== 'missing' && stale !== undefined && moved.token === stale.token;
  if (!sameLock) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

/**
 * Try to take the lock at `path` for `mine`, clearing a stale one (its owner on this host not
 * `alive`) for up to `rounds` rounds. Returns null when the lock is now `mine`; else its holder
 * (a live one, or whichever is still there after the rounds), or undefined when none is readable.
 */
export async function tryCreateLock<T extends LockOwner>(path: string, mine: T, rounds: number, alive: (holder: T) => boolean): Promise<T | null | undefined> {
  for (let round = 0; round < rounds; round += 1) {
    if (await createExclusive(path, mine)) return null;
    const holder = await readLockFile<T>(path);
    if (holder === 'missing') continue;
    if (holder !== undefined && (holder.host !== mine.host || alive(holder))) return holder;
    await clearStale(path, holder, mine.token);
  }
  const holder = await readLockFile<T>(path);
  return holder === 'missing' ? undefined : holder;
}

/** Removes the lock if it still holds `token`. */
export async function removeLockIfOwned(path: string, token: string): Promise<void> {
  const holder = await readLockFile(path);
  if (holder !== 'missing' && holder?.token === token) await unlink(path);
}
