import { statfs } from 'node:fs/promises';
import { HarnessError } from '../errors.js';
import { STAT_GOT_IP, STAT_WRONG_PASSWORD } from '../results/taxonomy-table.js';
import type { CampaignBoard } from './board/campaign-board.js';
import type { AccessPointConfig } from './config/schema.js';
import { runDeviceStep, stepTimeoutMs } from './device-step.js';
import type { DiagResult, ScanEntry, WifiConnectResult } from './types.js';

/** Joins tried on the visible AP: a transient BADAUTH (facts §4) must not pass for a wrong password. */
const PREFLIGHT_JOINS = 3;
const MIN_FREE_BYTES = 64 * 1024 * 1024;

/** The rig is not fit to start attempts: exit 3, nothing recorded as a result. */
export class PreflightError extends HarnessError {
  constructor(message: string) {
    super('PREFLIGHT_FAILED', message);
  }
}

export interface PreflightCheck {
  readonly name: string;
  /** One line of evidence. */
  readonly detail: string;
}

export interface PreflightReport {
  readonly checks: readonly PreflightCheck[];
  readonly identity: DiagResult;
  readonly scan: readonly ScanEntry[] | null;
}

export interface PreflightOptions {
  readonly board: CampaignBoard;
  readonly accessPoints: readonly AccessPointConfig[];
  /** Access points the cells use (only these must be confirmed by the scan). */
  readonly usedAccessPoints: ReadonlySet<string>;
  password(apName: string): string | undefined;
  /** Plain-TCP echo the board must reach (undefined: the campaign has no TLS step). */
  readonly echo: { readonly host: string; readonly port: number } | undefined;
  readonly connectTimeoutMs: number;
  readonly reportsDir: string;
  readonly signal?: AbortSignal | undefined;
  onCheck?(check: PreflightCheck): void;
}

function bssidOf(ap: AccessPointConfig): string | undefined {
  return ap.bssid?.toLowerCase();
}

/** Where the scan shows the declared AP, or why it does not. */
function confirmAccessPoint(ap: AccessPointConfig, scan: readonly ScanEntry[]): { ok: true; entry: ScanEntry } | { ok: false; problem: string } {
  const bssid = bssidOf(ap);
  const candidates = ap.hidden ? scan.filter((entry) => entry.ssidHex === '') : scan.filter((entry) => entry.ssid === ap.ssid);
  const matched = candidates.filter((entry) => (bssid === undefined || entry.bssid === bssid) && (ap.channel === undefined || entry.channel === ap.channel));
  const [entry] = matched;
  if (entry !== undefined) return { ok: true, entry };
  if (ap.hidden) {
    const where = [bssid === undefined ? undefined : `bssid ${bssid}`, ap.channel === undefined ? undefined : `channel ${ap.channel}`].filter(Boolean).join(', ');
    return { ok: false, problem: `no hidden AP (SSID b'')${where === '' ? '' : ` with ${where}`} in the board's scan` };
  }
  if (candidates.length > 0) {
    const seen = candidates.map((c) => `${c.bssid} ch ${c.channel}`).join('; ');
    return { ok: false, problem: `the scan shows ${JSON.stringify(ap.ssid)} only as ${seen}, not as declared` };
  }
  return { ok: false, problem: `the board's scan does not show ${JSON.stringify(ap.ssid)}${ap.hidden ? '' : ' (declared visible)'}` };
}

function describeJoin(result: WifiConnectResult): string {
  const statuses = result.timeline.map(([, status]) => status).join(' → ');
  return `final status ${result.finalStatus} (${statuses === '' ? 'no status change' : statuses})`;
}

/**
 * Before attempt 1: the board's identity and firmware, `network` present, the declared APs in a
 * board-side scan, one join to a declared visible AP (a persistent STAT_WRONG_PASSWORD there aborts:
 * the configured password is probably wrong), the echo server reachable from the board over plain
 * TCP, the power driver able to act, and disk space for the records. Any failure is a
 * `PreflightError` (exit 3): no attempt would mean anything.
 */
export async function runPreflight(options: PreflightOptions): Promise<PreflightReport> {
  const { board, signal } = options;
  const checks: PreflightCheck[] = [];
  const pass = (name: string, detail: string): void => {
    const check = { name, detail };
    checks.push(check);
    options.onCheck?.(check);
  };

  const free = await statfs(options.reportsDir).then((s) => s.bavail * s.bsize);
  if (free < MIN_FREE_BYTES) throw new PreflightError(`only ${Math.floor(free / 1048576)} MiB free under ${options.reportsDir}; need at least ${MIN_FREE_BYTES / 1048576} MiB for records and transcripts`);
  pass('disk', `${Math.floor(free / 1048576)} MiB free under ${options.reportsDir}`);

  const diag = (await runDeviceStep(board, 'diag', {}, { timeoutMs: stepTimeoutMs(board, 10_000), signal })).result;
  if (diag.version === null) throw new PreflightError(`the board on ${board.port} did not report sys.version: ${JSON.stringify(diag.errors)}`);
  pass('identity', `${diag.machine ?? 'unknown board'}, ${diag.version}, unique id ${diag.uniqueId ?? '?'}`);
  if (diag.wifi === null) {
    throw new PreflightError(`the firmware on ${board.port} has no usable network.WLAN (${diag.errors.wifi ?? 'wifi state unreadable'}): flash a Pico W build`);
  }
  pass('network', `network.WLAN present; STA active=${String(diag.wifi.active)}, status ${String(diag.wifi.status)}`);

  if (board.power !== undefined) pass('power', await board.power.check(signal));

  const used = options.accessPoints.filter((ap) => options.usedAccessPoints.has(ap.name));
  let scan: readonly ScanEntry[] | null = null;
  if (used.length > 0) {
    const scanned = (await runDeviceStep(board, 'wifi_scan', {}, { timeoutMs: stepTimeoutMs(board, 15_000), signal })).result;
    if (scanned.error !== null) throw new PreflightError(`the board's Wi-Fi scan failed: ${scanned.error.type}: ${scanned.error.text}`);
    scan = scanned.aps;
    for (const ap of used) {
      const found = confirmAccessPoint(ap, scanned.aps);
      if (!found.ok) throw new PreflightError(`access point ${ap.name}: ${found.problem}`);
      pass(`scan ${ap.name}`, `${ap.hidden ? 'hidden' : JSON.stringify(ap.ssid)} at ${found.entry.bssid} ch ${found.entry.channel}, ${found.entry.rssi} dBm`);
    }
  }

  const visible = used.find((ap) => !ap.hidden) ?? options.accessPoints.find((ap) => !ap.hidden);
  if (visible !== undefined) {
    await joinVisible(options, visible, pass);
    if (options.echo !== undefined) await reachEcho(board, options.echo, signal, pass);
  } else if (options.echo !== undefined) {
    pass('echo', 'not checked: no visible access point is declared to join for it');
  }
  return { checks, identity: diag, scan };
}

async function joinVisible(options: PreflightOptions, ap: AccessPointConfig, pass: (name: string, detail: string) => void): Promise<void> {
  const { board, signal } = options;
  const password = options.password(ap.name);
  const results: WifiConnectResult[] = [];
  for (let attempt = 0; attempt < PREFLIGHT_JOINS; attempt += 1) {
    const join = await runDeviceStep(
      board,
      'wifi_connect',
      { ssid: ap.ssid, ...(password === undefined ? {} : { password }), mode: 'fresh', timeout_ms: options.connectTimeoutMs },
      { timeoutMs: stepTimeoutMs(board, options.connectTimeoutMs), signal },
    );
    results.push(join.result);
    if (join.result.finalStatus === STAT_GOT_IP) {
      pass(`join ${ap.name}`, `GOT_IP in ${join.result.timeToIpMs ?? '?'} ms, RSSI ${join.result.rssi ?? '?'} dBm`);
      return;
    }
  }
  if (results.every((result) => result.finalStatus === STAT_WRONG_PASSWORD)) {
    throw new PreflightError(`Wi-Fi password probably wrong: ${PREFLIGHT_JOINS} joins to the visible AP ${ap.name} all ended STAT_WRONG_PASSWORD (-3)`);
  }
  throw new PreflightError(`the board could not join the visible AP ${ap.name} in ${PREFLIGHT_JOINS} tries: ${results.map(describeJoin).join('; ')}`);
}

/** What the board sends and must get back whole: the echo server echoes every byte, correlation line included. */
const PREFLIGHT_ECHO = "b'picow-preflight\\nping'";

/** A plain-TCP round trip from the board to the echo server: the correlation line, then bytes echoed back. */
async function reachEcho(board: CampaignBoard, echo: { host: string; port: number }, signal: AbortSignal | undefined, pass: (name: string, detail: string) => void): Promise<void> {
  const code = [
    'import socket',
    `_a = socket.getaddrinfo(${JSON.stringify(echo.host)}, ${echo.port})[0][-1]`,
    '_s = socket.socket()',
    '_s.settimeout(10)',
    'try:',
    '    _s.connect(_a)',
    `    _m = ${PREFLIGHT_ECHO}`,
    '    _s.write(_m)',
    "    _b = b''",
    '    while len(_b) < len(_m):',
    '        _c = _s.read(len(_m) - len(_b))',
    '        if not _c:',
    '            break',
    '        _b += _c',
    '    print(_a[0], _b)',
    'finally:',
    '    _s.close()',
  ].join('\n');
  const result = await board.exec(code, { timeoutMs: stepTimeoutMs(board, 25_000), signal });
  if (result.exception !== undefined) {
    throw new PreflightError(`the board cannot reach the echo server at ${echo.host}:${echo.port} over plain TCP: ${result.exception.type}: ${result.exception.message}`);
  }
  const answer = result.stdout.trim();
  if (!answer.endsWith(PREFLIGHT_ECHO)) throw new PreflightError(`the echo server at ${echo.host}:${echo.port} answered the board with ${JSON.stringify(answer)}, not the echo`);
  pass('echo', `board → ${echo.host} (${answer.split(' ')[0] ?? '?'}):${echo.port} plain TCP echo ok`);
}
