/**
 * How another board model (the TLS client) takes over the byte stream of a connected TCP socket:
 * it gets the bytes lwIP received (and EOF / the error) instead of recv(), and writes below the
 * send() API. NetStack keeps owning the socket: close(), link loss and resets still apply.
 */
export interface TcpStreamSink {
  /** Bytes from the peer, in order (those already buffered come first, during `claimStream`). */
  data(chunk: Uint8Array): void;
  /** The peer closed its side (FIN). */
  end(): void;
  /** The connection died; `errno` is what lwIP reports (ECONNRESET, ECONNABORTED). */
  error(errno: number): void;
}

export interface TcpStream {
  /** The host-side local port of the real connection (how the server's log names this client); undefined for virtual peers. */
  readonly hostPort: number | undefined;
  write(data: Uint8Array): void;
  /** Bytes written and not yet handed to the network (what TCP_SND_BUF still holds). */
  queued(): number;
  /** Stop delivering (back-pressure); the peer is paused once the window fills. */
  pause(): void;
  resume(): void;
  /** Give the socket back to plain recv()/send() use, still open. */
  release(): void;
}
