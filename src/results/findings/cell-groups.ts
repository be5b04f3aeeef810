/**
 * Groups of cells as the rules compare them: what the cells of a group have in common (for
 * labels), and in which other conditions two groups differ completely (a confound the comparison
 * cannot separate from the one it is about).
 */
import type { CellView, ComparisonGroup } from './draft.js';
import { firmwareLabel } from './firmware.js';
import { hex, listing } from './numbers.js';

export interface Dimension {
  readonly name: string;
  /** The cell's value(s) in this dimension; empty when the dimension does not apply. */
  readonly values: (cell: CellView) => readonly string[];
}

const one = (value: string | number | boolean | null | undefined): string[] => (value === null || value === undefined ? [] : [String(value)]);

export const DIMENSIONS = {
  reset: { name: 'reset', values: (cell) => one(cell.facets.reset) },
  rtc: { name: 'RTC mode', values: (cell) => one(cell.facets.rtc) },
  wifi: { name: 'Wi-Fi variant', values: (cell) => one(cell.facets.wifi?.variant) },
  ap: { name: 'access point', values: (cell) => one(cell.facets.wifi?.ap) },
  connect: { name: 'connect mode', values: (cell) => one(cell.facets.wifi?.connect) },
  pinning: {
    name: 'BSSID/channel pinning',
    values: (cell) => (cell.facets.wifi === null ? [] : [pinningOf(cell)]),
  },
  certs: { name: 'certificate set', values: (cell) => one(cell.facets.certs) },
  tlsApi: { name: 'TLS API', values: (cell) => one(cell.facets.tlsApi) },
  firmware: { name: 'firmware', values: (cell) => cell.aggregate.firmware.keys().map(firmwareLabel) },
  /** Interactive (harness drives the steps) or standalone (boot runner, host silent); absent facets are interactive. */
  mode: { name: 'execution mode', values: (cell) => one(cell.facets.mode ?? 'interactive') },
} satisfies Record<string, Dimension>;

export function pinningOf(cell: CellView): string {
  const wifi = cell.facets.wifi;
  if (wifi === null) return 'none';
  const parts = [wifi.pinBssid ? 'bssid' : '', wifi.pinChannel ? 'channel' : ''].filter((part) => part !== '');
  return parts.length === 0 ? 'none' : parts.join('+');
}

export function valuesOf(cells: readonly CellView[], dimension: Dimension): string[] {
  return [...new Set(cells.flatMap((cell) => dimension.values(cell)))].sort();
}

/** `reset hard, power-cycle; RTC mode cold`: the listed dimensions' values across the cells. */
export function describeCells(cells: readonly CellView[], dimensions: readonly Dimension[]): string {
  return dimensions
    .map((dimension) => ({ dimension, values: valuesOf(cells, dimension) }))
    .filter(({ values }) => values.length > 0)
    .map(({ dimension, values }) => `${dimension.name} ${values.join(', ')}`)
    .join('; ');
}

export interface Confound {
  readonly dimension: Dimension;
  readonly a: readonly string[];
  readonly b: readonly string[];
}

/** Dimensions in which the groups share no value at all: any effect could come from them as well. */
export function confounds(a: readonly CellView[], b: readonly CellView[], dimensions: readonly Dimension[]): Confound[] {
  const found: Confound[] = [];
  for (const dimension of dimensions) {
    const left = valuesOf(a, dimension);
    const right = valuesOf(b, dimension);
    if (left.length === 0 || right.length === 0) continue;
    if (left.some((value) => right.includes(value))) continue;
    found.push({ dimension, a: left, b: right });
  }
  return found;
}

/** One caveat sentence per confound, naming both groups' values. */
export function confoundCaveats(found: readonly Confound[], labelA: string, labelB: string, about: string): string[] {
  return found.map((confound) => {
    const values = `${labelA}: ${listing(confound.a)}; ${labelB}: ${listing(confound.b)}`;
    if (confound.dimension === DIMENSIONS.firmware) {
      return `The two groups ran different firmware (${values}): ${about} and the firmware change go together, so this comparison cannot tell which one matters. Repeat both groups on one firmware to separate them.`;
    }
    return `The two groups also differ in ${confound.dimension.name} (${values}), which this comparison cannot separate from ${about}.`;
  });
}

export function groupOf(label: string, cells: readonly CellView[], ok: (cell: CellView) => number, attempts: (cell: CellView) => number): ComparisonGroup {
  return {
    label,
    cells: cells.map((cell) => cell.facets.id),
    ok: cells.reduce((sum, cell) => sum + ok(cell), 0),
    attempts: cells.reduce((sum, cell) => sum + attempts(cell), 0),
  };
}

/** The PM value a cell ran with: the one it set, else the one the board reported, else null (firmware default, not reported). */
export function effectivePm(cell: CellView): number | null {
  return cell.facets.wifi?.pmValue ?? cell.aggregate.reportedPm.mode() ?? null;
}

const PM_NAMES: ReadonlyMap<number, string> = new Map([
  [0x10, 'PM_NONE'],
  [0xa11142, 'PM_PERFORMANCE'],
  [0x11, 'PM_POWERSAVE'],
]);

/** The low nibble of a cyw43 PM value is the power-save mode; 0 = no power saving (facts §4, §10). */
export function powerSaves(pm: number): boolean {
  return (pm & 0xf) !== 0;
}

/**
 * `PM default (0xa11142 PM_PERFORMANCE, power saving)`, `pm=0xa11140 (no power saving)`: the PM
 * setting as the config wrote it, and what the value means.
 */
export function pmLabel(written: string | number, value: number | null): string {
  const head = typeof written === 'number' ? `pm=${hex(written)}` : `PM ${written}`;
  if (value === null) return `${head} (firmware default, value not reported)`;
  const name = PM_NAMES.get(value);
  const what = [typeof written === 'number' && written === value ? '' : hex(value), name ?? ''].filter((part) => part !== '').join(' ');
  const saving = powerSaves(value) ? 'power saving' : 'no power saving';
  return `${head} (${what === '' ? saving : `${what}, ${saving}`})`;
}

/** The country a cell joined with: the one it set, else the one the board reported, else the firmware default XX. */
export function effectiveCountry(cell: CellView): string {
  return cell.facets.wifi?.country ?? cell.aggregate.reportedCountry.mode() ?? 'XX';
}
