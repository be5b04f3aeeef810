/**
 * What `picow-harness history` shows, as data: per series (never mixing series), the last N runs
 * oldest first and, per cell, each run's ok/n with its Wilson interval; and the same pooled over
 * cells per board and per firmware. The terminal table and the HTML chart both render this.
 */
import { cellMatcher } from '../campaign/matrix.js';
import { wilsonInterval, type WilsonInterval } from '../results/stats/index.js';
import type { History } from './history.js';
import type { BoardKind, CellCount, HistoryRun } from './types.js';

export const DEFAULT_TREND_RUNS = 30;
const TREND_CONFIDENCE = 0.95;

export interface TrendOptions {
  /** How many most recent runs per series (default 30). */
  readonly last?: number;
  /** Only cells matching this glob (`*` within an axis, `**` across). */
  readonly cell?: string;
  readonly board?: string;
  readonly firmware?: string;
  /** Only this series; default every series. */
  readonly series?: string;
}

export interface TrendPoint {
  readonly runId: string;
  readonly attempts: number;
  readonly ok: number;
  /** ok / attempts; null when the run had no attempt here. */
  readonly rate: number | null;
  readonly interval: WilsonInterval | null;
}

/** Whether the newest run sits clearly above or below the runs before it in the window. */
export type TrendDirection = 'up' | 'down' | 'flat' | 'n/a';

export interface TrendLine {
  /** A cell id, a board label or a firmware version. */
  readonly key: string;
  /** One point per run of the series (same order as `SeriesTrend.runs`), null when it did not run there. */
  readonly points: readonly (TrendPoint | null)[];
  /** Pooled over the window. */
  readonly total: TrendPoint;
  readonly direction: TrendDirection;
}

export interface SeriesTrend {
  readonly key: string;
  readonly kind: BoardKind;
  readonly campaign: string;
  /** Oldest first. */
  readonly runs: readonly HistoryRun[];
  readonly cells: readonly TrendLine[];
  readonly boards: readonly TrendLine[];
  readonly firmware: readonly TrendLine[];
}

export interface TrendReport {
  readonly options: TrendOptions & { readonly last: number };
  readonly series: readonly SeriesTrend[];
}

function point(runId: string, attempts: number, ok: number): TrendPoint {
  return { runId, attempts, ok, rate: attempts === 0 ? null : ok / attempts, interval: wilsonInterval(ok, attempts, TREND_CONFIDENCE) };
}

/**
 * `down` when the newest run's interval lies wholly below the pooled rate of the earlier runs in
 * the window, `up` when wholly above, `flat` otherwise — a hint for the eye, not the gate's test.
 */
function directionOf(points: readonly (TrendPoint | null)[]): TrendDirection {
  const present = points.filter((p): p is TrendPoint => p !== null && p.attempts > 0);
  const newest = present.at(-1);
  if (newest === undefined || present.length < 2 || newest.interval === null) return 'n/a';
  let attempts = 0;
  let ok = 0;
  for (const p of present.slice(0, -1)) {
    attempts += p.attempts;
    ok += p.ok;
  }
  const earlier = ok / attempts;
  if (newest.interval.high < earlier) return 'down';
  if (newest.interval.low > earlier) return 'up';
  return 'flat';
}

function linesBy(runs: readonly HistoryRun[], counts: ReadonlyMap<string, readonly CellCount[]>, keyOf: (count: CellCount) => string): TrendLine[] {
  const byKey = new Map<string, Map<string, { attempts: number; ok: number }>>();
  for (const run of runs) {
    for (const count of counts.get(run.id) ?? []) {
      const key = keyOf(count);
      let perRun = byKey.get(key);
      if (perRun === undefined) {
        perRun = new Map();
        byKey.set(key, perRun);
      }
      const entry = perRun.get(run.id) ?? { attempts: 0, ok: 0 };
      entry.attempts += count.attempts;
      entry.ok += count.ok;
      perRun.set(run.id, entry);
    }
  }
  return [...byKey.keys()].sort().map((key) => {
    const perRun = byKey.get(key) as Map<string, { attempts: number; ok: number }>;
    const points = runs.map((run) => {
      const entry = perRun.get(run.id);
      return entry === undefined ? null : point(run.id, entry.attempts, entry.ok);
    });
    let attempts = 0;
    let ok = 0;
    for (const entry of perRun.values()) {
      attempts += entry.attempts;
      ok += entry.ok;
    }
    return { key, points, total: point('', attempts, ok), direction: directionOf(points) };
  });
}

/** Builds the trend report from the history. */
export function buildTrend(history: History, options: TrendOptions = {}): TrendReport {
  const last = options.last ?? DEFAULT_TREND_RUNS;
  const matches = options.cell === undefined ? () => true : cellMatcher(options.cell);
  const seriesList = history.series().filter((entry) => options.series === undefined || entry.key === options.series);
  const result: SeriesTrend[] = [];
  for (const entry of seriesList) {
    const runs = history
      .runs({
        series: entry.key,
        limit: last,
        ...(options.board === undefined ? {} : { board: options.board }),
        ...(options.firmware === undefined ? {} : { firmware: options.firmware }),
      })
      .reverse();
    if (runs.length === 0) continue;
    const raw = history.cellCountsOf(
      runs.map((run) => run.id),
      { ...(options.board === undefined ? {} : { board: options.board }), ...(options.firmware === undefined ? {} : { firmware: options.firmware }) },
    );
    const counts = new Map<string, CellCount[]>();
    for (const [runId, list] of raw) counts.set(runId, list.filter((count) => matches(count.cell)));
    const cells = linesBy(runs, counts, (count) => count.cell);
    if (cells.length === 0) continue;
    result.push({
      key: entry.key,
      kind: entry.kind,
      campaign: entry.campaign,
      runs,
      cells,
      boards: linesBy(runs, counts, (count) => count.board),
      firmware: linesBy(runs, counts, (count) => count.firmware),
    });
  }
  return { options: { ...options, last }, series: result };
}
