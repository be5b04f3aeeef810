import { AbortError, ReplTimeoutError, type TimeoutPhase } from '../errors.js';
import { ByteHistory, concatBytes, fromUtf8, indexOfBytes, utf8 } from '../util/bytes.js';
import type { Transport } from './transport.js';

export interface WaitLimits {
  readonly phase: TimeoutPhase;
  /** Give up when no byte arrives for this long (restarted by every byte). */
  readonly idleMs?: number;
  /** Absolute deadline (`performance.now()` based) the whole wait must finish by. */
  readonly deadline?: number;
  /** Phase reported when the deadline, not the idle limit, ran out (default: `phase`). */
  readonly deadlinePhase?: TimeoutPhase;
  /**
   * When the operation this wait belongs to started (`performance.now()` based); a timeout reports
   * the time since then as `waitedMs`. Default: the start of this read call.
   */
  readonly since?: number;
  readonly signal?: AbortSignal | undefined;
}

export type Needle = string | Uint8Array;

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function toBytes(needle: Needle): Uint8Array {
  return typeof needle === 'string' ? utf8(needle) : needle;
}

/**
 * Buffered reading on a Transport with the waits the raw-REPL protocol needs. Every wait has a
 * named phase, an idle limit and/or a deadline, and honours an AbortSignal; a timeout carries the
 * last bytes seen and how long the operation had been waiting.
 */
export class ReplReader {
  private buffer: Uint8Array = new Uint8Array(0);
  readonly history = new ByteHistory(512);

  constructor(private readonly transport: Transport) {}

  get port(): string {
    return this.transport.info.port;
  }

  /** Bytes buffered and immediately available, without waiting. */
  available(): number {
    this.pull();
    return this.buffer.length;
  }

  /** Take everything already received, without waiting. */
  takeAvailable(): Uint8Array {
    this.pull();
    const out = this.buffer;
    this.buffer = new Uint8Array(0);
    return out;
  }

  /** Put bytes back in front of the buffer (they were read one step too early). */
  unread(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.buffer = this.buffer.length === 0 ? bytes.slice() : concatBytes([bytes, this.buffer]);
  }

  /**
   * Read until `needle` (included in the result). With `onData`, bytes before the needle are passed
   * on as they arrive and not returned (streaming); the result is then just the needle. `onData`
   * never sees a byte of the needle, even when the needle arrives split across chunks.
   */
  async readUntil(needle: Needle, limits: WaitLimits, onData?: (chunk: Uint8Array) => void): Promise<Uint8Array> {
    const target = toBytes(needle);
    const since = limits.since ?? performance.now();
    this.pull();
    let searchFrom = 0;
    for (;;) {
      const at = indexOfBytes(this.buffer, target, searchFrom);
      if (at >= 0) {
        const before = this.buffer.slice(0, at);
        const result = this.buffer.slice(0, at + target.length);
        this.buffer = this.buffer.slice(at + target.length);
        if (onData !== undefined) {
          if (before.length > 0) onData(before);
          return target.slice();
        }
        return result;
      }
      if (onData !== undefined) {
        // Pass on everything that cannot be the start of the needle.
        const keep = Math.min(this.buffer.length, target.length - 1);
        const emit = this.buffer.length - keep;
        if (emit > 0) {
          const chunk = this.buffer.slice(0, emit);
          this.buffer = this.buffer.slice(emit);
          onData(chunk);
        }
        searchFrom = 0;
      } else {
        searchFrom = Math.max(0, this.buffer.length - target.length + 1);
      }
      await this.fill(limits, since, fromUtf8(target));
    }
  }

  /** Read until the earliest of the needles; returns which one matched and the bytes before it. */
  async readUntilAny(needles: readonly Needle[], limits: WaitLimits): Promise<{ index: number; before: Uint8Array }> {
    const targets = needles.map(toBytes);
    const since = limits.since ?? performance.now();
    this.pull();
    for (;;) {
      let best = -1;
      let bestAt = Number.POSITIVE_INFINITY;
      targets.forEach((target, index) => {
        const at = indexOfBytes(this.buffer, target);
        if (at >= 0 && at < bestAt) {
          best = index;
          bestAt = at;
        }
      });
      const matched = targets[best];
      if (matched !== undefined) {
        const before = this.buffer.slice(0, bestAt);
        this.buffer = this.buffer.slice(bestAt + matched.length);
        return { index: best, before };
      }
      await this.fill(limits, since, targets.map(fromUtf8).join(' | '));
    }
  }

  async readExactly(count: number, limits: WaitLimits): Promise<Uint8Array> {
    const since = limits.since ?? performance.now();
    this.pull();
    while (this.buffer.length < count) await this.fill(limits, since, `${count} bytes`);
    const out = this.buffer.slice(0, count);
    this.buffer = this.buffer.slice(count);
    return out;
  }

  /** Discard input until the line is quiet for `quietMs`, or until `deadline`. Returns what was discarded. */
  async discardUntilQuiet(quietMs: number, deadline: number, signal?: AbortSignal): Promise<Uint8Array> {
    const discarded: Uint8Array[] = [this.takeAvailable()];
    for (;;) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      const chunk = await this.readChunk(Math.min(quietMs, remaining), signal);
      discarded.push(this.takeAvailable());
      if (chunk === undefined) break;
    }
    return concatBytes(discarded);
  }

  private pull(): void {
    const pending = this.transport.drain();
    if (pending.length > 0) this.append(pending);
  }

  private append(chunk: Uint8Array): void {
    this.history.push(chunk);
    this.buffer = this.buffer.length === 0 ? chunk : concatBytes([this.buffer, chunk]);
  }

  /** Wait for more bytes within the limits; throws a phase timeout or AbortError. */
  private async fill(limits: WaitLimits, since: number, expected: string): Promise<void> {
    const started = performance.now();
    const idle = limits.idleMs ?? Number.POSITIVE_INFINITY;
    // Loops because a timer may fire a fraction of a millisecond early.
    for (;;) {
      const now = performance.now();
      const idleLeft = idle - (now - started);
      const untilDeadline = limits.deadline === undefined ? Number.POSITIVE_INFINITY : limits.deadline - now;
      const wait = Math.min(idleLeft, untilDeadline);
      if (wait <= 0) throw this.timeout(untilDeadline <= idleLeft ? (limits.deadlinePhase ?? limits.phase) : limits.phase, since, expected);
      const chunk = await this.readChunk(Number.isFinite(wait) ? wait : undefined, limits.signal);
      if (chunk !== undefined) return;
    }
  }

  private timeout(phase: TimeoutPhase, since: number, expected: string): ReplTimeoutError {
    return new ReplTimeoutError(phase, { port: this.port, waitedMs: performance.now() - since, expected, seen: this.history.snapshot() });
  }

  /** One transport read bounded by `ms`; undefined when the time ran out. */
  private async readChunk(ms: number | undefined, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    if (signal?.aborted === true) throw new AbortError();
    const local = new AbortController();
    let timedOut = false;
    const timer = ms === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      local.abort();
    }, ms);
    const onOuterAbort = (): void => local.abort();
    signal?.addEventListener('abort', onOuterAbort, { once: true });
    try {
      const chunk = await this.transport.read(local.signal);
      this.append(chunk);
      return chunk;
    } catch (error) {
      // A cancellation by the caller wins over a timer that fired at the same moment.
      if (isAborted(signal)) throw new AbortError();
      if (timedOut && (error as { code?: string }).code === 'ABORTED') return undefined;
      throw error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onOuterAbort);
    }
  }
}
