import type { Transport, TransportInfo } from '../../transport/transport.js';

export type TranscriptDirection = 'host-to-board' | 'board-to-host';

export type TranscriptListener = (direction: TranscriptDirection, bytes: Uint8Array) => void;

/**
 * A transport that reports every byte it passes, in order: what the host wrote (reported before
 * the write) and what the protocol code read (reported as it is read). Bytes the board sent that
 * nobody read (e.g. after a reset) are not in the transcript.
 */
export class TappedTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly listener: TranscriptListener,
  ) {}

  get info(): TransportInfo {
    return this.inner.info;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  write(data: Uint8Array): Promise<void> {
    if (data.length > 0) this.listener('host-to-board', data);
    return this.inner.write(data);
  }

  async read(signal?: AbortSignal): Promise<Uint8Array> {
    const bytes = await this.inner.read(signal);
    if (bytes.length > 0) this.listener('board-to-host', bytes);
    return bytes;
  }

  drain(): Uint8Array {
    const bytes = this.inner.drain();
    if (bytes.length > 0) this.listener('board-to-host', bytes);
    return bytes;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
