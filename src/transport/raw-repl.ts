import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AbortError,
  ExecError,
  ProtocolError,
  RawReplEnterError,
  ReplTimeoutError,
  UsageError,
  type PythonException,
  type TimeoutPhase,
} from '../errors.js';
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
  RAW_PASTE_SUPPORTED,
  RAW_PASTE_UNSUPPORTED,
  RAW_PASTE_WINDOW_INC,
  RAW_REPL_BANNER,
  RAW_REPL_PROMPT,
} from './repl-bytes.js';
import { OperationQueue } from './operation-queue.js';
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
  /** Longest gap between protocol bytes outside code execution (raw-paste handshake, acks), and longest a write may block. */
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
  /**
   * Set when the code ended with `SystemExit` (`sys.exit()`, `machine.soft_reset()`): the board
   * soft-rebooted straight back into the raw REPL. `bootOutput` is what boot.py printed.
   */
  readonly softReboot: { readonly bootOutput: string } | undefined;
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
const RAW_PROMPT_BYTE = RAW_REPL_PROMPT.charCodeAt(0);
const RAW_READY = RAW_REPL_BANNER + RAW_REPL_PROMPT;
/** `MPY: soft reboot\r\n` on rp2; other ports use another 3-letter prefix. mpremote waits for the tail. */
const SOFT_REBOOT_TAIL = 'soft reboot\r\n';
const SOFT_REBOOT_LINE_LENGTH = 'MPY: '.length + SOFT_REBOOT_TAIL.length;

/** Whether `text` is (the start of) a line like `MPY: soft reboot\r\n`. */
function couldBeSoftRebootLine(text: string): boolean {
  const prefix = text.slice(0, 3);
  return /^[A-Za-z]*$/.test(prefix) && `: ${SOFT_REBOOT_TAIL}`.startsWith(text.slice(3));
}

interface WriteLimits {
  readonly phase: TimeoutPhase;
  readonly deadline?: number;
  readonly since?: number;
  readonly signal?: AbortSignal | undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Control bytes the raw REPL acts on while it reads code: Ctrl-A resets it, Ctrl-B leaves it,
 * Ctrl-C clears the line (or aborts raw-paste), Ctrl-D ends the code early.
 */
function checkSource(source: Uint8Array): void {
  const at = source.findIndex((byte) => byte >= CTRL_A && byte <= CTRL_D);
  if (at >= 0) {
    const byte = source[at] ?? 0;
    throw new UsageError(
      `code contains the control byte 0x0${byte.toString(16)} (Ctrl-${String.fromCharCode(0x40 + byte)}) at byte offset ${at}, which the raw REPL cannot carry; write it as an escape such as '\\x0${byte.toString(16)}'`,
      { offset: at },
    );
  }
}

/**
 * A raw-REPL client following MicroPython's protocol byte for byte (facts §1–2): enter from any
 * state, raw-paste with flow control and a classic fallback, separate stdout/stderr, parsed
 * exceptions, named timeouts per phase, cancellation, interrupt and soft reset. Operations on one
 * session run one at a time, in call order; `interrupt()` is the exception and acts at once.
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
  private readonly queue = new OperationQueue();
  private operationRunning = false;
  /** Set by `interrupt()` while an operation runs: the board is (or will be) leaving its current step. */
  private interruptSent = false;

  constructor(private readonly transport: Transport, options: RawReplOptions = {}) {
    super();
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.reader = new ReplReader(transport);
    this.rawPasteMode = options.rawPaste ?? 'auto';
    this.rawPasteSupported = this.rawPasteMode === 'never' ? false : undefined;
    this.enterAttempts = Math.max(1, Math.floor(options.enterAttempts ?? 3));
    this.classicChunkSize = Math.max(1, Math.floor(options.classicChunkSize ?? 256));
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

  /** The last bytes received, for diagnostics. */
  lastBytesSeen(): Uint8Array {
    return this.reader.history.snapshot();
  }

  /**
   * Get to the raw prompt from whatever the board is doing: boot chatter, a running program,
   * the friendly REPL, paste mode, raw mode, a half-finished raw-paste. Never soft-resets.
   */
  enter(signal?: AbortSignal): Promise<void> {
    return this.exclusive(signal, () => this.enterNow(signal));
  }

  /**
   * Run code and return its output and parsed exception (if any). Enters raw REPL first when needed.
   * Code holding one of the bytes 0x01–0x04 is refused with a `UsageError` before anything is sent.
   */
  exec(code: string | Uint8Array, options: ExecOptions = {}): Promise<ExecResult> {
    let source = typeof code === 'string' ? utf8(code) : code;
    try {
      checkSource(source);
    } catch (error) {
      return Promise.reject(error);
    }
    // An empty program in classic raw mode is an empty line + Ctrl-D: a soft reboot. Never send that.
    if (source.length === 0) source = utf8('\n');
    return this.exclusive(options.signal, async () => {
      if (this.stateValue !== 'raw' || this.reader.available() > 0) await this.enterNow(options.signal);
      return this.execAtPrompt(source, options);
    });
  }

  /** Run code; return stdout, or throw `ExecError` with the parsed exception. */
  async execOrThrow(code: string, options: ExecOptions = {}): Promise<string> {
    const result = await this.exec(code, options);
    if (result.exception !== undefined) throw new ExecError(this.port, result.exception, result.stdout);
    return result.stdout;
  }

  /**
   * Ctrl-C: interrupt whatever runs. A running `exec` then ends with the board's
   * `KeyboardInterrupt`; when nothing runs, the next call re-enters raw REPL.
   */
  async interrupt(): Promise<void> {
    this.assertOpen();
    if (this.operationRunning) this.interruptSent = true;
    else this.setState('unknown');
    await this.write(Uint8Array.of(CTRL_C), { phase: 'interrupt' });
    this.emit('interrupt', { port: this.port });
  }

  /**
   * Soft reset: Ctrl-D at an empty raw prompt. Waits for `soft reboot` and for the raw prompt
   * again (boot.py runs in between; main.py does not, facts §1). Returns what boot.py printed.
   */
  softReset(signal?: AbortSignal): Promise<string> {
    return this.exclusive(signal, async () => {
      if (this.stateValue !== 'raw' || this.reader.available() > 0) await this.enterNow(signal);
      const started = performance.now();
      const limits: WaitLimits = { phase: 'soft-reset', deadline: started + this.timeouts.softResetMs, since: started, signal };
      this.setState('busy');
      try {
        await this.write(Uint8Array.of(CTRL_D), limits);
        await this.reader.readUntil(SOFT_REBOOT_TAIL, limits);
        const bootOutput = await this.readUntilRawPrompt(limits);
        this.setState('raw');
        this.emit('soft-reset', { port: this.port, durationMs: performance.now() - started });
        return bootOutput;
      } catch (error) {
        this.setState('unknown');
        throw error;
      }
    });
  }

  /** Ctrl-B: back to the friendly REPL (waits for its prompt). */
  exitRaw(signal?: AbortSignal): Promise<void> {
    return this.exclusive(signal, async () => {
      if (this.stateValue !== 'raw' || this.reader.available() > 0) await this.enterNow(signal);
      const started = performance.now();
      const limits: WaitLimits = { phase: 'enter', idleMs: this.timeouts.protocolMs, deadline: started + this.timeouts.enterMs, since: started, signal };
      this.setState('busy');
      try {
        await this.write(Uint8Array.of(CTRL_B), limits);
        await this.reader.readUntil(FRIENDLY_PROMPT, limits);
      } finally {
        this.setState('unknown');
      }
    });
  }

  /** Forget the protocol state, e.g. after the board was reset behind our back. */
  invalidate(): void {
    this.setState('unknown');
  }

  async close(): Promise<void> {
    this.stateValue = 'closed';
    await this.transport.close();
  }

  // ---- operations (called with the session to themselves) ----

  private async enterNow(signal: AbortSignal | undefined): Promise<void> {
    const started = performance.now();
    const deadline = started + this.timeouts.enterMs;
    let discarded = 0;
    let lastError: unknown;
    this.setState('busy');
    for (let attempt = 1; attempt <= this.enterAttempts; attempt += 1) {
      const now = performance.now();
      const attemptDeadline = now + Math.max(0, deadline - now) / (this.enterAttempts - attempt + 1);
      const limits: WaitLimits = { phase: 'enter', deadline: attemptDeadline, since: started, signal };
      try {
        // Ctrl-C interrupts a running program, clears a friendly or raw line, leaves paste mode and
        // ends a raw-paste transfer. Sent again on every attempt, for programs that catch one.
        await this.write(Uint8Array.of(CTRL_C), limits);
        // The first attempt does not wait for silence: whatever the interrupted program still prints
        // comes before the banner that Ctrl-A asks for, and readUntil skips it. A retry first lets the
        // line go quiet, so a late banner from the failed attempt cannot be taken for a fresh one.
        const patient = attempt > 1;
        const settleUntil = patient ? performance.now() + (attemptDeadline - performance.now()) / 2 : performance.now();
        discarded += (await this.reader.discardUntilQuiet(this.timeouts.settleMs, settleUntil, signal)).length;
        // Ctrl-A: friendly → raw ("\r\n" + banner + ">"); in raw REPL it prints banner + ">" again.
        await this.write(Uint8Array.of(CTRL_A), limits);
        const seen = await this.reader.readUntil(RAW_READY, limits);
        discarded += seen.length - RAW_READY.length;
        // Chatter that trails the prompt is dropped here, or noticed before the next exec is sent.
        const trailingUntil = patient ? Math.min(deadline, performance.now() + this.timeouts.settleMs * 4) : performance.now();
        discarded += (await this.reader.discardUntilQuiet(this.timeouts.settleMs, trailingUntil, signal)).length;
        this.setState('raw');
        this.emit('enter', { port: this.port, attempts: attempt, durationMs: performance.now() - started, discarded });
        return;
      } catch (error) {
        if (codeOf(error) !== 'TIMEOUT') {
          this.setState('unknown');
          throw error;
        }
        lastError = error;
      }
    }
    this.setState('unknown');
    throw new RawReplEnterError(this.port, this.enterAttempts, this.reader.history.snapshot(), lastError);
  }

  private async execAtPrompt(source: Uint8Array, options: ExecOptions): Promise<ExecResult> {
    const started = performance.now();
    const idleMs = options.timeouts?.execIdleMs ?? this.timeouts.execIdleMs;
    const deadline = started + (options.timeouts?.execTotalMs ?? this.timeouts.execTotalMs);
    const limits: WaitLimits = { phase: 'exec-idle', deadlinePhase: 'exec-total', idleMs, deadline, since: started, signal: options.signal };
    this.setState('busy');
    try {
      const mode = await this.send(source, limits);
      const stdoutChunks: Uint8Array[] = [];
      const stderrChunks: Uint8Array[] = [];
      await this.reader.readUntil(Uint8Array.of(EOF_MARKER), limits, (chunk) => {
        stdoutChunks.push(chunk);
        options.onStdout?.(chunk);
      });
      await this.reader.readUntil(Uint8Array.of(EOF_MARKER), limits, (chunk) => {
        stderrChunks.push(chunk);
        options.onStderr?.(chunk);
      });
      const softReboot = await this.afterOutput(limits);
      this.setState('raw');
      const stdout = fromUtf8(concatBytes(stdoutChunks));
      const stderr = fromUtf8(concatBytes(stderrChunks));
      const exception = stderr.length > 0 ? parseTraceback(stderr) : undefined;
      const durationMs = performance.now() - started;
      this.emit('exec', { port: this.port, mode, bytes: source.length, durationMs, exception: exception?.type });
      return { stdout, stderr, exception, mode, durationMs, softReboot };
    } catch (error) {
      await this.recoverAfterFailedExec(error);
      throw error;
    }
  }

  // ---- sending code ----

  private protocolLimits(limits: WaitLimits): WaitLimits {
    return { phase: 'raw-paste', idleMs: this.timeouts.protocolMs, deadline: limits.deadline, deadlinePhase: limits.deadlinePhase, since: limits.since, signal: limits.signal };
  }

  /** Send code at the raw prompt; returns the mode used. */
  private async send(source: Uint8Array, limits: WaitLimits): Promise<'raw-paste' | 'classic'> {
    if (this.rawPasteSupported !== false && (await this.requestRawPaste(limits))) {
      await this.rawPasteWrite(source, limits);
      return 'raw-paste';
    }
    await this.classicWrite(source, limits);
    return 'classic';
  }

  /**
   * Ctrl-E 'A' Ctrl-A. The board answers `R\x01` (yes), `R\x00` + `>` (no), or, before v1.14,
   * treats the Ctrl-A as a raw REPL reset and prints banner + `>`.
   */
  private async requestRawPaste(limits: WaitLimits): Promise<boolean> {
    const protocol = this.protocolLimits(limits);
    await this.write(RAW_PASTE_REQUEST, protocol);
    let reply = await this.reader.readUntilAny([RAW_PASTE_SUPPORTED, RAW_PASTE_UNSUPPORTED, RAW_READY], protocol);
    if (reply.index === 2) {
      // Old firmware, or a stale banner that arrived just before the real answer: give it a moment.
      try {
        reply = await this.reader.readUntilAny([RAW_PASTE_SUPPORTED, RAW_PASTE_UNSUPPORTED], { ...protocol, idleMs: Math.max(this.timeouts.settleMs, 1) });
      } catch (error) {
        if (codeOf(error) !== 'TIMEOUT' || (error as ReplTimeoutError).phase === 'exec-total') throw error;
      }
    }
    if (reply.index === 0) {
      this.rawPasteSupported = true;
      return true;
    }
    if (reply.index === 1) {
      // do_reader_stdin returned without running anything: the raw REPL prints its prompt again.
      await this.expectPrompt(protocol, 'after R\\x00');
    }
    if (this.rawPasteMode === 'always') {
      throw new ProtocolError(this.port, 'the board does not support raw-paste mode (rawPaste: always)', this.reader.history.snapshot());
    }
    this.rawPasteSupported = false;
    this.emit('raw-paste-unsupported', { port: this.port, reply: reply.index === 1 ? 'R\\x00' : 'banner' });
    return false;
  }

  /**
   * Send the code within the board's credit: the 2-byte LE window is one window of credit, every
   * `\x01` one more. A `\x04` from the board ends the transfer early (e.g. a SyntaxError found while
   * reading); it then discards input until Ctrl-C/Ctrl-D, so it gets a `\x04`.
   */
  private async rawPasteWrite(source: Uint8Array, limits: WaitLimits): Promise<void> {
    const protocol = this.protocolLimits(limits);
    const header = await this.reader.readExactly(WINDOW_HEADER_BYTES, protocol);
    const window = (header[0] ?? 0) | ((header[1] ?? 0) << 8);
    if (window === 0) throw new ProtocolError(this.port, 'raw-paste window size 0', this.reader.history.snapshot());
    let credit = window;
    let offset = 0;
    while (offset < source.length) {
      // Take every flow-control byte already here; wait for one only when out of credit.
      while (credit === 0 || this.reader.available() > 0) {
        const [byte] = await this.reader.readExactly(1, protocol);
        if (byte === RAW_PASTE_WINDOW_INC) {
          credit += window;
        } else if (byte === EOF_MARKER) {
          // After our own Ctrl-C (interrupt) the board is not waiting for an acknowledgement: a
          // \x04 now would land at the raw prompt and soft-reboot the board.
          if (!this.interruptSent) await this.write(Uint8Array.of(CTRL_D), protocol);
          return;
        } else {
          throw new ProtocolError(this.port, `unexpected byte 0x${(byte ?? 0).toString(16).padStart(2, '0')} during raw-paste`, this.reader.history.snapshot());
        }
      }
      const chunk = source.subarray(offset, offset + credit);
      await this.write(chunk, protocol);
      offset += chunk.length;
      credit -= chunk.length;
    }
    await this.write(Uint8Array.of(CTRL_D), protocol);
    // The board acknowledges the end with \x04; window credits may still arrive before it.
    for (;;) {
      const [byte] = await this.reader.readExactly(1, protocol);
      if (byte === EOF_MARKER) return;
      if (byte !== RAW_PASTE_WINDOW_INC) {
        throw new ProtocolError(this.port, `unexpected byte 0x${(byte ?? 0).toString(16).padStart(2, '0')} after raw-paste data`, this.reader.history.snapshot());
      }
    }
  }

  /** Classic raw mode: the code, Ctrl-D, and the board's `OK`. */
  private async classicWrite(source: Uint8Array, limits: WaitLimits): Promise<void> {
    const ackLimits: WaitLimits = { ...this.protocolLimits(limits), phase: 'exec-idle' };
    for (let offset = 0; offset < source.length; offset += this.classicChunkSize) {
      this.throwIfInterruptedBeforeRun();
      await this.write(source.subarray(offset, offset + this.classicChunkSize), ackLimits);
      if (this.classicChunkDelayMs > 0 && offset + this.classicChunkSize < source.length) {
        await sleep(this.classicChunkDelayMs, undefined, limits.signal === undefined ? undefined : { signal: limits.signal }).catch(() => {
          throw new AbortError();
        });
      }
    }
    this.throwIfInterruptedBeforeRun();
    await this.write(Uint8Array.of(CTRL_D), ackLimits);
    const ack = await this.reader.readExactly(EXEC_ACK.length, ackLimits);
    if (fromUtf8(ack) !== EXEC_ACK) {
      throw new ProtocolError(this.port, `expected "OK" after the code, got "${fromUtf8(ack)}"`, this.reader.history.snapshot());
    }
  }

  /** A Ctrl-C cleared the line the board was collecting; sending the rest would run a fragment. */
  private throwIfInterruptedBeforeRun(): void {
    if (this.interruptSent) throw new AbortError('interrupted before the code was complete; nothing ran');
  }

  // ---- after the output ----

  /**
   * After `stdout \x04 stderr \x04` the board prints `>`, unless the code raised SystemExit: then it
   * soft-reboots (`MPY: soft reboot`, boot.py, raw banner, `>`), staying in raw REPL.
   */
  private async afterOutput(limits: WaitLimits): Promise<{ bootOutput: string } | undefined> {
    const protocol: WaitLimits = { ...limits, idleMs: this.timeouts.protocolMs };
    const next = await this.reader.readExactly(1, protocol);
    if (next[0] === RAW_PROMPT_BYTE) return undefined;
    let line = String.fromCharCode(next[0] ?? 0);
    for (;;) {
      if (!couldBeSoftRebootLine(line)) {
        throw new ProtocolError(this.port, 'expected the raw prompt ">" (or a soft reboot) after the output', this.reader.history.snapshot());
      }
      if (line.length === SOFT_REBOOT_LINE_LENGTH) break;
      line += String.fromCharCode((await this.reader.readExactly(1, protocol))[0] ?? 0);
    }
    const started = performance.now();
    const reboot: WaitLimits = { phase: 'soft-reset', deadline: started + this.timeouts.softResetMs, since: started, signal: limits.signal };
    const bootOutput = await this.readUntilRawPrompt(reboot);
    this.emit('soft-reset', { port: this.port, durationMs: performance.now() - started });
    return { bootOutput };
  }

  /** Everything before the raw banner + prompt, as text. */
  private async readUntilRawPrompt(limits: WaitLimits): Promise<string> {
    const seen = await this.reader.readUntil(RAW_READY, limits);
    return fromUtf8(seen.subarray(0, seen.length - RAW_READY.length));
  }

  private async expectPrompt(limits: WaitLimits, where: string): Promise<void> {
    const byte = await this.reader.readExactly(1, limits);
    if (byte[0] !== RAW_PROMPT_BYTE) {
      throw new ProtocolError(this.port, `expected the raw prompt ">" ${where}`, this.reader.history.snapshot());
    }
  }

  /** After a failed exec, stop whatever the board is doing so it is usable; re-enter lazily. */
  private async recoverAfterFailedExec(error: unknown): Promise<void> {
    this.setState('unknown');
    if (codeOf(error) === 'TRANSPORT_LOST' || !this.transport.isOpen) return;
    try {
      await this.write(Uint8Array.of(CTRL_C), { phase: 'interrupt' });
    } catch {
      // The original error says more than this one.
    }
  }

  // ---- plumbing ----

  /** A closed session stays closed, whatever an operation that was still running decides. */
  private setState(state: Exclude<RawReplState, 'closed'>): void {
    if (this.stateValue !== 'closed') this.stateValue = state;
  }

  private assertOpen(): void {
    if (this.stateValue === 'closed') throw new AbortError('raw REPL session is closed');
  }

  /** Run `operation` once every earlier operation has finished (or give up when `signal` aborts). */
  private async exclusive<T>(signal: AbortSignal | undefined, operation: () => Promise<T>): Promise<T> {
    this.assertOpen();
    return this.queue.run(signal, async () => {
      this.assertOpen();
      this.operationRunning = true;
      this.interruptSent = false;
      try {
        return await operation();
      } finally {
        this.operationRunning = false;
        this.interruptSent = false;
      }
    });
  }

  /** `transport.write`, bounded by protocolMs (and the phase deadline) and cancellable. */
  private async write(bytes: Uint8Array, limits: WriteLimits): Promise<void> {
    if (limits.signal?.aborted === true) throw new AbortError();
    const started = performance.now();
    const budget = Math.min(this.timeouts.protocolMs, limits.deadline === undefined ? Number.POSITIVE_INFINITY : limits.deadline - started);
    const since = limits.since ?? started;
    const timeout = (): ReplTimeoutError =>
      new ReplTimeoutError(limits.phase, {
        port: this.port,
        waitedMs: performance.now() - since,
        expected: `the board to accept ${bytes.length} byte(s)`,
        seen: this.reader.history.snapshot(),
      });
    if (budget <= 0) throw timeout();
    const writing = this.transport.write(bytes);
    writing.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        writing,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(timeout()), budget);
          onAbort = () => reject(new AbortError());
          limits.signal?.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      if (onAbort !== undefined) limits.signal?.removeEventListener('abort', onAbort);
    }
  }
}
