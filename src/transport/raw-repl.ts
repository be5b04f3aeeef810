import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError, ExecError, ProtocolError, RawReplEnterError, type PythonException } from '../errors.js';
import { concatBytes, fromUtf8, utf8 } from '../util/bytes.js';
import {
  CTRL_A,
  CTRL_B,
  CTRL_C,
  CTRL_D,
  EOF_MARKER,
  EXEC_ACK,
  FRIENDLY_PROMPT,
  RAW_PASTE_REQUEST,
  RAW_PASTE_WINDOW_INC,
  RAW_REPL_BANNER,
  RAW_REPL_PROMPT,
} from './repl-bytes.js';
import { ReplReader, type WaitLimits } from './repl-reader.js';
import { parseTraceback } from './traceback.js';
import type { Transport } from './transport.js';

export interface RawReplTimeouts {
  /** Whole budget for getting to the raw prompt, all attempts included. */
  readonly enterMs: number;
  /** Silence after Ctrl-C that counts as "the board has stopped talking". */
  readonly settleMs: number;
  /** Longest gap between two bytes while code runs. */
  readonly execIdleMs: number;
  /** Longest a single exec may take from first byte sent to final prompt. */
  readonly execTotalMs: number;
  /** From Ctrl-D to the raw prompt after `soft reboot` (boot.py runs in between). */
  readonly softResetMs: number;
  /** Longest gap between protocol bytes outside code execution (raw-paste handshake, acks). */
  readonly protocolMs: number;
}

export const DEFAULT_TIMEOUTS: RawReplTimeouts = {
  enterMs: 10_000,
  settleMs: 60,
  execIdleMs: 30_000,
  execTotalMs: 300_000,
  softResetMs: 15_000,
  protocolMs: 5_000,
};

export type RawPasteMode = 'auto' | 'always' | 'never';

export interface RawReplOptions {
  readonly timeouts?: Partial<RawReplTimeouts>;
  /** `auto` tries raw-paste once per connection and remembers the answer. */
  readonly rawPaste?: RawPasteMode;
  /** Enter attempts (each: interrupt, settle, Ctrl-A, wait for the banner) before giving up. */
  readonly enterAttempts?: number;
  /** Classic raw mode writes code in chunks of this size... */
  readonly classicChunkSize?: number;
  /** ...with this pause between chunks (for UART bridges without flow control). */
  readonly classicChunkDelayMs?: number;
}

export interface ExecOptions {
  readonly onStdout?: (chunk: Uint8Array) => void;
  readonly onStderr?: (chunk: Uint8Array) => void;
  readonly signal?: AbortSignal;
  readonly timeouts?: Partial<Pick<RawReplTimeouts, 'execIdleMs' | 'execTotalMs'>>;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exception: PythonException | undefined;
  /** `raw-paste` or `classic`: how the code went to the board. */
  readonly mode: 'raw-paste' | 'classic';
  readonly durationMs: number;
}

export type RawReplState = 'unknown' | 'raw' | 'busy' | 'closed';

/** Step events for subscribers (records, progress, debug logs). The library itself never prints. */
export interface RawReplEvents {
  enter: [{ port: string; attempts: number; durationMs: number; discarded: number }];
  exec: [{ port: string; mode: 'raw-paste' | 'classic'; bytes: number; durationMs: number; exception: string | undefined }];
  'raw-paste-unsupported': [{ port: string; reply: 'R\\x00' | 'banner' }];
  'soft-reset': [{ port: string; durationMs: number }];
  interrupt: [{ port: string }];
}

const WINDOW_HEADER_BYTES = 2;

/**
 * A raw-REPL client following MicroPython's protocol byte for byte (facts §1–2): enter from any
 * state, raw-paste with flow control and a classic fallback, separate stdout/stderr, parsed
 * exceptions, named timeouts per phase, cancellation, interrupt and soft reset.
 */
export class RawRepl extends EventEmitter<RawReplEvents> {
  readonly timeouts: RawReplTimeouts;
  private readonly reader: ReplReader;
  private readonly rawPasteMode: RawPasteMode;
  private rawPasteSupported: boolean | undefined;
  private stateValue: RawReplState = 'unknown';
  private readonly enterAttempts: number;
  private readonly classicChunkSize: number;
  private readonly classicChunkDelayMs: number;

  constructor(private readonly transport: Transport, options: RawReplOptions = {}) {
    super();
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.reader = new ReplReader(transport);
    this.rawPasteMode = options.rawPaste ?? 'auto';
    this.rawPasteSupported = this.rawPasteMode === 'never' ? false : undefined;
    this.enterAttempts = options.enterAttempts ?? 3;
    this.classicChunkSize = options.classicChunkSize ?? 256;
    this.classicChunkDelayMs = options.classicChunkDelayMs ?? 0;
  }

  get state(): RawReplState {
    return this.stateValue;
  }

  get port(): string {
    return this.transport.info.port;
  }

  /** Whether this connection uses raw-paste (undefined until the first exec asked the board). */
  get usesRawPaste(): boolean | undefined {
    return this.rawPasteSupported;
  }

  /** The last bytes received, escaped, for diagnostics. */
  lastBytesSeen(): Uint8Array {
    return this.reader.history.snapshot();
  }

  /**
   * Get to the raw prompt from whatever the board is doing: boot chatter, a running program,
   * the friendly REPL, paste mode, raw mode, a half-finished raw-paste. Never soft-resets.
   */
  async enter(signal?: AbortSignal): Promise<void> {
    this.assertOpen();
    const started = performance.now();
    const deadline = started + this.timeouts.enterMs;
    const perAttempt = this.timeouts.enterMs / this.enterAttempts;
    let discarded = 0;
    let lastError: unknown;
    this.stateValue = 'busy';
    for (let attempt = 1; attempt <= this.enterAttempts; attempt += 1) {
      try {
        // Ctrl-C: interrupts a running program, clears a friendly or raw line, cancels paste mode,
        // aborts a raw-paste transfer. Repeated on later attempts for programs that catch one.
        await this.transport.write(Uint8Array.of(CTRL_C));
        const settleDeadline = Math.min(deadline, performance.now() + perAttempt / 2);
        discarded += (await this.reader.discardUntilQuiet(this.timeouts.settleMs, settleDeadline, signal)).length;
        // Ctrl-A: from friendly → raw (prints "\r\n" + banner); in raw it resets the raw REPL (banner again).
        await this.transport.write(Uint8Array.of(CTRL_A));
        const attemptDeadline = Math.min(deadline, performance.now() + perAttempt / 2);
        const seen = await this.reader.readUntil(RAW_REPL_BANNER + RAW_REPL_PROMPT, { phase: 'enter', deadline: attemptDeadline, signal });
        discarded += seen.length - (RAW_REPL_BANNER.length + RAW_REPL_PROMPT.length);
        // Stale bytes still in flight may trail the prompt; let them arrive and drop them.
        discarded += (await this.reader.discardUntilQuiet(this.timeouts.settleMs, Math.min(deadline, performance.now() + this.timeouts.settleMs * 4), signal)).length;
        this.stateValue = 'raw';
        this.emit('enter', { port: this.port, attempts: attempt, durationMs: performance.now() - started, discarded });
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'TIMEOUT') {
          this.stateValue = 'unknown';
          throw error;
        }
        lastError = error;
      }
    }
    this.stateValue = 'unknown';
    throw new RawReplEnterError(this.port, this.enterAttempts, this.reader.history.snapshot(), lastError);
  }

  /** Run code and return its output and parsed exception (if any). Enters raw REPL first when needed. */
  async exec(code: string | Uint8Array, options: ExecOptions = {}): Promise<ExecResult> {
    this.assertOpen();
    if (this.stateValue !== 'raw') await this.enter(options.signal);
    // An empty program in raw mode is an empty line + Ctrl-D: a soft reboot. Never send that.
    let source = typeof code === 'string' ? utf8(code) : code;
    if (source.length === 0) source = utf8('\n');
    const started = performance.now();
    const idleMs = options.timeouts?.execIdleMs ?? this.timeouts.execIdleMs;
    const deadline = started + (options.timeouts?.execTotalMs ?? this.timeouts.execTotalMs);
    const limits: WaitLimits = { phase: 'exec-idle', deadlinePhase: 'exec-total', idleMs, deadline, signal: options.signal };
    this.stateValue = 'busy';
    try {
      const mode = await this.send(source, limits);
      const stdoutChunks: Uint8Array[] = [];
      const stderrChunks: Uint8Array[] = [];
      await this.follow(limits, (chunk) => {
        stdoutChunks.push(chunk);
        options.onStdout?.(chunk);
      }, (chunk) => {
        stderrChunks.push(chunk);
        options.onStderr?.(chunk);
      });
      this.stateValue = 'raw';
      const stdout = fromUtf8(concatBytes(stdoutChunks));
      const stderr = fromUtf8(concatBytes(stderrChunks));
      const exception = stderr.length > 0 ? parseTraceback(stderr) : undefined;
      const durationMs = performance.now() - started;
      this.emit('exec', { port: this.port, mode, bytes: source.length, durationMs, exception: exception?.type });
      return { stdout, stderr, exception, mode, durationMs };
    } catch (error) {
      await this.recoverAfterFailedExec(error);
      throw error;
    }
  }

  /** Run code; return stdout, or throw `ExecError` with the parsed exception. */
  async execOrThrow(code: string, options: ExecOptions = {}): Promise<string> {
    const result = await this.exec(code, options);
    if (result.exception !== undefined) throw new ExecError(this.port, result.exception, result.stdout);
    return result.stdout;
  }

  /** Ctrl-C: interrupt whatever runs. The next call re-enters raw REPL. */
  async interrupt(): Promise<void> {
    this.assertOpen();
    await this.transport.write(Uint8Array.of(CTRL_C));
    this.stateValue = 'unknown';
    this.emit('interrupt', { port: this.port });
  }

  /**
   * Soft reset: Ctrl-D at an empty raw prompt. Waits for `soft reboot` and for the raw prompt
   * again (boot.py runs in between; main.py does not, facts §1). Returns what boot.py printed.
   */
  async softReset(signal?: AbortSignal): Promise<string> {
    this.assertOpen();
    if (this.stateValue !== 'raw') await this.enter(signal);
    const started = performance.now();
    const deadline = started + this.timeouts.softResetMs;
    this.stateValue = 'busy';
    try {
      await this.transport.write(Uint8Array.of(CTRL_D));
      await this.reader.readUntil('soft reboot\r\n', { phase: 'soft-reset', deadline, signal });
      const bootOutput = await this.reader.readUntil(RAW_REPL_BANNER + RAW_REPL_PROMPT, { phase: 'soft-reset', deadline, signal });
      this.stateValue = 'raw';
      this.emit('soft-reset', { port: this.port, durationMs: performance.now() - started });
      return fromUtf8(bootOutput.subarray(0, bootOutput.length - RAW_REPL_BANNER.length - RAW_REPL_PROMPT.length));
    } catch (error) {
      this.stateValue = 'unknown';
      throw error;
    }
  }

  /** Ctrl-B: back to the friendly REPL (waits for its prompt). */
  async exitRaw(signal?: AbortSignal): Promise<void> {
    this.assertOpen();
    this.stateValue = 'busy';
    try {
      await this.transport.write(Uint8Array.of(CTRL_B));
      await this.reader.readUntil(FRIENDLY_PROMPT, { phase: 'enter', deadline: performance.now() + this.timeouts.protocolMs, signal });
    } finally {
      this.stateValue = 'unknown';
    }
  }

  /** Forget the protocol state, e.g. after the board was reset behind our back. */
  invalidate(): void {
    if (this.stateValue !== 'closed') this.stateValue = 'unknown';
  }

  async close(): Promise<void> {
    this.stateValue = 'closed';
    await this.transport.close();
  }

  private assertOpen(): void {
    if (this.stateValue === 'closed') throw new AbortError('raw REPL session is closed');
  }

  /** Send code at the raw prompt; returns the mode used. */
  private async send(source: Uint8Array, limits: WaitLimits): Promise<'raw-paste' | 'classic'> {
    if (this.rawPasteSupported !== false) {
      const supported = await this.requestRawPaste(limits);
      if (supported) {
        await this.rawPasteWrite(source, limits);
        return 'raw-paste';
      }
    }
    await this.classicWrite(source, limits);
    return 'classic';
  }

  /** Ctrl-E 'A' Ctrl-A; the board answers R\x01 (yes), R\x00 (no), or — before v1.14 — a raw banner. */
  private async requestRawPaste(limits: WaitLimits): Promise<boolean> {
    await this.transport.write(RAW_PASTE_REQUEST);
    const protocolLimits: WaitLimits = { phase: 'raw-paste', idleMs: this.timeouts.protocolMs, deadline: limits.deadline, signal: limits.signal };
    const reply = await this.reader.readUntilAny(['R\x01', 'R\x00', RAW_REPL_BANNER + RAW_REPL_PROMPT], protocolLimits);
    if (reply.index === 0) {
      this.rawPasteSupported = true;
      return true;
    }
    if (this.rawPasteMode === 'always') {
      throw new ProtocolError(this.port, 'the board does not support raw-paste mode (rawPaste: always)', this.reader.history.snapshot());
    }
    this.rawPasteSupported = false;
    this.emit('raw-paste-unsupported', { port: this.port, reply: reply.index === 1 ? 'R\\x00' : 'banner' });
    // After R\x00 the board is still at the raw prompt with an empty line; an old board printed a fresh prompt.
    return false;
  }

  private async rawPasteWrite(source: Uint8Array, limits: WaitLimits): Promise<void> {
    const protocolLimits: WaitLimits = { phase: 'raw-paste', idleMs: this.timeouts.protocolMs, deadline: limits.deadline, signal: limits.signal };
    const header = await this.reader.readExactly(WINDOW_HEADER_BYTES, protocolLimits);
    const window = (header[0] ?? 0) | ((header[1] ?? 0) << 8);
    if (window === 0) throw new ProtocolError(this.port, 'raw-paste window size 0', this.reader.history.snapshot());
    let credit = window;
    let offset = 0;
    while (offset < source.length) {
      // Take every flow-control byte already here; wait for one only when out of credit.
      while (credit === 0 || this.reader.available() > 0) {
        const [byte] = await this.reader.readExactly(1, protocolLimits);
        if (byte === RAW_PASTE_WINDOW_INC) {
          credit += window;
        } else if (byte === EOF_MARKER) {
          // The board ended the transfer early (e.g. a SyntaxError found while reading).
          // Acknowledge; it then prints \x04 + traceback + \x04 + '>' like any failed exec.
          await this.transport.write(Uint8Array.of(CTRL_D));
          return;
        } else {
          throw new ProtocolError(this.port, `unexpected byte 0x${(byte ?? 0).toString(16)} during raw-paste`, this.reader.history.snapshot());
        }
      }
      const chunk = source.subarray(offset, offset + credit);
      await this.transport.write(chunk);
      offset += chunk.length;
      credit -= chunk.length;
    }
    await this.transport.write(Uint8Array.of(CTRL_D));
    // The board acknowledges the end with \x04; window credits may still arrive before it.
    for (;;) {
      const [byte] = await this.reader.readExactly(1, protocolLimits);
      if (byte === EOF_MARKER) return;
      if (byte !== RAW_PASTE_WINDOW_INC) {
        throw new ProtocolError(this.port, `unexpected byte 0x${(byte ?? 0).toString(16)} after raw-paste data`, this.reader.history.snapshot());
      }
    }
  }

  private async classicWrite(source: Uint8Array, limits: WaitLimits): Promise<void> {
    for (let offset = 0; offset < source.length; offset += this.classicChunkSize) {
      if (limits.signal?.aborted === true) throw new AbortError();
      await this.transport.write(source.subarray(offset, offset + this.classicChunkSize));
      if (this.classicChunkDelayMs > 0 && offset + this.classicChunkSize < source.length) await sleep(this.classicChunkDelayMs);
    }
    await this.transport.write(Uint8Array.of(CTRL_D));
    const ack = await this.reader.readExactly(EXEC_ACK.length, { phase: 'raw-paste', idleMs: this.timeouts.protocolMs, deadline: limits.deadline, signal: limits.signal });
    if (fromUtf8(ack) !== EXEC_ACK) throw new ProtocolError(this.port, `expected "OK" after the code, got "${fromUtf8(ack)}"`, this.reader.history.snapshot());
  }

  /** stdout up to \x04, stderr up to \x04, then the raw prompt. */
  private async follow(limits: WaitLimits, onStdout: (c: Uint8Array) => void, onStderr: (c: Uint8Array) => void): Promise<void> {
    await this.reader.readUntil(Uint8Array.of(EOF_MARKER), limits, onStdout);
    await this.reader.readUntil(Uint8Array.of(EOF_MARKER), limits, onStderr);
    const prompt = await this.reader.readExactly(1, { ...limits, idleMs: this.timeouts.protocolMs });
    if (prompt[0] !== RAW_REPL_PROMPT.charCodeAt(0)) {
      throw new ProtocolError(this.port, 'expected the raw prompt ">" after the output', this.reader.history.snapshot());
    }
  }

  /** After a timeout or abort mid-exec, interrupt the program so the board is usable; re-enter lazily. */
  private async recoverAfterFailedExec(error: unknown): Promise<void> {
    this.stateValue = 'unknown';
    const code = (error as { code?: string }).code;
    if (code === 'TIMEOUT' || code === 'ABORTED') {
      try {
        await this.transport.write(Uint8Array.of(CTRL_C));
      } catch {
        // The port is gone; the original error says more than this one.
      }
    }
  }
}
