import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { UsageError } from '../../errors.js';
import { isTemporaryName } from './durable-fs.js';
import { MIN_TRANSCRIPT_CAP } from './transcript-capture.js';

export const TRANSCRIPTS_DIR = 'transcripts';

export interface TranscriptLimits {
  /** Most bytes one attempt's transcript file may have (head + tail + the truncation line). */
  readonly perAttemptBytes: number;
  /** Most transcript files kept in the run; the oldest go first. */
  readonly maxFiles: number;
  /** Most bytes all transcript files of the run may have together. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_TRANSCRIPT_LIMITS: TranscriptLimits = {
  perAttemptBytes: 1024 * 1024,
  maxFiles: 2000,
  maxTotalBytes: 512 * 1024 * 1024,
};

export function resolveTranscriptLimits(given: Partial<TranscriptLimits> = {}): TranscriptLimits {
  const limits = { ...DEFAULT_TRANSCRIPT_LIMITS, ...given };
  if (!Number.isInteger(limits.perAttemptBytes) || limits.perAttemptBytes < MIN_TRANSCRIPT_CAP) {
    throw new UsageError(`transcript cap per attempt must be a whole number of bytes ≥ ${MIN_TRANSCRIPT_CAP}, got ${limits.perAttemptBytes}`);
  }
  if (!Number.isInteger(limits.maxFiles) || limits.maxFiles < 1) throw new UsageError(`transcript file limit must be ≥ 1, got ${limits.maxFiles}`);
  if (!Number.isInteger(limits.maxTotalBytes) || limits.maxTotalBytes < limits.perAttemptBytes) {
    throw new UsageError(`transcript total limit (${limits.maxTotalBytes} bytes) must be at least the per-attempt cap (${limits.perAttemptBytes} bytes)`);
  }
  return limits;
}

const SLUG_MAX = 60;

/** A file-name-safe form of a cell name: lowercase ASCII letters, digits, `.`, `_`, `-`. */
export function cellSlug(cell: string): string {
  const slug = cell
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, SLUG_MAX)
    .replace(/[-.]+$/, '');
  return slug === '' ? 'cell' : slug;
}

/**
 * `transcripts/000042-hard-visible-valid-3.log`, relative to the run directory, `/`-separated; in a
 * rack run the board's label follows the seq (`000042-bench-2-hard-…`), since every board has a seq 42.
 */
export function transcriptRelativePath(seq: number, cell: string, iteration: number, board?: string): string {
  const onBoard = board === undefined ? '' : `${cellSlug(board)}-`;
  return `${TRANSCRIPTS_DIR}/${String(seq).padStart(6, '0')}-${onBoard}${cellSlug(cell)}-${iteration}.log`;
}

const SEQ_PREFIX = /^(\d+)-/;

function seqOf(name: string): number {
  const match = SEQ_PREFIX.exec(name);
  return match === null ? Number.MAX_SAFE_INTEGER : Number(match[1]);
}

/**
 * A transcript of a record, or null when it is gone (rotated out, or never written because the
 * attempt ended before its transcript was saved). Paths leaving the run directory are refused.
 */
export async function readTranscript(runDir: string, relativePath: string): Promise<Uint8Array | null> {
  const normalized = normalize(relativePath);
  if (isAbsolute(normalized) || normalized === '..' || normalized.startsWith(`..${sep}`)) {
    throw new UsageError(`transcript path ${JSON.stringify(relativePath)} is outside the run directory`);
  }
  try {
    return await readFile(join(runDir, normalized));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

interface Entry {
  readonly name: string;
  readonly seq: number;
  size: number;
  preferKeep: boolean;
}

/**
 * Which transcript files the run keeps: at most `maxFiles` and `maxTotalBytes`. The oldest (by seq)
 * go first, but those marked `preferKeep` (e.g. failures) only once no other file is left to delete.
 */
export class TranscriptRotation {
  private readonly entries = new Map<string, Entry>();
  private totalBytes = 0;

  constructor(
    private readonly dir: string,
    private readonly limits: TranscriptLimits,
  ) {}

  /** Indexes the files already in `dir` (a resumed run); `preferKeep` says which to favour. */
  async load(preferKeep: (name: string) => boolean): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const name of names) {
      if (isTemporaryName(name)) {
        await unlink(join(this.dir, name)).catch(() => undefined);
        continue;
      }
      const info = await stat(join(this.dir, name)).catch(() => undefined);
      if (info?.isFile() !== true) continue;
      this.track(name, info.size, preferKeep(name));
    }
  }

  get fileCount(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Records a file just written (replacing an entry of the same name) and deletes what no longer fits. */
  async add(name: string, size: number): Promise<void> {
    this.track(name, size, false);
    await this.evict();
  }

  /** Favours keeping `name` from now on. */
  async preferKeep(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (entry !== undefined) entry.preferKeep = true;
    await this.evict();
  }

  private track(name: string, size: number, preferKeep: boolean): void {
    const previous = this.entries.get(name);
    if (previous !== undefined) this.totalBytes -= previous.size;
    this.entries.set(name, { name, seq: seqOf(name), size, preferKeep: preferKeep || (previous?.preferKeep ?? false) });
    this.totalBytes += size;
  }

  private overLimit(): boolean {
    return this.entries.size > this.limits.maxFiles || this.totalBytes > this.limits.maxTotalBytes;
  }

  private async evict(): Promise<void> {
    if (!this.overLimit()) return;
    const byAge = [...this.entries.values()].sort((a, b) => a.seq - b.seq);
    const order = [...byAge.filter((entry) => !entry.preferKeep), ...byAge.filter((entry) => entry.preferKeep)];
    for (const entry of order) {
      if (!this.overLimit()) return;
      await unlink(join(this.dir, entry.name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      this.entries.delete(entry.name);
      this.totalBytes -= entry.size;
    }
  }
}
