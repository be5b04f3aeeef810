/** What a transport knows about the thing on the other end. */
export interface TransportInfo {
  /** `serial`, `tcp`, `rfc2217` (a serial port behind an RFC 2217 server), or `sim` (in-process simulated board). */
  readonly kind: 'serial' | 'tcp' | 'rfc2217' | 'sim';
  /** The port as the user would name it: a device path, `tcp://host:port`, `sim:ttyACM0`. */
  readonly port: string;
  /** USB serial number (16 lowercase hex digits on a Pico) when the transport can know it. */
  readonly serialNumber: string | undefined;
}

/**
 * The byte pipe the raw-REPL protocol talks to. Serial ports, TCP sockets and the in-process
 * simulator all implement it; nothing above this interface knows which one it has.
 */
export interface Transport {
  readonly info: TransportInfo;

  /**
   * Write all bytes. Resolves once the bytes are handed to the OS (or the simulated USB endpoint).
   * Rejects with `TransportLostError` when the port is gone.
   */
  write(data: Uint8Array): Promise<void>;

  /**
   * Resolve with at least one byte. Bytes that arrived while nobody was reading are returned first.
   * Rejects with `AbortError` when `signal` aborts (the transport stays usable) and with
   * `TransportLostError` when the port is gone (the transport is then dead).
   */
  read(signal?: AbortSignal): Promise<Uint8Array>;

  /** Bytes already received and not yet read; never waits. */
  drain(): Uint8Array;

  /** Close the port. Idempotent; a pending `read` rejects with `TransportLostError('closed')`. */
  close(): Promise<void>;

  /** True until the transport is closed or lost. */
  readonly isOpen: boolean;
}
