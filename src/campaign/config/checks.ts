import { didYouMean } from '../../config-file/closest.js';
import { isHarnessError } from '../../errors.js';
import { PROFILES } from '../../sim/profiles.js';
import { parsePortSpec, type PortSpec } from '../../transport/port-spec.js';
import { stepNeededBy } from '../expect.js';
import { buildCells, cellMatcher, suggestCellPatterns, wifiVariantName } from '../matrix.js';
import type { CampaignConfig } from './schema.js';

/** A rule across fields, found after the schema passed: where (document path) and what. */
export interface ConfigProblem {
  readonly path: readonly PropertyKey[];
  readonly problem: string;
  /** Point at the key (or the mapping that lacks it) rather than a value. */
  readonly atKey?: boolean;
}

/** The board's port spec, or the problem with it (the words after `--port "…": `). */
export function boardPortSpec(port: string): { ok: true; spec: PortSpec } | { ok: false; problem: string } {
  try {
    // The config names the port itself: PICOW_PORT must not stand in for it.
    return { ok: true, spec: parsePortSpec(port, {}) };
  } catch (error) {
    if (!isHarnessError(error)) throw error;
    return { ok: false, problem: error.message.replace(/^--port "[^"]*": /, '') };
  }
}

function duplicates<T>(values: readonly T[], key: (value: T) => string, path: readonly PropertyKey[], what: string, out: ConfigProblem[]): void {
  const seen = new Map<string, number>();
  values.forEach((value, index) => {
    const id = key(value);
    const earlier = seen.get(id);
    if (earlier !== undefined) out.push({ path: [...path, index], problem: `${what} ${id} is listed twice (also at index ${earlier})` });
    else seen.set(id, index);
  });
}

function boardProblems(config: CampaignConfig, out: ConfigProblem[]): boolean {
  const { board } = config;
  const port = boardPortSpec(board.port);
  if (!port.ok) {
    out.push({ path: ['board', 'port'], problem: port.problem });
    return false;
  }
  const sim = port.spec.kind === 'sim';
  if (!sim) {
    if (board.profile !== undefined) out.push({ path: ['board', 'profile'], problem: 'applies only to a simulated board (port: sim)' });
    if (board.world !== undefined) out.push({ path: ['board', 'world'], problem: 'applies only to a simulated board (port: sim)' });
    if (board.power?.driver === 'sim') out.push({ path: ['board', 'power', 'driver'], problem: 'sim switches only a simulated board (port: sim)' });
    return false;
  }
  if (board.profile !== undefined) {
    const names = PROFILES.map((profile) => profile.name);
    const known = PROFILES.some((profile) => profile.name === board.profile || profile.gitTag === board.profile);
    if (!known) out.push({ path: ['board', 'profile'], problem: `unknown firmware profile${didYouMean(board.profile, names) || ` (known: ${names.join(', ')})`}` });
    const fromPort = port.spec.kind === 'sim' ? port.spec.profile : undefined;
    if (known && fromPort !== undefined && fromPort !== board.profile) {
      out.push({ path: ['board', 'profile'], problem: `contradicts port ${board.port}; give the profile in one place` });
    }
  }
  return true;
}

function accessPointProblems(config: CampaignConfig, sim: boolean, out: ConfigProblem[]): void {
  duplicates(config.accessPoints, (ap) => ap.name, ['accessPoints'], 'access point', out);
  config.accessPoints.forEach((ap, index) => {
    if (ap.open && ap.password !== undefined) out.push({ path: ['accessPoints', index, 'password'], problem: 'must be absent for an open network (open: true)', atKey: true });
    if (!ap.open && ap.password === undefined && !sim) {
      out.push({ path: ['accessPoints', index, 'password'], problem: 'is required for a real board: {env: NAME} or {file: PATH} (or open: true)', atKey: true });
    }
  });
}

function matrixProblems(config: CampaignConfig, sim: boolean, out: ConfigProblem[]): void {
  const { matrix, accessPoints } = config;
  const certs = matrix.certs ?? [];
  if (matrix.resets === undefined && matrix.wifi === undefined && certs.length === 0 && matrix.rtc === undefined) {
    out.push({ path: ['matrix'], problem: 'names no axis: give at least one of resets, wifi, certs, rtc', atKey: true });
  }
  duplicates(matrix.resets ?? [], (reset) => reset, ['matrix', 'resets'], 'reset', out);
  duplicates(certs, (set) => set, ['matrix', 'certs'], 'certificate set', out);
  duplicates(matrix.tlsApi ?? [], (api) => api, ['matrix', 'tlsApi'], 'TLS API', out);
  duplicates(matrix.rtc ?? [], (rtc) => rtc.text, ['matrix', 'rtc'], 'RTC mode', out);
  duplicates(matrix.wifi ?? [], wifiVariantName, ['matrix', 'wifi'], 'Wi-Fi variant', out);

  const powerCycle = (matrix.resets ?? []).indexOf('power-cycle');
  if (powerCycle >= 0 && config.board.power === undefined && !sim) {
    out.push({ path: ['matrix', 'resets', powerCycle], problem: 'power-cycle needs a power driver: add board.power (uhubctl, command or manual)' });
  }
  const apNames = accessPoints.map((ap) => ap.name);
  (matrix.wifi ?? []).forEach((variant, index) => {
    const ap = accessPoints.find((candidate) => candidate.name === variant.ap);
    if (ap === undefined) {
      const declared = apNames.length === 0 ? 'accessPoints declares none' : `declared: ${apNames.join(', ')}`;
      out.push({ path: ['matrix', 'wifi', index, 'ap'], problem: `no access point named ${variant.ap}${didYouMean(variant.ap, apNames) || ` (${declared})`}` });
      return;
    }
    if (sim || !ap.hidden) return;
    // A real hidden AP shows in a scan only as b'' with its BSSID: the config must say which it is.
    if (variant.pinBssid && ap.bssid === undefined) out.push({ path: ['matrix', 'wifi', index, 'pinBssid'], problem: `needs accessPoints bssid for the hidden AP ${ap.name}` });
    if (variant.pinChannel && ap.channel === undefined) out.push({ path: ['matrix', 'wifi', index, 'pinChannel'], problem: `needs accessPoints channel for the hidden AP ${ap.name}` });
  });
  if (matrix.tlsApi !== undefined && certs.length === 0) out.push({ path: ['matrix', 'tlsApi'], problem: 'has no effect without certs (there is no TLS step)', atKey: true });
  if (certs.length > 0 && matrix.wifi === undefined) out.push({ path: ['matrix', 'certs'], problem: 'a TLS step needs a Wi-Fi step: add matrix.wifi', atKey: true });
  (matrix.rtc ?? []).forEach((rtc, index) => {
    if (rtc.mode.kind === 'ntp' && matrix.wifi === undefined) out.push({ path: ['matrix', 'rtc', index], problem: `${rtc.text} needs the Wi-Fi step: add matrix.wifi` });
  });
}

function expectationProblems(config: CampaignConfig, out: ConfigProblem[]): void {
  const { matrix } = config;
  const hasTls = (matrix.certs ?? []).length > 0;
  const hasWifi = matrix.wifi !== undefined;
  config.expect.forEach((expectation, index) => {
    const needs = stepNeededBy(expectation.rule);
    const missing =
      (needs === 'tls' && !hasTls && 'a TLS step (matrix.certs)') ||
      (needs === 'wifi' && !hasWifi && 'a Wi-Fi step (matrix.wifi)') ||
      (needs === 'any' && !hasTls && !hasWifi && 'a Wi-Fi or TLS step');
    if (missing !== false) out.push({ path: ['expect', index, 'rule'], problem: `${expectation.rule.text} needs ${missing}, which the matrix has not` });
  });
  if (out.length > 0) return;
  const ids = buildCells(config).map((cell) => cell.id);
  config.expect.forEach((expectation, index) => {
    const matches = cellMatcher(expectation.cell);
    if (ids.some((id) => matches(id))) return;
    const close = suggestCellPatterns(expectation.cell, ids);
    out.push({ path: ['expect', index, 'cell'], problem: `matches no cell${close.length > 0 ? `; did you mean ${close.join(' or ')}?` : `; cells are like ${ids[0] ?? '(none)'}`}` });
  });
}

/** Every rule across fields the config breaks, in document order of the sections. */
export function campaignProblems(config: CampaignConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const sim = boardProblems(config, out);
  accessPointProblems(config, sim, out);
  matrixProblems(config, sim, out);
  if (config.maxDuration !== undefined && config.maxDuration <= 0) out.push({ path: ['maxDuration'], problem: 'must be longer than 0' });
  expectationProblems(config, out);
  return out;
}

/** True when the config's board is a simulated one (`sim` or `sim:PROFILE`). */
export function isSimBoard(config: CampaignConfig): boolean {
  const port = boardPortSpec(config.board.port);
  return port.ok && port.spec.kind === 'sim';
}
