import { z } from 'zod';
import { TLS_APIS } from '../campaign/types.js';
import type { DiagResult, TlsProbeResult, TlsStage, WifiConnectResult, WifiScanResult } from '../campaign/types.js';
import { ProtocolError } from '../errors.js';
import { utf8 } from '../util/bytes.js';
import { parseScriptOutput } from './script-output.js';

/**
 * Strict schemas of what the campaign's device scripts print (`device-scripts/*.py`), and the one
 * parser the harness reads them with. Every `@@picow` line is checked: intermediate lines against
 * their script's progress shape, the last against its result shape (the types in campaign/types.ts).
 */

const int = z.number().int();
const count = int.nonnegative();

const ScriptErrorSchema = z.strictObject({
  type: z.string().min(1),
  args: z.array(z.unknown()),
  errno: int.nullable(),
  text: z.string(),
});

const RtcTupleSchema = z.tuple([int, int, int, int, int, int, int, int]);

const IfconfigSchema = z.array(z.string()).length(4);

const ScanEntrySchema = z.strictObject({
  ssidHex: z.string().regex(/^(?:[0-9a-f]{2})*$/, 'expected lowercase hex'),
  ssid: z.string().nullable(),
  bssid: z.string().regex(/^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/, 'expected aa:bb:cc:dd:ee:ff'),
  channel: int,
  rssi: int,
  security: int,
  seen: int,
});

const WifiScanResultSchema = z.strictObject({
  kind: z.literal('result'),
  script: z.literal('wifi_scan'),
  durationMs: count,
  aps: z.array(ScanEntrySchema),
  error: ScriptErrorSchema.nullable(),
});

const WifiConnectResultSchema = z.strictObject({
  kind: z.literal('result'),
  script: z.literal('wifi_connect'),
  mode: z.enum(['fresh', 'as-is']),
  ssid: z.string(),
  linkUpBefore: z.boolean(),
  statusBefore: int,
  timeline: z.array(z.tuple([count, int])),
  timeToIpMs: count.nullable(),
  finalStatus: int,
  rssi: int.nullable(),
  ifconfig: IfconfigSchema.nullable(),
  firstNegative: int.negative().nullable(),
  recovered: z.boolean(),
  timeoutMs: count,
  pm: int.nullable(),
  country: z.string().nullable(),
  error: ScriptErrorSchema.nullable(),
});

const TLS_STAGES = ['api', 'resolve', 'connect', 'handshake', 'echo', 'done'] as const satisfies readonly TlsStage[];

const TlsProbeResultSchema = z.strictObject({
  kind: z.literal('result'),
  script: z.literal('tls_probe'),
  api: z.enum(TLS_APIS as readonly ['SSLContext', 'wrap_socket', 'tls']),
  apiAvailable: z.boolean(),
  verifyMode: z.enum(['CERT_REQUIRED', 'CERT_OPTIONAL', 'CERT_NONE']),
  verifyModeValue: int.nullable(),
  host: z.string(),
  port: int.min(0).max(65535),
  serverHostname: z.string().nullable(),
  correlationId: z.string(),
  stage: z.enum(TLS_STAGES),
  rtcAtStart: RtcTupleSchema.nullable(),
  rtcAtFailure: RtcTupleSchema.nullable(),
  memFreeBefore: count.nullable(),
  memFreeAtEnd: count.nullable(),
  handshakeMs: count.nullable(),
  /** cipher() is (suite, version) on every firmware that has it. */
  cipher: z.array(z.union([z.string(), int])).nullable(),
  echoOk: z.boolean().nullable(),
  echoMismatchAt: count.nullable(),
  error: ScriptErrorSchema.nullable(),
});

const DiagResultSchema = z.strictObject({
  kind: z.literal('result'),
  script: z.literal('diag'),
  version: z.string().nullable(),
  machine: z.string().nullable(),
  uniqueId: z.string().regex(/^[0-9a-f]*$/, 'expected lowercase hex').nullable(),
  resetCause: z.strictObject({ value: int, name: z.string().nullable() }).nullable(),
  rtc: RtcTupleSchema.nullable(),
  ticksMs: count.nullable(),
  memFree: count.nullable(),
  memAlloc: count.nullable(),
  wifi: z
    .strictObject({
      active: z.boolean().nullable(),
      status: int.nullable(),
      isconnected: z.boolean().nullable(),
      ifconfig: IfconfigSchema.nullable(),
      pm: int.nullable(),
      country: z.string().nullable(),
    })
    .nullable(),
  errors: z.record(z.string(), z.string()),
});

/** wifi_connect prints one of these per status change while it polls. */
const WifiStatusLineSchema = z.strictObject({ kind: z.literal('status'), script: z.literal('wifi_connect'), t: count, status: int });
/** tls_probe prints one of these as each stage begins (so a transcript shows where a stuck probe was). */
const TlsStageLineSchema = z.strictObject({ kind: z.literal('stage'), script: z.literal('tls_probe'), stage: z.enum(TLS_STAGES), t: count });

export type WifiStatusLine = z.output<typeof WifiStatusLineSchema>;
export type TlsStageLine = z.output<typeof TlsStageLineSchema>;

interface ScriptShapes {
  wifi_scan: { result: WifiScanResult; progress: never };
  wifi_connect: { result: WifiConnectResult; progress: WifiStatusLine };
  tls_probe: { result: TlsProbeResult; progress: TlsStageLine };
  diag: { result: DiagResult; progress: never };
}

export type DeviceScriptName = keyof ScriptShapes;
export type ScriptResultOf<S extends DeviceScriptName> = ScriptShapes[S]['result'];
export type ScriptProgressOf<S extends DeviceScriptName> = ScriptShapes[S]['progress'];

interface ScriptSpec<S extends DeviceScriptName> {
  readonly file: string;
  readonly result: z.ZodType<ScriptResultOf<S>>;
  /** The kind and schema of its intermediate lines, if it prints any. */
  readonly progress?: { readonly kind: string; readonly schema: z.ZodType<ScriptProgressOf<S>> };
}

const SCRIPTS: { readonly [S in DeviceScriptName]: ScriptSpec<S> } = {
  wifi_scan: { file: 'wifi_scan.py', result: WifiScanResultSchema },
  wifi_connect: { file: 'wifi_connect.py', result: WifiConnectResultSchema, progress: { kind: 'status', schema: WifiStatusLineSchema } },
  tls_probe: { file: 'tls_probe.py', result: TlsProbeResultSchema, progress: { kind: 'stage', schema: TlsStageLineSchema } },
  diag: { file: 'diag.py', result: DiagResultSchema },
};

export const DEVICE_SCRIPT_NAMES = Object.keys(SCRIPTS) as DeviceScriptName[];

/** The file under device-scripts/ (for loadDeviceScript / loadScriptWithArgs). */
export function deviceScriptFile(script: DeviceScriptName): string {
  return SCRIPTS[script].file;
}

export interface ScriptReport<S extends DeviceScriptName> {
  readonly result: ScriptResultOf<S>;
  /** The intermediate lines, validated, in order. */
  readonly progress: readonly ScriptProgressOf<S>[];
  /** Everything the script printed that is not a marker line. */
  readonly text: string;
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return 'invalid';
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => (path === '' ? key : `${path}.${key}`));
    return `unexpected field ${keys.join(', ')}`;
  }
  return `field ${path === '' ? '(top level)' : path}: ${issue.message}`;
}

/**
 * Validate everything `script` printed and return its result. Strict: a missing or unknown field,
 * a wrong type, a line of an unknown kind, a line after the result or no result at all is a
 * `ProtocolError` naming the script, the field and the byte offset of the line in the output.
 */
export function parseScriptReport<S extends DeviceScriptName>(script: S, output: string, source: { readonly port: string }): ScriptReport<S> {
  const spec = SCRIPTS[script] as ScriptSpec<S>;
  const { results, lines, text } = parseScriptOutput(output, { port: source.port, script: spec.file });
  function fail(index: number, what: string, issue?: z.core.$ZodIssue): never {
    const detail = issue === undefined ? '' : ` (${describeIssue(issue)})`;
    throw new ProtocolError(source.port, `${spec.file} printed ${what} at byte ${lines[index]?.offset ?? 0} of its output${detail}`, utf8(lines[index]?.text ?? ''));
  }

  const progress: ScriptProgressOf<S>[] = [];
  let result: ScriptResultOf<S> | undefined;
  for (const [index, line] of results.entries()) {
    if (result !== undefined) fail(index, 'a line after its result line');
    if (line.kind === 'result') {
      const parsed = spec.result.safeParse(line);
      if (!parsed.success) fail(index, 'an invalid result line', parsed.error.issues[0]);
      result = parsed.data;
      continue;
    }
    if (spec.progress === undefined || line.kind !== spec.progress.kind) fail(index, `a line of unexpected kind ${JSON.stringify(line.kind) ?? 'undefined'}`);
    const parsed = spec.progress.schema.safeParse(line);
    if (!parsed.success) fail(index, `an invalid ${spec.progress.kind} line`, parsed.error.issues[0]);
    progress.push(parsed.data);
  }
  if (result === undefined) {
    throw new ProtocolError(source.port, `${spec.file} printed no result line (its output ends at byte ${utf8(output).length})`, utf8(output.slice(-200)));
  }
  return { result, progress, text };
}

/** The validated result of `script` (see parseScriptReport for what is checked). */
export function parseScriptResult<S extends DeviceScriptName>(script: S, output: string, source: { readonly port: string }): ScriptResultOf<S> {
  return parseScriptReport(script, output, source).result;
}
