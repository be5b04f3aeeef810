import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { EndReason, TlsSessionSummary } from './records.js';
import { alertReceivedIn, alertSentFor, isPlainTextOnTlsPort, type ObservedAlert } from './tls-alerts.js';
import { summarizeCertificate } from './tls-config.js';

/**
 * The accepted TCP socket a server-side TLSSocket wraps. Node sets `_parent` in `TLSSocket._init`
 * (lib/_tls_wrap.js, unchanged since v0.11); it is the only link from tls.Server's
 * `secureConnection`/`tlsClientError` sockets back to the connection the server accepted.
 */
export function wrappedSocketOf(tlsSocket: TLSSocket): Socket | undefined {
  return (tlsSocket as unknown as { _parent?: Socket })._parent;
}

/**
 * Whether the socket still has its OpenSSL session. Node 20 segfaults in `getProtocol()` (and the
 * other calls into the TLS handle) once the session was freed, which happens before tls.Server
 * reports a client that went away during the handshake; `ssl` is nulled when it is freed.
 */
function hasSslSession(tlsSocket: TLSSocket): boolean {
  const ssl = (tlsSocket as unknown as { ssl?: unknown }).ssl;
  return ssl !== null && ssl !== undefined;
}

function protocolOf(tlsSocket: TLSSocket): string | null {
  return hasSslSession(tlsSocket) ? tlsSocket.getProtocol() : null;
}

function serverNameOf(tlsSocket: TLSSocket): string | null {
  const name: unknown = tlsSocket.servername;
  return typeof name === 'string' && name !== '' ? name : null;
}

function authorizationErrorOf(tlsSocket: TLSSocket): string | null {
  const error: unknown = tlsSocket.authorizationError;
  if (error === null || error === undefined) return null;
  return typeof error === 'string' ? error : String((error as { code?: unknown }).code ?? error);
}

/** Version, cipher, SNI and (mTLS) the client certificate of a completed handshake. */
export function sessionSummary(tlsSocket: TLSSocket, mtls: boolean): TlsSessionSummary {
  const peer = mtls && hasSslSession(tlsSocket) ? tlsSocket.getPeerX509Certificate() : undefined;
  return {
    version: protocolOf(tlsSocket),
    cipher: hasSslSession(tlsSocket) ? (tlsSocket.getCipher()?.name ?? null) : null,
    sni: serverNameOf(tlsSocket),
    clientCertificate: peer === undefined ? null : summarizeCertificate(peer),
    clientCertificateError: mtls ? authorizationErrorOf(tlsSocket) : null,
  };
}

export interface HandshakeFailure {
  readonly reason: EndReason;
  readonly alert: ObservedAlert | null;
  readonly tls: TlsSessionSummary | null;
}

const CLOSED_BY_PEER = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_SSL_UNEXPECTED_EOF_WHILE_READING']);

/**
 * What a `tlsClientError` means: why the connection ended, the alert sent or received (if one was),
 * and as much of the session as was negotiated.
 */
export function classifyHandshakeFailure(error: unknown, tlsSocket: TLSSocket): HandshakeFailure {
  const code = (error as { code?: unknown } | null)?.code;
  const errorLike = error as { code?: unknown; message?: unknown };
  const clientCertificateError = authorizationErrorOf(tlsSocket);
  const summary = (version: boolean): TlsSessionSummary => ({
    version: version ? protocolOf(tlsSocket) : null,
    cipher: null,
    sni: serverNameOf(tlsSocket),
    clientCertificate: null,
    clientCertificateError,
  });
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return { reason: 'handshake-timeout', alert: null, tls: summary(false) };
  if (clientCertificateError !== null) return { reason: 'client-certificate-rejected', alert: null, tls: summary(true) };
  const received = alertReceivedIn(errorLike);
  if (received !== undefined) return { reason: 'handshake-failed', alert: received, tls: summary(true) };
  if (isPlainTextOnTlsPort(errorLike)) return { reason: 'plain-on-tls-port', alert: null, tls: null };
  const sent = alertSentFor(errorLike, protocolOf(tlsSocket) ?? undefined);
  if (sent !== undefined) return { reason: 'handshake-failed', alert: sent, tls: summary(sent !== null) };
  if (typeof code === 'string' && CLOSED_BY_PEER.has(code)) return { reason: 'closed-during-handshake', alert: null, tls: summary(false) };
  return { reason: 'handshake-failed', alert: null, tls: summary(false) };
}
