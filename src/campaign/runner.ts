import { EventEmitter } from 'node:events';
import { isHarnessError } from '../errors.js';
import type { PlannedAttempt } from './matrix.js';
import { attemptKey } from './records/attempts-file.js';
import type { AttemptRecord } from './types.js';

export type { PlannedAttempt } from './matrix.js';

/** Where finished attempts go; appending must be durable before it resolves. */
export interface AttemptSink {
  append(record: AttemptRecord): Promise<void>;
}

export interface RunnerEvents {
  'attempt-start': [PlannedAttempt];
  attempt: [AttemptRecord];
  /** The board could not be recovered: the run stops and exits 3. */
  quarantine: [{ readonly attempt: PlannedAttempt; readonly error: Error }];
}

export type RunEnd = 'completed' | 'interrupted' | 'max-duration' | 'quarantined';

export interface RunOutcome {
  readonly end: RunEnd;
  /** Attempts run by this invocation (a resumed run does not count those already on disk). */
  readonly ran: number;
  readonly error?: Error;
}

export interface RunnerOptions {
  readonly order: readonly PlannedAttempt[];
  /** Keys (`cell#iteration`) already on disk from an earlier invocation of the same run. */
  readonly done?: ReadonlySet<string>;
  readonly sink: AttemptSink;
  /** Runs one attempt to its record. Device failures are results; throwing means the rig failed. */
  runAttempt(attempt: PlannedAttempt, signal: AbortSignal): Promise<AttemptRecord>;
  /** Stops between attempts (SIGINT/SIGTERM); the attempt under way is abandoned unrecorded. */
  readonly signal?: AbortSignal | undefined;
  /** Host ms from start after which no new attempt begins. */
  readonly maxDurationMs?: number | undefined;
  readonly now?: () => number;
}

/** An attempt recorded with this class ends the run: the board is quarantined. */
export const DEVICE_HUNG_CLASS = 'device-hung';

/** Read through a call: the flag changes while an attempt awaits. */
function stopped(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/**
 * The campaign loop: attempts in the planned order, skipping those already recorded, each record
 * made durable before the next attempt starts. A stop leaves the run resumable: what is on disk is
 * complete attempts only.
 */
export class CampaignRunner extends EventEmitter<RunnerEvents> {
  constructor(private readonly options: RunnerOptions) {
    super();
  }

  async run(): Promise<RunOutcome> {
    const { order, sink, signal } = this.options;
    const now = this.options.now ?? (() => performance.now());
    const started = now();
    const done = this.options.done ?? new Set<string>();
    let ran = 0;
    for (const attempt of order) {
      if (done.has(attemptKey(attempt.cell, attempt.iteration))) continue;
      if (stopped(signal)) return { end: 'interrupted', ran };
      if (this.options.maxDurationMs !== undefined && now() - started >= this.options.maxDurationMs) return { end: 'max-duration', ran };
      this.emit('attempt-start', attempt);
      const controller = new AbortController();
      const onAbort = (): void => controller.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      let record: AttemptRecord;
      try {
        record = await this.options.runAttempt(attempt, controller.signal);
      } catch (error) {
        if (stopped(signal)) return { end: 'interrupted', ran };
        const failure = error instanceof Error ? error : new Error(String(error));
        if (isHarnessError(failure) && failure.code === 'DEVICE_HUNG') {
          this.emit('quarantine', { attempt, error: failure });
          return { end: 'quarantined', ran, error: failure };
        }
        throw failure;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
      // An attempt cut short by the stop signal is not a result: it is left for --resume.
      if (stopped(signal)) return { end: 'interrupted', ran };
      await sink.append(record);
      ran += 1;
      this.emit('attempt', record);
      if (record.class === DEVICE_HUNG_CLASS) {
        const error = new Error(record.detail);
        this.emit('quarantine', { attempt, error });
        return { end: 'quarantined', ran, error };
      }
    }
    return { end: 'completed', ran };
  }
}
