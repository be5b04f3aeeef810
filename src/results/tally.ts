/**
 * Per-cell tallies of a run's attempt records: what every report (terminal, summary.json, JUnit)
 * and the findings build on: counts per class, the ok rate with its Wilson 95 % interval, and
 * time-to-IP and handshake percentiles (the raw timings are kept too).
 *
 * Records can be fed one at a time (`Tallier.add`) so a report over a large run streams them.
 */
import type { AttemptRecord } from '../campaign/types.js';
import { percentiles, wilsonInterval, type Percentiles, type WilsonInterval } from './stats/index.js';

/** The confidence of every cell's `okInterval`. */
export const OK_INTERVAL_CONFIDENCE = 0.95;

/** A cell as the plan has it. */
export interface PlannedCell {
  readonly id: string;
  readonly iterations: number;
  /** The class that counts as success: `tls.ok` when the cell has a TLS step, else `wifi.ok`. */
  readonly okClass: string;
}

/** One `expect:` rule of a cell, judged by the caller. */
export interface ExpectationOutcome {
  readonly cell: string;
  /** The rule as written, e.g. `tls.ok >= 0.95` or `fails`. */
  readonly rule: string;
  readonly held: boolean;
  /** What was measured: a rate (0..1), a count, or words, as the rule defines it. */
  readonly observed: number | string;
  /** One line for people that names the cell, the rule and the observation. */
  readonly text: string;
}

/**
 * By the ok rate: `pass` every attempt ok, `fail` none, `flaky` some, `not-run` no attempt.
 * Independent of expectations (a cell expected to fail has status `fail` and a held expectation).
 */
export type CellStatus = 'pass' | 'fail' | 'flaky' | 'not-run';
export const CELL_STATUSES: readonly CellStatus[] = ['pass', 'fail', 'flaky', 'not-run'];

/** `none`: the cell has no `expect:`; `failed`: at least one rule did not hold. */
export type ExpectationResult = 'held' | 'failed' | 'none';

/** The attempt to look at first for a class: its lowest `seq`. */
export interface AttemptExample {
  readonly seq: number;
  readonly iteration: number;
  /** Relative to the run directory, or null when the attempt kept none. */
  readonly transcript: string | null;
  readonly detail: string;
}

export interface ClassCount {
  readonly name: string;
  readonly count: number;
  /** True for the cell's ok class. */
  readonly ok: boolean;
  /** The first attempt of a failure class; null for the ok class. */
  readonly firstFailure: AttemptExample | null;
}

export interface CellTally {
  readonly cell: string;
  /** Iterations the plan asked for (0 for a cell that has records but is not in the plan). */
  readonly planned: number;
  readonly attempts: number;
  readonly okClass: string;
  readonly ok: number;
  /** ok / attempts; null when the cell did not run. */
  readonly okRate: number | null;
  /** Wilson interval of the ok rate at OK_INTERVAL_CONFIDENCE; null when the cell did not run. */
  readonly okInterval: WilsonInterval | null;
  readonly status: CellStatus;
  /** By final class, most frequent first, ties by name. */
  readonly classes: readonly ClassCount[];
  /** Attempts that reached each class as their final class or as a step on the way (`classes`), same order rule. */
  readonly reached: readonly { readonly name: string; readonly count: number }[];
  /** Every measured time to GOT_IP, in the order the records came (for percentiles later). */
  readonly timeToIpMs: readonly number[];
  /** Every measured TLS handshake time, in the order the records came. */
  readonly handshakeMs: readonly number[];
  /** p50/p90/p99 of `timeToIpMs` (numpy's linear percentile); null when none was measured. */
  readonly timeToIp: Percentiles | null;
  /** p50/p90/p99 of `handshakeMs`; null when none was measured. */
  readonly handshake: Percentiles | null;
  /** Sum of the attempts' wall time, and of their board-side time where the board reported it. */
  readonly durationMs: number;
  readonly boardMs: number;
  readonly expectation: ExpectationResult;
  readonly expectations: readonly ExpectationOutcome[];
}

export interface RunTotals {
  readonly cells: number;
  readonly planned: number;
  readonly attempts: number;
  readonly ok: number;
  readonly byStatus: Readonly<Record<CellStatus, number>>;
  /** Every class over the run, most frequent first. */
  readonly classes: readonly { readonly name: string; readonly count: number }[];
  readonly expectations: { readonly total: number; readonly held: number; readonly failed: number };
  readonly durationMs: number;
  readonly boardMs: number;
  /** Records whose (cell, iteration) had been counted already; they are not counted again. */
  readonly duplicates: number;
}

export interface Tally {
  readonly cells: readonly CellTally[];
  readonly totals: RunTotals;
  /** All outcomes in the order the caller gave them. */
  readonly expectations: readonly ExpectationOutcome[];
}

interface ClassAccumulator {
  count: number;
  first: AttemptExample | null;
  firstSeq: number;
}

/** An attempt's place in its cell: the iteration, per board (in a rack run every board runs every iteration). */
function attemptSlot(record: AttemptRecord): string {
  return record.board === undefined ? String(record.iteration) : `${record.board.label}#${record.iteration}`;
}

class CellAccumulator {
  readonly iterations = new Set<string>();
  readonly classes = new Map<string, ClassAccumulator>();
  readonly reached = new Map<string, number>();
  readonly timeToIpMs: number[] = [];
  readonly handshakeMs: number[] = [];
  durationMs = 0;
  boardMs = 0;
  sawTls = false;

  add(record: AttemptRecord): void {
    this.iterations.add(attemptSlot(record));
    const example: AttemptExample = {
      seq: record.seq,
      iteration: record.iteration,
      transcript: record.transcript,
      detail: record.detail,
    };
    const entry = this.classes.get(record.class);
    if (entry === undefined) this.classes.set(record.class, { count: 1, first: example, firstSeq: record.seq });
    else {
      entry.count += 1;
      if (record.seq < entry.firstSeq) {
        entry.first = example;
        entry.firstSeq = record.seq;
      }
    }
    for (const name of new Set([record.class, ...record.classes])) this.reached.set(name, (this.reached.get(name) ?? 0) + 1);
    const timeToIpMs = record.wifi?.timeToIpMs;
    const handshakeMs = record.tls?.handshakeMs;
    if (typeof timeToIpMs === 'number' && Number.isFinite(timeToIpMs)) this.timeToIpMs.push(timeToIpMs);
    if (typeof handshakeMs === 'number' && Number.isFinite(handshakeMs)) this.handshakeMs.push(handshakeMs);
    if (Number.isFinite(record.durationMs)) this.durationMs += record.durationMs;
    if (record.boardMs !== null && Number.isFinite(record.boardMs)) this.boardMs += record.boardMs;
    if (record.tls !== null || record.class.startsWith('tls.')) this.sawTls = true;
  }
}

const byCountThenName = (a: { name: string; count: number }, b: { name: string; count: number }): number =>
  b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function cellStatus(attempts: number, ok: number): CellStatus {
  if (attempts === 0) return 'not-run';
  if (ok === attempts) return 'pass';
  if (ok === 0) return 'fail';
  return 'flaky';
}

/** Accumulates records (any order) and produces the tally. */
export class Tallier {
  private readonly plan: readonly PlannedCell[];
  private readonly cells = new Map<string, CellAccumulator>();
  private duplicates = 0;

  constructor(plan: readonly PlannedCell[]) {
    this.plan = plan;
    for (const cell of plan) this.cells.set(cell.id, new CellAccumulator());
  }

  add(record: AttemptRecord): void {
    let cell = this.cells.get(record.cell);
    if (cell === undefined) {
      cell = new CellAccumulator();
      this.cells.set(record.cell, cell);
    }
    if (cell.iterations.has(attemptSlot(record))) {
      this.duplicates += 1;
      return;
    }
    cell.add(record);
  }

  /** The tally so far; `expectations` are attached to their cells (outcomes for unknown cells stay in `expectations`). */
  result(expectations: readonly ExpectationOutcome[] = []): Tally {
    const planned = new Map(this.plan.map((cell) => [cell.id, cell]));
    const cells: CellTally[] = [];
    for (const [id, accumulator] of this.cells) {
      // A cell outside the plan (e.g. records of a changed config) is still shown; its ok class is inferred.
      const plan = planned.get(id) ?? { id, iterations: 0, okClass: accumulator.sawTls ? 'tls.ok' : 'wifi.ok' };
      cells.push(this.cellTally(plan, accumulator, expectations.filter((outcome) => outcome.cell === id)));
    }
    return { cells, totals: this.totals(cells, expectations), expectations: [...expectations] };
  }

  private cellTally(plan: PlannedCell, accumulator: CellAccumulator, expectations: readonly ExpectationOutcome[]): CellTally {
    const classes: ClassCount[] = [...accumulator.classes]
      .map(([name, entry]) => ({
        name,
        count: entry.count,
        ok: name === plan.okClass,
        firstFailure: name === plan.okClass ? null : entry.first,
      }))
      .sort(byCountThenName);
    const attempts = accumulator.iterations.size;
    const ok = accumulator.classes.get(plan.okClass)?.count ?? 0;
    return {
      cell: plan.id,
      planned: plan.iterations,
      attempts,
      okClass: plan.okClass,
      ok,
      okRate: attempts === 0 ? null : ok / attempts,
      okInterval: wilsonInterval(ok, attempts, OK_INTERVAL_CONFIDENCE),
      status: cellStatus(attempts, ok),
      classes,
      reached: [...accumulator.reached].map(([name, count]) => ({ name, count })).sort(byCountThenName),
      timeToIpMs: [...accumulator.timeToIpMs],
      handshakeMs: [...accumulator.handshakeMs],
      timeToIp: percentiles(accumulator.timeToIpMs),
      handshake: percentiles(accumulator.handshakeMs),
      durationMs: accumulator.durationMs,
      boardMs: accumulator.boardMs,
      expectation: expectations.length === 0 ? 'none' : expectations.every((outcome) => outcome.held) ? 'held' : 'failed',
      expectations,
    };
  }

  private totals(cells: readonly CellTally[], expectations: readonly ExpectationOutcome[]): RunTotals {
    const byStatus: Record<CellStatus, number> = { pass: 0, fail: 0, flaky: 0, 'not-run': 0 };
    const classes = new Map<string, number>();
    let planned = 0;
    let attempts = 0;
    let ok = 0;
    let durationMs = 0;
    let boardMs = 0;
    for (const cell of cells) {
      byStatus[cell.status] += 1;
      planned += cell.planned;
      attempts += cell.attempts;
      ok += cell.ok;
      durationMs += cell.durationMs;
      boardMs += cell.boardMs;
      for (const entry of cell.classes) classes.set(entry.name, (classes.get(entry.name) ?? 0) + entry.count);
    }
    const held = expectations.filter((outcome) => outcome.held).length;
    return {
      cells: cells.length,
      planned,
      attempts,
      ok,
      byStatus,
      classes: [...classes].map(([name, count]) => ({ name, count })).sort(byCountThenName),
      expectations: { total: expectations.length, held, failed: expectations.length - held },
      durationMs,
      boardMs,
      duplicates: this.duplicates,
    };
  }
}

/** Tallies `records` against the plan; see `Tallier`. */
export function tally(
  records: Iterable<AttemptRecord>,
  plan: readonly PlannedCell[],
  expectations: readonly ExpectationOutcome[] = [],
): Tally {
  const tallier = new Tallier(plan);
  for (const record of records) tallier.add(record);
  return tallier.result(expectations);
}
