/**
 * The shapes that flow through a campaign: config → cells → attempts on a board → records.
 * Device-script results are what the scripts in `device-scripts/` print (one `@@picow` JSON object
 * per line); the harness validates them strictly before they reach a record.
 */

export type ResetMode = 'none' | 'soft' | 'hard' | 'power-cycle' | 'wlan-deinit';
export const RESET_MODES: readonly ResetMode[] = ['none', 'soft', 'hard', 'power-cycle', 'wlan-deinit'];

/** How the board's RTC is set before the TLS step. The clock is never touched unless the mode says so. */
export type RtcMode =
  | { readonly kind: 'cold' }
  | { readonly kind: 'host'; readonly zone: 'local' | 'utc' }
  | { readonly kind: 'ntp'; readonly host: string | undefined }
  | { readonly kind: 'skew'; readonly offsetMs: number };

/** Which MicroPython TLS API the probe uses. */
export type TlsApi = 'SSLContext' | 'wrap_socket' | 'tls';
export const TLS_APIS: readonly TlsApi[] = ['SSLContext', 'wrap_socket', 'tls'];

/**
 * `interactive`: the harness drives every step over the raw REPL. `standalone`: a boot runner on the
 * board (`main.py`) runs the probes after a power-cycle while the host stays silent (issue 6/9).
 */
export type ExecutionMode = 'interactive' | 'standalone';
export const EXECUTION_MODES: readonly ExecutionMode[] = ['interactive', 'standalone'];

/** Which board ran an attempt. A rack run has several; a single-board run tags its one board too. */
export interface BoardTag {
  /** The inventory label, or the port spec for a board not in an inventory. */
  readonly label: string;
  readonly serialNumber: string | null;
  /** machine.unique_id() as hex. */
  readonly uniqueId: string | null;
}

/** `fresh`: disconnect and deinit first; `as-is`: connect on whatever state the board is in. */
export type ConnectMode = 'fresh' | 'as-is';

/** A Python exception as a device script reports it. */
export interface ScriptError {
  readonly type: string;
  readonly args: readonly unknown[];
  /** `e.errno` when the exception has one (OSError), else null. */
  readonly errno: number | null;
  /** `str(e)` */
  readonly text: string;
}

/** `machine.RTC().datetime()`: (year, month, day, weekday, hours, minutes, seconds, subseconds). */
export type RtcTuple = readonly [number, number, number, number, number, number, number, number];

export interface ScanEntry {
  /** The SSID bytes as hex ('' for a hidden AP, which cyw43 reports as b''). */
  readonly ssidHex: string;
  /** The SSID decoded as UTF-8 when it decodes, else null. */
  readonly ssid: string | null;
  /** aa:bb:cc:dd:ee:ff */
  readonly bssid: string;
  readonly channel: number;
  readonly rssi: number;
  /** cyw43's security bitfield as scan() returns it. */
  readonly security: number;
  /** scan()'s sixth field (how many times the AP was seen). */
  readonly seen: number;
}

export interface WifiScanResult {
  readonly kind: 'result';
  readonly script: 'wifi_scan';
  readonly durationMs: number;
  readonly aps: readonly ScanEntry[];
  readonly error: ScriptError | null;
}

export interface WifiConnectResult {
  readonly kind: 'result';
  readonly script: 'wifi_connect';
  readonly mode: ConnectMode;
  readonly ssid: string;
  /** isconnected() and status() before connect() was called. */
  readonly linkUpBefore: boolean;
  readonly statusBefore: number;
  /** Each status change as [ms since connect() was called (ticks_diff), status()], first entry at 0. */
  readonly timeline: readonly (readonly [number, number])[];
  /** ms from connect() to STAT_GOT_IP, null when it never came. */
  readonly timeToIpMs: number | null;
  readonly finalStatus: number;
  /** status('rssi') once connected, else null. */
  readonly rssi: number | null;
  /** ifconfig() when connected: [ip, netmask, gateway, dns]. */
  readonly ifconfig: readonly string[] | null;
  /** The first negative status seen, and whether GOT_IP came after it. */
  readonly firstNegative: number | null;
  readonly recovered: boolean;
  readonly timeoutMs: number;
  /** config('pm') and network.country() as the board reports them after the attempt (null when unavailable). */
  readonly pm: number | null;
  readonly country: string | null;
  /** An exception raised by the Wi-Fi calls themselves (not a status). */
  readonly error: ScriptError | null;
}

export type TlsStage = 'api' | 'resolve' | 'connect' | 'handshake' | 'echo' | 'done';

export interface TlsProbeResult {
  readonly kind: 'result';
  readonly script: 'tls_probe';
  readonly api: TlsApi;
  /** False when the firmware lacks the chosen API: the class is tls.api-unavailable. */
  readonly apiAvailable: boolean;
  /** The verify mode set, by name and by the firmware's value. */
  readonly verifyMode: 'CERT_REQUIRED' | 'CERT_OPTIONAL' | 'CERT_NONE';
  readonly verifyModeValue: number | null;
  readonly host: string;
  readonly port: number;
  readonly serverHostname: string | null;
  readonly correlationId: string;
  /** Where the probe stopped: 'done' when the echo came back. */
  readonly stage: TlsStage;
  /** RTC when the handshake began, and when it failed (null when it did not). */
  readonly rtcAtStart: RtcTuple | null;
  readonly rtcAtFailure: RtcTuple | null;
  readonly memFreeBefore: number | null;
  readonly memFreeAtEnd: number | null;
  readonly handshakeMs: number | null;
  /** cipher() when the firmware has it, else null. */
  readonly cipher: unknown;
  /** True when the echo matched byte for byte; null when no echo was attempted. */
  readonly echoOk: boolean | null;
  /** First differing byte offset in the echo, or null. */
  readonly echoMismatchAt: number | null;
  readonly error: ScriptError | null;
}

export interface DiagResult {
  readonly kind: 'result';
  readonly script: 'diag';
  readonly version: string | null;
  readonly machine: string | null;
  readonly uniqueId: string | null;
  readonly resetCause: { readonly value: number; readonly name: string | null } | null;
  readonly rtc: RtcTuple | null;
  readonly ticksMs: number | null;
  readonly memFree: number | null;
  readonly memAlloc: number | null;
  readonly wifi: {
    readonly active: boolean | null;
    readonly status: number | null;
    readonly isconnected: boolean | null;
    readonly ifconfig: readonly string[] | null;
    readonly pm: number | null;
    readonly country: string | null;
  } | null;
  /** What could not be read, by key, with the error text. */
  readonly errors: Readonly<Record<string, string>>;
}

export type DeviceScriptResult = WifiScanResult | WifiConnectResult | TlsProbeResult | DiagResult;

/** What a reset step did and how it was proven. */
export interface ResetOutcome {
  readonly mode: ResetMode;
  readonly verified: boolean;
  /** What was checked, e.g. { sentinelGone: true, ticksMsAfter: 812, resetCause: 'WDT_RESET', rtc: [...] }. */
  readonly evidence: Readonly<Record<string, unknown>>;
  /** Escalation steps taken, in order, e.g. ['ctrl-c', 'machine.reset', 'power-cycle']. */
  readonly escalations: readonly string[];
  readonly durationMs: number;
  /** Set when not verified: why, in one line. */
  readonly problem?: string;
}

export interface RtcOutcome {
  /** The mode as written in the config, e.g. 'host:local', 'skew:-2h'. */
  readonly mode: string;
  /** The RTC before and after the step (board's datetime tuple). */
  readonly before: RtcTuple | null;
  readonly after: RtcTuple | null;
  readonly problem?: string;
}

/** One line of `attempts.jsonl`. Append-only; the key (cell, iteration) is unique within a run. */
export interface AttemptRecord {
  readonly v: 1;
  readonly runId: string;
  /** 0-based position in the run's interleaved order. */
  readonly seq: number;
  readonly cell: string;
  /** 1-based iteration within the cell. */
  readonly iteration: number;
  readonly startedAt: string;
  readonly durationMs: number;
  /** The board that ran it (absent in records written before rack runs existed). */
  readonly board?: BoardTag;
  /** `sys.version` of the firmware the board ran (absent in older records). */
  readonly firmware?: string | null;
  /** Absent means interactive (records written before standalone mode existed). */
  readonly mode?: ExecutionMode;
  /**
   * Standalone mode: which side saw the attempt — the board's flash log and the network report
   * (`both`), only the board's log (`board`), or only the server (`server`). Absent when interactive.
   */
  readonly seenBy?: 'both' | 'board' | 'server';
  /** Time the board spent in the device scripts (by its ticks_ms), so harness overhead = durationMs − boardMs. */
  readonly boardMs: number | null;
  readonly reset: ResetOutcome | null;
  readonly rtc: RtcOutcome | null;
  readonly wifi: WifiConnectResult | null;
  readonly tls: TlsProbeResult | null;
  /** What the echo server saw of the board's TLS connection (null when the board never reached it). */
  readonly server: ServerView | null;
  /** The attempt's class (taxonomy), and the per-step classes that led to it. */
  readonly class: string;
  readonly classes: readonly string[];
  /** One line for people. */
  readonly detail: string;
  /** Verify flags reasoned out for a bare -9984 (the class says `unspecified`; this says what it probably was, and why). */
  readonly inferred?: { readonly flags: readonly string[]; readonly class: string; readonly basis: string };
  /** Transcript file relative to the run directory, or null. */
  readonly transcript: string | null;
  readonly harnessError: { readonly code: string; readonly message: string } | null;
}

/** The echo server's record of the board's connection, reduced to what a report needs. */
export interface ServerView {
  readonly handshake: 'ok' | 'failed' | 'none';
  /** The alert the server sent or received (e.g. received certificate_unknown from a cold board). */
  readonly alert: { readonly direction: 'received' | 'sent'; readonly name: string } | null;
  readonly protocol: string | null;
  readonly cipher: string | null;
  readonly endReason: string;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/**
 * What a cell is, in terms a report can reason about without the config: written to the manifest
 * (`extra.cells`) so `picow-harness report RUN` and the findings work from the run directory alone.
 */
export interface CellFacets {
  readonly id: string;
  /** Absent in manifests written before standalone mode existed: interactive. */
  readonly mode?: ExecutionMode;
  readonly reset: ResetMode;
  readonly wifi: {
    /** The variant's name in the cell id, and the access point it joins. */
    readonly variant: string;
    readonly ap: string;
    readonly ssid: string;
    readonly hidden: boolean;
    readonly channel: number | null;
    /** The PM setting as written (`default`, `none`, … or a number) and the value set (null: firmware default). */
    readonly pm: string | number;
    readonly pmValue: number | null;
    readonly country: string | null;
    readonly pinBssid: boolean;
    readonly pinChannel: boolean;
    readonly connect: ConnectMode;
  } | null;
  readonly certs: string | null;
  readonly tlsApi: TlsApi | null;
  /** The RTC mode as written (`cold`, `host:local`, `ntp`, `skew:-2h`, …). */
  readonly rtc: string;
  readonly successClass: string;
}

/** A certificate set as the run served it (public material only), for findings to re-judge chains. */
export interface ServedCertificateSet {
  readonly name: string;
  readonly serverHostname: string;
  /** DER, base64: the chain the server sent (leaf first) and the trust anchor the board loaded. */
  readonly chainDer: readonly string[];
  readonly caDer: string;
  readonly certificates: readonly { readonly role: 'leaf' | 'intermediate' | 'root'; readonly subject: string; readonly notBefore: string; readonly notAfter: string }[];
  /** The flags the set is built to raise on a synced and on a cold board. */
  readonly expected: { readonly synced: readonly string[]; readonly coldBoot: readonly string[] };
}
