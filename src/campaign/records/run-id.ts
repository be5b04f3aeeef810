import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';

/** `20261121-142233-a1b2`: UTC date and time, then 4 random hex digits. Sorts by start time. */
export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{4}$/;

const CREATE_ATTEMPTS = 20;

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

export function newRunId(now: Date = new Date(), random: Uint8Array = randomBytes(2)): string {
  const date = `${now.getUTCFullYear()}${twoDigits(now.getUTCMonth() + 1)}${twoDigits(now.getUTCDate())}`;
  const time = `${twoDigits(now.getUTCHours())}${twoDigits(now.getUTCMinutes())}${twoDigits(now.getUTCSeconds())}`;
  return `${date}-${time}-${Buffer.from(random.subarray(0, 2)).toString('hex').padStart(4, '0')}`;
}

/**
 * Creates `<baseDir>/<run-id>` (and `baseDir` if needed) under a fresh id. A given `runId` is used
 * as is and must not exist yet; otherwise ids are drawn until one is free.
 */
export async function createRunDirectory(baseDir: string, runId?: string): Promise<{ runId: string; dir: string }> {
  if (runId !== undefined && (!/^[A-Za-z0-9._-]+$/.test(runId) || /^\.+$/.test(runId))) {
    throw new UsageError(`run id ${JSON.stringify(runId)} must be letters, digits, '.', '_' or '-'`);
  }
  await mkdir(baseDir, { recursive: true });
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt += 1) {
    const id = runId ?? newRunId();
    const dir = join(baseDir, id);
    try {
      await mkdir(dir);
      return { runId: id, dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (runId !== undefined) throw new UsageError(`run directory ${dir} already exists (use --resume to continue it)`);
    }
  }
  throw new Error(`could not find a free run id under ${baseDir} after ${CREATE_ATTEMPTS} tries`);
}
