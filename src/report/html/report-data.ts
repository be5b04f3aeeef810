/**
 * What the human-facing reports (summary.md and report.html) render: the tally, the findings and
 * bounded chart samples of a run, with the per-cell statistics computed once. Everything here is
 * sized by cells, not by records: timing values are reduced to order statistics plus a bounded
 * sample, status timelines to a few attempts per cell.
 */
import type { AttemptRecord, CellFacets } from '../../campaign/types.js';
import type { Finding } from '../../results/findings/types.js';
import { percentile } from '../../results/stats/index.js';
import type { CellTally, Tally } from '../../results/tally.js';
import type { RunInfo } from '../run-info.js';
import type { RunExit } from '../summary-json.js';

/** Attempts per cell whose status timeline is kept for the charts: the first few ok and the first few not. */
export const TIMELINES_PER_OUTCOME = 3;
/** A timeline longer than this (a flapping link) is cut; the chart says so. */
export const MAX_TIMELINE_POINTS = 64;
/** Timing values per cell and metric drawn as points; the box uses all of them. */
export const MAX_STRIP_POINTS = 120;
/** Points per timing chart over all cells: a run with many cells gets fewer per cell (but at least MIN_STRIP_POINTS). */
export const STRIP_POINTS_PER_CHART = 6000;
const MIN_STRIP_POINTS = 15;

export interface TimelineSample {
  readonly seq: number;
  readonly iteration: number;
  readonly class: string;
  readonly ok: boolean;
  /** [ms since connect(), status]. */
  readonly points: readonly (readonly [number, number])[];
  readonly truncated: boolean;
  readonly timeoutMs: number;
  readonly transcript: string | null;
}

/** Keeps, per cell, the Wi-Fi timelines of its first few ok and first few failed attempts. */
export class TimelineSampler {
  private readonly byCell = new Map<string, TimelineSample[]>();
  private readonly okClassOf: (cell: string) => string;

  constructor(okClassOf: (cell: string) => string) {
    this.okClassOf = okClassOf;
  }

  add(record: AttemptRecord): void {
    const wifi = record.wifi;
    if (wifi === null || wifi.timeline.length === 0) return;
    const ok = record.class === this.okClassOf(record.cell);
    let samples = this.byCell.get(record.cell);
    if (samples === undefined) {
      samples = [];
      this.byCell.set(record.cell, samples);
    }
    if (samples.filter((sample) => sample.ok === ok).length >= TIMELINES_PER_OUTCOME) return;
    samples.push({
      seq: record.seq,
      iteration: record.iteration,
      class: record.class,
      ok,
      points: wifi.timeline.slice(0, MAX_TIMELINE_POINTS).map(([ms, status]) => [ms, status] as const),
      truncated: wifi.timeline.length > MAX_TIMELINE_POINTS,
      timeoutMs: wifi.timeoutMs,
      transcript: record.transcript,
    });
  }

  samples(cell: string): readonly TimelineSample[] {
    return [...(this.byCell.get(cell) ?? [])].sort((a, b) => a.seq - b.seq);
  }
}

export interface TimingView {
  readonly count: number;
  readonly min: number;
  readonly p25: number;
  readonly p50: number;
  readonly p75: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** At most `maxPoints` values, ascending, evenly spaced through the sorted values (all of them when fewer). */
  readonly sample: readonly number[];
}

/** Strip points per cell for a run of `cells` cells. */
export const stripPointsFor = (cells: number): number => Math.max(MIN_STRIP_POINTS, Math.min(MAX_STRIP_POINTS, Math.floor(STRIP_POINTS_PER_CHART / Math.max(1, cells))));

/** Order statistics of `values` (any order) and at most `maxPoints` of them to draw, or null when there are none. */
export function timingView(values: readonly number[], maxPoints = MAX_STRIP_POINTS): TimingView | null {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return null;
  const sorted = finite.sort((a, b) => a - b);
  const at = (p: number): number => percentile(sorted, p) as number;
  const n = sorted.length;
  const points = Math.max(2, maxPoints);
  const sample = n <= points ? sorted : Array.from({ length: points }, (_, index) => sorted[Math.round((index * (n - 1)) / (points - 1))] as number);
  return { count: n, min: sorted[0] as number, p25: at(25), p50: at(50), p75: at(75), p90: at(90), p99: at(99), max: sorted[n - 1] as number, sample };
}

export interface CellView {
  readonly id: string;
  readonly tally: CellTally;
  /** What the cell is, from the manifest; undefined for a cell only the records know. */
  readonly facets: CellFacets | undefined;
  /** Wilson 95 % interval of ok / attempts; null when the cell did not run. */
  readonly okInterval: { readonly rate: number; readonly low: number; readonly high: number } | null;
  readonly timeToIp: TimingView | null;
  readonly handshake: TimingView | null;
  readonly timelines: readonly TimelineSample[];
}

export interface ReportData {
  readonly run: RunInfo;
  readonly exit: RunExit;
  readonly tally: Tally;
  readonly cells: readonly CellView[];
  readonly findings: readonly Finding[];
  /** Things the reader should know about the data itself (torn last line, cells derived from records). */
  readonly notes: readonly string[];
}

export interface ReportDataInput {
  readonly run: RunInfo;
  readonly exit: RunExit;
  readonly tally: Tally;
  readonly facets: readonly CellFacets[];
  readonly findings: readonly Finding[];
  readonly timelines?: TimelineSampler;
  readonly notes?: readonly string[];
}

export function buildReportData(input: ReportDataInput): ReportData {
  const facetsById = new Map(input.facets.map((facets) => [facets.id, facets]));
  const points = stripPointsFor(input.tally.cells.length);
  const cells = input.tally.cells.map(
    (tally): CellView => ({
      id: tally.cell,
      tally,
      facets: facetsById.get(tally.cell),
      okInterval: tally.okInterval,
      timeToIp: timingView(tally.timeToIpMs, points),
      handshake: timingView(tally.handshakeMs, points),
      timelines: input.timelines?.samples(tally.cell) ?? [],
    }),
  );
  return { run: input.run, exit: input.exit, tally: input.tally, cells, findings: input.findings, notes: input.notes ?? [] };
}

/** A one-line description of a cell's conditions from its facets, e.g. `reset hard · hidden SSID picow-lab · PM default · certs valid · RTC cold`. */
export function describeFacets(facets: CellFacets | undefined): string {
  if (facets === undefined) return 'not in the manifest';
  const parts = [`reset ${facets.reset}`];
  const { wifi } = facets;
  if (wifi !== null) {
    parts.push(`${wifi.hidden ? 'hidden SSID' : 'SSID'} ${wifi.ssid}`);
    parts.push(`PM ${typeof wifi.pm === 'number' ? `0x${wifi.pm.toString(16)}` : wifi.pm}`);
    if (wifi.channel !== null) parts.push(`channel ${wifi.channel}`);
    if (wifi.country !== null) parts.push(`country ${wifi.country}`);
    if (wifi.pinBssid) parts.push('BSSID pinned');
    if (wifi.pinChannel) parts.push('channel pinned');
    if (wifi.connect !== 'fresh') parts.push(`connect ${wifi.connect}`);
  }
  if (facets.certs !== null) parts.push(`certs ${facets.certs}`);
  if (facets.tlsApi !== null) parts.push(`TLS API ${facets.tlsApi}`);
  parts.push(`RTC ${facets.rtc}`);
  return parts.join(' · ');
}

/** Formats a millisecond value for tables: whole ms from 100 up, one decimal below. */
export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return Math.abs(value) >= 100 ? `${Math.round(value)}` : value.toFixed(1).replace(/\.0$/, '');
}

/** A rate (0..1) as a percentage with one decimal. */
export const formatRate = (rate: number): string => `${(rate * 100).toFixed(1)}%`;

/** `93.1–99.2%` */
export const formatInterval = (interval: { readonly low: number; readonly high: number }): string =>
  `${(interval.low * 100).toFixed(1)}–${(interval.high * 100).toFixed(1)}%`;

/** A p-value as the terminal findings print it: two significant digits, scientific below 0.001. */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return '-';
  if (p >= 0.001) return String(Number(p.toPrecision(2)));
  return p.toExponential(1);
}

/** A finding's fact value as text. */
export const formatFact = (value: string | number | boolean | null): string => (value === null ? '-' : typeof value === 'number' ? String(Number(value.toFixed(6))) : String(value));

/** The run's exit as one line: `0 completed`, `1 expectation-failed: 2 expectation(s) not met`. */
export const formatExit = (exit: RunExit): string => `${exit.code} ${exit.reason}${exit.message === null || exit.message === exit.reason ? '' : `: ${exit.message}`}`;

/** A transcript path usable as a relative link from the run directory, or null when it is absolute or leaves the directory. */
export function transcriptHref(transcript: string | null): string | null {
  if (transcript === null || transcript === '') return null;
  if (transcript.startsWith('/') || /^[A-Za-z]:/.test(transcript) || transcript.includes('\\')) return null;
  const segments = transcript.split('/');
  if (segments.some((segment) => segment === '..' || segment === '')) return null;
  return segments.map((segment) => encodeURIComponent(segment)).join('/');
}

