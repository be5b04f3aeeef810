/**
 * `summary.md`: the run for people who read Markdown (a PR comment, a wiki page, a terminal pager).
 * Run metadata with a SIMULATED banner for sim runs, the findings with the numbers behind them,
 * a per-cell table (rate with Wilson 95 % interval, classes, timing percentiles), first failures
 * linking their transcripts (relative links: the file sits in the run directory) and the
 * expectations. Every text that comes from the records or the config is escaped.
 */
import type { Finding, FindingComparison, FindingEvidence } from '../results/findings/types.js';
import { describeClass } from '../results/taxonomy.js';
import { formatObserved, formatPercent, namingCell } from './format.js';
import {
  describeFacets,
  formatExit,
  formatFact,
  formatInterval,
  formatMs,
  formatP,
  formatRate,
  transcriptHref,
  type CellView,
  type ReportData,
  type TimingView,
} from './html/report-data.js';
import { describeRackBoard, describeSimulation, SIMULATED_LABEL } from './run-info.js';

export const SUMMARY_MD_FILE = 'summary.md';

/** Inline text: CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that can start markup. */
export function mdText(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replace(/[\\`*_[\]<>|~&#!]/g, (char) => `\\${char}`);
}

/** Finding text: `backtick` spans (code the reader types) stay code, everything else is escaped text. */
export function mdProse(text: string): string {
  return text
    .split(/(`[^`]+`)/)
    .map((part, index) => (index % 2 === 1 ? mdCode(part.slice(1, -1)) : mdText(part)))
    .join('');
}

/** A code span that survives any backticks inside (CommonMark: a longer fence, padded with spaces). */
export function mdCode(text: string): string {
  const flat = text.replace(/\r?\n|\r/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function mdLink(label: string, href: string | null): string {
  return href === null ? mdText(label) : `[${mdText(label)}](<${href}>)`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ('l' | 'r')[] = []): string[] {
  const separator = header.map((_, index) => (align[index] === 'r' ? '---:' : '---'));
  return [`| ${header.join(' | ')} |`, `| ${separator.join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

function rateWithInterval(cell: CellView): string {
  if (cell.okInterval === null) return '-';
  return `${formatPercent(cell.tally.ok, cell.tally.attempts)} (${formatInterval(cell.okInterval)})`;
}

const timingText = (view: TimingView | null): string => (view === null ? '-' : `${formatMs(view.p50)} / ${formatMs(view.p90)} / ${formatMs(view.p99)}`);

function classesText(cell: CellView): string {
  if (cell.tally.classes.length === 0) return '-';
  return cell.tally.classes.map((entry) => `${mdText(entry.name)} ${entry.count}`).join(', ');
}

function expectationText(cell: CellView): string {
  if (cell.tally.expectation === 'none') return '-';
  return cell.tally.expectations.map((outcome) => `${outcome.held ? 'held' : '**FAILED**'}: ${mdText(outcome.rule)}`).join('; ');
}

function runSection(data: ReportData): string[] {
  const { run, tally } = data;
  const sim = run.board.sim;
  const rows: string[][] = [
    ['Run', mdText(run.runId)],
    ['Board', run.board.kind === 'sim' ? `**${SIMULATED_LABEL}** Pico W (simulator)` : 'real Pico W'],
    ...(run.rack === undefined
      ? [
          ['Serial number', mdText(run.board.serialNumber ?? '-')],
          ['Firmware', mdText(run.board.firmware ?? 'unknown')],
        ]
      : [[`Boards (${run.rack.length})`, run.rack.map((board) => mdText(describeRackBoard(board))).join('<br>')]]),
  ];
  if (sim !== null) rows.push(['World hash', mdCode(sim.worldHash)], ['Seed', String(sim.seed)], ['Time scale', `${sim.timeScale}x (board time runs ${sim.timeScale} times faster than host time)`]);
  rows.push(
    ['Started', mdText(run.startedAt)],
    ['Finished', mdText(run.finishedAt ?? 'not finished')],
    ['Attempts', `${tally.totals.attempts} of ${tally.totals.planned} planned, ${tally.totals.ok} ok (${formatPercent(tally.totals.ok, tally.totals.attempts)}), ${tally.totals.cells} cell${tally.totals.cells === 1 ? '' : 's'}`],
    ['Exit', mdText(formatExit(data.exit))],
  );
  if (tally.totals.duplicates > 0) rows.push(['Duplicates ignored', String(tally.totals.duplicates)]);
  return ['## Run', '', ...table(['', ''], rows)];
}

function evidenceRows(evidence: readonly FindingEvidence[]): string[] {
  const rows = evidence.map((entry) => [
    mdText(entry.cell),
    String(entry.attempts),
    String(entry.matching),
    String(entry.ok),
    entry.okRate === null ? '-' : `${formatRate(entry.okRate.rate)} (${formatInterval(entry.okRate)})`,
    entry.facts === undefined ? '-' : Object.entries(entry.facts).map(([key, value]) => `${mdText(key)}: ${mdText(formatFact(value))}`).join('; '),
    entry.example === undefined
      ? '-'
      : `seq ${entry.example.seq}: ${mdText(entry.example.detail)}${entry.example.transcript === null ? '' : ` (${mdLink('transcript', transcriptHref(entry.example.transcript))})`}`,
  ]);
  return table(['Cell', 'attempts', 'matching', 'ok', 'ok rate (95% CI)', 'facts', 'example'], rows, ['l', 'r', 'r', 'r', 'r']);
}

function comparisonLines(comparison: FindingComparison): string[] {
  const group = (g: FindingComparison['groupA']): string =>
    `${mdText(g.label)}: ${g.ok} ok of ${g.attempts} (${formatPercent(g.ok, g.attempts)}; cells ${g.cells.map(mdText).join(', ')})`;
  const correction = comparison.correction === 'holm' ? 'Holm' : 'Benjamini–Hochberg';
  return [
    `**Comparison** (Fisher's exact test, two-sided, ok vs not ok):`,
    '',
    `- ${group(comparison.groupA)}`,
    `- ${group(comparison.groupB)}`,
    `- p = ${formatP(comparison.pValue)}; ${correction}-adjusted p = ${formatP(comparison.pAdjusted)} (over every comparison of the run)`,
  ];
}

export function findingMarkdown(finding: Finding, index: number): string[] {
  const lines = [`### ${index + 1}. ${mdText(finding.title)}`, '', `*${finding.strength}* · rule ${mdCode(finding.id)}`, ''];
  for (const sentence of finding.explanation) lines.push(mdText(sentence), '');
  if (finding.advice.length > 0) lines.push('**What to do:**', '', ...finding.advice.map((text) => `- ${mdProse(text)}`), '');
  if (finding.caveats.length > 0) lines.push('**Caveats:**', '', ...finding.caveats.map((text) => `- ${mdText(text)}`), '');
  if (finding.evidence.length > 0) lines.push(...evidenceRows(finding.evidence), '');
  if (finding.comparison !== undefined) lines.push(...comparisonLines(finding.comparison), '');
  return lines;
}

function findingsSection(findings: readonly Finding[]): string[] {
  const lines = ['## Findings', ''];
  if (findings.length === 0) return [...lines, 'No finding: no diagnosis rule recognised a pattern in these records.', ''];
  return [...lines, ...findings.flatMap(findingMarkdown)];
}

function cellsSection(data: ReportData): string[] {
  const rows = data.cells.map((cell) => [
    mdText(cell.id),
    `${cell.tally.attempts}/${cell.tally.planned}`,
    `${cell.tally.ok} ${mdText(cell.tally.okClass)}`,
    rateWithInterval(cell),
    cell.tally.status,
    classesText(cell),
    timingText(cell.timeToIp),
    timingText(cell.handshake),
    expectationText(cell),
  ]);
  return [
    '## Cells',
    '',
    'ok rate with its Wilson 95% confidence interval; times in ms as p50 / p90 / p99 (linear interpolation).',
    '',
    ...table(['Cell', 'n', 'ok', 'ok rate (95% CI)', 'status', 'classes', 'time to IP', 'handshake', 'expect'], rows, ['l', 'r', 'r', 'r']),
    '',
    '### Conditions',
    '',
    ...data.cells.map((cell) => `- ${mdText(cell.id)}: ${mdText(describeFacets(cell.facets))}`),
    '',
  ];
}

function classesSection(data: ReportData): string[] {
  if (data.tally.totals.classes.length === 0) return [];
  return [
    '## Classes',
    '',
    ...data.tally.totals.classes.map((entry) => `- ${mdCode(entry.name)} ×${entry.count}: ${mdText(describeClass(entry.name))}`),
    '',
  ];
}

function firstFailuresSection(data: ReportData): string[] {
  const lines = ['## First failures', '', 'The first attempt (lowest seq) of each failure class per cell.', ''];
  let any = false;
  for (const cell of data.cells) {
    const failures = cell.tally.classes.filter((entry) => entry.firstFailure !== null);
    if (failures.length === 0) continue;
    any = true;
    lines.push(`### ${mdText(cell.id)}`, '');
    for (const entry of failures) {
      const example = entry.firstFailure;
      if (example === null) continue;
      const link = example.transcript === null ? '' : ` (${mdLink('transcript', transcriptHref(example.transcript))})`;
      lines.push(`- ${mdCode(entry.name)} ×${entry.count}: seq ${example.seq}, iteration ${example.iteration}: ${mdText(example.detail)}${link}`);
    }
    lines.push('');
  }
  if (!any) lines.push('No attempt failed.', '');
  return lines;
}

function expectationsSection(data: ReportData): string[] {
  const { expectations } = data.tally;
  if (expectations.length === 0) return [];
  return ['## Expectations', '', ...expectations.map((outcome) => `- ${outcome.held ? 'held' : '**FAILED**'}: ${mdText(namingCell(outcome))} (observed ${mdText(formatObserved(outcome.observed))})`), ''];
}

function notesSection(notes: readonly string[]): string[] {
  return notes.length === 0 ? [] : ['## Notes on the data', '', ...notes.map((text) => `- ${mdText(text)}`), ''];
}

/** The whole file. */
export function formatSummaryMarkdown(data: ReportData): string {
  const { run } = data;
  const simulated = run.board.kind === 'sim';
  const title = `# picow-harness run ${mdText(run.runId)}${simulated ? ` (${SIMULATED_LABEL})` : ''}`;
  const how = run.board.sim === null ? '' : ` (${mdText(describeSimulation(run.board.sim))})`;
  const banner = simulated ? [`> **${SIMULATED_LABEL}**: every result below comes from the simulated Pico W${how}, not from a real board.`, ''] : [];
  return [
    title,
    '',
    ...banner,
    ...runSection(data),
    '',
    ...findingsSection(data.findings),
    ...cellsSection(data),
    ...classesSection(data),
    ...firstFailuresSection(data),
    ...expectationsSection(data),
    ...notesSection(data.notes),
    'Written by `picow-harness report` from the run\'s records; report.html has the charts.',
    '',
  ].join('\n');
}
