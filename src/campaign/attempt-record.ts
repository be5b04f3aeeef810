/**
 * What an interactive and a standalone attempt share: how one starts (its cell, clock and
 * transcript), where its TLS probe connects, how its evidence is classified and how its record
 * is written.
 */
import { isHarnessError } from '../errors.js';
import type { CertificateSet } from '../pki/index.js';
import { classifyAttempt, type AttemptClassification, type AttemptInput, type TlsClassifyContext } from '../results/taxonomy.js';
import type { ConnectionRecord } from '../server/records.js';
import type { AttemptEnvironment } from './attempt.js';
import type { Cell } from './matrix.js';
import type { AttemptTranscript } from './records/run-store.js';
import type { PlannedAttempt } from './runner.js';
import type { AttemptRecord, ServerView, TlsApi } from './types.js';

/** An attempt under way. */
export interface AttemptStart {
  readonly cell: Cell;
  readonly startedAt: string;
  /** performance.now() at the start, for durationMs. */
  readonly started: number;
  readonly transcript: AttemptTranscript | undefined;
  /** Stop copying the board's bytes into the transcript. */
  readonly untap: () => void;
}

/** The record's fields that come from what the attempt saw (the rest: its identity, class and transcript). */
export type AttemptEvidence = Pick<AttemptRecord, 'mode' | 'seenBy' | 'boardMs' | 'reset' | 'rtc' | 'wifi' | 'tls' | 'server' | 'harnessError'>;

export function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\r?\n\s*/g, ' ');
}

export function harnessErrorOf(error: unknown): { code: string; message: string } {
  return { code: isHarnessError(error) ? error.code : 'INTERNAL', message: oneLine(error) };
}

/** Look up the planned attempt's cell, start its clock and tap the board's bytes into its transcript. */
export function startAttempt(env: AttemptEnvironment, planned: PlannedAttempt): AttemptStart {
  const cell = env.cells.get(planned.cell);
  if (cell === undefined) throw new Error(`attempt ${planned.seq} names cell ${planned.cell}, which is not in the plan`);
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const transcript = env.openTranscript?.(planned);
  const untap = transcript === undefined ? () => {} : env.board.onTranscript((direction, bytes) => transcript.tap(direction, bytes));
  return { cell, startedAt, started, transcript, untap };
}

/** The TLS probe's target: the echo server serving the cell's certificate set, verified against its CA. */
export function tlsProbeTarget(
  env: AttemptEnvironment,
  served: { readonly set: CertificateSet; readonly server: { readonly port: number } },
  api: TlsApi,
): { host: string; port: number; api: TlsApi; verify: 'CERT_REQUIRED'; cadata: string; server_hostname: string } {
  return {
    host: env.serverHost,
    port: served.server.port,
    api,
    verify: 'CERT_REQUIRED',
    cadata: Buffer.from(served.set.caDer).toString('hex'),
    server_hostname: served.set.serverHostname,
  };
}

/** What the echo server saw of the board's connection: the other side of the evidence. */
export function serverView(record: ConnectionRecord): ServerView {
  return {
    handshake: record.handshake,
    alert: record.alert === null ? null : { direction: record.alert.direction, name: record.alert.name },
    protocol: record.tls?.version ?? null,
    cipher: record.tls?.cipher ?? null,
    endReason: record.endReason,
    bytesIn: record.bytesIn,
    bytesOut: record.bytesOut,
  };
}

function tlsContextOf(set: CertificateSet): TlsClassifyContext {
  const { leaf, intermediate, root } = set.manifest.certificates;
  return {
    certificates: [leaf, intermediate, root].flatMap((entry) => (entry === null ? [] : [{ subject: entry.subject, notBefore: entry.notBefore, notAfter: entry.notAfter }])),
    expectedFlags: set.manifest.expected.synced.flags,
  };
}

/** Classify an attempt, with the certificate set it probed (if any) to reason about a bare -9984. */
export function classifyEvidence(input: Omit<AttemptInput, 'tlsContext'>, set: CertificateSet | undefined): AttemptClassification {
  return classifyAttempt({ ...input, ...(set === undefined ? {} : { tlsContext: tlsContextOf(set) }) });
}

/** Close the transcript and write the attempt's record. */
export async function attemptRecord(
  env: AttemptEnvironment,
  planned: PlannedAttempt,
  start: AttemptStart,
  evidence: AttemptEvidence,
  classification: AttemptClassification,
): Promise<AttemptRecord> {
  const transcriptPath = start.transcript === undefined ? null : await start.transcript.finish();
  return {
    v: 1,
    runId: env.runId,
    seq: planned.seq,
    cell: planned.cell,
    iteration: planned.iteration,
    startedAt: start.startedAt,
    durationMs: Math.round((performance.now() - start.started) * 10) / 10,
    ...(env.boardTag === undefined ? {} : { board: env.boardTag }),
    ...(env.firmware === undefined ? {} : { firmware: env.firmware }),
    mode: evidence.mode,
    ...(evidence.seenBy === undefined ? {} : { seenBy: evidence.seenBy }),
    boardMs: evidence.boardMs,
    reset: evidence.reset,
    rtc: evidence.rtc,
    wifi: evidence.wifi,
    tls: evidence.tls,
    server: evidence.server,
    class: classification.class,
    classes: classification.classes,
    detail: classification.detail,
    ...(classification.inferred === undefined ? {} : { inferred: classification.inferred }),
    transcript: transcriptPath,
    harnessError: evidence.harnessError,
  };
}
