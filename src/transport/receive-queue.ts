import { AbortError, TransportLostError } from '../errors.js';
import { concatBytes } from '../util/bytes.js';

interface Waiter {
  resolve(chunk: Uint8Array): void;
  reject(error: unknown): void;
}

/**
 * Turns a push source (stream 'data' events) into the pull `read()` the Transport contract asks for:
 * at least one byte per read, bytes kept while nobody reads, an abort that leaves the queue usable,
 * and a terminal failure once the port is gone.
 */
export class ReceiveQueue {
  private chunks: Uint8Array[] = [];
  private waiter: Waiter | undefined;
  private failure: Error | undefined;

  constructor(private readonly port: string) {}

  get failed(): boolean {
    return this.failure !== undefined;
  }

  push(chunk: Uint8Array): void {
    if (this.failure !== undefined || chunk.length === 0) return;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.resolve(chunk);
      return;
    }
    this.chunks.push(chunk);
  }

  /** The source is gone; every pending and future read rejects with `error`. */
  fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }

  drain(): Uint8Array {
    const all = concatBytes(this.chunks);
    this.chunks = [];
    return all;
  }

  read(signal?: AbortSignal): Promise<Uint8Array> {
    if (this.chunks.length > 0) return Promise.resolve(this.drain());
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (signal?.aborted === true) return Promise.reject(new AbortError());
    if (this.waiter !== undefined) {
      return Promise.reject(new TransportLostError(this.port, 'concurrent read on one transport (a bug in the caller)'));
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.waiter === waiter) this.waiter = undefined;
        reject(new AbortError());
      };
      const waiter: Waiter = {
        resolve: (chunk) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(chunk);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.waiter = waiter;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
