/** The gate's verdict as text for people (the CLI prints it; nothing here prints). */
import type { GateCell, RateSummary } from './compare.js';
import type { GateOutcome } from './gate.js';

const percent = (rate: number | null): string => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);

/** `95/100 = 95.0% [88.8%, 97.8%]`: ok of attempts, the rate and its 95 % Wilson interval. */
export function formatRate(summary: RateSummary): string {
  if (summary.attempts === 0) return '0/0';
  return `${summary.ok}/${summary.attempts} = ${percent(summary.rate)} [${percent(summary.low)}, ${percent(summary.high)}]`;
}

/** p-values: four significant digits, scientific below 0.001. */
export function formatP(p: number | null): string {
  if (p === null) return '-';
  if (p === 0) return '0';
  return p < 0.001 ? p.toExponential(2) : p.toPrecision(3);
}

const points = (drop: number | null): string => (drop === null ? '-' : `${drop >= 0 ? '' : '+'}${(Math.abs(drop) * 100).toFixed(1)} pts`);

/** One line about a cell, with every number the verdict rests on. */
export function describeCell(cell: GateCell): string {
  const baseline = cell.baseline === null ? 'not in the baseline' : `baseline ${formatRate(cell.baseline)}`;
  const tested = cell.pValue === null ? '' : `; drop ${points(cell.drop)}, p ${formatP(cell.pValue)}, Holm-adjusted p ${formatP(cell.adjustedP)}`;
  return `${cell.key}: run ${formatRate(cell.run)}; ${baseline}${tested}${cell.note === null ? '' : ` (${cell.note})`}`;
}

export interface GateTextOptions {
  /** List every cell, not only the regressed, new and too-few ones. */
  readonly all?: boolean;
}

/** The verdict, then the regressed cells with their numbers, then what was not compared. */
export function formatGateText(outcome: Pick<GateOutcome, 'verdict' | 'run' | 'baseline' | 'comparison'>, options: GateTextOptions = {}): string[] {
  const { comparison, run, baseline } = outcome;
  const label = run.kind === 'sim' ? 'SIMULATED ' : '';
  const baselineRuns = baseline.runs.length === 1 ? `run ${baseline.runs[0]?.id}` : `${baseline.runs.length} runs (${baseline.runs.map((entry) => entry.id).join(', ')})`;
  const lines = [
    `${label}gate ${run.id} vs ${baseline.spec} = ${baselineRuns}`,
    `test: one-sided Fisher exact per cell (run worse than baseline), Holm-adjusted over ${comparison.compared} compared cell(s), family-wise α ${comparison.alpha}` +
      `${comparison.minDrop > 0 ? `, min drop ${(comparison.minDrop * 100).toFixed(1)} pts` : ''}${comparison.perBoard ? ', per board' : ''}`,
  ];
  const regressed = comparison.cells.filter((cell) => cell.status === 'regressed');
  if (regressed.length > 0) {
    lines.push(`REGRESSED (${regressed.length}):`);
    for (const cell of regressed) lines.push(`  ${describeCell(cell)}`);
  }
  const others = comparison.cells.filter((cell) => cell.status !== 'regressed' && (options.all === true || cell.status !== 'passed'));
  const fresh = others.filter((cell) => cell.status === 'new');
  const few = others.filter((cell) => cell.status === 'too-few');
  const passed = others.filter((cell) => cell.status === 'passed');
  if (fresh.length > 0) lines.push(`new — not compared (${fresh.length}): ${fresh.map((cell) => cell.key).join(', ')}`);
  if (few.length > 0) {
    lines.push(`too few attempts — flagged, not gated (${few.length}):`);
    for (const cell of few) lines.push(`  ${describeCell(cell)}`);
  }
  if (passed.length > 0) {
    lines.push(`no regression (${passed.length}):`);
    for (const cell of passed) lines.push(`  ${describeCell(cell)}`);
  }
  if (comparison.missing.length > 0) lines.push(`in the baseline but not in this run (${comparison.missing.length}): ${comparison.missing.join(', ')}`);
  const passedCount = comparison.cells.filter((cell) => cell.status === 'passed').length;
  lines.push(
    outcome.verdict === 'regression'
      ? `verdict: REGRESSION in ${comparison.regressed} of ${comparison.compared} compared cell(s)`
      : `verdict: pass — no regression in ${passedCount} compared cell(s)`,
  );
  return lines;
}
