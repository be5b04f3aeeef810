import type { Socket } from 'node:net';
import type { ConnectionRecord, EndReason, ErrorSummary, ListenerKind, TlsSessionSummary } from './records.js';
import { RECORD_SCHEMA_VERSION } from './records.js';
import type { ObservedAlert } from './tls-alerts.js';

/** Error text is kept, but bounded: a record line stays small whatever a peer provokes. */
const MAX_ERROR_MESSAGE_CHARS = 300;

export function summarizeError(error: unknown): ErrorSummary {
  const code = typeof (error as { code?: unknown } | null)?.code === 'string' ? (error as { code: string }).code : null;
  const message = error instanceof Error ? error.message : String(error);
  const oneLine = message.replace(/\s*\n\s*/g, ' ').trim();
  return { code, message: oneLine.length > MAX_ERROR_MESSAGE_CHARS ? `${oneLine.slice(0, MAX_ERROR_MESSAGE_CHARS)}…` : oneLine };
}

/**
 * The facts about one connection as they become known; `finish()` turns them into its record once.
 * The first end reason set wins (see `EndReason`).
 */
export class ConnectionTracker {
  readonly id: number;
  readonly listener: ListenerKind;
  private readonly acceptedAtMs = Date.now();
  private readonly acceptedAtTick = performance.now();
  private readonly raw: Socket;
  private readonly local: { address: string | null; port: number | null };
  private readonly remote: { address: string | null; port: number | null };
  private handshake: 'ok' | 'failed' | 'none' = 'none';
  private handshakeMs: number | null = null;
  private tls: TlsSessionSummary | null = null;
  private alert: ObservedAlert | null = null;
  private error: ErrorSummary | null = null;
  private endReason: EndReason | undefined;
  private wireIn: number | null = null;
  private wireOut: number | null = null;
  private record: ConnectionRecord | undefined;
  correlationId: string | null = null;
  bytesIn = 0;
  bytesOut = 0;

  constructor(id: number, listener: ListenerKind, raw: Socket) {
    this.id = id;
    this.listener = listener;
    this.raw = raw;
    this.local = { address: raw.localAddress ?? null, port: raw.localPort ?? null };
    this.remote = { address: raw.remoteAddress ?? null, port: raw.remotePort ?? null };
  }

  get finished(): boolean {
    return this.record !== undefined;
  }

  get reason(): EndReason | undefined {
    return this.endReason;
  }

  /** Sets why the connection ends unless a cause was already recorded. */
  endWith(reason: EndReason, error?: unknown): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    if (error !== undefined && this.error === null) this.error = summarizeError(error);
  }

  handshakeSucceeded(tls: TlsSessionSummary): void {
    this.handshake = 'ok';
    this.handshakeMs = this.elapsedMs();
    this.tls = tls;
  }

  handshakeFailed(failure: { reason: EndReason; error: unknown; alert: ObservedAlert | null; tls: TlsSessionSummary | null }): void {
    this.handshake = 'failed';
    this.handshakeMs = this.elapsedMs();
    this.alert = failure.alert;
    this.tls = failure.tls;
    this.error = summarizeError(failure.error);
    this.endWith(failure.reason);
  }

  /** Reads the wire byte counters while the socket still has them (they vanish with its handle). */
  sampleWireBytes(): void {
    const read = this.raw.bytesRead;
    const written = this.raw.bytesWritten;
    if (Number.isFinite(read)) this.wireIn = Math.max(this.wireIn ?? 0, read);
    if (Number.isFinite(written)) this.wireOut = Math.max(this.wireOut ?? 0, written);
  }

  /** The record, built once; later calls return the same object. */
  finish(fallback: EndReason): ConnectionRecord {
    if (this.record !== undefined) return this.record;
    this.sampleWireBytes();
    const endedAtMs = Date.now();
    this.record = {
      kind: 'connection',
      v: RECORD_SCHEMA_VERSION,
      id: this.id,
      listener: this.listener,
      acceptedAt: new Date(this.acceptedAtMs).toISOString(),
      endedAt: new Date(endedAtMs).toISOString(),
      durationMs: this.elapsedMs(),
      local: this.local,
      remote: this.remote,
      handshake: this.handshake,
      handshakeMs: this.handshakeMs,
      tls: this.tls,
      alert: this.alert,
      error: this.error,
      correlationId: this.correlationId,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      wireBytesIn: this.wireIn,
      wireBytesOut: this.wireOut,
      endReason: this.endReason ?? fallback,
    };
    return this.record;
  }

  private elapsedMs(): number {
    return Math.round((performance.now() - this.acceptedAtTick) * 10) / 10;
  }
}
