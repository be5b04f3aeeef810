import { z } from 'zod';
import { parseScriptResult } from '../../device/script-results.js';
import type { RtcTuple, TlsProbeResult, WifiConnectResult } from '../types.js';

/**
 * What the boot runner writes (one JSON line per probe on its flash log, and the same line with the
 * log write's outcome over the network), checked strictly. Its `wifi` and `tls` parts are the
 * wifi_connect and tls_probe result shapes, checked by the same schemas as in interactive mode.
 */

const int = z.number().int();
const rtc = z.tuple([int, int, int, int, int, int, int, int]).nullable();

const LogOutcomeSchema = z.strictObject({
  status: z.enum(['ok', 'cap', 'full', 'error']),
  errno: int.nullable(),
  bytes: int.nullable(),
});

const RunnerLineSchema = z.strictObject({
  kind: z.literal('standalone'),
  v: z.literal(1),
  runId: z.string().nullable(),
  seq: int.nullable(),
  correlationId: z.string(),
  resetCause: int.nullable(),
  bootRtc: rtc,
  bootTicksMs: int,
  clock: z.strictObject({ mode: z.string(), before: rtc, after: rtc, problem: z.string().optional() }).nullable(),
  wifi: z.unknown().nullable(),
  tls: z.unknown().nullable(),
  error: z.strictObject({ type: z.string(), args: z.array(z.unknown()), errno: int.nullable(), text: z.string() }).nullable(),
  boardMs: int.nullable(),
  log: LogOutcomeSchema.nullable(),
});

export type RunnerLogOutcome = z.output<typeof LogOutcomeSchema>;

export interface RunnerRecord {
  readonly correlationId: string;
  readonly resetCause: number | null;
  readonly bootRtc: RtcTuple | null;
  readonly bootTicksMs: number;
  readonly clock: { readonly mode: string; readonly before: RtcTuple | null; readonly after: RtcTuple | null; readonly problem?: string } | null;
  readonly wifi: WifiConnectResult | null;
  readonly tls: TlsProbeResult | null;
  readonly error: { readonly type: string; readonly text: string } | null;
  readonly boardMs: number | null;
  /** How appending to the flash log went (only in the network report). */
  readonly log: RunnerLogOutcome | null;
}

/** One runner line (`source` names where it came from in errors); throws on anything malformed. */
export function parseRunnerLine(value: unknown, source: string): RunnerRecord {
  const parsed = RunnerLineSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: invalid runner line (${issue === undefined ? 'invalid' : `${issue.path.join('.') || 'top level'}: ${issue.message}`})`);
  }
  const line = parsed.data;
  const port = { port: source };
  return {
    correlationId: line.correlationId,
    resetCause: line.resetCause,
    bootRtc: line.bootRtc,
    bootTicksMs: line.bootTicksMs,
    clock: line.clock,
    wifi: line.wifi === null ? null : parseScriptResult('wifi_connect', `@@picow ${JSON.stringify(line.wifi)}\n`, port),
    tls: line.tls === null ? null : parseScriptResult('tls_probe', `@@picow ${JSON.stringify(line.tls)}\n`, port),
    error: line.error,
    boardMs: line.boardMs,
    log: line.log,
  };
}

export interface ParsedLog {
  /** Lines by correlation id (a later line with the same id wins). */
  readonly records: Map<string, RunnerRecord>;
  /** Lines that were not valid runner lines (a torn last line after a power cut, for instance). */
  readonly invalid: number;
}

/** The runner's flash log: JSON lines; invalid lines are counted, not fatal. */
export function parseRunnerLog(text: string, source: string): ParsedLog {
  const records = new Map<string, RunnerRecord>();
  let invalid = 0;
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim().length === 0) continue;
    try {
      const record = parseRunnerLine(JSON.parse(line), `${source} line ${index + 1}`);
      records.set(record.correlationId, record);
    } catch {
      invalid += 1;
    }
  }
  return { records, invalid };
}
