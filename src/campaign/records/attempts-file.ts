import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../errors.js';
import type { AttemptRecord } from '../types.js';

export const ATTEMPTS_FILE = 'attempts.jsonl';

const NEWLINE = 0x0a;

/**
 * The unique key of an attempt within a run (the same form the runner's `done` set uses). In a
 * multi-board (rack) run every board runs every attempt, so the key includes the board's label.
 */
export function attemptKey(cell: string, iteration: number, board?: string): string {
  return board === undefined ? `${cell}#${iteration}` : `${board}/${cell}#${iteration}`;
}

/** The key of a stored record: with its board's label when the run keys attempts by board. */
export function recordKey(record: Pick<AttemptRecord, 'cell' | 'iteration' | 'board'>, keyByBoard: boolean): string {
  return attemptKey(record.cell, record.iteration, keyByBoard ? (record.board?.label ?? '') : undefined);
}

/** One record and the byte offset of its line in the file. */
export interface StoredAttempt {
  readonly record: AttemptRecord;
  readonly offset: number;
}

/** A last line that an interrupted write left behind: not a record, to be cut off. */
export interface TornTail {
  readonly offset: number;
  readonly length: number;
  readonly reason: 'no-newline' | 'invalid-json';
}

export interface AttemptsFileContents {
  readonly attempts: readonly StoredAttempt[];
  /** Bytes of whole, valid lines: everything after this is the torn tail. */
  readonly validLength: number;
  readonly torn: TornTail | null;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** What is wrong with a parsed line as an attempt record, or undefined when its key fields are sound. */
function recordProblem(value: unknown, runId: string | undefined): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not a JSON object';
  const record = value as Record<string, unknown>;
  if (record.v !== 1) return `has v ${JSON.stringify(record.v)}, expected 1`;
  if (typeof record.runId !== 'string') return 'has no runId';
  if (runId !== undefined && record.runId !== runId) return `belongs to run ${JSON.stringify(record.runId)}, not ${JSON.stringify(runId)}`;
  if (!isNonNegativeInteger(record.seq)) return 'has no valid seq';
  if (typeof record.cell !== 'string' || record.cell === '') return 'has no cell';
  if (!isNonNegativeInteger(record.iteration) || record.iteration < 1) return 'has no valid iteration';
  if (typeof record.class !== 'string') return 'has no class';
  return undefined;
}

/**
 * Parses `attempts.jsonl`. A last line without its newline, or a last line that is not JSON, is
 * what a write cut short leaves: it is reported as `torn`, not returned. Anything else wrong — a
 * bad line before the last, a record without its key fields, a record of another run, the same
 * (cell, iteration) twice — is a ConfigError naming the file and byte offset.
 */
export function parseAttempts(bytes: Uint8Array, file: string, runId?: string, keyByBoard = false): AttemptsFileContents {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const attempts: StoredAttempt[] = [];
  const offsetsByKey = new Map<string, number>();
  let offset = 0;
  let line = 0;
  while (offset < buffer.length) {
    line += 1;
    const newline = buffer.indexOf(NEWLINE, offset);
    if (newline === -1) {
      return { attempts, validLength: offset, torn: { offset, length: buffer.length - offset, reason: 'no-newline' } };
    }
    const isLast = newline === buffer.length - 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(buffer.toString('utf8', offset, newline));
    } catch {
      if (isLast) return { attempts, validLength: offset, torn: { offset, length: buffer.length - offset, reason: 'invalid-json' } };
      throw new ConfigError(`${file}: line ${line} at byte ${offset} is not valid JSON (only a torn last line can be repaired)`, { file, offset });
    }
    const problem = recordProblem(parsed, runId);
    if (problem !== undefined) throw new ConfigError(`${file}: the record on line ${line} at byte ${offset} ${problem}`, { file, offset });
    const record = parsed as AttemptRecord;
    const key = recordKey(record, keyByBoard);
    const earlier = offsetsByKey.get(key);
    if (earlier !== undefined) {
      const onBoard = keyByBoard ? ` on board ${JSON.stringify(record.board?.label ?? '')}` : '';
      throw new ConfigError(
        `${file}: attempt ${JSON.stringify(record.cell)} iteration ${record.iteration}${onBoard} is recorded twice, at byte ${earlier} and at byte ${offset}`,
        { file, offset },
      );
    }
    offsetsByKey.set(key, offset);
    attempts.push({ record, offset });
    offset = newline + 1;
  }
  return { attempts, validLength: buffer.length, torn: null };
}

/** `parseAttempts` on a file; a missing file is an empty run. */
export async function readAttemptsFile(file: string, runId?: string, keyByBoard = false): Promise<AttemptsFileContents> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { attempts: [], validLength: 0, torn: null };
    throw error;
  }
  return parseAttempts(bytes, file, runId, keyByBoard);
}

/** The line `attempts.jsonl` gets for a record (JSON never contains a raw newline). */
export function attemptLine(record: AttemptRecord): string {
  return `${JSON.stringify(record)}\n`;
}
