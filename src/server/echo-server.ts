import { EventEmitter } from 'node:events';
import net, { type Server, type Socket } from 'node:net';
import type { Writable } from 'node:stream';
import tls, { type TLSSocket } from 'node:tls';
import { TransportOpenError, UsageError } from '../errors.js';
import { ConnectionTracker } from './connection-tracker.js';
import { endGracefully, runEchoSession, type EchoSessionOptions } from './echo-session.js';
import { RecordLog } from './record-log.js';
import type { ClosedRecord, ConnectionRecord, EndReason, ListenerKind, ListeningRecord } from './records.js';
import { RECORD_SCHEMA_VERSION } from './records.js';
import { tlsServerSetup, type SecurityLevelChoice, type TlsMaterial } from './tls-config.js';
import { classifyHandshakeFailure, sessionSummary, wrappedSocketOf } from './tls-handshake.js';

export const ECHO_SERVER_DEFAULTS = {
  host: '127.0.0.1',
  maxConnections: 256,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  maxLineBytes: 1024,
  closeGraceMs: 2_000,
} as const;

/**
 * A socket that closed while its TLS outcome was still unknown gets this long for tls.Server to
 * report it (it reports every failure, just not always before the socket's own close event).
 */
const OUTCOME_AFTER_CLOSE_MS = 1_000;
/** On top of closeGraceMs: how long close() waits for destroyed sockets to report their end. */
const CLOSE_SETTLE_MS = 2_000;

export interface EchoServerOptions {
  /** Address to bind (default 127.0.0.1). `0.0.0.0` to let a board on the LAN connect. */
  readonly host?: string;
  /** TLS port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Also listen without TLS on this port (0 picks a free one): same echo protocol. */
  readonly plainPort?: number | undefined;
  readonly tls: TlsMaterial;
  /** Require a client certificate that verifies against `tls.clientCaPem`. */
  readonly mtls?: boolean;
  /** Open connections (both ports) above which new ones are closed at once and logged. */
  readonly maxConnections?: number;
  /** From TCP accept to the end of the TLS handshake. */
  readonly handshakeTimeoutMs?: number;
  /** No byte in either direction for this long ends the connection. */
  readonly idleTimeoutMs?: number;
  /** Longest first line (the correlation id, without its `\n`). */
  readonly maxLineBytes?: number;
  /** At close(), how long clients get to close their side before their sockets are destroyed. */
  readonly closeGraceMs?: number;
  /** OpenSSL security level; `auto` (default) is 1, or 0 when the chain needs it (SHA-1, small keys). */
  readonly securityLevel?: SecurityLevelChoice;
  /** JSON Lines log: a file path (appended to) or a stream (left open). Flushed by close(). */
  readonly log?: string | Writable | undefined;
}

export interface AcceptedConnection {
  readonly id: number;
  readonly listener: ListenerKind;
  readonly remote: { readonly address: string | null; readonly port: number | null };
}

export interface EchoServerEvents {
  /** A TCP connection was accepted (before any TLS). */
  accepted: [AcceptedConnection];
  /** A connection ended; its record (also written to the log). */
  connection: [ConnectionRecord];
  /** The log or a listener failed. Emitted only while someone listens. */
  error: [Error];
}

export interface EchoServer {
  /** The address the listeners are bound to. */
  readonly host: string;
  readonly port: number;
  readonly plainPort: number | undefined;
  readonly mtls: boolean;
  /** The OpenSSL security level in use (see EchoServerOptions.securityLevel). */
  readonly securityLevel: number;
  readonly events: EventEmitter<EchoServerEvents>;
  /** Connections accepted and not yet ended. */
  connections(): number;
  /** Stop accepting, end every connection (server-shutdown), write the last line and flush the log. */
  close(): Promise<void>;
}

interface Settings {
  readonly host: string;
  readonly mtls: boolean;
  readonly maxConnections: number;
  readonly handshakeTimeoutMs: number;
  readonly closeGraceMs: number;
  readonly echo: EchoSessionOptions;
  readonly plainEcho: EchoSessionOptions;
}

interface LiveConnection {
  readonly tracker: ConnectionTracker;
  readonly raw: Socket;
  /** The TLS socket once the handshake completed. */
  secure: TLSSocket | undefined;
  outcomeKnown: boolean;
  rawClosed: boolean;
  timer: NodeJS.Timeout | undefined;
}

function positiveWhole(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`${name}: expected a whole number ≥ ${min}, got ${String(value)}`);
  return value;
}

function portOption(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0 || value > 65535) throw new UsageError(`${name}: expected a port 0..65535, got ${String(value)}`);
  return value;
}

async function listen(server: Server, host: string, port: number, kind: ListenerKind): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(new TransportOpenError(`${kind} listener ${host}:${port}`, error.message, error));
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new TransportOpenError(`${kind} listener ${host}:${port}`, 'the listener reported no TCP address');
  return address.port;
}

function closeListener(server: Server, timeoutMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

class EchoServerImpl implements EchoServer {
  readonly events = new EventEmitter<EchoServerEvents>();
  host = '';
  port = 0;
  plainPort: number | undefined;
  readonly mtls: boolean;
  readonly securityLevel: number;
  private readonly settings: Settings;
  private readonly tlsServer: tls.Server;
  private readonly tlsListener: Server;
  private readonly plainListener: Server | undefined;
  private readonly log: RecordLog;
  private readonly live = new Map<Socket, LiveConnection>();
  private readonly endReasons: Partial<Record<EndReason, number>> = {};
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private drainedWaiters: (() => void)[] = [];

  constructor(settings: Settings, tlsOptions: tls.TlsOptions, securityLevel: number, log: RecordLog, withPlain: boolean) {
    this.settings = settings;
    this.mtls = settings.mtls;
    this.securityLevel = securityLevel;
    this.log = log;
    this.tlsServer = tls.createServer({ ...tlsOptions, handshakeTimeout: settings.handshakeTimeoutMs });
    this.tlsServer.on('secureConnection', (tlsSocket: TLSSocket) => this.onSecure(tlsSocket));
    this.tlsServer.on('tlsClientError', (error: Error, tlsSocket: TLSSocket) => this.onHandshakeError(error, tlsSocket));
    this.tlsListener = net.createServer((raw) => this.accept(raw, 'tls'));
    this.tlsListener.on('error', (error) => this.reportError(error));
    if (withPlain) {
      this.plainListener = net.createServer((raw) => this.accept(raw, 'plain'));
      this.plainListener.on('error', (error) => this.reportError(error));
    }
  }

  async start(port: number, plainPort: number | undefined): Promise<void> {
    this.port = await listen(this.tlsListener, this.settings.host, port, 'tls');
    if (this.plainListener !== undefined) this.plainPort = await listen(this.plainListener, this.settings.host, plainPort ?? 0, 'plain');
    const address = this.tlsListener.address();
    this.host = address !== null && typeof address !== 'string' ? address.address : this.settings.host;
  }

  /** Undo a partial start (a listener that could not bind); never throws. */
  async abort(): Promise<void> {
    await closeListener(this.tlsListener, CLOSE_SETTLE_MS);
    if (this.plainListener !== undefined) await closeListener(this.plainListener, CLOSE_SETTLE_MS);
    await this.log.close().catch(() => undefined);
  }

  listeningRecord(chain: ListeningRecord['chain']): ListeningRecord {
    return {
      kind: 'listening',
      v: RECORD_SCHEMA_VERSION,
      at: new Date().toISOString(),
      tls: { address: this.host, port: this.port },
      plain: this.plainPort === undefined ? null : { address: this.host, port: this.plainPort },
      mtls: this.mtls,
      securityLevel: this.securityLevel,
      chain,
      limits: {
        maxConnections: this.settings.maxConnections,
        handshakeTimeoutMs: this.settings.handshakeTimeoutMs,
        idleTimeoutMs: this.settings.echo.idleTimeoutMs,
        maxLineBytes: this.settings.echo.maxLineBytes,
      },
    };
  }

  writeLog(record: ListeningRecord): void {
    this.log.write(record);
  }

  connections(): number {
    return this.live.size;
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private accept(raw: Socket, listener: ListenerKind): void {
    const tracker = new ConnectionTracker(this.nextId, listener, raw);
    this.nextId += 1;
    raw.on('error', () => undefined); // Every error is reported through the TLS socket or the echo session.
    if (this.closing !== undefined || this.live.size >= this.settings.maxConnections) {
      tracker.endWith(this.closing !== undefined ? 'server-shutdown' : 'max-connections');
      raw.destroy();
      this.record(tracker.finish('max-connections'));
      return;
    }
    raw.setNoDelay(true);
    const connection: LiveConnection = { tracker, raw, secure: undefined, outcomeKnown: listener === 'plain', rawClosed: false, timer: undefined };
    this.live.set(raw, connection);
    this.events.emit('accepted', { id: tracker.id, listener, remote: { address: raw.remoteAddress ?? null, port: raw.remotePort ?? null } });
    raw.on('close', () => {
      connection.rawClosed = true;
      this.settle(connection);
    });
    if (listener === 'plain') {
      runEchoSession(raw, tracker, this.settings.plainEcho);
      return;
    }
    this.tlsServer.emit('connection', raw);
  }

  private connectionOf(tlsSocket: TLSSocket): LiveConnection | undefined {
    const raw = wrappedSocketOf(tlsSocket);
    return raw === undefined ? undefined : this.live.get(raw);
  }

  private onSecure(tlsSocket: TLSSocket): void {
    const connection = this.connectionOf(tlsSocket);
    if (connection === undefined) {
      tlsSocket.destroy();
      this.reportError(new Error('a TLS connection could not be matched with an accepted socket; it was closed'));
      return;
    }
    connection.secure = tlsSocket;
    connection.outcomeKnown = true;
    connection.tracker.handshakeSucceeded(sessionSummary(tlsSocket, this.mtls));
    runEchoSession(tlsSocket, connection.tracker, this.settings.echo);
    tlsSocket.on('close', () => this.finish(connection));
    if (this.closing !== undefined) {
      connection.tracker.endWith('server-shutdown');
      endGracefully(tlsSocket, this.settings.closeGraceMs);
    }
  }

  private onHandshakeError(error: Error, tlsSocket: TLSSocket): void {
    const connection = this.connectionOf(tlsSocket);
    if (connection === undefined) {
      tlsSocket.destroy();
      return;
    }
    connection.tracker.handshakeFailed({ ...classifyHandshakeFailure(error, tlsSocket), error });
    connection.outcomeKnown = true;
    connection.tracker.sampleWireBytes();
    tlsSocket.destroy();
    this.settle(connection);
  }

  /** Records a connection once its socket closed and its outcome is known (or will not be). */
  private settle(connection: LiveConnection): void {
    if (!connection.rawClosed || connection.secure !== undefined) return;
    if (connection.outcomeKnown) {
      this.finish(connection);
      return;
    }
    if (connection.timer === undefined) {
      connection.timer = setTimeout(() => this.finish(connection), OUTCOME_AFTER_CLOSE_MS);
      connection.timer.unref();
    }
  }

  private finish(connection: LiveConnection): void {
    if (connection.tracker.finished) return;
    clearTimeout(connection.timer);
    const fallback: EndReason = connection.tracker.listener === 'plain' || connection.secure !== undefined ? 'client-closed' : 'closed-during-handshake';
    this.live.delete(connection.raw);
    this.record(connection.tracker.finish(fallback));
    if (this.live.size === 0) for (const wake of this.drainedWaiters.splice(0)) wake();
  }

  private record(record: ConnectionRecord): void {
    this.endReasons[record.endReason] = (this.endReasons[record.endReason] ?? 0) + 1;
    this.log.write(record);
    this.events.emit('connection', record);
  }

  /** Emits `error` only while someone listens: the server keeps serving either way. */
  reportError(error: Error): void {
    if (this.events.listenerCount('error') > 0) this.events.emit('error', error);
  }

  private waitForNoConnections(timeoutMs: number): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.drainedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async shutDown(): Promise<void> {
    const listeners = this.plainListener === undefined ? [this.tlsListener] : [this.tlsListener, this.plainListener];
    const listenersClosed = Promise.all(listeners.map((server) => closeListener(server, this.settings.closeGraceMs + CLOSE_SETTLE_MS)));
    for (const connection of this.live.values()) {
      connection.tracker.endWith('server-shutdown');
      if (connection.secure !== undefined) endGracefully(connection.secure, this.settings.closeGraceMs);
      else if (connection.tracker.listener === 'plain') endGracefully(connection.raw, this.settings.closeGraceMs);
      else connection.raw.destroy();
    }
    await this.waitForNoConnections(this.settings.closeGraceMs + CLOSE_SETTLE_MS);
    for (const connection of [...this.live.values()]) {
      connection.secure?.destroy();
      connection.raw.destroy();
      this.finish(connection);
    }
    await listenersClosed;
    const closed: ClosedRecord = {
      kind: 'closed',
      v: RECORD_SCHEMA_VERSION,
      at: new Date().toISOString(),
      connections: this.nextId - 1,
      endReasons: { ...this.endReasons },
    };
    this.log.write(closed);
    await this.log.close();
  }
}

/**
 * Start the TLS echo server the board connects to (and, with `plainPort`, its plain-TCP twin).
 * Resolves once both listeners are bound and the log is open; every connection then produces one
 * record (events `connection`, and one JSON line in the log) when it ends.
 */
export async function startEchoServer(options: EchoServerOptions): Promise<EchoServer> {
  const mtls = options.mtls ?? false;
  const port = portOption('port', options.port) ?? 0;
  const plainPort = portOption('plainPort', options.plainPort);
  const idleTimeoutMs = positiveWhole('idleTimeoutMs', options.idleTimeoutMs, ECHO_SERVER_DEFAULTS.idleTimeoutMs);
  const maxLineBytes = positiveWhole('maxLineBytes', options.maxLineBytes, ECHO_SERVER_DEFAULTS.maxLineBytes);
  const closeGraceMs = positiveWhole('closeGraceMs', options.closeGraceMs, ECHO_SERVER_DEFAULTS.closeGraceMs, 0);
  const echo: EchoSessionOptions = { idleTimeoutMs, maxLineBytes, closeGraceMs, detectTlsClientHello: false };
  const settings: Settings = {
    host: options.host ?? ECHO_SERVER_DEFAULTS.host,
    mtls,
    maxConnections: positiveWhole('maxConnections', options.maxConnections, ECHO_SERVER_DEFAULTS.maxConnections),
    handshakeTimeoutMs: positiveWhole('handshakeTimeoutMs', options.handshakeTimeoutMs, ECHO_SERVER_DEFAULTS.handshakeTimeoutMs),
    closeGraceMs,
    echo,
    plainEcho: { ...echo, detectTlsClientHello: true },
  };
  const setup = tlsServerSetup(options.tls, { mtls, securityLevel: options.securityLevel ?? 'auto' });
  let server: EchoServerImpl | undefined;
  const log = await RecordLog.open(options.log, (error) => server?.reportError(error));
  server = new EchoServerImpl(settings, setup.options, setup.securityLevel, log, plainPort !== undefined);
  try {
    await server.start(port, plainPort);
  } catch (error) {
    await server.abort();
    throw error;
  }
  server.writeLog(server.listeningRecord(setup.chain));
  return server;
}
