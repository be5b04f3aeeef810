/** The table `picow-harness run` prints at the end: one row per cell, then the totals. */
import type { CellStatus, CellTally, Tally } from '../results/tally.js';
import { painter, type Painter, type Style } from './color.js';
import { formatDuration, formatObserved, formatPercent, namingCell, wrap } from './format.js';
import { describeSimulation, isSimulated, SIMULATED_LABEL, type RunInfo } from './run-info.js';
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
  { header: 'ok', align: 'right' },
  { header: 'status' },
  { header: 'classes', flexible: true, minWidth: 16 },
  { header: 'expect', flexible: true, minWidth: 12 },
];

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
    formatPercent(cell.ok, cell.attempts),
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
  if (run.board.serialNumber !== null) board.push(`serial ${run.board.serialNumber}`);
  if (run.board.firmware !== null) board.push(`firmware ${run.board.firmware}`);
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
  else lines.push(...renderTable(COLUMNS, tally.cells.map((cell) => row(cell, top)), { width, paint }));
  lines.push('', ...totalsLines(run, tally).flatMap((line) => wrap(line, width)));
  const unmet = tally.expectations.filter((outcome) => !outcome.held);
  if (unmet.length > 0) {
    lines.push('', paint('unmet expectations:', 'bold', 'red'));
    for (const outcome of unmet) lines.push(...wrap(namingCell(outcome), width - 2).map((line) => `  ${line}`));
  }
  return `${lines.join('\n')}\n`;
}
