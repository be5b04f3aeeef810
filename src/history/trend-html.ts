/**
 * `history.html`: the trend report as one self-contained page (inline CSS and SVG, no script, no
 * external request — a Content-Security-Policy says so). One section per series
 * (`data-series`, `data-kind`), so sim and real runs are never drawn on one chart; in each, one
 * small chart per cell, board and firmware: the ok rate per run with its 95 % Wilson interval as an
 * error bar, oldest run on the left.
 */
import { OK_COLOUR } from '../report/charts.js';
import { formatPercent } from '../report/format.js';
import { SELF_CONTAINED_PAGE_CSP } from '../report/html/csp.js';
import { escapeAttribute, escapeHtml } from '../report/html/escape.js';
import { shortRunLabel, sparkline } from './trend-text.js';
import type { SeriesTrend, TrendLine, TrendReport } from './trend.js';

const WIDTH = 640;
const HEIGHT = 130;
const LEFT = 44;
const RIGHT = 12;
const TOP = 10;
const BOTTOM = 22;
const DOWN_COLOUR = '#c62828';

const CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; } h3 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
.badge { display: inline-block; padding: 0 .5em; border-radius: 3px; font-weight: bold; color: #fff; }
.badge.sim { background: #6a1b9a; } .badge.real { background: #1565c0; }
table { border-collapse: collapse; margin: .5rem 0; } th, td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } td.down { color: ${DOWN_COLOUR}; font-weight: bold; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; } figure { margin: 0; } figcaption { font-size: 12px; color: #444; max-width: ${WIDTH}px; overflow-wrap: anywhere; }
svg text { font: 10px system-ui, sans-serif; fill: #555; } svg .grid { stroke: #e0e0e0; } svg .bar { stroke: #777; }
svg .line { fill: none; stroke: ${OK_COLOUR}; stroke-width: 1.5; } svg .dot { fill: ${OK_COLOUR}; } svg .dot.down { fill: ${DOWN_COLOUR}; }
.note { color: #555; font-size: 12px; }
`;

const h = escapeHtml;
const a = escapeAttribute;
const n = (value: number): string => String(Math.round(value * 10) / 10);

/** The ok rate of each run with its Wilson interval, as an inline SVG line chart. */
export function trendSvg(series: SeriesTrend, line: TrendLine): string {
  const count = series.runs.length;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const x = (index: number): number => LEFT + (count <= 1 ? plotWidth / 2 : (index / (count - 1)) * plotWidth);
  const y = (rate: number): number => TOP + (1 - rate) * plotHeight;
  const parts: string[] = [];
  for (const rate of [0, 0.5, 1]) {
    parts.push(`<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${n(y(rate))}" y2="${n(y(rate))}"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${n(y(rate) + 3)}" text-anchor="end">${rate * 100}%</text>`);
  }
  const first = series.runs[0];
  const last = series.runs.at(-1);
  if (first !== undefined) parts.push(`<text x="${LEFT}" y="${HEIGHT - 6}">${h(shortRunLabel(first))}</text>`);
  if (last !== undefined && count > 1) parts.push(`<text x="${WIDTH - RIGHT}" y="${HEIGHT - 6}" text-anchor="end">${h(shortRunLabel(last))}</text>`);
  const path: string[] = [];
  line.points.forEach((p, index) => {
    if (p === null || p.rate === null || p.interval === null) return;
    path.push(`${path.length === 0 ? 'M' : 'L'}${n(x(index))},${n(y(p.rate))}`);
  });
  if (path.length > 1) parts.push(`<path class="line" d="${path.join(' ')}"/>`);
  line.points.forEach((p, index) => {
    if (p === null || p.rate === null || p.interval === null) return;
    const run = series.runs[index];
    const title = `${run?.id ?? ''}: ${p.ok}/${p.attempts} ok (${formatPercent(p.ok, p.attempts)}, 95% ${(p.interval.low * 100).toFixed(1)}–${(p.interval.high * 100).toFixed(1)}%)`;
    const down = index === line.points.length - 1 && line.direction === 'down';
    parts.push(`<line class="bar" x1="${n(x(index))}" x2="${n(x(index))}" y1="${n(y(p.interval.high))}" y2="${n(y(p.interval.low))}"/>`);
    parts.push(`<circle class="dot${down ? ' down' : ''}" cx="${n(x(index))}" cy="${n(y(p.rate))}" r="3" data-run="${a(run?.id ?? '')}" data-ok="${p.ok}" data-n="${p.attempts}"><title>${h(title)}</title></circle>`);
  });
  return `<svg class="trend" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${a(`ok rate of ${line.key} per run`)}">${parts.join('')}</svg>`;
}

function linesSection(title: string, kind: string, series: SeriesTrend, lines: readonly TrendLine[]): string {
  if (lines.length === 0) return '';
  const rows = lines
    .map(
      (line) =>
        `<tr data-${kind}="${a(line.key)}"><td>${h(line.key)}</td><td class="num">${line.total.ok}/${line.total.attempts}</td><td class="num">${formatPercent(line.total.ok, line.total.attempts)}</td>` +
        `<td>${h(sparkline(line.points))}</td><td class="${line.direction === 'down' ? 'down' : ''}">${h(line.direction)}</td></tr>`,
    )
    .join('\n');
  const charts = lines.map((line) => `<figure data-${kind}="${a(line.key)}">${trendSvg(series, line)}<figcaption>${h(line.key)}</figcaption></figure>`).join('\n');
  return `<h3>${h(title)}</h3>\n<table><thead><tr><th>${h(kind)}</th><th>ok/n</th><th>rate</th><th>per run</th><th>trend</th></tr></thead><tbody>\n${rows}\n</tbody></table>\n<div class="charts">\n${charts}\n</div>`;
}

function seriesSection(series: SeriesTrend): string {
  const label = series.kind === 'sim' ? 'SIMULATED' : 'REAL BOARDS';
  const runList = series.runs.map((run) => `<li>${h(run.id)} — exit ${run.exitCode ?? '?'}${run.gateVerdict === null ? '' : `, gate ${h(run.gateVerdict)}`}</li>`).join('');
  return [
    `<section class="series" data-series="${a(series.key)}" data-kind="${series.kind}">`,
    `<h2><span class="badge ${series.kind}">${label}</span> ${h(series.campaign)}</h2>`,
    `<p class="note">series <code>${h(series.key)}</code>, ${series.runs.length} run${series.runs.length === 1 ? '' : 's'} (oldest first)</p>`,
    `<details><summary>runs</summary><ol>${runList}</ol></details>`,
    linesSection('Per cell', 'cell', series, series.cells),
    linesSection('Per board', 'board', series, series.boards),
    linesSection('Per firmware', 'firmware', series, series.firmware),
    '</section>',
  ].join('\n');
}

export function formatTrendHtml(report: TrendReport, options: { readonly title?: string; readonly generatedAt?: string } = {}): string {
  const title = options.title ?? 'picow-harness history';
  const filters = [
    `last ${report.options.last} runs per series`,
    ...(report.options.cell === undefined ? [] : [`cells ${report.options.cell}`]),
    ...(report.options.board === undefined ? [] : [`board ${report.options.board}`]),
    ...(report.options.firmware === undefined ? [] : [`firmware ${report.options.firmware}`]),
    ...(report.options.series === undefined ? [] : [`series ${report.options.series}`]),
  ];
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${a(SELF_CONTAINED_PAGE_CSP)}">`,
    `<title>${h(title)}</title><style>${CSS}</style></head><body>`,
    `<h1>${h(title)}</h1>`,
    `<p class="note">${h(filters.join('; '))}${options.generatedAt === undefined ? '' : ` — generated ${h(options.generatedAt)}`}. Simulated and real runs are separate series and never share a chart. Error bars: 95 % Wilson intervals.</p>`,
    report.series.length === 0 ? '<p>No runs in the history match.</p>' : report.series.map(seriesSection).join('\n'),
    '</body></html>',
    '',
  ].join('\n');
}
