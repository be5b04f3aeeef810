import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './durable-fs.js';

export const STATUS_FILE = 'status.json';

/**
 * `running` while a runner works on the run (a killed runner leaves `running` behind with a pid that
 * is gone); `completed` when every planned attempt is recorded; `stopped` when the runner ended
 * early on purpose (max duration, quarantined board); `interrupted` when a signal stopped it.
 * Anything but `completed` can be resumed.
 */
export type RunState = 'running' | 'stopped' | 'completed' | 'interrupted';

export interface CurrentAttempt {
  readonly seq: number;
  readonly cell: string;
  readonly iteration: number;
}

/** The heartbeat: rewritten whole (atomically) when an attempt starts and after it is recorded. */
export interface RunStatus {
  readonly v: 1;
  readonly runId: string;
  readonly state: RunState;
  /** Attempts recorded so far (all invocations), and how many the plan has. */
  readonly done: number;
  readonly total: number;
  /** Highest seq recorded, -1 before the first. */
  readonly lastSeq: number;
  /** The attempt under way, null between attempts. */
  readonly current: CurrentAttempt | null;
  /** Recorded attempts per class. */
  readonly counts: Readonly<Record<string, number>>;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly pid: number;
  /** How many times the run was resumed. */
  readonly resumes: number;
}

export async function writeStatus(dir: string, status: RunStatus): Promise<void> {
  // A heartbeat: atomic (never half-written) but not worth disk flushes twice per attempt; resuming does not depend on it.
  await writeFileAtomic(join(dir, STATUS_FILE), `${JSON.stringify(status, null, 2)}\n`, { durable: false });
}

/** The run's last heartbeat, or null when there is none (or it cannot be read as one). */
export async function readStatus(dir: string): Promise<RunStatus | null> {
  let text: string;
  try {
    text = await readFile(join(dir, STATUS_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<RunStatus>;
    return value.v === 1 && typeof value.runId === 'string' ? (value as RunStatus) : null;
  } catch {
    return null;
  }
}
