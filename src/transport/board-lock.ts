import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { AbortError, HarnessError } from '../errors.js';
import { processAlive, removeLockIfOwned, tryCreateLock, type LockOwner } from '../util/lock-file.js';

/**
 * One lock file per board (USB serial number, or a label for a board without one) so two harness
 * processes never drive the same board, above all while it re-enumerates after a reset (when its
 * port is briefly free and a second process could open it). The file holds the owner's pid and
 * process start time: a lock whose owner is gone (or whose pid now belongs to another process) is
 * stale and taken over.
 */
export interface BoardLockHolder extends LockOwner {
  /** /proc/<pid>/stat field 22 (clock ticks since boot) when the owner took the lock: tells a reused pid apart. */
  readonly processStart: string | null;
  readonly acquiredAt: string;
  /** What the owner is: the port and the command, for the error a second process gets. */
  readonly what: string;
}

/** The folder locks go in: $XDG_RUNTIME_DIR/picow-harness/locks, else <tmp>/picow-harness-<user>/locks. */
export function defaultBoardLockDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime !== undefined && runtime !== '') return join(runtime, 'picow-harness', 'locks');
  let user = 'user';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): one shared folder name
  }
  return join(tmpdir(), `picow-harness-${user}`, 'locks');
}

/** A file name for a board key: serial numbers are hex, labels are names; anything else becomes `_`. */
function lockName(key: string): string {
  return `${key.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`;
}

/** The start time of a process as /proc/<pid>/stat gives it, or null where there is no /proc. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** The owner is alive and is still the process that took the lock (its pid was not reused). */
function alive(holder: BoardLockHolder): boolean {
  if (!processAlive(holder.pid)) return false;
  if (holder.processStart === null) return true;
  const now = processStartTime(holder.pid);
  return now === null || now === holder.processStart;
}

/** The board is locked by another live harness process. Exit 3 (infrastructure). */
export class BoardLockedError extends HarnessError {
  constructor(
    readonly board: string,
    readonly holder: BoardLockHolder,
    readonly lockFile: string,
  ) {
    const where = holder.host === hostname() ? '' : ` on host ${holder.host}`;
    super('PORT_BUSY', `board ${board} is in use by picow-harness pid ${holder.pid}${where} (${holder.what}, since ${holder.acquiredAt}); lock ${lockFile}`, {
      context: { board, pid: holder.pid, lock: lockFile },
    });
  }
}

export interface AcquireBoardLockOptions {
  /** Lock folder; `defaultBoardLockDir()` when absent. */
  readonly dir?: string;
  /** Shown to a second process: e.g. `run campaign.yaml on /dev/ttyACM0`. */
  readonly what?: string;
  /** Wait this long (host ms) for the holder to let go; 0 (default) fails at once. */
  readonly waitMs?: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

export class BoardLock {
  private released = false;

  private constructor(
    readonly board: string,
    readonly path: string,
    private readonly token: string,
  ) {}

  /** Takes the lock for `board` (a USB serial number or label), or throws BoardLockedError naming the holder. */
  static async acquire(board: string, options: AcquireBoardLockOptions = {}): Promise<BoardLock> {
    const dir = options.dir ?? defaultBoardLockDir();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, lockName(board));
    const mine: BoardLockHolder = {
      pid: process.pid,
      host: hostname(),
      token: randomBytes(8).toString('hex'),
      processStart: processStartTime(process.pid),
      acquiredAt: new Date().toISOString(),
      what: options.what ?? 'picow-harness',
    };
    const deadline = performance.now() + (options.waitMs ?? 0);
    for (;;) {
      if (options.signal?.aborted === true) throw new AbortError();
      const holder = await BoardLock.tryCreate(path, mine);
      if (holder === null) return new BoardLock(board, path, mine.token);
      if (performance.now() >= deadline) throw new BoardLockedError(board, holder, path);
      await delay(Math.min(options.pollMs ?? 200, Math.max(1, deadline - performance.now())));
    }
  }

  /** null when the lock is now ours; else the live holder. */
  private static async tryCreate(path: string, mine: BoardLockHolder): Promise<BoardLockHolder | null> {
    const holder = await tryCreateLock(path, mine, 3, alive);
    return holder === undefined ? { ...mine, pid: -1, what: 'a process starting on it' } : holder;
  }

  /** Removes the lock if it is still ours. Safe to call twice. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await removeLockIfOwned(this.path, this.token).catch(() => undefined);
  }
}

/**
 * The lock key a port names before it is opened: the serial number of `id:SERIAL` or of a
 * `/dev/serial/by-id/…_<serial>-ifNN` link (the form udev gives a Pico), else undefined.
 */
export function lockKeyOfPort(port: string): string | undefined {
  const text = port.trim();
  if (text.startsWith('id:') && text.length > 3) return text.slice(3).toLowerCase();
  const byId = /\/serial\/by-id\/[^/]*_([0-9A-Fa-f]{16})-if\d+$/.exec(text);
  return byId?.[1]?.toLowerCase();
}
