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
  /** Rack runs: the board's label, part of every `done` key (`attemptKey(cell, iteration, board)`). */
  readonly board?: string | undefined;
  /**
   * Rack runs: quarantine the board after this many consecutive infrastructure failures (`harness.*`
   * classes, `device-hung`) instead of at the first `device-hung`; a thrown error quarantines at once.
   */
  readonly quarantineAfter?: number | undefined;
  /** Rack runs: waits before each attempt (a power group holding its boards) and hears when it ends. */
  readonly gate?: AttemptGate | undefined;
}

/** Between attempts the scheduler may hold a board (its power group is about to switch power). */
export interface AttemptGate {
  beforeAttempt(signal: AbortSignal | undefined): Promise<void>;
  afterAttempt(): void;
}

/** Failures of the rig, not of the device under test: K of them in a row quarantine a rack board. */
export function isInfrastructureClass(name: string): boolean {
  return name === DEVICE_HUNG_CLASS || name.startsWith('harness.');
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
    const { gate, quarantineAfter } = this.options;
    let ran = 0;
    let infrastructureStreak = 0;
    for (const attempt of order) {
      if (done.has(attemptKey(attempt.cell, attempt.iteration, this.options.board))) continue;
      if (stopped(signal)) return { end: 'interrupted', ran };
      if (this.options.maxDurationMs !== undefined && now() - started >= this.options.maxDurationMs) return { end: 'max-duration', ran };
      if (gate !== undefined) {
        try {
          await gate.beforeAttempt(signal);
        } catch (error) {
          if (stopped(signal)) return { end: 'interrupted', ran };
          throw error;
        }
        if (stopped(signal)) {
          gate.afterAttempt();
          return { end: 'interrupted', ran };
        }
      }
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
        if (quarantineAfter !== undefined || (isHarnessError(failure) && failure.code === 'DEVICE_HUNG')) {
          this.emit('quarantine', { attempt, error: failure });
          return { end: 'quarantined', ran, error: failure };
        }
        throw failure;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        gate?.afterAttempt();
      }
      // An attempt cut short by the stop signal is not a result: it is left for --resume.
      if (stopped(signal)) return { end: 'interrupted', ran };
      await sink.append(record);
      ran += 1;
      this.emit('attempt', record);
      if (quarantineAfter !== undefined) {
        infrastructureStreak = isInfrastructureClass(record.class) ? infrastructureStreak + 1 : 0;
        if (infrastructureStreak >= quarantineAfter) {
          const error = new Error(`${infrastructureStreak} infrastructure failures in a row (last: ${record.class}: ${record.detail})`);
          this.emit('quarantine', { attempt, error });
          return { end: 'quarantined', ran, error };
        }
      } else if (record.class === DEVICE_HUNG_CLASS) {
        const error = new Error(record.detail);
        this.emit('quarantine', { attempt, error });
        return { end: 'quarantined', ran, error };
      }
    }
    return { end: 'completed', ran };
  }
}
