import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { ConnectionRecord, EchoServer } from '../../../src/server/index.js';

/** Every bound wait in these tests. Generous: a loaded CI machine must not make a test flaky. */
export const WAIT_MS = 10_000;

/** Polls `condition` every few milliseconds until it holds; throws after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Keeps every record a server emits and waits for the ones a test expects. */
export class RecordCollector {
  readonly records: ConnectionRecord[] = [];
  private waiters: (() => void)[] = [];

  constructor(server: EchoServer) {
    server.events.on('connection', (record) => {
      this.records.push(record);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** The first record matching `predicate`, waiting up to `timeoutMs` for it. */
  async find(predicate: (record: ConnectionRecord) => boolean, timeoutMs = WAIT_MS): Promise<ConnectionRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.records.find(predicate);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching record within ${timeoutMs} ms; records so far: ${JSON.stringify(this.records, null, 1)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The record of the connection from local port `port` (the client's side). */
  fromClientPort(port: number | undefined, timeoutMs = WAIT_MS): Promise<ConnectionRecord> {
    if (port === undefined) throw new Error('the client socket has no local port');
    return this.find((record) => record.remote.port === port, timeoutMs);
  }

  /** Waits until `count` records exist. */
  async count(count: number, timeoutMs = WAIT_MS): Promise<ConnectionRecord[]> {
    await this.find(() => this.records.length >= count, timeoutMs);
    return this.records;
  }
}

export interface ClientOutcome {
  /** Everything the server sent (plaintext for TLS), until close or the bound wait. */
  readonly received: Buffer;
  /** The client-side error, if the connection failed. */
  readonly error: (Error & { code?: string }) | undefined;
  readonly localPort: number | undefined;
  /** The handshake completed from the client's point of view (TLS only). */
  readonly secure: boolean;
  readonly authorized: boolean | undefined;
  readonly protocol: string | null;
  readonly cipher: string | undefined;
  /** DER of each certificate the server sent, leaf first (TLS only, when the handshake got that far). */
  readonly serverChainSubjects: readonly string[];
}

interface ExchangeOptions {
  /** Bytes to send once connected (for TLS: once the handshake completes). */
  readonly send?: Buffer | string;
  /** Half-close (FIN) after sending. */
  readonly endAfterSend?: boolean;
  /** Close the client once this many bytes came back. */
  readonly closeAfterBytes?: number;
  /** Called with each chunk that arrives. */
  readonly onData?: (chunk: Buffer) => void;
  readonly timeoutMs?: number;
}

function finishExchange(socket: net.Socket, options: ExchangeOptions, extra: () => Omit<ClientOutcome, 'received' | 'error' | 'localPort'>): Promise<ClientOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let error: (Error & { code?: string }) | undefined;
    let localPort: number | undefined;
    socket.on('connect', () => {
      localPort = socket.localPort;
    });
    const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? WAIT_MS);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      options.onData?.(chunk);
      if (options.closeAfterBytes !== undefined && received >= options.closeAfterBytes) socket.end();
    });
    socket.on('error', (failure: Error & { code?: string }) => {
      error ??= failure;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received: Buffer.concat(chunks), error, localPort: localPort ?? socket.localPort, ...extra() });
    });
  });
}

/** A plain TCP client: connect, send, optionally half-close, collect what comes back. */
export function plainExchange(port: number, options: ExchangeOptions = {}): Promise<ClientOutcome> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('connect', () => {
    if (options.send !== undefined) socket.write(options.send);
    if (options.endAfterSend === true) socket.end();
  });
  return finishExchange(socket, options, () => ({ secure: false, authorized: undefined, protocol: null, cipher: undefined, serverChainSubjects: [] }));
}

function chainSubjects(socket: tls.TLSSocket): string[] {
  const subjects: string[] = [];
  let certificate = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  const seen = new Set<string>();
  while (certificate !== undefined && certificate.fingerprint256 !== undefined && !seen.has(certificate.fingerprint256)) {
    seen.add(certificate.fingerprint256);
    const commonName: string | string[] | undefined = certificate.subject.CN;
    subjects.push(Array.isArray(commonName) ? commonName.join(',') : (commonName ?? ''));
    certificate = certificate.issuerCertificate;
  }
  return subjects;
}

/** A Node TLS client: connect, send once secure, collect the echo; `tlsOptions` as for tls.connect. */
export function tlsExchange(port: number, tlsOptions: tls.ConnectionOptions, options: ExchangeOptions = {}): Promise<ClientOutcome> {
  const socket = tls.connect({ host: '127.0.0.1', port, ...tlsOptions });
  let secure = false;
  let subjects: string[] = [];
  socket.on('secureConnect', () => {
    secure = true;
    subjects = chainSubjects(socket);
    if (options.send !== undefined) socket.write(options.send);
    if (options.endAfterSend === true) socket.end();
  });
  const protocolAtEnd: { protocol: string | null; cipher: string | undefined } = { protocol: null, cipher: undefined };
  socket.on('secureConnect', () => {
    protocolAtEnd.protocol = socket.getProtocol();
    protocolAtEnd.cipher = socket.getCipher()?.name;
  });
  return finishExchange(socket, options, () => ({
    secure,
    authorized: secure ? socket.authorized : undefined,
    protocol: protocolAtEnd.protocol,
    cipher: protocolAtEnd.cipher,
    serverChainSubjects: subjects,
  }));
}

/** Opens a plain TCP connection and resolves once connected; the caller closes it. */
export function openSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`could not connect to 127.0.0.1:${port} within ${WAIT_MS} ms`));
    }, WAIT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Resolves when the socket has closed (bounded). */
export function closed(socket: net.Socket, timeoutMs = WAIT_MS): Promise<void> {
  if (socket.destroyed && socket.closed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the socket did not close within ${timeoutMs} ms`)), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * What mbedTLS on a Pico W does when it rejects the server's chain: a TLS 1.2 ClientHello (built
 * here by Node's TLS client), and on the server's first flight a plaintext fatal alert record
 * instead of the ClientKeyExchange, then close. Resolves with the client's local port.
 */
export function rejectServerFlightWithAlert(port: number, alert: number, servername: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const raw = net.connect({ host: '127.0.0.1', port });
    let localPort: number | undefined;
    let alerted = false;
    const toServer = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        if (!alerted) raw.write(chunk);
        callback();
      },
    });
    const client = tls.connect({ socket: toServer, servername, maxVersion: 'TLSv1.2', rejectUnauthorized: false });
    client.on('error', () => undefined);
    const timer = setTimeout(() => {
      raw.destroy();
      reject(new Error(`no server flight within ${WAIT_MS} ms`));
    }, WAIT_MS);
    raw.on('connect', () => {
      localPort = raw.localPort;
    });
    raw.on('data', () => {
      if (alerted) return;
      alerted = true;
      raw.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, alert]));
      client.destroy();
    });
    raw.on('error', () => undefined);
    raw.on('close', () => {
      clearTimeout(timer);
      resolve(localPort);
    });
  });
}
