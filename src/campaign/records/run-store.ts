import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UsageError } from '../../errors.js';
import type { Redactor } from '../redact.js';
import type { AttemptRecord } from '../types.js';
import { ATTEMPTS_FILE, attemptKey, attemptLine, readAttemptsFile, recordKey, type TornTail } from './attempts-file.js';
import { DurableAppender, isTemporaryName, truncateDurably, writeFileAtomic } from './durable-fs.js';
import { MANIFEST_FILE, readManifest, writeManifest } from './manifest.js';
import { createRunDirectory } from './run-id.js';
import { LOCK_FILE, RunLock } from './run-lock.js';
import { readStatus, STATUS_FILE, writeStatus, type CurrentAttempt, type RunState, type RunStatus } from './status-file.js';
import { TranscriptCapture } from './transcript-capture.js';
import { resolveTranscriptLimits, TRANSCRIPTS_DIR, TranscriptRotation, transcriptRelativePath, type TranscriptLimits } from './transcripts.js';

export interface RunStoreOptions {
  /** Every record, transcript and the manifest pass through it before they reach the disk. */
  readonly redactor: Redactor;
  /** Attempts in the plan (for status.json). */
  readonly total: number;
  readonly transcripts?: Partial<TranscriptLimits>;
  /** Transcripts of records for which this is true (e.g. failures) are rotated out last. */
  readonly keepTranscript?: (record: AttemptRecord) => boolean;
  /**
   * A rack run: several boards append to one file, each running the whole plan. Attempts are keyed
   * by board label too, and seq must rise per board (boards finish attempts in any order).
   */
  readonly keyByBoard?: boolean;
}

export interface CreateRunOptions extends RunStoreOptions {
  /** Where run directories go; `reports` by default. */
  readonly baseDir?: string;
  /** A fixed id (tests); a fresh timestamped one by default. */
  readonly runId?: string;
}

/** What an earlier invocation left, for the runner to continue from. */
export interface ResumeState {
  readonly runId: string;
  /** Keys (`attemptKey(cell, iteration[, board])`) of the attempts already recorded. */
  readonly done: ReadonlySet<string>;
  readonly records: readonly AttemptRecord[];
  /** Highest seq recorded, -1 when none. */
  readonly lastSeq: number;
  /** A torn last line that was cut off the attempts file (that attempt runs again). */
  readonly torn: TornTail | null;
  /** status.json as the previous invocation left it ('running' with a dead pid: it was killed). */
  readonly previousStatus: RunStatus | null;
}

/** A transcript being captured for one attempt. */
export interface AttemptTranscript {
  write(data: Uint8Array | string): void;
  tap(direction: 'host-to-board' | 'board-to-host', bytes: Uint8Array): void;
  /** Writes the redacted, capped file; resolves to its path relative to the run (null when nothing was captured). */
  finish(): Promise<string | null>;
}

interface StoreState {
  readonly runId: string;
  readonly dir: string;
  readonly done: Set<string>;
  lastSeq: number;
  /** Highest seq recorded per board label (rack runs). */
  readonly lastSeqByBoard: Map<string, number>;
  readonly counts: Record<string, number>;
  readonly startedAt: string;
  readonly resumes: number;
}

/**
 * A run directory `reports/<run-id>/`: `attempts.jsonl` (append-only, one redacted record per line,
 * fdatasync'd before `append` resolves), `manifest.json`, `status.json` (heartbeat), and
 * `transcripts/` (capped, rotated). Holds `run.lock` while open. Calls are serialised: a record
 * is never interleaved with another write.
 */
export class RunStore {
  private queue: Promise<unknown> = Promise.resolve();
  private current: CurrentAttempt | null = null;
  private state: RunState = 'running';
  private closed = false;

  private constructor(
    private readonly options: RunStoreOptions,
    private readonly limits: TranscriptLimits,
    private readonly run: StoreState,
    private readonly appender: DurableAppender,
    private readonly lock: RunLock,
    private readonly rotation: TranscriptRotation,
  ) {}

  get runId(): string {
    return this.run.runId;
  }

  get dir(): string {
    return this.run.dir;
  }

  /** Attempts recorded (all invocations). */
  get doneCount(): number {
    return this.run.done.size;
  }

  isDone(cell: string, iteration: number, board?: string): boolean {
    return this.run.done.has(attemptKey(cell, iteration, this.options.keyByBoard === true ? board : undefined));
  }

  /** @internal used by createRun / openRunForResume */
  static async open(options: RunStoreOptions, run: StoreState, lock: RunLock, preferKeep: (name: string) => boolean): Promise<RunStore> {
    const limits = resolveTranscriptLimits(options.transcripts);
    const transcriptsDir = join(run.dir, TRANSCRIPTS_DIR);
    await mkdir(transcriptsDir, { recursive: true });
    const rotation = new TranscriptRotation(transcriptsDir, limits);
    await rotation.load(preferKeep);
    const appender = await DurableAppender.open(join(run.dir, ATTEMPTS_FILE));
    const store = new RunStore(options, limits, run, appender, lock, rotation);
    try {
      await store.writeStatusNow();
    } catch (error) {
      await appender.close();
      throw error;
    }
    return store;
  }

  /** Marks an attempt as under way in status.json. */
  beginAttempt(attempt: CurrentAttempt): Promise<void> {
    return this.serialised(async () => {
      this.current = { seq: attempt.seq, cell: attempt.cell, iteration: attempt.iteration };
      await this.writeStatusNow();
    });
  }

  /** A capped, redacted transcript for one attempt, written to `transcripts/` by `finish()`. */
  openTranscript(attempt: CurrentAttempt & { readonly board?: string }): AttemptTranscript {
    const capture = new TranscriptCapture(this.options.redactor, this.limits.perAttemptBytes);
    const relativePath = transcriptRelativePath(attempt.seq, attempt.cell, attempt.iteration, this.options.keyByBoard === true ? attempt.board : undefined);
    return {
      write: (data) => capture.write(data),
      tap: (direction, bytes) => capture.tap(direction, bytes),
      finish: () =>
        this.serialised(async () => {
          if (capture.bytesSeen === 0) return null;
          const bytes = capture.render();
          // Not flushed: a transcript lost to a power cut is one the reader already copes with (as if rotated out).
          await writeFileAtomic(join(this.run.dir, relativePath), bytes, { durable: false });
          await this.rotation.add(basename(relativePath), bytes.length);
          return relativePath;
        }),
    };
  }

  /**
   * Appends one attempt record, redacted, and makes it durable before resolving. A (cell,
   * iteration) already recorded, a seq not above the last, or another run's id is refused: the
   * file never holds an attempt twice.
   */
  append(record: AttemptRecord): Promise<void> {
    return this.serialised(async () => {
      this.assertOpen();
      const byBoard = this.options.keyByBoard === true;
      const label = record.board?.label ?? '';
      const key = recordKey(record, byBoard);
      if (record.runId !== this.run.runId) throw new UsageError(`record of run ${record.runId} appended to run ${this.run.runId}`);
      if (byBoard && record.board === undefined) throw new UsageError(`a record without its board appended to rack run ${this.run.runId}`);
      const onBoard = byBoard ? ` on board ${label}` : '';
      if (this.run.done.has(key)) throw new UsageError(`attempt ${JSON.stringify(record.cell)} iteration ${record.iteration}${onBoard} is already recorded in run ${this.run.runId}`);
      const lastSeq = byBoard ? (this.run.lastSeqByBoard.get(label) ?? -1) : this.run.lastSeq;
      if (!Number.isInteger(record.seq) || record.seq <= lastSeq) {
        throw new UsageError(`attempt seq ${record.seq} is not after the last recorded seq ${lastSeq}${onBoard} in run ${this.run.runId}`);
      }
      const redacted = this.options.redactor.redact(record);
      await this.appender.append(Buffer.from(attemptLine(redacted), 'utf8'));
      this.run.done.add(key);
      this.run.lastSeq = Math.max(this.run.lastSeq, record.seq);
      this.run.lastSeqByBoard.set(label, record.seq);
      this.run.counts[redacted.class] = (this.run.counts[redacted.class] ?? 0) + 1;
      if (this.current?.cell === record.cell && this.current.iteration === record.iteration) this.current = null;
      if (record.transcript !== null && this.options.keepTranscript?.(record) === true) {
        await this.rotation.preferKeep(basename(record.transcript));
      }
      await this.writeStatusNow();
    });
  }

  /** Writes manifest.json (redacted, atomic, durable). */
  writeManifest(manifest: unknown): Promise<void> {
    return this.serialised(() => writeManifest(this.run.dir, manifest, this.options.redactor));
  }

  status(): RunStatus {
    return {
      v: 1,
      runId: this.run.runId,
      state: this.state,
      done: this.run.done.size,
      total: this.options.total,
      lastSeq: this.run.lastSeq,
      current: this.current,
      counts: { ...this.run.counts },
      startedAt: this.run.startedAt,
      updatedAt: new Date().toISOString(),
      pid: process.pid,
      resumes: this.run.resumes,
    };
  }

  /** Final status, file closed, lock released. Safe to call twice. */
  close(state: Exclude<RunState, 'running'>): Promise<void> {
    return this.serialised(async () => {
      if (this.closed) return;
      this.closed = true;
      this.state = state;
      this.current = null;
      try {
        await this.writeStatusNow();
        await this.appender.close();
      } finally {
        await this.lock.release();
      }
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new UsageError(`run ${this.run.runId} is closed`);
  }

  private writeStatusNow(): Promise<void> {
    return writeStatus(this.run.dir, this.status());
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** Starts a new run directory under `baseDir` and takes its lock. */
export async function createRun(options: CreateRunOptions): Promise<RunStore> {
  resolveTranscriptLimits(options.transcripts);
  const { runId, dir } = await createRunDirectory(options.baseDir ?? 'reports', options.runId);
  const lock = await RunLock.acquire(dir);
  try {
    const run: StoreState = { runId, dir, done: new Set(), lastSeq: -1, lastSeqByBoard: new Map(), counts: {}, startedAt: new Date().toISOString(), resumes: 0 };
    return await RunStore.open(options, run, lock, () => false);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function isRunDirectory(dir: string): Promise<boolean> {
  const names = await readdir(dir);
  return [ATTEMPTS_FILE, MANIFEST_FILE, STATUS_FILE, LOCK_FILE].some((name) => names.includes(name));
}

/** Removes temporary files an interrupted atomic write left in the run directory. */
async function removeTemporaries(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (isTemporaryName(name)) await unlink(join(dir, name)).catch(() => undefined);
  }
}

/**
 * Reopens a run to continue it: takes the lock (refused while another runner holds it; a dead
 * runner's lock is taken over), reads `attempts.jsonl` — cutting off a torn last line, failing
 * with a ConfigError (file, byte offset) on any other damage or a duplicated attempt — and
 * returns what is done so the runner runs every remaining attempt exactly once.
 */
export async function openRunForResume(dir: string, options: RunStoreOptions): Promise<{ store: RunStore; resume: ResumeState }> {
  resolveTranscriptLimits(options.transcripts);
  const info = await stat(dir).catch(() => undefined);
  if (info?.isDirectory() !== true) throw new UsageError(`no run directory at ${dir}`);
  if (!(await isRunDirectory(dir))) throw new UsageError(`${dir} is not a run directory (no ${ATTEMPTS_FILE}, ${MANIFEST_FILE} or ${STATUS_FILE})`);
  const lock = await RunLock.acquire(dir);
  try {
    const manifest = await readManifest(dir);
    const previousStatus = await readStatus(dir);
    const runId =
      typeof manifest?.runId === 'string' ? manifest.runId : previousStatus !== null ? previousStatus.runId : basename(dir);
    const file = join(dir, ATTEMPTS_FILE);
    const byBoard = options.keyByBoard === true;
    const contents = await readAttemptsFile(file, runId, byBoard);
    if (contents.torn !== null) {
      await truncateDurably(file, contents.validLength);
    }
    await removeTemporaries(dir);
    const records = contents.attempts.map((stored) => stored.record);
    const counts: Record<string, number> = {};
    for (const record of records) counts[record.class] = (counts[record.class] ?? 0) + 1;
    const done = new Set(records.map((record) => recordKey(record, byBoard)));
    const lastSeq = records.reduce((highest, record) => Math.max(highest, record.seq), -1);
    const lastSeqByBoard = new Map<string, number>();
    for (const record of records) {
      const label = record.board?.label ?? '';
      lastSeqByBoard.set(label, Math.max(lastSeqByBoard.get(label) ?? -1, record.seq));
    }
    const run: StoreState = {
      runId,
      dir,
      done,
      lastSeq,
      lastSeqByBoard,
      counts,
      startedAt: previousStatus?.startedAt ?? new Date().toISOString(),
      resumes: (previousStatus?.resumes ?? 0) + 1,
    };
    const keptNames = new Set(
      records.filter((record) => record.transcript !== null && options.keepTranscript?.(record) === true).map((record) => basename(record.transcript as string)),
    );
    const store = await RunStore.open(options, run, lock, (name) => keptNames.has(name));
    return { store, resume: { runId, done: new Set(done), records, lastSeq, torn: contents.torn, previousStatus } };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
