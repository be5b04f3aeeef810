import { connect, type Socket } from 'node:net';
import { TransportLostError, TransportOpenError } from '../errors.js';
import { ReceiveQueue } from './receive-queue.js';
import type { Transport, TransportInfo } from './transport.js';

export interface TcpOpenOptions {
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs?: number;
}

/** Why a connection could not be opened, in a user's words. */
function defaultConnectReason(error: NodeJS.ErrnoException): string {
  return error.code === 'ECONNREFUSED' ? 'connection refused (is the server running?)' : error.message;
}

/**
 * Connect to `host:port` within `timeoutMs`, as a low-latency socket with keep-alive; failures are
 * `TransportOpenError`s naming `url`, with `reasonOf` saying why.
 */
export function connectTcpSocket(
  host: string,
  port: number,
  url: string,
  timeoutMs: number,
  reasonOf: (error: NodeJS.ErrnoException) => string = defaultConnectReason,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TransportOpenError(url, `no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.setKeepAlive(true, 5000);
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new TransportOpenError(url, reasonOf(error), error));
    });
  });
}

/** Write to a connected socket; resolves once the bytes are handed to the OS. */
export function writeSocket(socket: Socket, url: string, data: Uint8Array): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    socket.write(data, (error) => {
      if (error) reject(new TransportLostError(url, `write failed: ${error.message}`, error));
      else resolve();
    });
  });
}

/** Close a socket gracefully (FIN), destroying it if the peer has not closed within half a second. */
export function endSocket(socket: Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.destroyed) {
      resolve();
      return;
    }
    socket.once('close', () => resolve());
    socket.end();
    setTimeout(() => socket.destroy(), 500).unref();
  });
}

/** A raw TCP byte stream to a serial port server (ser2net in raw mode, `picow-harness sim --tcp`). */
export class TcpTransport implements Transport {
  readonly info: TransportInfo;
  private readonly queue: ReceiveQueue;
  private open = true;

  private constructor(private readonly socket: Socket, url: string) {
    this.info = { kind: 'tcp', port: url, serialNumber: undefined };
    this.queue = new ReceiveQueue(url);
    socket.on('data', (chunk: Buffer) => this.queue.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    socket.on('close', () => {
      this.open = false;
      this.queue.fail(new TransportLostError(url, 'connection closed by the peer'));
    });
    socket.on('error', (error) => {
      this.open = false;
      this.queue.fail(new TransportLostError(url, `connection failed: ${error.message}`, error));
    });
  }

  static async open(options: TcpOpenOptions): Promise<TcpTransport> {
    const url = `tcp://${options.host}:${options.port}`;
    const socket = await connectTcpSocket(options.host, options.port, url, options.connectTimeoutMs ?? 5000);
    return new TcpTransport(socket, url);
  }

  get isOpen(): boolean {
    return this.open;
  }

  async write(data: Uint8Array): Promise<void> {
    if (!this.open) throw new TransportLostError(this.info.port, 'connection is closed');
    await writeSocket(this.socket, this.info.port, data);
  }

  read(signal?: AbortSignal): Promise<Uint8Array> {
    return this.queue.read(signal);
  }

  drain(): Uint8Array {
    return this.queue.drain();
  }

  async close(): Promise<void> {
    if (!this.open && this.socket.destroyed) return;
    this.open = false;
    this.queue.fail(new TransportLostError(this.info.port, 'closed'));
    await endSocket(this.socket);
  }
}
