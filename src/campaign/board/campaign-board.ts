import { EventEmitter } from 'node:events';
import { DeviceNotFoundError, ExecError } from '../../errors.js';
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
  /** Host ms to find the board again (by USB serial number, or the same URL over the network) and reopen it. */
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
  /**
   * machine.unique_id() (hex) the board behind a network port must have (an inventory's `uniqueId`);
   * checked at the first exec and after every reconnect. Without it, the id seen first is the reference.
   */
  readonly expectedUniqueId?: string | undefined;
}

const DEFAULT_RESPONSIVE_TIMEOUT_MS = 3000;
const IDENTITY_TIMEOUT_MS = 10_000;

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
  /** machine.unique_id() of the board behind a network port, once seen (hex). */
  private knownUniqueId: string | undefined;
  /** A network port was reconnected: the next exec first proves it is still the same board. */
  private identityUnproven = false;
  /** The unique id was read from the board at least once (not only expected). */
  private sawBoard = false;

  constructor(init: CampaignBoardInit) {
    super();
    this.kind = init.kind;
    this.connection = init.connection;
    this.power = init.power;
    this.sim = init.sim;
    this.replOptions = init.replOptions ?? {};
    this.onClose = init.onClose;
    this.knownUniqueId = init.expectedUniqueId?.toLowerCase();
    this.identityUnproven = this.knownUniqueId !== undefined;
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
  async exec(code: string, options: BoardExecOptions = {}): Promise<ExecResult> {
    if (this.needsIdentity) await this.proveIdentity(options);
    return this.execNow(code, options);
  }

  /**
   * The board's machine.unique_id() (hex), as seen over a network port (`tcp://`, `rfc2217://`),
   * where no USB serial number tells boards apart; undefined before the first exec.
   */
  get uniqueId(): string | undefined {
    return this.knownUniqueId;
  }

  /** How `reconnect` found this board again: by USB serial number, or over a network port by URL and unique id. */
  get refoundBy(): 'usb-serial' | 'unique-id' | 'port' {
    if (this.serialNumber !== undefined) return 'usb-serial';
    return this.sim === undefined && this.knownUniqueId !== undefined && !this.identityUnproven ? 'unique-id' : 'port';
  }

  /** Over a network port the board is known by its unique id, read at the first exec and after every reconnect. */
  private get needsIdentity(): boolean {
    return this.sim === undefined && this.serialNumber === undefined && (this.knownUniqueId === undefined || this.identityUnproven);
  }

  /**
   * Read machine.unique_id() and compare it with the id seen before the reset: reconnecting the same
   * URL may reach another board (re-cabled exporter, wrong ser2net port), and a campaign must never
   * carry on silently on a different board.
   */
  private async proveIdentity(options: BoardExecOptions): Promise<void> {
    const marker = '@@picow-uid ';
    const result = await this.execNow(`import machine, binascii\nprint(${JSON.stringify(marker)} + binascii.hexlify(machine.unique_id()).decode())`, {
      timeoutMs: Math.min(options.timeoutMs ?? IDENTITY_TIMEOUT_MS, IDENTITY_TIMEOUT_MS),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const line = result.stdout.split(/\r?\n/).find((candidate) => candidate.startsWith(marker));
    const seen = line?.slice(marker.length).trim();
    if (result.exception !== undefined || seen === undefined || !/^[0-9a-f]+$/.test(seen)) {
      const why = result.exception === undefined ? `it printed ${JSON.stringify(result.stdout.slice(0, 120))}` : `${result.exception.type}: ${result.exception.message}`;
      throw new DeviceNotFoundError(`cannot tell which board is on ${this.port}: machine.unique_id() did not answer (${why})`, { port: this.port });
    }
    if (this.knownUniqueId !== undefined && seen !== this.knownUniqueId) {
      const reference = this.sawBoard ? 'the board before the reset' : 'the expected unique id';
      throw new DeviceNotFoundError(
        `${this.port} now answers as board ${seen}, not ${this.knownUniqueId} (${reference}); refusing to carry on with another board`,
        { port: this.port, expected: this.knownUniqueId, seen },
      );
    }
    this.knownUniqueId = seen;
    this.identityUnproven = false;
    this.sawBoard = true;
  }

  private execNow(code: string, options: BoardExecOptions): Promise<ExecResult> {
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
   * maybe on another path; over a network port by its URL, proven by machine.unique_id() at the
   * next exec) and start a new raw-REPL session on it.
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
    // Without a USB serial number the same URL may now lead elsewhere; the next exec checks the unique id.
    this.identityUnproven = this.knownUniqueId !== undefined;
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
  /** Network ports only: the machine.unique_id() (hex) the board must have (an inventory's `uniqueId`). */
  readonly expectedUniqueId?: string | undefined;
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
    return new CampaignBoard({ connection, kind: 'real', power, replOptions: options.replOptions, expectedUniqueId: options.expectedUniqueId });
  } catch (error) {
    await connection.close();
    throw error;
  }
}

async function resolvePower(source: PowerDriverSource | undefined, target: PowerTarget): Promise<PowerDriver | undefined> {
  if (source === undefined) return undefined;
  return typeof source === 'function' ? source(target) : source;
}
