/**
 * The charts of report.html as inline SVG (no script, no external resource): outcome bars per
 * cell, ok rates with their intervals, timing distributions, and Wi-Fi status timelines. Each
 * chart's size grows with the number of cells only: timings are drawn from order statistics and a
 * bounded sample, timelines from a few attempts per cell.
 */
import { classOutcome } from '../results/taxonomy.js';
import { WIFI_STATUS_TABLE } from '../results/taxonomy-table.js';
import type { Tally } from '../results/tally.js';
import { escapeAttribute, escapeHtml } from './html/escape.js';
import { formatInterval, formatMs, type CellView, type TimelineSample, type TimingView } from './html/report-data.js';
import { formatPercent } from './format.js';

const WIDTH = 960;
const LABEL_WIDTH = 300;
const RIGHT_MARGIN = 70;
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - RIGHT_MARGIN;
const AXIS_HEIGHT = 24;
const LABEL_CHARS = 46;

export const OK_COLOUR = '#2e7d32';
const PASSING_COLOUR = '#8bc34a';
const INCONCLUSIVE_COLOUR = '#9e9e9e';
/** Failure classes get these in order of frequency over the run (no greens: green means ok). */
const FAILURE_PALETTE = [
  '#d62728', '#ff7f0e', '#9467bd', '#1f77b4', '#e377c2', '#8c564b', '#bcbd22', '#17becf',
  '#ad494a', '#e7ba52', '#7b4173', '#3182bd', '#de9ed6', '#843c39', '#636363',
];

export interface ClassColour {
  readonly name: string;
  readonly colour: string;
  readonly count: number;
}

/** A colour per class of the run: ok classes green, other passing classes light green, inconclusive grey, failures from a palette by frequency. */
export function classColours(tally: Tally): ClassColour[] {
  const okClasses = new Set(tally.cells.map((cell) => cell.okClass));
  let failures = 0;
  return tally.totals.classes.map((entry) => {
    let colour: string;
    if (okClasses.has(entry.name)) colour = OK_COLOUR;
    else if (classOutcome(entry.name) === 'pass') colour = PASSING_COLOUR;
    else if (classOutcome(entry.name) === 'inconclusive') colour = INCONCLUSIVE_COLOUR;
    else {
      colour = FAILURE_PALETTE[failures % FAILURE_PALETTE.length] as string;
      failures += 1;
    }
    return { name: entry.name, colour, count: entry.count };
  });
}

const colourOf = (colours: readonly ClassColour[], name: string): string => colours.find((entry) => entry.name === name)?.colour ?? INCONCLUSIVE_COLOUR;

const num = (value: number): string => String(Math.round(value * 10) / 10);

function shortLabel(text: string): string {
  const chars = Array.from(text);
  return chars.length <= LABEL_CHARS ? text : `…${chars.slice(chars.length - LABEL_CHARS + 1).join('')}`;
}

function svgOpen(height: number, label: string, width = WIDTH): string {
  return `<svg class="chart" viewBox="0 0 ${width} ${num(height)}" width="${width}" height="${num(height)}" role="img" aria-label="${escapeAttribute(label)}">`;
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${num(x)}" y="${num(y)}"${attributes === '' ? '' : ` ${attributes}`}>${escapeHtml(content)}</text>`;
}

function cellLabel(y: number, id: string): string {
  return `<text class="cell-label" x="${LABEL_WIDTH - 8}" y="${num(y)}" text-anchor="end"><title>${escapeHtml(id)}</title>${escapeHtml(shortLabel(id))}</text>`;
}

/** A round step for about `count` ticks up to `max`. */
export function niceStep(max: number, count = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalised = raw / magnitude;
  const nice = normalised <= 1 ? 1 : normalised <= 2 ? 2 : normalised <= 2.5 ? 2.5 : normalised <= 5 ? 5 : 10;
  return nice * magnitude;
}

/** The smallest multiple of the nice step that reaches `max` (the end of an axis). */
export function niceCeiling(max: number, count = 5): number {
  const step = niceStep(max, count);
  return Math.max(step, Math.ceil(max / step - 1e-9) * step);
}

function ticks(max: number, count = 5): number[] {
  const step = niceStep(max, count);
  const values: number[] = [];
  for (let value = 0; value <= max + step * 1e-9; value += step) values.push(Math.round(value * 1e6) / 1e6);
  return values;
}

/** Vertical grid lines and their labels along the top of a plot. */
function grid(values: readonly number[], x: (value: number) => number, bottom: number, label: (value: number) => string): string {
  return values
    .map((value) => `<line class="grid" x1="${num(x(value))}" x2="${num(x(value))}" y1="${AXIS_HEIGHT - 6}" y2="${num(bottom)}"/>${text(x(value), AXIS_HEIGHT - 10, label(value), 'class="axis" text-anchor="middle"')}`)
    .join('');
}

const ROW = 24;

/** 100 % stacked bars: each cell's attempts by final class, ok class first. */
export function outcomeBarsSvg(cells: readonly CellView[], colours: readonly ClassColour[]): string {
  const height = AXIS_HEIGHT + cells.length * ROW + 8;
  const x = (share: number): number => LABEL_WIDTH + share * PLOT_WIDTH;
  const rows = cells.map((cell, index) => {
    const top = AXIS_HEIGHT + index * ROW;
    const parts: string[] = [cellLabel(top + 16, cell.id)];
    const { attempts } = cell.tally;
    if (attempts === 0) {
      parts.push(`<rect class="not-run" x="${LABEL_WIDTH}" y="${top + 4}" width="${PLOT_WIDTH}" height="16"/>`, text(x(0.5), top + 16, 'not run', 'class="axis" text-anchor="middle"'));
    } else {
      const ordered = [...cell.tally.classes].sort((a, b) => Number(b.ok) - Number(a.ok));
      let done = 0;
      for (const entry of ordered) {
        const from = x(done / attempts);
        done += entry.count;
        const width = x(done / attempts) - from;
        const tip = `${cell.id}: ${entry.name} ${entry.count} of ${attempts} (${formatPercent(entry.count, attempts)})`;
        parts.push(`<rect x="${num(from)}" y="${top + 4}" width="${num(width)}" height="16" fill="${colourOf(colours, entry.name)}"><title>${escapeHtml(tip)}</title></rect>`);
      }
    }
    parts.push(text(WIDTH - RIGHT_MARGIN + 8, top + 16, `n=${attempts}`, 'class="axis"'));
    return `<g class="bar-row">${parts.join('')}</g>`;
  });
  const axis = grid([0, 0.25, 0.5, 0.75, 1], x, height - 8, (value) => `${value * 100}%`);
  return `${svgOpen(height, 'Outcomes per cell, stacked by class')}${axis}${rows.join('')}</svg>`;
}

/** The ok rate of each cell with its Wilson 95 % interval. */
export function okRateSvg(cells: readonly CellView[]): string {
  const height = AXIS_HEIGHT + cells.length * ROW + 8;
  const x = (rate: number): number => LABEL_WIDTH + rate * PLOT_WIDTH;
  const rows = cells.map((cell, index) => {
    const middle = AXIS_HEIGHT + index * ROW + 12;
    const parts = [cellLabel(middle + 4, cell.id)];
    const interval = cell.okInterval;
    if (interval === null) parts.push(text(x(0.5), middle + 4, 'not run', 'class="axis" text-anchor="middle"'));
    else {
      const tip = `${cell.id}: ${cell.tally.ok} of ${cell.tally.attempts} ${cell.tally.okClass} (${formatPercent(cell.tally.ok, cell.tally.attempts)}), 95% CI ${formatInterval(interval)}`;
      parts.push(
        `<g><title>${escapeHtml(tip)}</title>`,
        `<line class="interval" x1="${num(x(interval.low))}" x2="${num(x(interval.high))}" y1="${middle}" y2="${middle}"/>`,
        `<line class="interval" x1="${num(x(interval.low))}" x2="${num(x(interval.low))}" y1="${middle - 5}" y2="${middle + 5}"/>`,
        `<line class="interval" x1="${num(x(interval.high))}" x2="${num(x(interval.high))}" y1="${middle - 5}" y2="${middle + 5}"/>`,
        `<circle cx="${num(x(interval.rate))}" cy="${middle}" r="4.5" fill="${OK_COLOUR}"/></g>`,
      );
    }
    parts.push(text(WIDTH - RIGHT_MARGIN + 8, middle + 4, interval === null ? '' : formatPercent(cell.tally.ok, cell.tally.attempts), 'class="axis"'));
    return `<g class="rate-row">${parts.join('')}</g>`;
  });
  const axis = grid([0, 0.25, 0.5, 0.75, 1], x, height - 8, (value) => `${value * 100}%`);
  return `${svgOpen(height, 'ok rate per cell with Wilson 95% interval')}${axis}${rows.join('')}</svg>`;
}

/** A deterministic vertical offset in [-1, 1] for the index-th point of a strip. */
const jitter = (index: number): number => (((index * 2654435761) >>> 0) % 1000) / 500 - 1;

/** Box (p25–p75, median line), whiskers (min–max) and the sampled values as points, per cell. */
export function timingSvg(cells: readonly CellView[], pick: (cell: CellView) => TimingView | null, label: string): string {
  const views = cells.map(pick);
  const max = Math.max(0, ...views.map((view) => view?.max ?? 0));
  const scaleMax = niceCeiling(max);
  const x = (ms: number): number => LABEL_WIDTH + (scaleMax > 0 ? ms / scaleMax : 0) * PLOT_WIDTH;
  const height = AXIS_HEIGHT + cells.length * ROW + 8;
  const rows = cells.map((cell, index) => {
    const middle = AXIS_HEIGHT + index * ROW + 12;
    const view = views[index] ?? null;
    const parts = [cellLabel(middle + 4, cell.id)];
    if (view === null) parts.push(text(LABEL_WIDTH + 4, middle + 4, 'no measurement', 'class="axis"'));
    else {
      const tip = `${cell.id}: n=${view.count}, min ${formatMs(view.min)}, p25 ${formatMs(view.p25)}, p50 ${formatMs(view.p50)}, p75 ${formatMs(view.p75)}, p90 ${formatMs(view.p90)}, p99 ${formatMs(view.p99)}, max ${formatMs(view.max)} ms`;
      parts.push(
        `<g><title>${escapeHtml(tip)}</title>`,
        `<line class="whisker" x1="${num(x(view.min))}" x2="${num(x(view.max))}" y1="${middle}" y2="${middle}"/>`,
        `<rect class="box" x="${num(x(view.p25))}" y="${middle - 7}" width="${num(Math.max(1, x(view.p75) - x(view.p25)))}" height="14"/>`,
        `<line class="median" x1="${num(x(view.p50))}" x2="${num(x(view.p50))}" y1="${middle - 8}" y2="${middle + 8}"/>`,
        ...view.sample.map((value, point) => `<circle class="point" cx="${num(x(value))}" cy="${num(middle + jitter(point) * 6)}" r="1.8"/>`),
        '</g>',
      );
    }
    parts.push(text(WIDTH - RIGHT_MARGIN + 8, middle + 4, view === null ? '' : `n=${view.count}`, 'class="axis"'));
    return `<g class="timing-row">${parts.join('')}</g>`;
  });
  const axis = grid(ticks(scaleMax), x, height - 8, (value) => `${formatMs(value)} ms`);
  return `${svgOpen(height, label)}${axis}${rows.join('')}</svg>`;
}

const STATUS_LEVELS = [3, 2, 1, 0, -1, -2, -3];
const statusName = (value: number): string => {
  const entry = WIFI_STATUS_TABLE.find((candidate) => candidate.value === value);
  if (entry === undefined) return String(value);
  return `${value} ${(entry.constant ?? entry.cyw43).replace(/^STAT_|^CYW43_LINK_/, '')}`;
};

const TIMELINE_WIDTH = 500;
const TIMELINE_LEFT = 150;
const TIMELINE_RIGHT = 14;
const TIMELINE_LEVEL = 13;

function stepPath(points: TimelineSample['points'], x: (ms: number) => number, y: (status: number) => number): string {
  return points.map(([ms, status], index) => (index === 0 ? `M${num(x(ms))} ${num(y(status))}` : `H${num(x(ms))} V${num(y(status))}`)).join(' ');
}

/** One cell's sampled Wi-Fi status timelines as step lines: status over ms since connect(). */
export function timelineSvg(cell: CellView, colours: readonly ClassColour[]): string {
  const samples = cell.timelines;
  const levels = STATUS_LEVELS.filter((level) => level >= 0 || samples.some((sample) => sample.points.some(([, status]) => status === level)));
  const plotTop = 22;
  const height = plotTop + levels.length * TIMELINE_LEVEL + 26;
  const lastMs = Math.max(1, ...samples.flatMap((sample) => sample.points.map(([ms]) => ms)));
  const scaleMax = niceCeiling(lastMs, 4);
  const plotWidth = TIMELINE_WIDTH - TIMELINE_LEFT - TIMELINE_RIGHT;
  const x = (ms: number): number => TIMELINE_LEFT + (Math.max(0, ms) / scaleMax) * plotWidth;
  const y = (status: number): number => {
    const index = levels.indexOf(status);
    return plotTop + (index < 0 ? levels.length - 1 : index) * TIMELINE_LEVEL + TIMELINE_LEVEL / 2;
  };
  const bottom = plotTop + levels.length * TIMELINE_LEVEL;
  const parts: string[] = [text(4, 14, shortLabel(cell.id), 'class="cell-label"')];
  for (const level of levels) {
    parts.push(`<line class="grid" x1="${TIMELINE_LEFT}" x2="${TIMELINE_WIDTH - TIMELINE_RIGHT}" y1="${num(y(level))}" y2="${num(y(level))}"/>`);
    parts.push(text(TIMELINE_LEFT - 6, y(level) + 4, statusName(level), 'class="axis" text-anchor="end"'));
  }
  for (const value of ticks(scaleMax, 4)) parts.push(text(x(value), bottom + 14, `${formatMs(value)}`, 'class="axis" text-anchor="middle"'));
  parts.push(text(TIMELINE_WIDTH - TIMELINE_RIGHT, bottom + 24, 'ms since connect()', 'class="axis" text-anchor="end"'));
  if (samples.length === 0) parts.push(text(TIMELINE_LEFT + 6, plotTop + 14, 'no Wi-Fi timeline recorded', 'class="axis"'));
  samples.forEach((sample, index) => {
    const colour = colourOf(colours, sample.class);
    // Lines of attempts that went the same way would hide each other: each gets its own small offset.
    const offset = (index - (samples.length - 1) / 2) * 1.6;
    const yOf = (status: number): number => y(status) + offset;
    const [lastAt, lastStatus] = sample.points.at(-1) ?? [0, 0];
    const tip = `seq ${sample.seq}, iteration ${sample.iteration}: ${sample.class}; ${sample.points.map(([ms, status]) => `${status}@${ms}ms`).join(' → ')}${sample.truncated ? ' (cut)' : ''}`;
    parts.push(
      `<g class="timeline"><title>${escapeHtml(tip)}</title>`,
      `<path d="${stepPath(sample.points, x, yOf)}" stroke="${colour}" fill="none" stroke-width="2"${sample.ok ? '' : ' stroke-dasharray="5 3"'}/>`,
      `<circle cx="${num(x(lastAt))}" cy="${num(yOf(lastStatus))}" r="3" fill="${colour}"/></g>`,
    );
  });
  return `${svgOpen(height, `Wi-Fi status timelines of ${cell.id}`, TIMELINE_WIDTH)}${parts.join('')}</svg>`;
}
