import type { Socket } from 'node:net';
import { escapeBytes } from '../util/bytes.js';
import type { ConnectionTracker } from './connection-tracker.js';

const LF = 0x0a;
const CR = 0x0d;
const TLS_HANDSHAKE_RECORD = 0x16;
const TLS_MAJOR_VERSION = 0x03;
const HIGHEST_TLS_MINOR_VERSION = 0x04;

/**
 * What the plain port answers to a TLS ClientHello before closing. Its first byte is not a TLS
 * record type, so an mbedTLS client fails the way it does against any plain-text server
 * (MBEDTLS_ERR_SSL_INVALID_RECORD) rather than seeing a bare close.
 */
export const TLS_ON_PLAIN_PORT_NOTICE = 'picow-harness: this port speaks plain TCP, not TLS\n';

export interface EchoSessionOptions {
  readonly maxLineBytes: number;
  readonly idleTimeoutMs: number;
  /** After the server decides to end a connection, how long the client gets to close its side. */
  readonly closeGraceMs: number;
  /** Plain port only: recognise a TLS ClientHello and answer it with TLS_ON_PLAIN_PORT_NOTICE. */
  readonly detectTlsClientHello: boolean;
}

function looksLikeTlsRecord(bytes: Buffer): boolean {
  return bytes[0] === TLS_HANDSHAKE_RECORD && bytes[1] === TLS_MAJOR_VERSION && (bytes[2] ?? 0xff) <= HIGHEST_TLS_MINOR_VERSION;
}

function isResetError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED';
}

/** End our side now; destroy the socket if the client has not closed within `graceMs`. */
export function endGracefully(socket: Socket, graceMs: number): void {
  if (socket.destroyed) return;
  socket.end();
  const timer = setTimeout(() => socket.destroy(), graceMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/**
 * The echo protocol on an open (plain or TLS) socket. The client's first line, up to `\n` and at
 * most `maxLineBytes` long, is its correlation id; nothing is echoed until that line is complete, then
 * everything (the line included) goes back byte for byte. Echo is paced by the socket: when the client
 * stops reading, the server stops reading too, so a slow or stuck client costs a bounded buffer.
 */
export function runEchoSession(socket: Socket, tracker: ConnectionTracker, options: EchoSessionOptions): void {
  /** The first line so far; undefined once it is complete (or the session was stopped). */
  let pendingLine: Buffer[] | undefined = [];
  let pendingBytes = 0;
  let stopped = false;

  const stop = (reason: 'line-too-long' | 'tls-on-plain-port'): void => {
    stopped = true;
    pendingLine = undefined;
    tracker.endWith(reason);
    if (reason === 'tls-on-plain-port') socket.write(TLS_ON_PLAIN_PORT_NOTICE);
    endGracefully(socket, options.closeGraceMs);
  };

  const echo = (chunk: Buffer): void => {
    if (chunk.length === 0) return;
    const accepted = socket.write(chunk, (error) => {
      if (error === undefined || error === null) tracker.bytesOut += chunk.length;
    });
    if (!accepted) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  };

  const completeLine = (line: Buffer): void => {
    const withoutCr = line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
    tracker.correlationId = escapeBytes(withoutCr);
  };

  /** Handles bytes while the first line is incomplete; returns what can be echoed now. */
  const takeFirstLine = (chunk: Buffer, parts: Buffer[]): Buffer | undefined => {
    parts.push(chunk);
    pendingBytes += chunk.length;
    const held = parts.length === 1 ? chunk : Buffer.concat(parts);
    if (parts.length > 1) parts.splice(0, parts.length, held);
    if (options.detectTlsClientHello && held.length >= 3 && looksLikeTlsRecord(held)) {
      stop('tls-on-plain-port');
      return undefined;
    }
    const newline = held.indexOf(LF);
    const lineLength = newline === -1 ? held.length : newline;
    if (lineLength > options.maxLineBytes) {
      stop('line-too-long');
      return undefined;
    }
    if (newline === -1) return undefined;
    completeLine(held.subarray(0, newline));
    pendingLine = undefined;
    return held;
  };

  socket.setTimeout(options.idleTimeoutMs);
  socket.on('timeout', () => {
    tracker.endWith('idle-timeout');
    socket.destroy();
  });
  socket.on('data', (chunk: Buffer) => {
    if (stopped) return;
    tracker.bytesIn += chunk.length;
    const parts = pendingLine;
    const ready = parts === undefined ? chunk : takeFirstLine(chunk, parts);
    if (ready !== undefined) echo(ready);
  });
  socket.on('end', () => {
    // The client finished without a complete first line: what it sent is still echoed.
    if (!stopped && pendingLine !== undefined && pendingBytes > 0) echo(Buffer.concat(pendingLine));
    pendingLine = undefined;
    tracker.endWith('client-closed');
  });
  socket.on('error', (error) => {
    tracker.endWith(isResetError(error) ? 'client-reset' : 'socket-error', error);
  });
}
