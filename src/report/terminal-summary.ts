/**
 * The tables `picow-harness run` prints at the end: one row per cell (ok rate with its Wilson 95 %
 * interval), the timing percentiles of the cells that ran, then the totals.
 */
import type { Percentiles, WilsonInterval } from '../results/stats/index.js';
import type { CellStatus, CellTally, Tally } from '../results/tally.js';
import { painter, type Painter, type Style } from './color.js';
import { formatDuration, formatObserved, formatPercent, namingCell, wrap } from './format.js';
import { describeRackBoard, describeSimulation, isSimulated, SIMULATED_LABEL, type RunInfo } from './run-info.js';
import { renderTable, type Column, type TableCell } from './text-table.js';

export interface TerminalSummaryOptions {
  /** ANSI colour (decide with `shouldUseColor`). */
  readonly color: boolean;
  /** The widest a line may be (default 100). */
  readonly width?: number;
  /** Classes listed per cell before `+N more` (default 3). */
  readonly topClasses?: number;
}

const STATUS_STYLE: Record<CellStatus, Style> = { pass: 'green', fail: 'red', flaky: 'yellow', 'not-run': 'dim' };

const COLUMNS: readonly Column[] = [
  { header: 'cell', flexible: true, minWidth: 16 },
  { header: 'n', align: 'right' },
  // Flexible so a narrow terminal puts the interval under the rate.
  { header: 'ok [95% CI]', align: 'right', flexible: true, minWidth: 12 },
  { header: 'status' },
  { header: 'classes', flexible: true, minWidth: 12 },
  { header: 'expect', flexible: true, minWidth: 12 },
];

const TIMING_COLUMNS: readonly Column[] = [
  { header: 'cell', flexible: true, minWidth: 16 },
  { header: 'time to IP', align: 'right', flexible: true, minWidth: 14 },
  { header: 'TLS handshake', align: 'right', flexible: true, minWidth: 14 },
];

/**
 * A bound of the interval in percent with one decimal. Like `formatPercent`, only an exact 0 or 1
 * prints as 0.0 or 100.0, so a cell that failed once never shows an interval reaching 100.0.
 */
function formatBound(value: number): string {
  if (value <= 0) return '0.0';
  if (value >= 1) return '100.0';
  return (Math.min(999, Math.max(1, Math.round(value * 1000))) / 10).toFixed(1);
}

/** `55.0% [32.0–76.2]`, or `-` for a cell that did not run. */
export function formatRateWithInterval(ok: number, attempts: number, interval: WilsonInterval | null): string {
  if (interval === null) return formatPercent(ok, attempts);
  return `${formatPercent(ok, attempts)} [${formatBound(interval.low)}–${formatBound(interval.high)}]`;
}

/** `1866/2360/2452 (5)` in whole ms, or `-` when nothing was measured. */
function timingText(spread: Percentiles | null, count: number): string {
  if (spread === null) return '-';
  return `${[spread.p50, spread.p90, spread.p99].map((value) => String(Math.round(value))).join('/')} (${count})`;
}

function timingRows(tally: Tally): TableCell[][] {
  return tally.cells
    .filter((cell) => cell.attempts > 0)
    .map((cell) => [cell.cell, timingText(cell.timeToIp, cell.timeToIpMs.length), timingText(cell.handshake, cell.handshakeMs.length)]);
}

const TABLE_GAP = 2;

function table(columns: readonly Column[], rows: readonly (readonly TableCell[])[], width: number, paint: Painter): string[] {
  return renderTable(columns, rows, { width, paint, gap: TABLE_GAP });
}

function classesText(cell: CellTally, top: number): string {
  if (cell.classes.length === 0) return '-';
  const shown = cell.classes.slice(0, top).map((entry) => `${entry.name} ${entry.count}`);
  const hidden = cell.classes.slice(top);
  if (hidden.length > 0) shown.push(`+${hidden.length} more (${hidden.reduce((sum, entry) => sum + entry.count, 0)})`);
  return shown.join(', ');
}

function expectationCell(cell: CellTally): TableCell {
  if (cell.expectation === 'none') return { text: '-', style: ['dim'] };
  const text = cell.expectations
    .map((outcome) => `${outcome.held ? 'held' : 'FAILED'}: ${outcome.rule} (observed ${formatObserved(outcome.observed)})`)
    .join('; ');
  return { text, style: [cell.expectation === 'held' ? 'green' : 'red'] };
}

function row(cell: CellTally, top: number): TableCell[] {
  return [
    cell.cell,
    `${cell.attempts}/${cell.planned}`,
    formatRateWithInterval(cell.ok, cell.attempts, cell.okInterval),
    { text: cell.status, style: [STATUS_STYLE[cell.status]] },
    classesText(cell, top),
    expectationCell(cell),
  ];
}

function banner(run: RunInfo, paint: Painter, width: number): string[] {
  if (!isSimulated(run)) return [];
  const how = run.board.sim === null ? '' : ` (${describeSimulation(run.board.sim)})`;
  const lines = wrap(`${SIMULATED_LABEL} run: these results come from the simulated Pico W, not from hardware${how}.`, width);
  return lines.map((line, index) =>
    index === 0 ? line.replace(SIMULATED_LABEL, paint(SIMULATED_LABEL, 'bold', 'yellow', 'inverse')) : line,
  );
}

function runLine(run: RunInfo): string {
  const board = [run.board.kind === 'sim' ? `board ${SIMULATED_LABEL}` : 'board real'];
  if (run.rack !== undefined) {
    board[0] = `${run.rack.length} boards ${run.board.kind === 'sim' ? SIMULATED_LABEL : 'real'}: ${run.rack.map(describeRackBoard).join('; ')}`;
  } else {
    if (run.board.serialNumber !== null) board.push(`serial ${run.board.serialNumber}`);
    if (run.board.firmware !== null) board.push(`firmware ${run.board.firmware}`);
  }
  const when = run.finishedAt === null ? `started ${run.startedAt}` : `${run.startedAt} to ${run.finishedAt}`;
  return `run ${run.runId} · ${board.join(', ')} · ${when}`;
}

function totalsLines(run: RunInfo, tally: Tally): string[] {
  const { totals } = tally;
  const status = totals.byStatus;
  const lines = [
    `${isSimulated(run) ? `${SIMULATED_LABEL} ` : ''}attempts ${totals.attempts}/${totals.planned}, ok ${totals.ok} (${formatPercent(totals.ok, totals.attempts)}), ` +
      `attempt time ${formatDuration(totals.durationMs)}`,
    `cells ${totals.cells}: ${status.pass} pass, ${status.fail} fail, ${status.flaky} flaky, ${status['not-run']} not run`,
    totals.expectations.total === 0
      ? 'expectations: none declared'
      : `expectations: ${totals.expectations.held} held, ${totals.expectations.failed} failed`,
  ];
  if (totals.duplicates > 0) lines.push(`${totals.duplicates} duplicate record(s) of an attempt already counted were ignored`);
  return lines;
}

/** The summary as text (lines joined with \n, ending in one). */
export function formatTerminalSummary(run: RunInfo, tally: Tally, options: TerminalSummaryOptions): string {
  const width = options.width ?? 100;
  const top = options.topClasses ?? 3;
  const paint = painter(options.color);
  const lines: string[] = [...banner(run, paint, width), ...wrap(runLine(run), width), ''];
  if (tally.cells.length === 0) lines.push('no cells planned and no attempts recorded');
  else lines.push(...table(COLUMNS, tally.cells.map((cell) => row(cell, top)), width, paint));
  const timings = timingRows(tally);
  if (timings.some((cells) => cells[1] !== '-' || cells[2] !== '-')) {
    lines.push('', ...wrap('timings in ms: p50/p90/p99 (n = attempts that measured it)', width));
    lines.push(...table(TIMING_COLUMNS, timings, width, paint));
  }
  lines.push('', ...totalsLines(run, tally).flatMap((line) => wrap(line, width)));
  const unmet = tally.expectations.filter((outcome) => !outcome.held);
  if (unmet.length > 0) {
    lines.push('', paint('unmet expectations:', 'bold', 'red'));
    for (const outcome of unmet) lines.push(...wrap(namingCell(outcome), width - 2).map((line) => `  ${line}`));
  }
  return `${lines.join('\n')}\n`;
}
