import { closestMatches, editDistance } from '../config-file/closest.js';
import { UsageError } from '../errors.js';
import type { CertificateSetName } from '../pki/sets.js';
import { randomStream } from '../sim/random.js';
import type { AccessPointConfig, CampaignConfig, PmName, WifiVariantConfig } from './config/schema.js';
import { formatDuration } from './config/units.js';
import type { ConnectMode, ExecutionMode, ResetMode, RtcMode, TlsApi } from './types.js';

/**
 * The campaign's axes → cells (one combination of conditions each, with a stable readable id such
 * as `hard/hidden-pm-default/issued-now/SSLContext/cold`) → attempts (cells × iterations) in an
 * order interleaved with the seed.
 */

/** PM values `config(pm=…)` takes for the named modes (facts §4: `PM_NONE`, `PM_PERFORMANCE`, `PM_POWERSAVE`). */
export const PM_VALUES: Readonly<Record<Exclude<PmName, 'default'>, number>> = { none: 0x10, performance: 0xa11142, powersave: 0x11 };

export interface CellWifi {
  /** The variant's part of the cell id. */
  readonly name: string;
  readonly ap: AccessPointConfig;
  /** The PM setting as written (`default`, `none`, … or the raw number) and the value to set; null = leave the firmware default. */
  readonly pm: PmName | number;
  readonly pmValue: number | null;
  readonly country: string | undefined;
  readonly pinBssid: boolean;
  readonly pinChannel: boolean;
  readonly connect: ConnectMode;
}

export interface Cell {
  readonly id: string;
  /** `interactive` (the harness drives each step) or `standalone` (the boot runner, host silent). */
  readonly mode: ExecutionMode;
  /** `none` when the config has no resets axis. */
  readonly reset: ResetMode;
  /** null: no Wi-Fi step (no wifi axis). */
  readonly wifi: CellWifi | null;
  /** null: no TLS step (no certs). */
  readonly certs: CertificateSetName | null;
  /** The TLS API (SSLContext when the axis is absent); null without a TLS step. */
  readonly tlsApi: TlsApi | null;
  /** The RTC mode as written and parsed; `cold` (clock untouched) when the axis is absent. */
  readonly rtc: { readonly text: string; readonly mode: RtcMode };
  /** The class an attempt ends in when every step succeeds: tls.ok, wifi.ok, or null (reset-only cell). */
  readonly successClass: 'tls.ok' | 'wifi.ok' | null;
}

/** One planned attempt: the cell and its 1-based iteration, at position `seq` of the interleaved order. */
export interface PlannedAttempt {
  readonly seq: number;
  readonly cell: string;
  readonly iteration: number;
}

export interface CampaignPlan {
  readonly cells: readonly Cell[];
  readonly iterations: number;
  readonly seed: number;
  readonly attempts: readonly PlannedAttempt[];
}

function hexPm(value: number): string {
  return `0x${value.toString(16)}`;
}

/** `hidden-pm-default`, `lab-pm-0xa11140-bssid-ch-DE-as-is`: the name a variant without one gets. */
export function wifiVariantName(variant: WifiVariantConfig): string {
  const parts = [variant.ap, `pm-${typeof variant.pm === 'number' ? hexPm(variant.pm) : variant.pm}`];
  if (variant.pinBssid) parts.push('bssid');
  if (variant.pinChannel) parts.push('ch');
  if (variant.country !== undefined) parts.push(variant.country);
  if (variant.connect === 'as-is') parts.push('as-is');
  return variant.name ?? parts.join('-');
}

function cellWifi(variant: WifiVariantConfig, accessPoints: readonly AccessPointConfig[]): CellWifi {
  const ap = accessPoints.find((candidate) => candidate.name === variant.ap);
  // checks.ts rejects a config whose variant names an unknown AP; reaching this is a caller bug.
  if (ap === undefined) throw new UsageError(`Wi-Fi variant ${wifiVariantName(variant)} names no declared access point ${variant.ap}`);
  return {
    name: wifiVariantName(variant),
    ap,
    pm: variant.pm,
    pmValue: typeof variant.pm === 'number' ? variant.pm : variant.pm === 'default' ? null : PM_VALUES[variant.pm],
    country: variant.country,
    pinBssid: variant.pinBssid,
    pinChannel: variant.pinChannel,
    connect: variant.connect,
  };
}

const COLD: Cell['rtc'] = { text: 'cold', mode: { kind: 'cold' } };

/** Ids of standalone cells start with this; interactive ids stay as they were before modes existed. */
export const STANDALONE_PREFIX = 'standalone/';

/** The clock modes the boot runner has (the host is silent, so it cannot set the clock itself). */
export function isStandaloneRtc(mode: RtcMode): boolean {
  return mode.kind === 'cold' || mode.kind === 'ntp';
}

/**
 * The standalone twins of the interactive cells: every attempt starts with a power cycle (so the
 * resets axis collapses to `power-cycle`), and only the runner's clock modes (cold, ntp) exist.
 */
function standaloneCells(interactive: readonly Cell[], hasResetAxis: boolean): Cell[] {
  const seen = new Set<string>();
  const cells: Cell[] = [];
  for (const cell of interactive) {
    if (!isStandaloneRtc(cell.rtc.mode) || cell.wifi === null) continue;
    const segments = cell.id.split('/');
    if (hasResetAxis) segments[0] = 'power-cycle';
    const id = STANDALONE_PREFIX + segments.join('/');
    if (seen.has(id)) continue;
    seen.add(id);
    cells.push({ ...cell, id, mode: 'standalone', reset: 'power-cycle' });
  }
  return cells;
}

/** Every combination of the axes, resets outermost, in the order the config lists each axis. */
export function buildCells(config: CampaignConfig): Cell[] {
  const { matrix } = config;
  const certs = matrix.certs !== undefined && matrix.certs.length > 0 ? matrix.certs : undefined;
  // An axis left out contributes one value and no id segment.
  const axis = <T>(values: readonly T[] | undefined, fallback: T, label: (value: T) => string): { value: T; label: string | undefined }[] =>
    values === undefined ? [{ value: fallback, label: undefined }] : values.map((value) => ({ value, label: label(value) }));
  const resets = axis<ResetMode>(matrix.resets, 'none', (reset) => reset);
  const wifis = axis<WifiVariantConfig | null>(matrix.wifi, null, (variant) => (variant === null ? '' : wifiVariantName(variant)));
  const sets = axis<CertificateSetName | null>(certs, null, (set) => set ?? '');
  const apis = axis<TlsApi | null>(certs === undefined ? undefined : matrix.tlsApi, certs === undefined ? null : 'SSLContext', (api) => api ?? '');
  const rtcs = axis<Cell['rtc']>(matrix.rtc, COLD, (rtc) => rtc.text);
  const cells: Cell[] = [];
  for (const reset of resets)
    for (const wifi of wifis)
      for (const set of sets)
        for (const api of apis)
          for (const rtc of rtcs) {
            const id = [reset.label, wifi.label, set.label, api.label, rtc.label].filter((part) => part !== undefined).join('/');
            cells.push({
              id,
              mode: 'interactive',
              reset: reset.value,
              wifi: wifi.value === null ? null : cellWifi(wifi.value, config.accessPoints),
              certs: set.value,
              tlsApi: set.value === null ? null : api.value,
              rtc: rtc.value,
              successClass: set.value !== null ? 'tls.ok' : wifi.value !== null ? 'wifi.ok' : null,
            });
          }
  const modes = matrix.modes ?? ['interactive'];
  const standalone = modes.includes('standalone') ? standaloneCells(cells, matrix.resets !== undefined) : [];
  if (modes.includes('standalone') && standalone.length === 0) {
    throw new UsageError('matrix.modes: standalone cells need the wifi axis and an rtc mode the boot runner has (cold or ntp)', { option: 'matrix.modes' });
  }
  return [...(modes.includes('interactive') ? cells : []), ...standalone];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** A glob over cell ids: `*` any run of characters within one axis, `**` across axes, `?` one character. */
export function cellMatcher(glob: string): (id: string) => boolean {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] ?? '';
    if (char === '*' && glob[i + 1] === '*') {
      // `a/**/b` also matches `a/b`.
      if (glob[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += escapeRegExp(char);
  }
  const pattern = new RegExp(`^${source}$`);
  return (id) => pattern.test(id);
}

/** True when the text uses glob characters (else it names one cell exactly). */
export function isCellGlob(text: string): boolean {
  return /[*?]/.test(text);
}

/** How far one id segment is from one pattern segment: 0 when the segment glob matches it. */
function segmentDistance(pattern: string, segment: string): number {
  if (isCellGlob(pattern) && cellMatcher(pattern)(segment)) return 0;
  const distance = editDistance(pattern, segment);
  return distance <= Math.max(1, Math.floor(pattern.length / 3)) ? distance : Infinity;
}

/**
 * What a cell id or glob that matched nothing probably meant: the pattern with its mistyped axis
 * values replaced by the closest real ones (`hard/lab-pm-defualt/**` → `hard/lab-pm-default/**`).
 */
export function suggestCellPatterns(pattern: string, ids: readonly string[], limit = 3): string[] {
  const parts = pattern.split('/');
  const spread = parts.indexOf('**');
  const head = spread < 0 ? parts : parts.slice(0, spread);
  const tail = spread < 0 ? [] : parts.slice(spread + 1);
  const scored = new Map<string, number>();
  for (const id of ids) {
    const segments = id.split('/');
    if (spread < 0 ? segments.length !== parts.length : segments.length < head.length + tail.length) continue;
    const fixed = [...parts];
    let score = 0;
    const align = (patternIndex: number, segmentIndex: number): void => {
      const distance = segmentDistance(parts[patternIndex] ?? '', segments[segmentIndex] ?? '');
      score += distance;
      if (distance > 0) fixed[patternIndex] = segments[segmentIndex] ?? '';
    };
    head.forEach((_, index) => align(index, index));
    tail.forEach((_, index) => align(spread + 1 + index, segments.length - tail.length + index));
    if (!Number.isFinite(score) || score === 0) continue;
    const suggestion = fixed.join('/');
    scored.set(suggestion, Math.min(score, scored.get(suggestion) ?? Infinity));
  }
  const best = [...scored].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).map(([suggestion]) => suggestion);
  return best.length > 0 ? best.slice(0, limit) : closestMatches(pattern, ids, limit);
}

/** Cells whose ids the patterns name, in plan order; each pattern must match at least one. */
export function selectCells(cells: readonly Cell[], patterns: readonly string[], option = '--only'): Cell[] {
  if (patterns.length === 0) return [...cells];
  const ids = cells.map((cell) => cell.id);
  const chosen = new Set<string>();
  for (const pattern of patterns) {
    const matches = cellMatcher(pattern);
    const found = ids.filter((id) => matches(id));
    if (found.length === 0) {
      const close = suggestCellPatterns(pattern, ids);
      const hint = close.length > 0 ? `; did you mean ${close.join(' or ')}?` : `; cells are like ${ids[0] ?? '(none)'}`;
      throw new UsageError(`${option} ${pattern}: no such cell${hint}`, { option, pattern });
    }
    for (const id of found) chosen.add(id);
  }
  return cells.filter((cell) => chosen.has(cell.id));
}

/**
 * Attempts in rounds: round r runs iteration r of every cell once, in an order shuffled with the
 * seed, so no cell runs its iterations back to back and slow drifts (temperature, a neighbour's
 * Wi-Fi) spread over all cells. Same seed and cells → same order. A cell never runs twice in a row
 * across a round boundary when there is more than one cell.
 */
export function interleave(cellIds: readonly string[], iterations: number, seed: number): PlannedAttempt[] {
  const random = randomStream(seed, 'campaign', 0, 'attempt-order');
  const attempts: PlannedAttempt[] = [];
  let previous: string | undefined;
  for (let iteration = 1; iteration <= iterations; iteration++) {
    const round = [...cellIds];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [round[i], round[j]] = [round[j] as string, round[i] as string];
    }
    if (round.length > 1 && round[0] === previous) [round[0], round[1]] = [round[1] as string, round[0] as string];
    for (const cell of round) attempts.push({ seq: attempts.length, cell, iteration });
    previous = round[round.length - 1];
  }
  return attempts;
}

/** Cells (narrowed by `only`), and their attempts in the seeded interleaved order. */
export function planCampaign(config: CampaignConfig, options: { seed: number; only?: readonly string[] }): CampaignPlan {
  const cells = selectCells(buildCells(config), options.only ?? []);
  return {
    cells,
    iterations: config.iterations,
    seed: options.seed,
    attempts: interleave(
      cells.map((cell) => cell.id),
      config.iterations,
      options.seed,
    ),
  };
}

/**
 * Typical board time per step on a real Pico W, in ms. These are ESTIMATES for `--dry-run`, not
 * measurements: reset = the reset and the board answering the raw REPL again (hard and power-cycle
 * include USB re-enumeration; power-cycle includes 2 s or more with power off); wifi = a typical join
 * (a fresh join also deinits first); rtc = setting the clock (ntp includes one NTP round trip);
 * tls = resolve, connect, handshake and echo; overheadMs = the harness's own work per attempt
 * (diag script, records), host time that a simulator's time scale does not shorten.
 */
export interface StepEstimates {
  readonly reset: Readonly<Record<ResetMode, number>>;
  readonly wifi: Readonly<Record<ConnectMode, number>>;
  readonly rtc: Readonly<Record<RtcMode['kind'], number>>;
  readonly tls: number;
  readonly overheadMs: number;
}

export const DEFAULT_STEP_ESTIMATES: StepEstimates = {
  reset: { none: 0, soft: 1500, hard: 4000, 'power-cycle': 7000, 'wlan-deinit': 500 },
  wifi: { fresh: 4500, 'as-is': 3000 },
  rtc: { cold: 0, host: 300, ntp: 1500, skew: 300 },
  tls: 3500,
  overheadMs: 600,
};

export interface DurationEstimate {
  readonly cells: number;
  readonly iterations: number;
  readonly attempts: number;
  /** Estimated ms of one attempt, per cell id. */
  readonly perAttemptMs: Readonly<Record<string, number>>;
  readonly totalMs: number;
  /** The estimate cut to --max-duration / maxDuration, when one is set and shorter. */
  readonly cappedMs: number | undefined;
  /** Board ms per host ms (a simulator's time scale; 1 for a real board). */
  readonly timeScale: number;
}

/** Board time of one attempt of the cell under the estimates. */
function boardMsOf(cell: Cell, estimates: StepEstimates): number {
  let ms = estimates.reset[cell.reset];
  if (cell.wifi !== null) ms += estimates.wifi[cell.wifi.connect];
  ms += estimates.rtc[cell.rtc.mode.kind];
  if (cell.certs !== null) ms += estimates.tls;
  return ms;
}

/** cells × iterations and an estimated duration from per-step estimates (board time ÷ time scale + harness overhead). */
export function estimateDuration(
  plan: CampaignPlan,
  estimates: StepEstimates = DEFAULT_STEP_ESTIMATES,
  options: { timeScale?: number; maxDurationMs?: number | undefined } = {},
): DurationEstimate {
  const timeScale = options.timeScale ?? 1;
  const perAttemptMs: Record<string, number> = {};
  let totalMs = 0;
  for (const cell of plan.cells) {
    const ms = Math.round(boardMsOf(cell, estimates) / timeScale + estimates.overheadMs);
    perAttemptMs[cell.id] = ms;
    totalMs += ms * plan.iterations;
  }
  const max = options.maxDurationMs;
  return {
    cells: plan.cells.length,
    iterations: plan.iterations,
    attempts: plan.cells.length * plan.iterations,
    perAttemptMs,
    totalMs,
    cappedMs: max !== undefined && max < totalMs ? max : undefined,
    timeScale,
  };
}

/** The lines `run --dry-run` prints. */
export function describeDryRun(plan: CampaignPlan, estimate: DurationEstimate): string[] {
  const scale = estimate.timeScale === 1 ? '' : ` at time scale ${estimate.timeScale}`;
  const lines = [
    `${estimate.cells} cells × ${estimate.iterations} iterations = ${estimate.attempts} attempts, seed ${plan.seed}`,
    `estimated duration ${formatDuration(estimate.totalMs)}${scale} (an estimate from typical per-step times, not a measurement)`,
  ];
  if (estimate.cappedMs !== undefined) lines.push(`the run stops starting attempts after ${formatDuration(estimate.cappedMs)} (max duration)`);
  const width = Math.max(0, ...plan.cells.map((cell) => cell.id.length));
  for (const cell of plan.cells) lines.push(`  ${cell.id.padEnd(width)}  ${plan.iterations} × ~${formatDuration(estimate.perAttemptMs[cell.id] ?? 0)}`);
  return lines;
}
