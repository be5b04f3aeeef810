import { AbortError } from '../errors.js';

/**
 * Runs asynchronous operations one at a time, in call order. An operation still waiting for its
 * turn can be cancelled with its AbortSignal without letting a later one overtake a running one.
 */
export class OperationQueue {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(signal: AbortSignal | undefined, operation: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release = (): void => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.tail = previous.then(() => mine);
    try {
      await waitForTurn(previous, signal);
      return await operation();
    } finally {
      release();
    }
  }
}

/** Resolve when `previous` settles; reject with AbortError if `signal` aborts first. */
function waitForTurn(previous: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted === true) return Promise.reject(new AbortError());
  if (signal === undefined) return previous;
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError());
    signal.addEventListener('abort', onAbort, { once: true });
    void previous.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
