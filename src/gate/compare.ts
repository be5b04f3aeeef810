/**
 * The gate's statistics, as pure functions over per-cell counts.
 *
 * Per compared cell: H0 "the run's ok rate is at least the baseline's" against H1 "it is lower",
 * by Fisher's exact test, one-sided, on [[run ok, run not ok], [baseline ok, baseline not ok]]
 * (the baseline's runs pooled). Across the cells compared in one run, Holm's step-down adjustment:
 * a cell is a regression when its adjusted p-value is ≤ α (and its drop is at least `minDrop`).
 * Holm controls the family-wise error rate: when nothing got worse, the chance that the gate
 * flags ANY cell on a night is at most α — the nightly false-alarm rate. Fisher's test is exact
 * and conservative, so that bound holds at any sample size, not only asymptotically.
 *
 * Cells the baseline never ran are "new" and cells with fewer than `minAttempts` attempts on
 * either side are "too few": both are reported, neither is tested nor counted in the Holm family.
 */
import { fisherWorseThan, holmAdjust, wilsonInterval } from '../results/stats/index.js';

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_MIN_ATTEMPTS = 5;
export const DEFAULT_MIN_DROP = 0;
export const CONFIDENCE = 0.95;

export const GATE_TEST = 'fisher-exact-one-sided';
export const GATE_CORRECTION = 'holm';

/** Counts of one cell of one run (per board and firmware, as the history returns them). */
export interface CountRow {
  readonly cell: string;
  readonly board: string;
  readonly attempts: number;
  readonly ok: number;
}

export interface GateOptions {
  /** Family-wise error rate per run (the false-alarm rate). */
  readonly alpha?: number;
  /** Fewer attempts than this in the run or in the pooled baseline: reported, not gated. */
  readonly minAttempts?: number;
  /** A significant drop smaller than this (as a rate, 0.1 = 10 points) is not a regression. */
  readonly minDrop?: number;
}

export interface RateSummary {
  readonly ok: number;
  readonly attempts: number;
  /** ok / attempts; null for no attempts. */
  readonly rate: number | null;
  /** 95 % Wilson interval; null for no attempts. */
  readonly low: number | null;
  readonly high: number | null;
}

export type CellStatus = 'regressed' | 'passed' | 'new' | 'too-few';

export interface GateCell {
  /** `cell`, or `cell @ board` when the run ran several boards. */
  readonly key: string;
  readonly cell: string;
  /** The board, when cells are compared per board; null when the run had one board. */
  readonly board: string | null;
  readonly status: CellStatus;
  readonly run: RateSummary;
  /** The pooled baseline; null for a new cell. */
  readonly baseline: RateSummary | null;
  /** Baseline rate − run rate (positive = worse); null when either has no attempts. */
  readonly drop: number | null;
  /** One-sided Fisher p-value; null when not tested. */
  readonly pValue: number | null;
  /** Holm-adjusted over the cells tested; null when not tested. */
  readonly adjustedP: number | null;
  /** Why a cell was not tested, or why a significant one did not count. */
  readonly note: string | null;
}

export interface GateComparison {
  readonly test: typeof GATE_TEST;
  readonly correction: typeof GATE_CORRECTION;
  readonly alpha: number;
  readonly minAttempts: number;
  readonly minDrop: number;
  readonly perBoard: boolean;
  readonly cells: readonly GateCell[];
  /** Cells tested (the Holm family size). */
  readonly compared: number;
  readonly regressed: number;
  /** Cells the baseline ran that this run did not. */
  readonly missing: readonly string[];
}

function summarize(ok: number, attempts: number): RateSummary {
  const interval = wilsonInterval(ok, attempts, CONFIDENCE);
  return { ok, attempts, rate: interval?.rate ?? null, low: interval?.low ?? null, high: interval?.high ?? null };
}

function checkOptions(options: GateOptions): Required<GateOptions> {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const minAttempts = options.minAttempts ?? DEFAULT_MIN_ATTEMPTS;
  const minDrop = options.minDrop ?? DEFAULT_MIN_DROP;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha ${alpha} is not in (0, 1)`);
  if (!Number.isSafeInteger(minAttempts) || minAttempts < 1) throw new RangeError(`minAttempts ${minAttempts} is not a whole number ≥ 1`);
  if (!(minDrop >= 0 && minDrop <= 1)) throw new RangeError(`minDrop ${minDrop} is not in [0, 1]`);
  return { alpha, minAttempts, minDrop };
}

interface Pooled {
  readonly cell: string;
  readonly board: string | null;
  ok: number;
  attempts: number;
}

/** Sums rows by key (cell, or cell and board); firmware and, when not per board, boards are pooled. */
function pool(rows: readonly CountRow[], perBoard: boolean): Map<string, Pooled> {
  const pooled = new Map<string, Pooled>();
  for (const row of rows) {
    const board = perBoard ? row.board : null;
    const key = board === null ? row.cell : `${row.cell} @ ${board}`;
    const entry = pooled.get(key) ?? { cell: row.cell, board, ok: 0, attempts: 0 };
    entry.ok += row.ok;
    entry.attempts += row.attempts;
    pooled.set(key, entry);
  }
  return pooled;
}

/**
 * Compares a run's counts with its baseline's (every baseline run's rows together). Cells are
 * compared per board when the run ran more than one board, pooled over boards otherwise.
 */
export function compareWithBaseline(runRows: readonly CountRow[], baselineRows: readonly CountRow[], options: GateOptions = {}): GateComparison {
  const { alpha, minAttempts, minDrop } = checkOptions(options);
  const perBoard = new Set(runRows.map((row) => row.board)).size > 1;
  const run = pool(runRows, perBoard);
  const baseline = pool(baselineRows, perBoard);
  const keys = [...run.keys()].sort();

  const tested: { key: string; pValue: number }[] = [];
  for (const key of keys) {
    const current = run.get(key) as Pooled;
    const before = baseline.get(key);
    if (before === undefined || current.attempts < minAttempts || before.attempts < minAttempts) continue;
    tested.push({ key, pValue: fisherWorseThan(current, before) });
  }
  const adjusted = new Map(tested.length === 0 ? [] : holmAdjust(tested.map((entry) => entry.pValue)).map((p, index) => [tested[index]?.key as string, p]));
  const raw = new Map(tested.map((entry) => [entry.key, entry.pValue]));

  const cells = keys.map((key): GateCell => {
    const current = run.get(key) as Pooled;
    const before = baseline.get(key);
    const runSummary = summarize(current.ok, current.attempts);
    const baselineSummary = before === undefined ? null : summarize(before.ok, before.attempts);
    const drop = runSummary.rate === null || baselineSummary?.rate == null ? null : baselineSummary.rate - runSummary.rate;
    const common = { key, cell: current.cell, board: current.board, run: runSummary, baseline: baselineSummary, drop };
    if (before === undefined) return { ...common, status: 'new', pValue: null, adjustedP: null, note: 'new — not in the baseline, not compared' };
    const pValue = raw.get(key);
    const adjustedP = adjusted.get(key);
    if (pValue === undefined || adjustedP === undefined) {
      return { ...common, status: 'too-few', pValue: null, adjustedP: null, note: `too few attempts to gate (run ${current.attempts}, baseline ${before.attempts}; at least ${minAttempts} each)` };
    }
    const significant = adjustedP <= alpha;
    const largeEnough = drop !== null && drop >= minDrop;
    return {
      ...common,
      status: significant && largeEnough ? 'regressed' : 'passed',
      pValue,
      adjustedP,
      note: significant && !largeEnough ? `significant, but the drop is below --min-drop ${minDrop}` : null,
    };
  });

  const runCells = new Set(cells.map((cell) => cell.key));
  return {
    test: GATE_TEST,
    correction: GATE_CORRECTION,
    alpha,
    minAttempts,
    minDrop,
    perBoard,
    cells,
    compared: tested.length,
    regressed: cells.filter((cell) => cell.status === 'regressed').length,
    missing: [...baseline.keys()].filter((key) => !runCells.has(key)).sort(),
  };
}
