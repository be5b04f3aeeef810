import { connect, type Socket } from 'node:net';
import { TransportLostError, TransportOpenError } from '../errors.js';
import { ReceiveQueue } from './receive-queue.js';
import type { Transport, TransportInfo } from './transport.js';

export interface TcpOpenOptions {
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs?: number;
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

  static open(options: TcpOpenOptions): Promise<TcpTransport> {
    const url = `tcp://${options.host}:${options.port}`;
    const timeoutMs = options.connectTimeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const socket = connect({ host: options.host, port: options.port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportOpenError(url, `no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setKeepAlive(true, 5000);
        resolve(new TcpTransport(socket, url));
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const reason = error.code === 'ECONNREFUSED' ? 'connection refused (is the server running?)' : error.message;
        reject(new TransportOpenError(url, reason, error));
      });
    });
  }

  get isOpen(): boolean {
    return this.open;
  }

  async write(data: Uint8Array): Promise<void> {
    if (!this.open) throw new TransportLostError(this.info.port, 'connection is closed');
    await new Promise<void>((resolve, reject) => {
      this.socket.write(data, (error) => {
        if (error) reject(new TransportLostError(this.info.port, `write failed: ${error.message}`, error));
        else resolve();
      });
    });
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
    await new Promise<void>((resolve) => {
      if (this.socket.destroyed) {
        resolve();
        return;
      }
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 500).unref();
    });
  }
}
