import net from 'node:net';
import { Errno, osError } from '../hw/py-raise.js';
import { EISCONN, TCP_CLOSE_TIMEOUT_MS, TCP_MSS, TCP_SND_BUF, TCP_WND } from './lwip-constants.js';
import type { TcpStream, TcpStreamSink } from './stream.js';

/** What a TCP connection needs from the stack around it. */
export interface TcpEnvironment {
  readonly timeScale: number;
  uptimeMs(): number;
  wake(): void;
  noteTraffic(): void;
  linkUp(): boolean;
  /** Board ms an unanswered SYN is retried before lwIP gives up. */
  readonly connectGiveUpMs: number;
}

/**
 * Who is at the other end: the harness host (a real connection to 127.0.0.1:port), a world host
 * with nothing listening on that port (it answers the SYN with a reset), or nobody.
 */
export type TcpPeer = { readonly kind: 'host'; readonly port: number } | { readonly kind: 'refusing' } | { readonly kind: 'silent' };

export interface TcpPoll {
  readonly connected: boolean;
  readonly connecting: boolean;
  readonly error?: number;
  readonly readable: number;
  readonly eof: boolean;
  readonly writable: boolean;
}

type State = 'new' | 'connecting' | 'open' | 'failed' | 'dead' | 'closed';

/**
 * Model: after a power cut the board answers nothing; the host connection is kept silent this long
 * (host ms) so the server sees what it would see from a vanished board, then freed.
 */
const POWER_LOSS_SILENCE_MS = 60_000;

/**
 * How lwIP reports a connection the host's socket saw die. A reset during the SYN (nothing
 * listening) reaches lwIP as ERR_RST too: modlwip has no ECONNREFUSED, connect raises ECONNRESET
 * (lwIP tcp_in.c tcp_process, RST in SYN_SENT → ERR_RST; extmod/modlwip.c error_lookup_table).
 */
function errnoOf(error: NodeJS.ErrnoException): number {
  switch (error.code) {
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EPIPE':
      return Errno.ECONNRESET;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return Errno.EHOSTUNREACH;
    default:
      return Errno.ECONNABORTED;
  }
}

/** One lwIP TCP socket (modlwip's lwip_socket_obj_t with a tcp_pcb) and, for the harness, its real host connection. */
export class TcpConnection {
  private state: State = 'new';
  private pendingError: number | undefined;
  private socket: net.Socket | undefined;
  /** Received, not yet read: one entry per segment (≤ TCP_MSS), as lwIP's pbuf chain. */
  private readonly segments: Uint8Array[] = [];
  private segmentOffset = 0;
  private buffered = 0;
  private peerEnded = false;
  /** Arrived while the link was down: delivered when it comes back. */
  private readonly held: Buffer[] = [];
  private heldEnd = false;
  private connectDeadlineMs: number | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private sink: TcpStreamSink | undefined;
  private sinkPaused = false;
  /** Written by a stream owner while the link was down. */
  private readonly heldWrites: Uint8Array[] = [];

  constructor(private readonly env: TcpEnvironment) {}

  /** Whether this socket still holds one of lwIP's TCP PCBs (MEMP_NUM_TCP_PCB). Model: a closed socket frees its PCB at once. */
  get holdsPcb(): boolean {
    return this.state !== 'closed';
  }

  connect(peer: TcpPeer): void {
    if (this.state === 'open') throw osError(EISCONN);
    if (this.state === 'connecting') throw osError(Errno.EALREADY);
    if (this.state !== 'new') throw osError(Errno.EBADF);
    if (!this.env.linkUp()) throw osError(Errno.EHOSTUNREACH);
    this.state = 'connecting';
    this.env.noteTraffic();
    if (peer.kind === 'host') {
      this.openHostConnection(peer.port);
    } else if (peer.kind === 'refusing') {
      this.after(0, () => this.fail(Errno.ECONNRESET));
    } else {
      // Model: nobody answers; lwIP gives up after its SYN retries (ERR_ABRT → ECONNABORTED).
      this.connectDeadlineMs = this.env.uptimeMs() + this.env.connectGiveUpMs;
      this.after(this.env.connectGiveUpMs / this.env.timeScale + 1, () => this.env.wake());
    }
  }

  poll(): TcpPoll {
    this.checkDeadline();
    const error = this.state === 'failed' ? this.takeError() : undefined;
    return {
      connected: this.state === 'open',
      connecting: this.state === 'connecting',
      ...(error === undefined ? {} : { error }),
      readable: this.buffered,
      eof: this.state === 'open' && this.peerEnded && this.buffered === 0,
      writable: this.state === 'open' && this.sendSpace() > 0,
    };
  }

  /** modlwip lwip_tcp_receive: at most the rest of the first received segment; empty = EOF; null = nothing yet. */
  recv(max: number): Uint8Array | null {
    this.checkDeadline();
    this.raiseIfUnusable();
    if (this.state !== 'open') throw osError(Errno.ENOTCONN);
    if (this.sink !== undefined) return null;
    const first = this.segments[0];
    if (first === undefined) return this.peerEnded ? new Uint8Array(0) : null;
    const take = Math.max(0, Math.min(max, first.length - this.segmentOffset));
    const chunk = first.slice(this.segmentOffset, this.segmentOffset + take);
    this.segmentOffset += take;
    this.buffered -= take;
    if (this.segmentOffset >= first.length) {
      this.segments.shift();
      this.segmentOffset = 0;
    }
    this.updateFlow();
    return chunk;
  }

  /** modlwip lwip_tcp_send: as much as TCP_SND_BUF has room for (0 = try again later). */
  send(data: Uint8Array): number {
    this.checkDeadline();
    this.raiseIfUnusable();
    if (this.state === 'new') throw osError(Errno.ENOTCONN);
    // Model: lwIP queues the data and tcp_output finds no route (ERR_RTE): the call raises EHOSTUNREACH.
    if (!this.env.linkUp()) throw osError(Errno.EHOSTUNREACH);
    if (this.socket === undefined) {
      // A virtual peer still in SYN_SENT: lwIP queues the bytes; nobody will ever take them.
      return data.length === 0 ? 0 : Math.min(data.length, TCP_SND_BUF);
    }
    const accepted = Math.min(data.length, this.sendSpace());
    if (accepted <= 0) return 0;
    this.socket.write(Buffer.from(data.subarray(0, accepted)));
    this.env.noteTraffic();
    return accepted;
  }

  /** The board closed the socket (close(), or its finaliser at soft reset): FIN, or RST when data was left unread. */
  close(): void {
    this.clearTimers();
    const previous = this.state;
    this.state = 'closed';
    // A TLS session still on this socket finds it gone: its next read fails with EBADF.
    const sink = this.sink;
    this.releaseSink();
    sink?.error(Errno.EBADF);
    const socket = this.socket;
    if (socket === undefined || previous === 'new') return;
    if (previous !== 'open' || this.buffered > 0 || this.held.length > 0) {
      // lwIP tcp_close with unread received data (rcv_wnd not reopened) sends RST; in SYN_SENT it just frees the PCB.
      this.destroy(socket, previous === 'open');
      return;
    }
    socket.removeAllListeners('data');
    // lwIP sets TF_RXCLOSED: data arriving after close aborts the connection with RST.
    socket.on('data', () => this.destroy(socket, true));
    socket.resume();
    socket.end();
    const timer = setTimeout(() => socket.destroy(), TCP_CLOSE_TIMEOUT_MS / this.env.timeScale);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  /** The board lost power: nothing more is sent or read; the host connection goes silent, then is freed. */
  vanish(): void {
    this.clearTimers();
    this.state = 'closed';
    this.sink = undefined;
    const socket = this.socket;
    if (socket === undefined) return;
    socket.removeAllListeners('data');
    socket.removeAllListeners('end');
    socket.pause();
    socket.unref();
    const timer = setTimeout(() => socket.destroy(), POWER_LOSS_SILENCE_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  /** Free the host connection now (simulator teardown). */
  dispose(): void {
    this.clearTimers();
    this.state = 'closed';
    this.sink = undefined;
    this.socket?.destroy();
  }

  /** lwIP aborted the PCB (its address went away, or the interface was removed). */
  abort(): void {
    if (this.state !== 'open' && this.state !== 'connecting') return;
    const socket = this.socket;
    this.fail(Errno.ECONNABORTED);
    if (socket !== undefined) this.destroy(socket, true);
  }

  /** The link came back: deliver what the peer sent meanwhile and send what was written meanwhile. */
  linkRestored(): void {
    for (const chunk of this.heldWrites.splice(0)) this.socket?.write(chunk);
    for (const chunk of this.held.splice(0)) this.accept(chunk);
    if (this.heldEnd) {
      this.heldEnd = false;
      this.acceptEnd();
    }
    this.updateFlow();
  }

  claimStream(sink: TcpStreamSink): TcpStream {
    this.checkDeadline();
    this.raiseIfUnusable();
    if (this.state !== 'open') throw osError(Errno.ENOTCONN);
    if (this.sink !== undefined) throw osError(Errno.EALREADY);
    this.sink = sink;
    this.sinkPaused = false;
    const pending = this.segments.splice(0).map((segment, index) => (index === 0 ? segment.subarray(this.segmentOffset) : segment));
    this.segmentOffset = 0;
    this.buffered = 0;
    for (const chunk of pending) if (chunk.length > 0) sink.data(chunk);
    if (this.peerEnded) sink.end();
    this.updateFlow();
    const socket = this.socket;
    return {
      hostPort: socket?.localPort,
      write: (data) => this.streamWrite(sink, data),
      queued: () => (this.socket?.writableLength ?? 0) + this.heldWrites.reduce((total, chunk) => total + chunk.length, 0),
      pause: () => {
        if (this.sink !== sink) return;
        this.sinkPaused = true;
        this.updateFlow();
      },
      resume: () => {
        if (this.sink !== sink) return;
        this.sinkPaused = false;
        this.updateFlow();
      },
      release: () => {
        if (this.sink === sink) this.releaseSink();
      },
    };
  }

  private streamWrite(sink: TcpStreamSink, data: Uint8Array): void {
    if (this.sink !== sink || this.state !== 'open' || this.socket === undefined || data.length === 0) return;
    this.env.noteTraffic();
    if (!this.env.linkUp()) {
      this.heldWrites.push(Uint8Array.from(data));
      return;
    }
    this.socket.write(Buffer.from(data));
  }

  private releaseSink(): void {
    this.sink = undefined;
    this.sinkPaused = false;
    this.updateFlow();
  }

  private openHostConnection(port: number): void {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.socket === socket && (this.state === 'open' || this.state === 'connecting')) this.fail(errnoOf(error));
    });
    socket.once('connect', () => {
      if (this.state !== 'connecting') return;
      this.state = 'open';
      this.env.noteTraffic();
      this.env.wake();
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.state !== 'open') return;
      if (!this.env.linkUp()) {
        this.held.push(chunk);
        this.updateFlow();
        return;
      }
      this.accept(chunk);
    });
    socket.on('end', () => {
      if (this.state !== 'open') return;
      if (!this.env.linkUp()) this.heldEnd = true;
      else this.acceptEnd();
    });
  }

  private accept(chunk: Uint8Array): void {
    this.env.noteTraffic();
    if (this.sink !== undefined) {
      this.sink.data(chunk);
    } else {
      for (let offset = 0; offset < chunk.length; offset += TCP_MSS) this.segments.push(chunk.subarray(offset, offset + TCP_MSS));
      this.buffered += chunk.length;
    }
    this.updateFlow();
    this.env.wake();
  }

  private acceptEnd(): void {
    this.peerEnded = true;
    this.sink?.end();
    this.env.wake();
  }

  /** Pause the host connection while the board has a full window unread, the stream owner asked, or the link is down. */
  private updateFlow(): void {
    const socket = this.socket;
    if (socket === undefined || socket.destroyed || this.state !== 'open') return;
    const full = this.sink !== undefined ? this.sinkPaused : this.buffered >= TCP_WND;
    if (full || this.held.length > 0) socket.pause();
    else socket.resume();
  }

  private sendSpace(): number {
    return TCP_SND_BUF - (this.socket?.writableLength ?? 0);
  }

  private fail(errno: number): void {
    if (this.state === 'closed' || this.state === 'dead' || this.state === 'failed') return;
    this.clearTimers();
    this.state = 'failed';
    this.pendingError = errno;
    // lwIP's error callback frees whatever was received and not read (modlwip _lwip_tcp_error).
    this.segments.length = 0;
    this.segmentOffset = 0;
    this.buffered = 0;
    this.held.length = 0;
    const sink = this.sink;
    this.sink = undefined;
    sink?.error(errno);
    this.env.wake();
  }

  private checkDeadline(): void {
    if (this.state === 'connecting' && this.connectDeadlineMs !== undefined && this.env.uptimeMs() >= this.connectDeadlineMs) {
      this.connectDeadlineMs = undefined;
      this.fail(Errno.ECONNABORTED);
    }
  }

  /** The first call after a failure raises its errno; after that the socket is dead (EBADF), as modlwip's check_connected does. */
  private raiseIfUnusable(): void {
    if (this.state === 'failed') throw osError(this.takeError() ?? Errno.EBADF);
    if (this.state === 'dead' || this.state === 'closed') throw osError(Errno.EBADF);
  }

  private takeError(): number | undefined {
    const error = this.pendingError;
    this.pendingError = undefined;
    this.state = 'dead';
    return error;
  }

  private destroy(socket: net.Socket, reset: boolean): void {
    if (socket.destroyed) return;
    if (reset && typeof socket.resetAndDestroy === 'function' && socket.readyState !== 'opening') socket.resetAndDestroy();
    else socket.destroy();
  }

  private after(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

