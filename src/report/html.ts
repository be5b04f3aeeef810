/**
 * `report.html`: one self-contained file (inline CSS and SVG, no script, no external request; a
 * Content-Security-Policy says so to the browser) that opens from the run directory, an e-mail
 * attachment or a CI artifact. It shows the run metadata with a SIMULATED banner for sim runs, the
 * findings, one table row per cell (`data-cell`), outcome bars, ok rates with intervals, timing
 * distributions, status timelines, first failures linking transcripts, and the expectations.
 */
import type { Finding, FindingComparison, FindingEvidence } from '../results/findings/types.js';
import { describeClass } from '../results/taxonomy.js';
import { classColours, okRateSvg, outcomeBarsSvg, timelineSvg, timingSvg, type ClassColour } from './charts.js';
import { formatObserved, formatPercent, namingCell } from './format.js';
import { SELF_CONTAINED_PAGE_CSP } from './html/csp.js';
import { escapeAttribute, escapeHtml } from './html/escape.js';
import {
  describeFacets,
  formatExit,
  formatFact,
  formatInterval,
  formatMs,
  formatP,
  formatRate,
  stripPointsFor,
  transcriptHref,
  type CellView,
  type ReportData,
  type TimingView,
} from './html/report-data.js';
import { REPORT_CSS } from './html/styles.js';
import { describeRackBoard, describeSimulation, SIMULATED_LABEL } from './run-info.js';

export const REPORT_HTML_FILE = 'report.html';

const h = escapeHtml;

/** Finding text: `backtick` spans become <code>, everything is escaped. */
function prose(text: string): string {
  return text
    .split(/(`[^`]+`)/)
    .map((part, index) => (index % 2 === 1 ? `<code>${escapeHtml(part.slice(1, -1))}</code>` : escapeHtml(part)))
    .join('');
}

function link(label: string, transcript: string | null): string {
  const href = transcriptHref(transcript);
  return href === null ? h(label) : `<a href="${escapeAttribute(href)}">${h(label)}</a>`;
}

function metadataTable(data: ReportData): string {
  const { run, tally } = data;
  const sim = run.board.sim;
  const rows: [string, string][] = [
    ['Run', `<code>${h(run.runId)}</code>`],
    ['Board', run.board.kind === 'sim' ? `<strong>${SIMULATED_LABEL}</strong> Pico W (simulator)` : 'real Pico W'],
    ...(run.rack === undefined
      ? ([
          ['Serial number', h(run.board.serialNumber ?? '-')],
          ['Firmware', h(run.board.firmware ?? 'unknown')],
        ] as [string, string][])
      : ([[`Boards (${run.rack.length})`, run.rack.map((board) => h(describeRackBoard(board))).join('<br>')]] as [string, string][])),
  ];
  if (sim !== null) {
    rows.push(
      ['World hash', `<code>${h(sim.worldHash)}</code>`],
      ['Seed', h(String(sim.seed))],
      ['Time scale', `${h(String(sim.timeScale))}x (board time runs ${h(String(sim.timeScale))} times faster than host time)`],
    );
  }
  rows.push(
    ['Started', h(run.startedAt)],
    ['Finished', h(run.finishedAt ?? 'not finished')],
    ['Attempts', `${tally.totals.attempts} of ${tally.totals.planned} planned; ${tally.totals.ok} ok (${formatPercent(tally.totals.ok, tally.totals.attempts)}); ${tally.totals.cells} cell${tally.totals.cells === 1 ? '' : 's'}`],
    ['Cells by status', `${tally.totals.byStatus.pass} pass, ${tally.totals.byStatus.flaky} flaky, ${tally.totals.byStatus.fail} fail, ${tally.totals.byStatus['not-run']} not run`],
    ['Exit', h(formatExit(data.exit))],
  );
  if (tally.totals.duplicates > 0) rows.push(['Duplicates ignored', String(tally.totals.duplicates)]);
  return `<table class="meta" id="run-metadata">${rows.map(([name, value]) => `<tr><th scope="row">${h(name)}</th><td>${value}</td></tr>`).join('')}</table>`;
}

function evidenceTable(evidence: readonly FindingEvidence[]): string {
  const rows = evidence.map((entry) => {
    const facts = entry.facts === undefined ? '-' : Object.entries(entry.facts).map(([key, value]) => `${h(key)}: <code>${h(formatFact(value))}</code>`).join('<br>');
    const example = entry.example === undefined ? '-' : `seq ${entry.example.seq}: ${h(entry.example.detail)}${entry.example.transcript === null ? '' : ` (${link('transcript', entry.example.transcript)})`}`;
    const rate = entry.okRate === null ? '-' : `${formatRate(entry.okRate.rate)} <span class="muted">(${formatInterval(entry.okRate)})</span>`;
    return `<tr><td><code>${h(entry.cell)}</code></td><td class="num">${entry.attempts}</td><td class="num">${entry.matching}</td><td class="num">${entry.ok}</td><td class="num">${rate}</td><td>${facts}</td><td>${example}</td></tr>`;
  });
  return `<table class="evidence"><thead><tr><th>cell</th><th class="num">attempts</th><th class="num">matching</th><th class="num">ok</th><th class="num">ok rate (95% CI)</th><th>facts</th><th>example</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function comparisonTable(comparison: FindingComparison): string {
  const correction = comparison.correction === 'holm' ? 'Holm' : 'Benjamini–Hochberg';
  const group = (g: FindingComparison['groupA']): string =>
    `<tr><td>${h(g.label)}</td><td class="num">${g.ok}</td><td class="num">${g.attempts}</td><td class="num">${formatPercent(g.ok, g.attempts)}</td><td>${g.cells.map((cell) => `<code>${h(cell)}</code>`).join(', ')}</td></tr>`;
  return [
    `<table class="comparison"><thead><tr><th>group</th><th class="num">ok</th><th class="num">attempts</th><th class="num">ok rate</th><th>cells</th></tr></thead><tbody>`,
    group(comparison.groupA),
    group(comparison.groupB),
    '</tbody></table>',
    `<p>Fisher's exact test (two-sided, ok vs not ok): p = <strong>${formatP(comparison.pValue)}</strong>; ${correction}-adjusted over every comparison of the run: p = <strong>${formatP(comparison.pAdjusted)}</strong>.</p>`,
  ].join('');
}

function findingHtml(finding: Finding, index: number): string {
  const parts = [
    `<article class="finding strength-${escapeAttribute(finding.strength)}" data-finding="${escapeAttribute(finding.id)}">`,
    `<h3>${index + 1}. ${h(finding.title)}<span class="badge">${h(finding.strength)}</span></h3>`,
    ...finding.explanation.map((sentence) => `<p>${h(sentence)}</p>`),
  ];
  if (finding.advice.length > 0) parts.push('<h4>What to do</h4>', `<ul>${finding.advice.map((text) => `<li>${prose(text)}</li>`).join('')}</ul>`);
  if (finding.caveats.length > 0) parts.push('<h4>Caveats</h4>', `<ul>${finding.caveats.map((text) => `<li>${h(text)}</li>`).join('')}</ul>`);
  if (finding.evidence.length > 0) parts.push(evidenceTable(finding.evidence));
  if (finding.comparison !== undefined) parts.push(comparisonTable(finding.comparison));
  parts.push(`<p class="muted">rule <code>${h(finding.id)}</code></p></article>`);
  return parts.join('');
}

function findingsSection(findings: readonly Finding[]): string {
  const body = findings.length === 0 ? '<p>No finding: no diagnosis rule recognised a pattern in these records.</p>' : findings.map(findingHtml).join('');
  return `<section id="findings"><h2>Findings</h2>${body}</section>`;
}

const timingCell = (view: TimingView | null): string =>
  view === null ? '<td class="num">-</td>' : `<td class="num" title="n=${view.count}">${formatMs(view.p50)} / ${formatMs(view.p90)} / ${formatMs(view.p99)}</td>`;

function cellRow(cell: CellView): string {
  const { tally } = cell;
  const rate = cell.okInterval === null ? '-' : `${formatPercent(tally.ok, tally.attempts)}<br><span class="muted">${formatInterval(cell.okInterval)}</span>`;
  const classes = tally.classes.length === 0 ? '-' : tally.classes.map((entry) => `<code>${h(entry.name)}</code> ${entry.count}`).join('<br>');
  const expect =
    tally.expectation === 'none'
      ? '<span class="muted">-</span>'
      : tally.expectations.map((outcome) => `<span class="${outcome.held ? 'held' : 'failed'}">${outcome.held ? 'held' : 'FAILED'}</span>: <code>${h(outcome.rule)}</code>`).join('<br>');
  return [
    `<tr data-cell="${escapeAttribute(cell.id)}">`,
    `<td><code>${h(cell.id)}</code><br><span class="muted">${h(describeFacets(cell.facets))}</span></td>`,
    `<td class="num">${tally.attempts}/${tally.planned}</td>`,
    `<td class="num">${tally.ok}</td>`,
    `<td class="num">${rate}</td>`,
    `<td class="status-${tally.status}">${tally.status}</td>`,
    `<td>${classes}</td>`,
    timingCell(cell.timeToIp),
    timingCell(cell.handshake),
    `<td>${expect}</td>`,
    '</tr>',
  ].join('');
}

function cellsSection(data: ReportData): string {
  return [
    '<section id="cells"><h2>Cells</h2>',
    '<p class="muted">ok rate with its Wilson 95% confidence interval; times in ms as p50 / p90 / p99 (linear interpolation).</p>',
    '<table class="cells"><thead><tr><th>cell</th><th class="num">n</th><th class="num">ok</th><th class="num">ok rate (95% CI)</th><th>status</th><th>classes</th><th class="num">time to IP</th><th class="num">handshake</th><th>expect</th></tr></thead>',
    `<tbody>${data.cells.map(cellRow).join('')}</tbody></table></section>`,
  ].join('');
}

function legend(colours: readonly ClassColour[]): string {
  return `<ul class="legend" aria-label="class colours">${colours
    .map((entry) => `<li title="${escapeAttribute(describeClass(entry.name))}"><span class="swatch" style="background:${entry.colour}"></span><code>${h(entry.name)}</code> <span class="muted">${entry.count}</span></li>`)
    .join('')}</ul>`;
}

function chartsSection(data: ReportData, colours: readonly ClassColour[]): string {
  const timelines = data.cells.filter((cell) => cell.timelines.length > 0);
  return [
    '<section id="outcomes"><h2>Outcomes per cell</h2>',
    legend(colours),
    `<div class="chart-box">${outcomeBarsSvg(data.cells, colours)}</div>`,
    '<h3>ok rate with Wilson 95% interval</h3>',
    `<div class="chart-box">${okRateSvg(data.cells)}</div></section>`,
    '<section id="timing"><h2>Timing distributions</h2>',
    `<p class="muted">Box: p25–p75 with the median; whiskers: min–max; points: the measured values (at most ${stripPointsFor(data.cells.length)} per cell, evenly spaced through the sorted values).</p>`,
    '<h3>Time to IP (connect() to STAT_GOT_IP)</h3>',
    `<div class="chart-box">${timingSvg(data.cells, (cell) => cell.timeToIp, 'Time to IP per cell (ms)')}</div>`,
    '<h3>TLS handshake</h3>',
    `<div class="chart-box">${timingSvg(data.cells, (cell) => cell.handshake, 'TLS handshake time per cell (ms)')}</div></section>`,
    '<section id="timelines"><h2>Wi-Fi status timelines</h2>',
    '<p class="muted">status() over ms since connect() for the first few ok attempts (solid) and the first few others (dashed) of each cell, coloured by the attempt\'s class; hover a line for its seq.</p>',
    timelines.length === 0
      ? '<p>No attempt recorded a Wi-Fi timeline.</p>'
      : `<div class="timelines">${timelines.map((cell) => `<figure>${timelineSvg(cell, colours)}</figure>`).join('')}</div>`,
    '</section>',
  ].join('');
}

function firstFailuresSection(data: ReportData): string {
  const blocks = data.cells
    .map((cell) => {
      const failures = cell.tally.classes.filter((entry) => entry.firstFailure !== null);
      if (failures.length === 0) return '';
      const items = failures.map((entry) => {
        const example = entry.firstFailure;
        if (example === null) return '';
        const transcript = example.transcript === null ? '' : ` (${link('transcript', example.transcript)})`;
        return `<li><code>${h(entry.name)}</code> ×${entry.count}: seq ${example.seq}, iteration ${example.iteration}: ${h(example.detail)}${transcript}</li>`;
      });
      const total = failures.reduce((sum, entry) => sum + entry.count, 0);
      return `<details><summary><code>${h(cell.id)}</code> <span class="muted">${total} not ok</span></summary><ul>${items.join('')}</ul></details>`;
    })
    .filter((block) => block !== '');
  const body = blocks.length === 0 ? '<p>No attempt failed.</p>' : blocks.join('');
  return `<section id="first-failures"><h2>First failures</h2><p class="muted">The first attempt (lowest seq) of each failure class per cell.</p>${body}</section>`;
}

function expectationsSection(data: ReportData): string {
  const { expectations } = data.tally;
  if (expectations.length === 0) return '<section id="expectations"><h2>Expectations</h2><p>The campaign declared no expectation.</p></section>';
  const items = expectations.map(
    (outcome) => `<li><span class="${outcome.held ? 'held' : 'failed'}">${outcome.held ? 'held' : 'FAILED'}</span>: ${h(namingCell(outcome))} <span class="muted">(observed ${h(formatObserved(outcome.observed))})</span></li>`,
  );
  return `<section id="expectations"><h2>Expectations</h2><ul>${items.join('')}</ul></section>`;
}

function classesSection(colours: readonly ClassColour[]): string {
  if (colours.length === 0) return '<section id="classes"><h2>Classes</h2><p>No attempt was recorded.</p></section>';
  const rows = colours.map((entry) => `<tr><td><span class="swatch" style="background:${entry.colour}"></span> <code>${h(entry.name)}</code></td><td class="num">${entry.count}</td><td>${h(describeClass(entry.name))}</td></tr>`);
  return `<section id="classes"><h2>Classes</h2><table><thead><tr><th>class</th><th class="num">attempts</th><th>meaning</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function notesSection(notes: readonly string[]): string {
  return notes.length === 0 ? '' : `<section id="notes"><h2>Notes on the data</h2><ul>${notes.map((text) => `<li>${h(text)}</li>`).join('')}</ul></section>`;
}

function banner(data: ReportData): string {
  const { run } = data;
  if (run.board.kind !== 'sim') return `<p class="banner real" id="board-banner">Real board${run.board.serialNumber === null ? '' : ` ${h(run.board.serialNumber)}`}</p>`;
  const how = run.board.sim === null ? '' : ` (${h(describeSimulation(run.board.sim))})`;
  return `<p class="banner simulated" id="simulated-banner" role="note">${SIMULATED_LABEL}: every result in this report comes from the simulated Pico W${how}, not from a real board.</p>`;
}

/** The whole document. */
export function formatReportHtml(data: ReportData): string {
  const { run } = data;
  const colours = classColours(data.tally);
  const title = `picow-harness run ${run.runId}${run.board.kind === 'sim' ? ` (${SIMULATED_LABEL})` : ''}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(SELF_CONTAINED_PAGE_CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    banner(data),
    '<main>',
    `<h1>${h(title)}</h1>`,
    '<nav><a href="#findings">Findings</a><a href="#cells">Cells</a><a href="#outcomes">Outcomes</a><a href="#timing">Timing</a><a href="#timelines">Timelines</a><a href="#first-failures">First failures</a><a href="#expectations">Expectations</a><a href="#classes">Classes</a></nav>',
    `<section id="run"><h2>Run</h2>${metadataTable(data)}</section>`,
    findingsSection(data.findings),
    cellsSection(data),
    chartsSection(data, colours),
    firstFailuresSection(data),
    expectationsSection(data),
    classesSection(colours),
    notesSection(data.notes),
    '<footer>Written by <code>picow-harness report</code> from the run\'s records (attempts.jsonl and manifest.json); summary.md has the same numbers as text.</footer>',
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
