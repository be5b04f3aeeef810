import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { constants, lstatSync, mkdtempSync, readlinkSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { open, readlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimError, ToolMissingError, UsageError } from '../errors.js';
import type { SimBoard } from './board.js';
import { describeExit, stopChild, type ChildExit } from './host/child-process.js';
import { BoardSocketServer } from './host/board-socket-server.js';
import { atProcessExit } from './host/exit-cleanup.js';
import { findExecutable } from './host/find-executable.js';

export interface PtyOptions {
  /** Where the PTY appears (a symlink to /dev/pts/N). Default: `<tmpdir>/picow-sim-<serial number>`. */
  readonly path?: string;
  /** Longest wait for socat to create the PTY and connect to the board (ms, default 5000). */
  readonly startTimeoutMs?: number;
  /** Grace period for socat to exit on SIGTERM before SIGKILL (ms, default 2000). */
  readonly stopTimeoutMs?: number;
  /** socat executable (name on PATH or absolute path). */
  readonly socat?: string;
}

export interface BoardPtyEvents {
  /** The PTY exists at `path` (after start-up, and every time the board's USB comes back). */
  present: [{ path: string; device: string }];
  /** The PTY is gone: the board's USB went away, the bridge died, or the exposure was closed. */
  absent: [{ path: string; reason: string }];
  /** The bridge could not be (re)started; it is retried when the board's USB next comes back. */
  failure: [{ error: Error }];
  /** No start or stop is under way: the bridge matches the board's USB state. */
  settled: [];
}

const DEFAULT_START_TIMEOUT_MS = 5000;
const DEFAULT_STOP_TIMEOUT_MS = 2000;
const LINK_POLL_MS = 10;
/** Consecutive failed bridge starts before giving up until the next USB attach. */
const MAX_START_FAILURES = 5;
const RETRY_BASE_MS = 100;
/**
 * Restart delay after a running socat died. Longer than SerialTransport's default path-watch
 * interval (250 ms): a new PTY often gets the old /dev/pts number back, so a client still holding
 * the dead one notices only if it sees the path missing in between.
 */
const RESTART_AFTER_CRASH_MS = 500;
const RETRY_MAX_MS = 2000;
const STDERR_TAIL_CHARS = 2000;
/** socat parses `,`, `:`, `!`, quotes, brackets and blanks in addresses; allow only plain path characters. */
const SOCAT_SAFE_PATH = /^[A-Za-z0-9_./@+-]+$/;

export function defaultPtyPath(board: SimBoard): string {
  return join(tmpdir(), `picow-sim-${board.serialNumber}`);
}

interface Bridge {
  readonly child: ChildProcess;
  readonly device: string;
  readonly keeper: FileHandle;
}

/** Keeps the last characters a child wrote to stderr, for error messages. */
class StderrTail {
  private text = '';

  add(chunk: string): void {
    this.text = (this.text + chunk).slice(-STDERR_TAIL_CHARS);
  }

  toString(): string {
    const lines = this.text.trim().split('\n').slice(-4).join(' | ');
    return lines === '' ? '' : `; socat said: ${lines}`;
  }
}

function validatePath(path: string, what: string): string {
  const absolute = resolve(path);
  if (!SOCAT_SAFE_PATH.test(absolute)) {
    throw new UsageError(`${what} ${JSON.stringify(absolute)} has characters socat cannot take in an address (use letters, digits and _ . / @ + -)`, { path: absolute });
  }
  return absolute;
}

function checkLinkPath(path: string): void {
  try {
    if (!statSync(dirname(path)).isDirectory()) throw new UsageError(`PTY path ${path}: ${dirname(path)} is not a directory`, { path });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`PTY path ${path}: the directory ${dirname(path)} does not exist`, { path });
  }
  try {
    if (!lstatSync(path).isSymbolicLink()) throw new UsageError(`PTY path ${path} exists and is not a symlink; refusing to replace it`, { path });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // absent: fine
  }
}

/**
 * A simulated board on a real pseudo-terminal, for programs that only speak to serial devices.
 * Node has no PTY API, so Debian's socat makes the PTY and relays it to a private unix socket that
 * serves the board's USB CDC (BoardSocketServer). The PTY exists exactly while the board's USB
 * does: on `usb-detach` the link is removed and socat stopped, on `usb-attach` socat is started
 * again with the same link path (the /dev/pts number may change, as a re-enumerated ttyACM would).
 *
 * A PTY carries no DTR, so the bridge is the board's attached USB host for as long as it exists,
 * whether or not a program has the PTY open; serial clients flush stale input when they open.
 */
export class BoardPty extends EventEmitter<BoardPtyEvents> {
  private bridge: Bridge | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private dirty = false;
  private running: Promise<void> | undefined;
  private failures = 0;
  private gaveUp = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private starting: ChildProcess | undefined;
  private readonly cancelExitCleanup: () => void;
  private readonly onAttach = (): void => {
    this.gaveUp = false;
    this.failures = 0;
    this.kick();
  };
  private readonly onDetach = ({ reason }: { reason: string }): void => {
    // The path must be gone the moment the USB is: remove the link now, stop socat in the background.
    this.removeLink(this.bridge?.device);
    this.detachReason = `board USB went away (${reason})`;
    this.kick();
  };
  private detachReason = 'board USB is absent';

  private constructor(
    private readonly board: SimBoard,
    readonly path: string,
    private readonly socat: string,
    private readonly socketDir: string,
    private readonly server: BoardSocketServer,
    private readonly startTimeoutMs: number,
    private readonly stopTimeoutMs: number,
  ) {
    super();
    // If the process exits without close(): kill socat and remove the link (socat would also exit
    // by itself once its socket to us closes, and remove the link then).
    this.cancelExitCleanup = atProcessExit(() => {
      const child = this.bridge?.child ?? this.starting;
      child?.kill('SIGKILL');
      this.removeLink(this.bridge?.device);
      rmSync(this.socketDir, { recursive: true, force: true });
    });
    board.on('usb-attach', this.onAttach);
    board.on('usb-detach', this.onDetach);
    this.kick();
  }

  static async expose(board: SimBoard, options: PtyOptions = {}): Promise<BoardPty> {
    const socat = findExecutable(options.socat ?? 'socat');
    if (socat === undefined) throw new ToolMissingError('socat', 'to expose a simulated board on a pseudo-terminal', 'apt-get install socat');
    const path = validatePath(options.path ?? defaultPtyPath(board), 'PTY path');
    checkLinkPath(path);
    const socketDir = mkdtempSync(join(tmpdir(), 'picow-bridge-'));
    let server: BoardSocketServer;
    try {
      validatePath(socketDir, 'bridge socket directory');
      server = await BoardSocketServer.listen(board, { path: join(socketDir, 'usb.sock') });
    } catch (error) {
      rmSync(socketDir, { recursive: true, force: true });
      throw error;
    }
    const pty = new BoardPty(
      board,
      path,
      socat,
      socketDir,
      server,
      options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
    );
    if (board.isUsbPresent) {
      try {
        await pty.waitUntilPresent(pty.startTimeoutMs + pty.stopTimeoutMs);
      } catch (error) {
        await pty.close();
        throw error;
      }
    }
    return pty;
  }

  /** True while the PTY exists at `path`. */
  get isPresent(): boolean {
    return this.bridge !== undefined;
  }

  /** The /dev/pts node behind `path` while present. */
  get device(): string | undefined {
    return this.bridge?.device;
  }

  /** socat's process id while the bridge runs (diagnostics, tests). */
  get bridgePid(): number | undefined {
    return this.bridge?.child.pid;
  }

  /** Resolves once the PTY exists; rejects after `timeoutMs` or when the bridge cannot start. */
  waitUntilPresent(timeoutMs: number): Promise<void> {
    return this.waitFor(() => this.isPresent, timeoutMs, `the PTY ${this.path} did not appear within ${timeoutMs} ms`);
  }

  /** Resolves once the PTY is gone and socat has exited; rejects after `timeoutMs`. */
  waitUntilAbsent(timeoutMs: number): Promise<void> {
    return this.waitFor(() => !this.isPresent && this.running === undefined, timeoutMs, `the PTY ${this.path} was still there after ${timeoutMs} ms`);
  }

  /** Remove the PTY, stop socat, stop serving the board. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.board.off('usb-attach', this.onAttach);
      this.board.off('usb-detach', this.onDetach);
      if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.detachReason = 'closed';
      this.kick();
      while (this.running !== undefined) await this.running;
      await this.server.close();
      rmSync(this.socketDir, { recursive: true, force: true });
      this.cancelExitCleanup();
    })();
    return this.closing;
  }

  private get wanted(): boolean {
    return !this.closed && !this.gaveUp && this.board.isUsbPresent;
  }

  /** Bring the bridge in line with the board's USB, one step at a time (never two socats at once). */
  private kick(): void {
    this.dirty = true;
    this.running ??= this.reconcile().finally(() => {
      this.running = undefined;
      if (this.dirty) this.kick();
      else this.emit('settled');
    });
  }

  private async reconcile(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      if (this.wanted && this.bridge === undefined && this.retryTimer === undefined) {
        await this.tryStart();
      } else if (!this.wanted && this.bridge !== undefined) {
        await this.stopBridge(this.detachReason);
      }
    }
  }

  private async tryStart(): Promise<void> {
    try {
      const bridge = await this.startBridge();
      this.failures = 0;
      this.bridge = bridge;
      bridge.child.once('exit', (code, signal) => this.onBridgeExit(bridge, { code, signal }));
      this.emit('present', { path: this.path, device: bridge.device });
      if (!this.wanted) this.dirty = true; // the USB went away while socat started
    } catch (error) {
      if (!this.wanted) return; // lost a race with a USB detach or close(): not a failure
      this.failures += 1;
      if (this.failures >= MAX_START_FAILURES) {
        this.gaveUp = true;
        this.emit('failure', { error: error as Error });
        return;
      }
      this.scheduleRetry();
    }
  }

  private scheduleRetry(atLeastMs = 0): void {
    const delay = Math.max(atLeastMs, Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (this.failures - 1)));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, delay);
    this.retryTimer.unref();
  }

  private async startBridge(): Promise<Bridge> {
    checkLinkPath(this.path);
    const stderr = new StderrTail();
    const child = spawn(this.socat, ['-d', '-d', `PTY,link=${this.path},rawer`, `UNIX-CONNECT:${join(this.socketDir, 'usb.sock')}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.starting = child;
    child.on('error', () => undefined); // spawn failures are reported by waitForBridgeConnection; a failed kill shows as no exit
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => stderr.add(chunk));
    let keeper: FileHandle | undefined;
    try {
      const deadline = performance.now() + this.startTimeoutMs;
      await this.waitForBridgeConnection(child, stderr);
      const device = await this.waitForLink(deadline, child, stderr);
      // Why hold the slave: when the last program that has a PTY slave open closes it, the master
      // reads EIO and socat exits (observed with socat's `wait-slave`; socat 1.7.4 happens to keep
      // its own slave descriptor, other versions need not). A descriptor we open and never read
      // keeps the PTY alive through any number of client open/close cycles. Crashes are still
      // handled: an unexpected socat exit restarts it at the same path.
      keeper = await open(this.path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
      if (child.exitCode !== null || child.signalCode !== null) throw new SimError(`socat exited while the PTY was being set up${stderr}`);
      return { child, device, keeper };
    } catch (error) {
      await keeper?.close().catch(() => undefined);
      await stopChild(child, this.stopTimeoutMs);
      this.removeLink(undefined);
      throw error instanceof SimError ? error : new SimError(`cannot set up the PTY ${this.path}: ${(error as Error).message}${stderr}`, error);
    } finally {
      this.starting = undefined;
    }
  }

  /** socat creates the PTY, then connects to us; its connection attaching the board means both are done. */
  private waitForBridgeConnection(child: ChildProcess, stderr: StderrTail): Promise<void> {
    return new Promise((resolveAttach, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.server.off('client-attach', onAttach);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      const onAttach = (): void => {
        cleanup();
        resolveAttach();
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        cleanup();
        reject(new SimError(`socat exited (${describeExit({ code, signal })}) before connecting the PTY ${this.path} to the board${stderr}`));
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(new SimError(`cannot run socat: ${error.message}`, error));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new SimError(`socat did not set up the PTY ${this.path} within ${this.startTimeoutMs} ms${stderr}`));
      }, this.startTimeoutMs);
      this.server.on('client-attach', onAttach);
      child.once('exit', onExit);
      child.once('error', onError);
    });
  }

  private async waitForLink(deadline: number, child: ChildProcess, stderr: StderrTail): Promise<string> {
    for (;;) {
      try {
        return await readlink(this.path);
      } catch {
        if (performance.now() > deadline || child.exitCode !== null) {
          throw new SimError(`socat did not create the link ${this.path} within ${this.startTimeoutMs} ms${stderr}`);
        }
        await sleep(LINK_POLL_MS);
      }
    }
  }

  private async stopBridge(reason: string): Promise<void> {
    const bridge = this.bridge;
    if (bridge === undefined) return;
    this.bridge = undefined;
    this.removeLink(bridge.device);
    await bridge.keeper.close().catch(() => undefined);
    await stopChild(bridge.child, this.stopTimeoutMs);
    // SIGKILLed socat leaves its link behind; a socat stopped normally has removed it already.
    this.removeLink(bridge.device);
    this.emit('absent', { path: this.path, reason });
  }

  private onBridgeExit(bridge: Bridge, exit: ChildExit): void {
    if (this.bridge !== bridge) return; // stopped on purpose
    this.bridge = undefined;
    this.removeLink(bridge.device);
    void bridge.keeper.close().catch(() => undefined);
    this.emit('absent', { path: this.path, reason: `socat exited unexpectedly (${describeExit(exit)})` });
    this.failures += 1;
    if (this.failures >= MAX_START_FAILURES) {
      this.gaveUp = true;
      this.emit('failure', { error: new SimError(`socat keeps exiting (${describeExit(exit)}); the PTY ${this.path} stays absent until the board's USB comes back`) });
      return;
    }
    this.scheduleRetry(RESTART_AFTER_CRASH_MS);
  }

  /** Remove our symlink (only if it still points at `device`, when given). */
  private removeLink(device: string | undefined): void {
    try {
      if (!lstatSync(this.path).isSymbolicLink()) return;
      if (device !== undefined && readlinkSync(this.path) !== device) return;
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }

  private waitFor(done: () => boolean, timeoutMs: number, timeoutMessage: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolveWait, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('present', check);
        this.off('settled', check);
        this.off('failure', onFailure);
      };
      const check = (): void => {
        if (!done()) return;
        cleanup();
        resolveWait();
      };
      const onFailure = ({ error }: { error: Error }): void => {
        cleanup();
        reject(error);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new SimError(timeoutMessage));
      }, timeoutMs);
      this.on('present', check);
      this.on('settled', check);
      this.on('failure', onFailure);
    });
  }
}

/**
 * Expose a simulated board on a pseudo-terminal at one stable path (see BoardPty). Resolves once
 * the PTY exists, or at once if the board's USB is absent (it appears when the board comes up).
 */
export function exposeBoardOnPty(board: SimBoard, options: PtyOptions = {}): Promise<BoardPty> {
  return BoardPty.expose(board, options);
}
