/**
 * `summary.json`: the machine-readable result of a run. Field order is fixed (the objects are
 * built in the order of the types below), so two summaries of the same records diff cleanly.
 */
import { percentiles, type Percentiles } from '../results/stats/index.js';
import { OK_INTERVAL_CONFIDENCE, type AttemptExample, type CellStatus, type CellTally, type ExpectationResult, type Tally } from '../results/tally.js';
import { SIMULATED_LABEL, type RunInfo, type SimulationInfo } from './run-info.js';

export const SUMMARY_JSON_FILE = 'summary.json';
/** Bumped when a field changes meaning or goes away (adding fields keeps it). */
export const SUMMARY_JSON_SCHEMA = 'picow-harness/summary@1';

/**
 * Why the run ended, with the exit code `run` returns: 0 completed and every expectation held,
 * 1 an expectation failed, 2 usage/config, 3 infrastructure, 130 interrupted (SIGINT).
 */
export type ExitReason = 'completed' | 'expectation-failed' | 'time-limit' | 'interrupted' | 'usage' | 'infrastructure';

export interface RunExit {
  readonly code: number;
  readonly reason: ExitReason;
  /** One line for people (an error's message), or null. */
  readonly message: string | null;
}

/** Measured values of one timing (ms); the numbers are null when nothing was measured. */
export interface TimingSummary {
  readonly count: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  /** Percentiles by linear interpolation between order statistics (numpy's default, R type 7). */
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
}

/** The Wilson score interval of the ok rate. */
export interface SummaryInterval {
  readonly method: 'wilson';
  readonly confidence: number;
  readonly low: number;
  readonly high: number;
}

export interface SummaryClass {
  readonly name: string;
  readonly count: number;
  /** True for the cell's ok class. */
  readonly ok: boolean;
  /** The first attempt (lowest seq) of a failure class; null for the ok class. */
  readonly firstFailure: AttemptExample | null;
}

export interface SummaryExpectation {
  readonly rule: string;
  readonly held: boolean;
  readonly observed: number | string;
  readonly text: string;
}

export interface SummaryCell {
  readonly id: string;
  /** By ok rate: pass (all ok), fail (none), flaky (some), not-run. */
  readonly status: CellStatus;
  readonly planned: number;
  readonly attempts: number;
  readonly okClass: string;
  readonly ok: number;
  /** ok / attempts, null when not run. */
  readonly okRate: number | null;
  /** Where the ok rate lies with 95 % confidence; null when not run. */
  readonly okInterval: SummaryInterval | null;
  readonly classes: readonly SummaryClass[];
  /** Attempts that reached each class as final class or as a step. */
  readonly reached: readonly { readonly name: string; readonly count: number }[];
  readonly timeToIpMs: TimingSummary;
  readonly handshakeMs: TimingSummary;
  /** Sum of the attempts' wall time and board-side time. */
  readonly durationMs: number;
  readonly boardMs: number;
  readonly expectation: ExpectationResult;
  readonly expectations: readonly SummaryExpectation[];
}

export interface SummaryJson {
  readonly schema: typeof SUMMARY_JSON_SCHEMA;
  readonly runId: string;
  readonly board: {
    readonly kind: 'sim' | 'real';
    /** 'SIMULATED' for a sim run, else null. */
    readonly label: typeof SIMULATED_LABEL | null;
    readonly sim: SimulationInfo | null;
    readonly serialNumber: string | null;
    readonly firmware: string | null;
  };
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly attempts: {
    readonly planned: number;
    readonly done: number;
    readonly ok: number;
    /** Records of an attempt already counted (should be 0). */
    readonly duplicatesIgnored: number;
  };
  readonly exit: RunExit;
  readonly totals: {
    readonly cells: number;
    readonly byStatus: Readonly<Record<CellStatus, number>>;
    readonly classes: readonly { readonly name: string; readonly count: number }[];
    readonly expectations: { readonly total: number; readonly held: number; readonly failed: number };
    readonly durationMs: number;
    readonly boardMs: number;
  };
  readonly cells: readonly SummaryCell[];
  /** Every expectation outcome, including any for a cell not in `cells`. */
  readonly expectations: readonly (SummaryExpectation & { readonly cell: string })[];
}

/** `values` summarised; `known` are their percentiles when the caller has them already. */
export function timingSummary(values: readonly number[], known?: Percentiles | null): TimingSummary {
  if (values.length === 0) return { count: 0, min: null, max: null, mean: null, p50: null, p90: null, p99: null };
  const spread = known ?? (percentiles(values) as Percentiles);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
    sum += value;
  }
  return { count: values.length, min, max, mean: sum / values.length, p50: spread.p50, p90: spread.p90, p99: spread.p99 };
}

function summaryCell(cell: CellTally): SummaryCell {
  return {
    id: cell.cell,
    status: cell.status,
    planned: cell.planned,
    attempts: cell.attempts,
    okClass: cell.okClass,
    ok: cell.ok,
    okRate: cell.okRate,
    okInterval:
      cell.okInterval === null
        ? null
        : { method: 'wilson', confidence: OK_INTERVAL_CONFIDENCE, low: cell.okInterval.low, high: cell.okInterval.high },
    classes: cell.classes.map((entry) => ({
      name: entry.name,
      count: entry.count,
      ok: entry.ok,
      firstFailure:
        entry.firstFailure === null
          ? null
          : {
              seq: entry.firstFailure.seq,
              iteration: entry.firstFailure.iteration,
              transcript: entry.firstFailure.transcript,
              detail: entry.firstFailure.detail,
            },
    })),
    reached: cell.reached.map((entry) => ({ name: entry.name, count: entry.count })),
    timeToIpMs: timingSummary(cell.timeToIpMs, cell.timeToIp),
    handshakeMs: timingSummary(cell.handshakeMs, cell.handshake),
    durationMs: cell.durationMs,
    boardMs: cell.boardMs,
    expectation: cell.expectation,
    expectations: cell.expectations.map((outcome) => ({
      rule: outcome.rule,
      held: outcome.held,
      observed: outcome.observed,
      text: outcome.text,
    })),
  };
}

export function buildSummary(run: RunInfo, tally: Tally, exit: RunExit): SummaryJson {
  const { totals } = tally;
  return {
    schema: SUMMARY_JSON_SCHEMA,
    runId: run.runId,
    board: {
      kind: run.board.kind,
      label: run.board.kind === 'sim' ? SIMULATED_LABEL : null,
      sim: run.board.sim === null ? null : { worldHash: run.board.sim.worldHash, seed: run.board.sim.seed, timeScale: run.board.sim.timeScale },
      serialNumber: run.board.serialNumber,
      firmware: run.board.firmware,
    },
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    attempts: { planned: totals.planned, done: totals.attempts, ok: totals.ok, duplicatesIgnored: totals.duplicates },
    exit: { code: exit.code, reason: exit.reason, message: exit.message },
    totals: {
      cells: totals.cells,
      byStatus: {
        pass: totals.byStatus.pass,
        fail: totals.byStatus.fail,
        flaky: totals.byStatus.flaky,
        'not-run': totals.byStatus['not-run'],
      },
      classes: totals.classes.map((entry) => ({ name: entry.name, count: entry.count })),
      expectations: { total: totals.expectations.total, held: totals.expectations.held, failed: totals.expectations.failed },
      durationMs: totals.durationMs,
      boardMs: totals.boardMs,
    },
    cells: tally.cells.map(summaryCell),
    expectations: tally.expectations.map((outcome) => ({
      cell: outcome.cell,
      rule: outcome.rule,
      held: outcome.held,
      observed: outcome.observed,
      text: outcome.text,
    })),
  };
}

/** `summary.json`'s text: two-space indented, ending in a newline. */
export function formatSummaryJson(run: RunInfo, tally: Tally, exit: RunExit): string {
  return `${JSON.stringify(buildSummary(run, tally, exit), null, 2)}\n`;
}
