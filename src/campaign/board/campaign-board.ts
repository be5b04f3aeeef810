import { EventEmitter } from 'node:events';
import { ExecError } from '../../errors.js';
import type { SimBoard } from '../../sim/board.js';
import { startSimSession } from '../../sim/session.js';
import type { World } from '../../sim/world.js';
import { chooseSimProfile, connectDevice, type DeviceConnection, type SerialBackend } from '../../transport/connect.js';
import { parsePortSpec, type PortSpec } from '../../transport/port-spec.js';
import { RawRepl, type ExecResult, type RawReplOptions } from '../../transport/raw-repl.js';
import type { PowerDriver } from '../power/driver.js';
import { TappedTransport, type TranscriptDirection, type TranscriptListener } from './tapped-transport.js';

export type BoardKind = 'sim' | 'real';

export interface CampaignBoardEvents {
  /** Every byte between host and board, in order (see `TappedTransport`). */
  transcript: [direction: TranscriptDirection, bytes: Uint8Array];
  /** The board was found again after a reset; a new raw-REPL session is in use. */
  reconnect: [{ readonly from: string; readonly to: string; readonly durationMs: number }];
}

export interface BoardExecOptions {
  /** Host ms the whole exec may take, from the first byte sent to the final prompt. */
  readonly timeoutMs?: number;
  /** Host ms of silence allowed while the code runs (default: the smaller of timeoutMs and the session's execIdleMs). */
  readonly idleMs?: number;
  readonly signal?: AbortSignal | undefined;
}

export interface BoardReconnectOptions {
  /** Host ms to find the board again (by USB serial number) and reopen it. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal | undefined;
}

/** Who a power driver factory is asked to switch. */
export interface PowerTarget {
  readonly kind: BoardKind;
  readonly serialNumber: string | undefined;
  readonly sim: SimBoard | undefined;
}

export type PowerDriverSource = PowerDriver | ((target: PowerTarget) => PowerDriver | Promise<PowerDriver>);

export interface CampaignBoardInit {
  readonly connection: DeviceConnection;
  readonly kind: BoardKind;
  readonly power?: PowerDriver | undefined;
  readonly sim?: SimBoard | undefined;
  readonly replOptions?: RawReplOptions | undefined;
  /** Runs after the connection is closed (e.g. stop the simulator the board lives in). */
  readonly onClose?: (() => Promise<void>) | undefined;
}

const DEFAULT_RESPONSIVE_TIMEOUT_MS = 3000;

/**
 * The campaign's handle on one board, real or simulated: its connection, the current raw-REPL
 * session (replaced after every reconnect), its power driver and, for a simulated board, the
 * simulator itself. Every byte exchanged is reported as a `transcript` event.
 */
export class CampaignBoard extends EventEmitter<CampaignBoardEvents> {
  readonly kind: BoardKind;
  readonly connection: DeviceConnection;
  readonly power: PowerDriver | undefined;
  readonly sim: SimBoard | undefined;
  private readonly replOptions: RawReplOptions;
  private readonly onClose: (() => Promise<void>) | undefined;
  private session: RawRepl;
  private closed = false;

  constructor(init: CampaignBoardInit) {
    super();
    this.kind = init.kind;
    this.connection = init.connection;
    this.power = init.power;
    this.sim = init.sim;
    this.replOptions = init.replOptions ?? {};
    this.onClose = init.onClose;
    this.session = this.newSession();
  }

  /** USB serial number: what the board is found again by after a reset (undefined over TCP). */
  get serialNumber(): string | undefined {
    return this.connection.serialNumber;
  }

  /** The port in use now (may change across a reset). */
  get port(): string {
    return this.connection.transport.info.port;
  }

  /** The current raw-REPL session. Replaced by `reconnect`: do not keep it across a reset. */
  get repl(): RawRepl {
    return this.session;
  }

  /** Board milliseconds per host millisecond: 1 on real hardware, the world's time scale in the simulator. */
  get timeScale(): number {
    return this.sim?.timeScale ?? 1;
  }

  /** False once the port is gone (reset, power cut, unplugged) until `reconnect`. */
  get isPortOpen(): boolean {
    return this.connection.transport.isOpen;
  }

  describe(): string {
    const where = this.connection.describe();
    return this.sim === undefined ? where : `simulated Pico W (${this.sim.profile.name}) on ${where}`;
  }

  /** Subscribe to the byte transcript; returns the unsubscribe function. Listeners must not throw. */
  onTranscript(listener: TranscriptListener): () => void {
    this.on('transcript', listener);
    return () => this.off('transcript', listener);
  }

  /** A simulated board draws its randomness per attempt (see `SimBoard.beginAttempt`); real boards ignore this. */
  beginAttempt(n: number): void {
    this.sim?.beginAttempt(n);
  }

  /** Run code in the raw REPL; a Python exception is part of the result. */
  exec(code: string, options: BoardExecOptions = {}): Promise<ExecResult> {
    const timeouts =
      options.timeoutMs === undefined
        ? options.idleMs === undefined
          ? undefined
          : { execIdleMs: options.idleMs }
        : { execTotalMs: options.timeoutMs, execIdleMs: options.idleMs ?? Math.min(options.timeoutMs, this.session.timeouts.execIdleMs) };
    return this.session.exec(code, {
      ...(timeouts === undefined ? {} : { timeouts }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }

  /** Run code; return its stdout or throw `ExecError` with the board's exception. */
  async execOrThrow(code: string, options: BoardExecOptions = {}): Promise<string> {
    const result = await this.exec(code, options);
    if (result.exception !== undefined) throw new ExecError(this.port, result.exception, result.stdout);
    return result.stdout;
  }

  /** Ctrl-C now, whatever runs. */
  interrupt(): Promise<void> {
    return this.session.interrupt();
  }

  /**
   * Whether the board answers at the raw prompt within `timeoutMs` (interrupting whatever runs,
   * as entering raw REPL does). Never throws: a lost port is simply not responsive.
   */
  async isResponsive(options: { timeoutMs?: number; signal?: AbortSignal | undefined } = {}): Promise<boolean> {
    if (!this.isPortOpen) return false;
    const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_RESPONSIVE_TIMEOUT_MS);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    try {
      await this.session.enter(signal);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * After a reset or power cycle: close the old port, find the board again (by USB serial number,
   * maybe on another path) and start a new raw-REPL session on it.
   */
  async reconnect(options: BoardReconnectOptions = {}): Promise<void> {
    const from = this.port;
    const started = performance.now();
    this.session.invalidate();
    await this.connection.reconnect({
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    this.session = this.newSession();
    this.emit('reconnect', { from, to: this.port, durationMs: performance.now() - started });
  }

  /** Close the port (and stop the simulator this board lives in). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.connection.close();
    } finally {
      await this.onClose?.();
    }
  }

  private newSession(): RawRepl {
    const tapped = new TappedTransport(this.connection.transport, (direction, bytes) => this.emit('transcript', direction, bytes));
    return new RawRepl(tapped, this.replOptions);
  }
}

export interface OpenCampaignBoardOptions {
  /** `sim`, `sim:PROFILE`, a device path, `id:SERIAL`, `tcp://host:port`, `auto` (or a parsed spec). */
  readonly spec: PortSpec | string;
  /** Simulator world, seed and firmware profile (for `sim` specs). */
  readonly world?: World | undefined;
  readonly seed?: number | undefined;
  readonly profile?: string | undefined;
  /** A power driver, or a factory that gets the opened board (a simulated board's driver needs the SimBoard). */
  readonly power?: PowerDriverSource | undefined;
  readonly replOptions?: RawReplOptions | undefined;
  /** Serial ports to use instead of the operating system's (real specs only; tests). */
  readonly backend?: SerialBackend | undefined;
  readonly connectTimeoutMs?: number | undefined;
}

/**
 * Open the board a port spec names. For `sim[:PROFILE]` this starts a simulator session itself and
 * opens its board through the generic serial code (`connectDevice({kind: 'auto'}, {backend: session})`),
 * so the handle can expose the SimBoard; closing the handle stops the simulator.
 */
export async function openCampaignBoard(options: OpenCampaignBoardOptions): Promise<CampaignBoard> {
  const spec = typeof options.spec === 'string' ? parsePortSpec(options.spec) : options.spec;
  if (spec.kind === 'sim') {
    const session = await startSimSession({
      ...(options.world === undefined ? {} : { world: options.world }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      profile: chooseSimProfile(spec.profile, options.profile),
    });
    try {
      const connection = await connectDevice({ kind: 'auto' }, { backend: session });
      try {
        const power = await resolvePower(options.power, { kind: 'sim', serialNumber: connection.serialNumber, sim: session.board });
        return new CampaignBoard({ connection, kind: 'sim', power, sim: session.board, replOptions: options.replOptions, onClose: () => session.dispose() });
      } catch (error) {
        await connection.close();
        throw error;
      }
    } catch (error) {
      await session.dispose();
      throw error;
    }
  }
  const connection = await connectDevice(spec, {
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
  });
  try {
    const power = await resolvePower(options.power, { kind: 'real', serialNumber: connection.serialNumber, sim: undefined });
    return new CampaignBoard({ connection, kind: 'real', power, replOptions: options.replOptions });
  } catch (error) {
    await connection.close();
    throw error;
  }
}

async function resolvePower(source: PowerDriverSource | undefined, target: PowerTarget): Promise<PowerDriver | undefined> {
  if (source === undefined) return undefined;
  return typeof source === 'function' ? source(target) : source;
}
