import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { ConfigError } from '../errors.js';
import type { ServerLogRecord } from './records.js';

/** How long `close()` waits for the log to reach the disk before giving up with an error. */
const FLUSH_TIMEOUT_MS = 10_000;

/**
 * One JSON object per line, in the order written. A path is opened for appending (its folder is
 * created); a stream is written to and left open for its owner. `close()` resolves once every line
 * written so far was accepted (file: flushed and closed), and rejects with the first write error.
 */
export class RecordLog {
  private readonly stream: Writable | undefined;
  private readonly owned: boolean;
  private pending = 0;
  private idleWaiters: (() => void)[] = [];
  private failure: Error | undefined;
  private closed = false;
  private readonly onError: (error: Error) => void;

  private constructor(stream: Writable | undefined, owned: boolean, onError: (error: Error) => void) {
    this.stream = stream;
    this.owned = owned;
    this.onError = onError;
    stream?.on('error', (error: Error) => this.fail(error));
  }

  /** Opens the log; a path that cannot be opened is a one-line ConfigError naming it. */
  static async open(target: string | Writable | undefined, onError: (error: Error) => void): Promise<RecordLog> {
    if (target === undefined) return new RecordLog(undefined, false, onError);
    if (typeof target !== 'string') return new RecordLog(target, false, onError);
    try {
      await mkdir(dirname(target), { recursive: true });
      const stream = createWriteStream(target, { flags: 'a', mode: 0o644 });
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', reject);
      });
      return new RecordLog(stream, true, onError);
    } catch (error) {
      throw new ConfigError(`cannot open the server log ${target}: ${(error as Error).message}`, { file: target });
    }
  }

  /** The first write error, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  write(record: ServerLogRecord): void {
    if (this.stream === undefined || this.closed || this.failure !== undefined) return;
    this.pending += 1;
    this.stream.write(`${JSON.stringify(record)}\n`, (error) => {
      this.pending -= 1;
      if (error !== undefined && error !== null) this.fail(error);
      if (this.pending === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  /** Waits for every line to be accepted, then closes an owned file. */
  async close(): Promise<void> {
    if (this.closed) {
      if (this.failure !== undefined) throw this.failure;
      return;
    }
    this.closed = true;
    const stream = this.stream;
    if (stream === undefined) return;
    await this.withTimeout(
      (async () => {
        if (this.pending > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
        if (this.owned) await closeFile(stream as WriteStream);
      })(),
    );
    if (this.failure !== undefined) throw this.failure;
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const wake of this.idleWaiters.splice(0)) wake();
    this.onError(error);
  }

  private async withTimeout(work: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the server log was not flushed within ${FLUSH_TIMEOUT_MS} ms`)), FLUSH_TIMEOUT_MS);
    });
    try {
      await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function closeFile(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}
