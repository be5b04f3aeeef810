import type { ObservedAlert } from './tls-alerts.js';

/** Bumped when a field changes meaning or disappears (adding fields keeps the version). */
export const RECORD_SCHEMA_VERSION = 1;

export type ListenerKind = 'tls' | 'plain';

/**
 * Why a connection ended. The first cause observed wins: a connection closed by the idle timer
 * stays `idle-timeout` even though its socket then reports a close.
 */
export type EndReason =
  /** The client closed (FIN) or the connection closed cleanly after the echo. */
  | 'client-closed'
  /** The client reset the connection (ECONNRESET/EPIPE) after the handshake. */
  | 'client-reset'
  | 'idle-timeout'
  | 'handshake-timeout'
  /** The TLS handshake failed; `alert` and `error` say how. */
  | 'handshake-failed'
  /** The client went away during the handshake without an alert (e.g. Node's post-handshake verify). */
  | 'closed-during-handshake'
  /** mTLS: the client presented a certificate that did not verify; Node closes without an alert. */
  | 'client-certificate-rejected'
  /** Not TLS on the TLS port (OpenSSL: wrong version number / http request); no alert is sent. */
  | 'plain-on-tls-port'
  /** A TLS ClientHello on the plain port; the server answers with a plain-text line and closes. */
  | 'tls-on-plain-port'
  /** The first line was longer than maxLineBytes before its `\n`. */
  | 'line-too-long'
  /** Refused on accept: maxConnections were already open. */
  | 'max-connections'
  | 'server-shutdown'
  /** Any other socket error; `error` has it. */
  | 'socket-error';

export interface Endpoint {
  readonly address: string | null;
  readonly port: number | null;
}

export interface PeerCertificateSummary {
  /** RFC 2253-ish one-line subject, e.g. `CN=picow-client`. */
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly fingerprint256: string;
  readonly validFrom: string;
  readonly validTo: string;
}

export interface TlsSessionSummary {
  /** `TLSv1.2` / `TLSv1.3` (null when the handshake did not get far enough to know). */
  readonly version: string | null;
  /** OpenSSL cipher name, e.g. `ECDHE-ECDSA-AES128-GCM-SHA256`. */
  readonly cipher: string | null;
  /** The server name the client asked for (SNI), null without SNI. */
  readonly sni: string | null;
  /** mTLS: the client's certificate (null without one or when it could no longer be read). */
  readonly clientCertificate: PeerCertificateSummary | null;
  /** mTLS: Node's verification verdict (`authorizationError` code), null when verified or not asked. */
  readonly clientCertificateError: string | null;
}

export interface ErrorSummary {
  readonly code: string | null;
  readonly message: string;
}

/** One line of the log per connection, written when the connection has ended. */
export interface ConnectionRecord {
  readonly kind: 'connection';
  readonly v: number;
  /** 1, 2, 3… in accept order, per server. */
  readonly id: number;
  readonly listener: ListenerKind;
  readonly acceptedAt: string;
  readonly endedAt: string;
  readonly durationMs: number;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /** `none` on the plain port and for refused connections. */
  readonly handshake: 'ok' | 'failed' | 'none';
  /** From accept to the end of the handshake (success or failure). */
  readonly handshakeMs: number | null;
  readonly tls: TlsSessionSummary | null;
  /** The alert sent or received when the handshake failed. */
  readonly alert: ObservedAlert | null;
  /** The raw error that ended the connection (OpenSSL/Node code and message). */
  readonly error: ErrorSummary | null;
  /** The client's first line without `\n` (and a trailing `\r`), escaped like a Python bytes body. */
  readonly correlationId: string | null;
  /** Application bytes received from the client (the TLS plaintext on the TLS port). */
  readonly bytesIn: number;
  /** Application bytes echoed back and accepted by the socket. */
  readonly bytesOut: number;
  /** TCP payload bytes as they crossed the wire (TLS records included). */
  readonly wireBytesIn: number | null;
  readonly wireBytesOut: number | null;
  readonly endReason: EndReason;
}

/** The first line of a log: where the server listened and what it serves. */
export interface ListeningRecord {
  readonly kind: 'listening';
  readonly v: number;
  readonly at: string;
  readonly tls: Endpoint;
  readonly plain: Endpoint | null;
  readonly mtls: boolean;
  /** The OpenSSL security level the TLS context was built with (0 only when the material needs it). */
  readonly securityLevel: number;
  /** The certificates the server sends, leaf first (public data only). */
  readonly chain: readonly PeerCertificateSummary[];
  readonly limits: {
    readonly maxConnections: number;
    readonly handshakeTimeoutMs: number;
    readonly idleTimeoutMs: number;
    readonly maxLineBytes: number;
  };
}

/** The last line of a log, written by `close()`. */
export interface ClosedRecord {
  readonly kind: 'closed';
  readonly v: number;
  readonly at: string;
  readonly connections: number;
  readonly endReasons: Readonly<Partial<Record<EndReason, number>>>;
}

export type ServerLogRecord = ListeningRecord | ConnectionRecord | ClosedRecord;
