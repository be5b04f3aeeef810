import { EventEmitter } from 'node:events';
import { createServer, type ListenOptions, type Server, type Socket } from 'node:net';
import { SimError } from '../../errors.js';
import type { SimBoard } from '../board.js';
import type { HostEndpoint } from '../usb-cdc.js';

export interface OneClientServerEvents {
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
 * A subclass decides how socket bytes become board bytes (`received`) and the reverse (`deliver`).
 */
export abstract class CdcSocketHost implements HostEndpoint {
  private gone = false;

  constructor(
    protected readonly board: SimBoard,
    readonly socket: Socket,
    readonly remote: string,
    private readonly onGone: (host: CdcSocketHost, reason: string) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    socket.on('error', () => undefined); // 'close' follows and does the bookkeeping
    socket.on('close', () => this.release('client closed the connection'));
  }

  abstract deliver(data: Uint8Array): void;

  /** Bytes the client sent, as they came off the socket. */
  protected abstract received(bytes: Uint8Array): void;

  disconnect(reason: string): void {
    this.release(`board USB went away (${reason})`);
    this.socket.destroy();
  }

  protected get clientGone(): boolean {
    return this.socket.destroyed || !this.socket.writable;
  }

  /** Send board bytes to the client (through `encode`, if given); lost if the connection is gone. */
  protected forward(data: Uint8Array, encode?: (data: Uint8Array) => Uint8Array): void {
    if (this.clientGone) {
      this.consumed(data.length);
      return;
    }
    this.socket.write(encode === undefined ? data : encode(data), () => this.consumed(data.length));
  }

  /** Pass client bytes to the board, pausing the socket until the board has accepted them. */
  protected toBoard(bytes: Uint8Array): void {
    this.socket.pause();
    this.board.cdc.hostWrite(bytes).then(
      () => {
        if (!this.socket.destroyed) this.socket.resume();
      },
      () => this.socket.destroy(),
    );
  }

  /** Only while attached: after a detach the board's count belongs to the next host. */
  protected consumed(count: number): void {
    if (!this.gone) this.board.cdc.hostConsumed(count);
  }

  /** Called once, just before the host detaches, while its consumed counts still reach the board. */
  protected beforeRelease(): void {}

  private release(reason: string): void {
    if (this.gone) return;
    this.beforeRelease();
    this.gone = true;
    this.board.cdc.detach(this);
    this.onGone(this, reason);
  }
}

/**
 * Serves a simulated board's USB CDC on a listening socket, one client at a time like ser2net's
 * default: a second client gets a one-line reason and is closed, and so is every client while the
 * board's USB is absent (off, resetting). When the USB goes away the client is dropped.
 */
export abstract class OneClientBoardServer<
  Host extends CdcSocketHost,
  Events extends OneClientServerEvents & Record<keyof Events, unknown[]>,
> extends EventEmitter<Events> {
  private host: Host | undefined;
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | undefined;
  protected readonly server: Server = createServer();

  protected constructor(protected readonly board: SimBoard) {
    super();
    this.server.on('connection', (socket) => this.accept(socket));
  }

  /** The host for an accepted client; `onGone` must be its `onGone`. */
  protected abstract createHost(socket: Socket, remote: string, onGone: (host: CdcSocketHost, reason: string) => void): Host;

  /** Start listening; `service` completes "cannot serve <board>…" in the error (e.g. ' over RFC 2217'). */
  protected async bind(where: ListenOptions, service = ''): Promise<void> {
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(new SimError(`cannot serve ${this.board.name}${service}: ${error.message}`, error));
      server.once('error', onError);
      server.listen(where, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', () => undefined); // after listening, errors are per connection
  }

  get hasClient(): boolean {
    return this.host !== undefined;
  }

  protected get client(): Host | undefined {
    return this.host;
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

  /** The events every one-client server has (the generic `Events` hides them from `emit`). */
  private get clientEvents(): EventEmitter<OneClientServerEvents> {
    return this as unknown as EventEmitter<OneClientServerEvents>;
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
    const host = this.createHost(socket, remote, (gone, reason) => {
      if (this.host !== gone) return;
      this.host = undefined;
      this.clientEvents.emit('client-detach', { remote, reason });
    });
    this.host = host;
    this.board.cdc.attach(host);
    this.clientEvents.emit('client-attach', { remote });
  }

  private refuse(socket: Socket, remote: string, reason: string): void {
    this.clientEvents.emit('client-refused', { remote, reason });
    socket.on('error', () => undefined);
    socket.on('data', () => undefined); // unread input would turn our FIN into a reset that hides the reason
    socket.end(`picow-harness: ${reason}\r\n`);
    const linger = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
    linger.unref();
    socket.once('close', () => clearTimeout(linger));
  }
}
