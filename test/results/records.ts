import type { ResetOutcome, ScriptError, TlsProbeResult, WifiConnectResult } from '../../src/campaign/types.js';

/** A wifi_connect result as the script prints it for a clean join of the visible AP; override what a case changes. */
export function wifiResult(overrides: Partial<WifiConnectResult> = {}): WifiConnectResult {
  return {
    kind: 'result',
    script: 'wifi_connect',
    mode: 'fresh',
    ssid: 'picow-lab',
    linkUpBefore: false,
    statusBefore: 0,
    timeline: [
      [0, 1],
      [1310, 2],
      [1920, 3],
    ],
    timeToIpMs: 1920,
    finalStatus: 3,
    rssi: -48,
    ifconfig: ['192.168.4.23', '255.255.255.0', '192.168.4.1', '192.168.4.1'],
    firstNegative: null,
    recovered: false,
    timeoutMs: 20000,
    pm: 0xa11142,
    country: 'XX',
    error: null,
    ...overrides,
  };
}

/** A failed join: the timeline ends in `status` at `atMs` and stays there until the timeout. */
export function failedWifi(status: number, atMs: number, overrides: Partial<WifiConnectResult> = {}): WifiConnectResult {
  return wifiResult({
    timeline: [
      [0, 1],
      [atMs, status],
    ],
    timeToIpMs: null,
    finalStatus: status,
    rssi: null,
    ifconfig: null,
    firstNegative: status < 0 ? status : null,
    ...overrides,
  });
}

/** A tls_probe result for a verified handshake and a good echo; override what a case changes. */
export function tlsResult(overrides: Partial<TlsProbeResult> = {}): TlsProbeResult {
  return {
    kind: 'result',
    script: 'tls_probe',
    api: 'SSLContext',
    apiAvailable: true,
    verifyMode: 'CERT_REQUIRED',
    verifyModeValue: 2,
    host: 'picow-harness.local',
    port: 8443,
    serverHostname: 'picow-harness.local',
    correlationId: 'run1-cell3-it7',
    stage: 'done',
    rtcAtStart: [2025, 3, 14, 4, 10, 20, 30, 0],
    rtcAtFailure: null,
    memFreeBefore: 171_232,
    memFreeAtEnd: 131_008,
    handshakeMs: 812,
    cipher: ['TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256', 'TLSv1.2'],
    echoOk: true,
    echoMismatchAt: null,
    error: null,
    ...overrides,
  };
}

/** The probe stopped at `stage` with `error`. */
export function failedTls(stage: TlsProbeResult['stage'], error: ScriptError, overrides: Partial<TlsProbeResult> = {}): TlsProbeResult {
  const handshakeStarted = stage === 'handshake' || stage === 'echo';
  return tlsResult({
    stage,
    error,
    rtcAtStart: handshakeStarted ? [2021, 1, 1, 4, 0, 0, 7, 0] : null,
    rtcAtFailure: [2021, 1, 1, 4, 0, 0, 8, 0],
    handshakeMs: null,
    cipher: null,
    echoOk: null,
    ...overrides,
  });
}

/** OSError as error_of() reports it: `OSError(-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED')`. */
export function mbedtlsError(code: number, name: string): ScriptError {
  return { type: 'OSError', args: [code, name], errno: code, text: `(${code}, '${name}')` };
}

/** OSError(errno) as error_of() reports it: `[Errno 110] ETIMEDOUT`. */
export function errnoError(errno: number, name?: string): ScriptError {
  return { type: 'OSError', args: [errno], errno, text: name === undefined ? String(errno) : `[Errno ${errno}] ${name}` };
}

export function valueError(message: string): ScriptError {
  return { type: 'ValueError', args: [message], errno: null, text: message };
}

export function verifiedReset(overrides: Partial<ResetOutcome> = {}): ResetOutcome {
  return {
    mode: 'hard',
    verified: true,
    evidence: { ticksMsAfter: 812, resetCause: 'WDT_RESET', rtc: [2021, 1, 1, 4, 0, 0, 1, 0] },
    escalations: [],
    durationMs: 2310,
    ...overrides,
  };
}
