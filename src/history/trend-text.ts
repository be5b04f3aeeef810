/** The terminal view of a trend report: per series, a table per cell, then per board and per firmware. */
import { painter, type Style } from '../report/color.js';
import { formatPercent } from '../report/format.js';
import { renderTable, type Column, type TableCell } from '../report/text-table.js';
import type { SeriesTrend, TrendDirection, TrendLine, TrendPoint, TrendReport } from './trend.js';

export interface TrendTextOptions {
  readonly width?: number;
  readonly color?: boolean;
  /** How many of the newest runs get their own ok/n column (the sparkline covers all). */
  readonly runColumns?: number;
}

const SPARK = '▁▂▃▄▅▆▇█';
const DIRECTION_TEXT: Record<TrendDirection, string> = { up: '▲ up', down: '▼ down', flat: '= flat', 'n/a': '-' };
const DIRECTION_STYLE: Record<TrendDirection, Style[]> = { up: ['green'], down: ['red', 'bold'], flat: [], 'n/a': ['dim'] };

/** One character per run: the ok rate as a bar height, `·` where the line did not run. */
export function sparkline(points: readonly (TrendPoint | null)[]): string {
  return points
    .map((p) => (p === null || p.rate === null ? '·' : (SPARK[Math.min(SPARK.length - 1, Math.floor(p.rate * SPARK.length))] as string)))
    .join('');
}

/** `11-22 00:24` from an ISO start time, else the run id. */
export function shortRunLabel(run: { id: string; startedAt: string | null }): string {
  const match = run.startedAt === null ? null : /^\d{4}-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(run.startedAt);
  return match === null ? run.id : `${match[1]}-${match[2]} ${match[3]}:${match[4]}`;
}

const okOfN = (p: TrendPoint | null): string => (p === null ? '·' : `${p.ok}/${p.attempts}`);

function seriesTitle(series: SeriesTrend): string {
  const first = series.runs[0];
  const last = series.runs.at(-1);
  const span = first === undefined || last === undefined ? '' : `, ${shortRunLabel(first)} … ${shortRunLabel(last)}`;
  return `${series.kind === 'sim' ? 'SIMULATED ' : 'REAL '}series ${series.key} — ${series.runs.length} run${series.runs.length === 1 ? '' : 's'}${span}`;
}

function lineTable(heading: string, series: SeriesTrend, lines: readonly TrendLine[], options: Required<TrendTextOptions>): string[] {
  const shown = series.runs.slice(-options.runColumns);
  const offset = series.runs.length - shown.length;
  const columns: Column[] = [
    { header: heading, flexible: true, minWidth: 16 },
    ...shown.map((run): Column => ({ header: shortRunLabel(run).slice(0, 11), align: 'right' })),
    { header: `all ${series.runs.length}`, align: 'right' },
    { header: 'ok rate', align: 'right' },
    { header: 'per run (old→new)' },
    { header: 'newest' },
  ];
  const rows = lines.map((line): TableCell[] => [
    line.key,
    ...shown.map((_, index) => okOfN(line.points[offset + index] ?? null)),
    `${line.total.ok}/${line.total.attempts}`,
    formatPercent(line.total.ok, line.total.attempts),
    sparkline(line.points),
    { text: DIRECTION_TEXT[line.direction], style: DIRECTION_STYLE[line.direction] },
  ]);
  return renderTable(columns, rows, { width: options.width, paint: painter(options.color) });
}

export function formatTrendText(report: TrendReport, options: TrendTextOptions = {}): string {
  const resolved: Required<TrendTextOptions> = { width: options.width ?? 100, color: options.color ?? false, runColumns: options.runColumns ?? 5 };
  if (report.series.length === 0) return 'no runs in the history match (import run folders with `picow-harness history import`)\n';
  const out: string[] = [];
  for (const series of report.series) {
    out.push(painter(resolved.color)(seriesTitle(series), 'bold'), '');
    out.push(...lineTable('cell', series, series.cells, resolved), '');
    if (series.boards.length > 0) out.push(...lineTable('board', series, series.boards, resolved), '');
    if (series.firmware.length > 0) out.push(...lineTable('firmware', series, series.firmware, resolved), '');
  }
  out.push('ok/n per run (· = not run); trend: the newest run’s 95 % Wilson interval wholly above (▲) or below (▼) the earlier runs’ pooled rate.');
  return `${out.join('\n')}\n`;
}
