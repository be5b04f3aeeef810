/**
 * What uhubctl (2.3 … 2.6; the format has not changed since) prints, read strictly. Its output is
 * a sequence of hub blocks:
 *
 *   Current status for hub 1-1 [2109:2817 VIA Labs, Inc. USB2.0 Hub, USB 2.10, 4 ports, ppps]
 *     Port 2: 0103 power enable connect [2e8a:0005 MicroPython Board in FS mode e6614c311b7e6f35]
 *   Sent power off request
 *   New status for hub 1-1 [2109:2817 VIA Labs, Inc. USB2.0 Hub, USB 2.10, 4 ports, ppps]
 *     Port 2: 0000 off
 *
 * (a cycle prints two such rounds, off then on; a USB3 hub adds its USB2/USB3 twin's blocks).
 * Diagnostics go to stderr; `diagnoseStderr` recognises the ones that matter.
 */

/** The words uhubctl prints after a port's status word (USB2 and USB3 ports). */
const PORT_WORDS = new Set([
  'off', 'power', 'indicator', 'test', 'highspeed', 'lowspeed', 'suspend',
  '5gbps', 'U0', 'U1', 'U2', 'U3', 'SS.Disabled', 'Rx.Detect', 'SS.Inactive', 'Polling', 'Recovery',
  'HotReset', 'Compliance', 'Loopback', 'reset', 'oc', 'enable', 'connect',
]);

const HUB_LINE = /^(Current|New) status for hub (\d+(?:-\d+(?:\.\d+)*)?) \[(.*)\]$/;
const PORT_LINE = /^ {2}Port (\d+): ([0-9a-f]{4})((?: [A-Za-z0-9.]+)*)(?: \[(.*)\])?$/;
const SENT_LINE = /^Sent power (on|off) request$/;
const RESET_LINES = new Set(['Resetting hub...', 'Reset successful!']);
/** The hub-only tail of a device description: `, USB 2.10, 4 ports, ppps`. */
const HUB_SUFFIX = /, USB [0-9a-f]+\.[0-9a-f]{2}, \d+ ports(?:, [a-z]+)?$/;

export interface UhubctlPort {
  readonly port: number;
  /** wPortStatus as uhubctl printed it. */
  readonly status: number;
  readonly words: readonly string[];
  readonly powered: boolean;
  readonly connected: boolean;
  /** The attached device's description (`vid:pid vendor product serial`), '' when uhubctl printed `[]`. */
  readonly device: string | undefined;
}

export interface UhubctlHub {
  readonly location: string;
  readonly description: string;
  /** `current`: before any request; `new`: after the request in `request`. */
  readonly when: 'current' | 'new';
  readonly request: 'on' | 'off' | undefined;
  readonly ports: readonly UhubctlPort[];
}

/** The output did not follow uhubctl's format; `line` is 1-based. */
export class UhubctlParseError extends Error {
  constructor(
    readonly line: number,
    readonly text: string,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}: ${JSON.stringify(text)}`);
  }
}

function parsePortLine(lineNumber: number, line: string): UhubctlPort {
  const match = PORT_LINE.exec(line);
  if (match === null) throw new UhubctlParseError(lineNumber, line, 'not a port status line');
  const words = (match[3] ?? '').split(' ').filter((word) => word !== '');
  const unknown = words.find((word) => !PORT_WORDS.has(word));
  if (unknown !== undefined) throw new UhubctlParseError(lineNumber, line, `unknown port state "${unknown}"`);
  const connected = words.includes('connect');
  const device = match[4];
  if (connected !== (device !== undefined)) throw new UhubctlParseError(lineNumber, line, connected ? 'connected port without a device description' : 'device description on a port that is not connected');
  if (words.includes('off') && words.includes('power')) throw new UhubctlParseError(lineNumber, line, 'port both off and powered');
  return { port: Number(match[1]), status: Number.parseInt(match[2] ?? '', 16), words, powered: words.includes('power'), connected, device };
}

/** Parses uhubctl's stdout; throws UhubctlParseError naming the first line that does not fit. */
export function parseUhubctlOutput(stdout: string): UhubctlHub[] {
  const lines = stdout.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const hubs: { location: string; description: string; when: 'current' | 'new'; request: 'on' | 'off' | undefined; ports: UhubctlPort[] }[] = [];
  let pendingRequest: 'on' | 'off' | undefined;
  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    const hub = HUB_LINE.exec(line);
    if (hub !== null) {
      const when = hub[1] === 'New' ? 'new' : 'current';
      if (when === 'new' && pendingRequest === undefined) throw new UhubctlParseError(lineNumber, line, 'new status without a request before it');
      if (when === 'current' && pendingRequest !== undefined) throw new UhubctlParseError(lineNumber, line, 'request without a new status after it');
      hubs.push({ location: hub[2] ?? '', description: hub[3] ?? '', when, request: when === 'new' ? pendingRequest : undefined, ports: [] });
      pendingRequest = undefined;
      return;
    }
    const sent = SENT_LINE.exec(line);
    if (sent !== null) {
      const last = hubs[hubs.length - 1];
      if (last === undefined || last.when !== 'current' || pendingRequest !== undefined) throw new UhubctlParseError(lineNumber, line, 'request without a current status before it');
      pendingRequest = sent[1] === 'on' ? 'on' : 'off';
      return;
    }
    if (RESET_LINES.has(line)) return;
    if (line.startsWith('  Port ')) {
      const current = hubs[hubs.length - 1];
      if (current === undefined || pendingRequest !== undefined) throw new UhubctlParseError(lineNumber, line, 'port line outside a hub status block');
      const port = parsePortLine(lineNumber, line);
      if (current.ports.some((seen) => seen.port === port.port)) throw new UhubctlParseError(lineNumber, line, `port ${port.port} listed twice for hub ${current.location}`);
      current.ports.push(port);
      return;
    }
    throw new UhubctlParseError(lineNumber, line, 'not uhubctl output');
  });
  if (pendingRequest !== undefined) throw new UhubctlParseError(lines.length, lines[lines.length - 1] ?? '', 'request without a new status after it');
  return hubs;
}

/** True when a device description ends with this USB serial number (case-insensitive). */
export function deviceHasSerial(description: string | undefined, serialNumber: string): boolean {
  if (description === undefined) return false;
  const words = description.replace(HUB_SUFFIX, '').split(' ');
  // The first word is always vid:pid; a serial, when the device has one, is the last word.
  return words.length >= 2 && words[words.length - 1]?.toLowerCase() === serialNumber.toLowerCase();
}

/** Locations compare case-insensitively in uhubctl (strcasecmp). */
export function sameLocation(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export type UhubctlProblemKind = 'permission' | 'no-hub' | 'port-control' | 'several-hubs' | 'usage' | 'usb-init' | 'sysfs-denied';

export interface UhubctlProblem {
  readonly kind: UhubctlProblemKind;
  /** The stderr lines that say so. */
  readonly said: string;
}

/**
 * uhubctl 2.5's stderr messages, most specific first. `sysfs-denied` is only a warning (uhubctl
 * falls back to libusb); the others mean the request did not happen.
 */
const STDERR_PATTERNS: readonly { kind: UhubctlProblemKind; pattern: RegExp }[] = [
  { kind: 'permission', pattern: /^There were permission problems while accessing USB\.$/m },
  { kind: 'port-control', pattern: /^Failed to control port power!/m },
  { kind: 'no-hub', pattern: /^No compatible (?:smart hubs|devices) detected(?: at location \S+)?!$/m },
  { kind: 'several-hubs', pattern: /^Error: changing port state for multiple hubs at once is not supported\.$/m },
  { kind: 'usb-init', pattern: /^(?:Error initializing USB!|Cannot enumerate USB devices!)$/m },
  { kind: 'usage', pattern: /^(?:Bad port spec .*|Invalid command line syntax!|.*(?:invalid|unrecognized) option.*|.*requires an argument.*)$/m },
  { kind: 'sysfs-denied', pattern: /^Failed to set port status by writing to .*$/m },
];

/** All the known problems stderr reports, in the order of STDERR_PATTERNS. */
export function diagnoseStderr(stderr: string): UhubctlProblem[] {
  const problems: UhubctlProblem[] = [];
  for (const { kind, pattern } of STDERR_PATTERNS) {
    const match = pattern.exec(stderr);
    if (match !== null) problems.push({ kind, said: match[0] });
  }
  return problems;
}
