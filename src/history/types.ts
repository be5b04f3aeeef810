/** What the history stores and answers, as plain objects. */

export type BoardKind = 'sim' | 'real';

/**
 * The gate's word on a run. `regression` is the one that matters to the history: a run marked so
 * is never a `last-good` baseline. Other words (`pass`, `no-baseline`, …) are stored as given.
 */
export type GateVerdict = string;
export const REGRESSION_VERDICT = 'regression';

export interface SimConditions {
  readonly worldHash: string;
  readonly seed: string;
  readonly timeScale: number;
}

export interface HistoryRun {
  readonly id: string;
  /** The run folder as it was imported (absolute). */
  readonly dir: string;
  /** The campaign's `name`, else its config file's name. */
  readonly campaign: string;
  readonly configHash: string | null;
  /** Runs are compared only within one series (see `seriesKeyOf`). */
  readonly seriesKey: string;
  readonly kind: BoardKind;
  readonly sim: SimConditions | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** The run's exit code (0 ok, 1 expectation failed, 3 infrastructure, 130 interrupted); null when unknown (still running, or no summary). */
  readonly exitCode: number | null;
  readonly exitReason: string | null;
  readonly planned: number;
  readonly attempts: number;
  readonly ok: number;
  readonly harnessVersion: string | null;
  readonly gateVerdict: GateVerdict | null;
}

export interface RunFilter {
  readonly series?: string;
  readonly kind?: BoardKind;
  readonly campaign?: string;
  /** Only runs that ran a cell on this board (label, serial number or unique id). */
  readonly board?: string;
  /** Only runs that ran this firmware (exact `sys.version`, or a substring of it such as `v1.24.1`). */
  readonly firmware?: string;
  /** Only runs that started before this run (by start time, then id). */
  readonly before?: string;
  /** Only runs with this exit code. */
  readonly exitCode?: number;
  /** The most recent N (after the other filters). */
  readonly limit?: number;
}

/** One (cell, board, firmware) of a run: how many attempts, how many reached the cell's ok class. */
export interface CellCount {
  readonly cell: string;
  readonly board: string;
  readonly firmware: string;
  readonly okClass: string;
  readonly attempts: number;
  readonly ok: number;
  /** Final classes and their counts. */
  readonly classes: Readonly<Record<string, number>>;
}

export interface CellCountFilter {
  readonly board?: string;
  readonly firmware?: string;
}

export interface CellTimings {
  readonly cell: string;
  readonly timeToIp: { readonly count: number; readonly p50: number | null; readonly p90: number | null; readonly p99: number | null };
  readonly handshake: { readonly count: number; readonly p50: number | null; readonly p90: number | null; readonly p99: number | null };
}

export interface ImportResult {
  readonly run: HistoryRun;
  /** True when the run was in the history already and its rows were replaced. */
  readonly replaced: boolean;
  readonly outcomes: number;
  /** Notes about the data (a torn last line skipped, cells derived from records). */
  readonly notes: readonly string[];
}
