import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type ListenOptions, type Server, type Socket } from 'node:net';
import { SimError } from '../../errors.js';
import type { SimBoard } from '../board.js';
import type { HostEndpoint } from '../usb-cdc.js';

export interface BoardSocketServerEvents {
  /** A client became the board's USB host. */
  'client-attach': [{ remote: string }];
  /** The attached client went away (it closed, or the board's USB vanished). */
  'client-detach': [{ remote: string; reason: string }];
  /** A connection was turned away: the board is busy with another client or its USB is absent. */
  'client-refused': [{ remote: string; reason: string }];
}

/** How long a refused client may take to read the one-line reason before it is cut off. */
const REFUSAL_LINGER_MS = 2000;

function remoteOf(socket: Socket): string {
  if (socket.remoteAddress === undefined) return 'local socket';
  return `${socket.remoteAddress}:${socket.remotePort ?? '?'}`;
}

/**
 * One connected client as the host end of the board's USB CDC. Board bytes are reported consumed
 * only once the socket has taken them, and client bytes are paused while the board's RX buffers
 * are full, so flow control reaches from the client to the simulated CPU in both directions.
 */
class SocketHost implements HostEndpoint {
  private gone = false;

  constructor(
    private readonly board: SimBoard,
    readonly socket: Socket,
    readonly remote: string,
    private readonly onGone: (host: SocketHost, reason: string) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.fromClient(chunk));
    socket.on('error', () => undefined); // 'close' follows and does the bookkeeping
    socket.on('close', () => this.release('client closed the connection'));
  }

  deliver(data: Uint8Array): void {
    if (this.socket.destroyed || !this.socket.writable) {
      this.consumed(data.length); // the connection is gone: the bytes are lost
      return;
    }
    this.socket.write(data, () => this.consumed(data.length));
  }

  disconnect(reason: string): void {
    this.release(`board USB went away (${reason})`);
    this.socket.destroy();
  }

  private fromClient(chunk: Buffer): void {
    this.socket.pause();
    this.board.cdc.hostWrite(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)).then(
      () => {
        if (!this.socket.destroyed) this.socket.resume();
      },
      () => this.socket.destroy(),
    );
  }

  /** Only while attached: after a detach the board's count belongs to the next host. */
  private consumed(count: number): void {
    if (!this.gone) this.board.cdc.hostConsumed(count);
  }

  private release(reason: string): void {
    if (this.gone) return;
    this.gone = true;
    this.board.cdc.detach(this);
    this.onGone(this, reason);
  }
}

/**
 * Serves a simulated board's USB CDC on a listening socket (TCP or unix), one client at a time like
 * ser2net's default: a second client gets a one-line reason and is closed, and so is every client
 * while the board's USB is absent (off, resetting). When the USB goes away the client is dropped.
 */
export class BoardSocketServer extends EventEmitter<BoardSocketServerEvents> {
  private host: SocketHost | undefined;
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly board: SimBoard,
    private readonly server: Server,
  ) {
    super();
    server.on('connection', (socket) => this.accept(socket));
  }

  static async listen(board: SimBoard, where: ListenOptions): Promise<BoardSocketServer> {
    const server = createServer({ pauseOnConnect: false });
    const served = new BoardSocketServer(board, server);
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(new SimError(`cannot serve ${board.name}: ${error.message}`, error));
      server.once('error', onError);
      server.listen(where, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', () => undefined); // after listening, errors are per connection
    return served;
  }

  /** The bound TCP address, or undefined for a unix socket. */
  get tcpAddress(): { host: string; port: number } | undefined {
    const address = this.server.address();
    if (address === null || typeof address === 'string') return undefined;
    const info = address as AddressInfo;
    return { host: info.address, port: info.port };
  }

  get hasClient(): boolean {
    return this.host !== undefined;
  }

  /** Stop listening, drop every connection, release the board's USB. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      const host = this.host;
      this.host = undefined;
      if (host !== undefined) this.board.cdc.detach(host);
    }).then(() => {
      this.removeAllListeners();
    });
    return this.closing;
  }

  private accept(socket: Socket): void {
    const remote = remoteOf(socket);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    if (!this.board.isUsbPresent) {
      this.refuse(socket, remote, `${this.board.name} is off or resetting (its USB port is absent); connect again once it is back`);
      return;
    }
    if (this.host !== undefined) {
      this.refuse(socket, remote, `${this.board.name} is in use by another client (${this.host.remote}); one client at a time`);
      return;
    }
    const host = new SocketHost(this.board, socket, remote, (gone, reason) => {
      if (this.host !== gone) return;
      this.host = undefined;
      this.emit('client-detach', { remote, reason });
    });
    this.host = host;
    this.board.cdc.attach(host);
    this.emit('client-attach', { remote });
  }

  private refuse(socket: Socket, remote: string, reason: string): void {
    this.emit('client-refused', { remote, reason });
    socket.on('error', () => undefined);
    socket.on('data', () => undefined); // unread input would turn our FIN into a reset that hides the reason
    socket.end(`picow-harness: ${reason}\r\n`);
    const linger = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
    linger.unref();
    socket.once('close', () => clearTimeout(linger));
  }
}
