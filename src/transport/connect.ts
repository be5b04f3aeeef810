import { EventEmitter } from 'node:events';
import { realpath } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BindingInterface } from '@serialport/bindings-interface';
import { AbortError, TransportOpenError, UsageError, isHarnessError } from '../errors.js';
import { findProfile } from '../sim/profiles.js';
import { startSimSession } from '../sim/session.js';
import type { World } from '../sim/world.js';
import { fromUtf8 } from '../util/bytes.js';
import { listBoards, nativePortLister, requireBoardBySerial, resolveAuto, waitForBoard, type BoardInfo, type PortLister } from './discovery.js';
import { formatPortSpec, type PortSpec } from './port-spec.js';
import { Rfc2217Transport } from './rfc2217/client.js';
import { SerialTransport } from './serial.js';
import { TcpTransport } from './tcp.js';
import type { Transport } from './transport.js';

/**
 * Where serial ports come from: a lister to find boards and a serialport binding to open them.
 * The operating system provides one; a simulator session provides another of the same shape.
 */
export interface SerialBackend {
  readonly lister: PortLister;
  readonly binding: BindingInterface;
  readonly transportKind: 'serial' | 'sim';
  /** Poll the device node to notice a vanished port (real device nodes only). */
  readonly watchPath: boolean;
}

/** The operating system's serial ports through node-serialport's native binding. */
export async function nativeSerialBackend(): Promise<SerialBackend> {
  const { autoDetect } = await import('@serialport/bindings-cpp');
  const binding = autoDetect();
  return { lister: nativePortLister(() => binding.list()), binding, transportKind: 'serial', watchPath: true };
}

export interface ConnectOptions {
  /** Simulator options, used when the spec is `sim[:PROFILE]`. */
  readonly world?: World | undefined;
  readonly seed?: number | undefined;
  readonly profile?: string | undefined;
  /** Use these serial ports instead of the operating system's (a simulated bus, tests). */
  readonly backend?: SerialBackend | undefined;
  /** TCP connect timeout per attempt. */
  readonly connectTimeoutMs?: number;
}

export interface ReconnectOptions {
  /** Whole budget: waiting for the board to come back and reopening it. */
  readonly timeoutMs?: number;
  readonly pollIntervalMs?: number;
  readonly signal?: AbortSignal | undefined;
}

export interface DeviceConnectionEvents {
  reconnect: [{ from: string; to: string; durationMs: number }];
}

/** An open link to one board that can be re-established after the board resets. */
export interface DeviceConnection extends EventEmitter<DeviceConnectionEvents> {
  /** The current transport; replaced by `reconnect`. */
  readonly transport: Transport;
  /** USB serial number when known (what `reconnect` finds the board by). */
  readonly serialNumber: string | undefined;
  /** One line for people: the port, the serial number, what is behind it. */
  describe(): string;
  /**
   * After a hard reset or power cycle: close the old transport, find the board again (by USB
   * serial number for serial ports, even on another path; the same URL for TCP and RFC 2217) and reopen it.
   */
  reconnect(options?: ReconnectOptions): Promise<Transport>;
  /** Close the transport (and stop a simulator this connection started). Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_RECONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY_INTERVAL_MS = 100;

/** Retry `attempt` until it succeeds or `deadline` passes; then rethrow the last failure. */
async function retryUntil<T>(deadline: number, intervalMs: number, signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    if (signal?.aborted === true) throw new AbortError('reconnect cancelled');
    try {
      return await attempt();
    } catch (error) {
      const remaining = deadline - performance.now();
      if (remaining <= 0 || (isHarnessError(error) && error.code === 'USAGE')) throw error;
      try {
        await sleep(Math.min(intervalMs, remaining), undefined, { signal });
      } catch {
        throw new AbortError('reconnect cancelled');
      }
    }
  }
}

abstract class BaseConnection extends EventEmitter<DeviceConnectionEvents> implements DeviceConnection {
  protected current: Transport;
  private closed = false;

  constructor(transport: Transport) {
    super();
    this.current = transport;
  }

  get transport(): Transport {
    return this.current;
  }

  abstract get serialNumber(): string | undefined;
  abstract describe(): string;
  protected abstract reopen(deadline: number, options: ReconnectOptions): Promise<Transport>;

  async reconnect(options: ReconnectOptions = {}): Promise<Transport> {
    if (this.closed) throw new AbortError('the connection is closed');
    const started = performance.now();
    const from = this.current.info.port;
    await this.current.close();
    this.current = await this.reopen(started + (options.timeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS), options);
    this.emit('reconnect', { from, to: this.current.info.port, durationMs: performance.now() - started });
    return this.current;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.current.close();
    } finally {
      await this.afterClose();
    }
  }

  protected async afterClose(): Promise<void> {}
}

class SerialConnection extends BaseConnection {
  constructor(
    transport: Transport,
    private readonly ports: SerialPorts,
    private readonly serial: string | undefined,
  ) {
    super(transport);
  }

  get serialNumber(): string | undefined {
    return this.serial;
  }

  describe(): string {
    const serial = this.serial === undefined ? '' : ` (serial ${this.serial})`;
    return `${this.ports.label === undefined ? '' : `${this.ports.label} on `}${this.current.info.port}${serial}`;
  }

  protected async reopen(deadline: number, options: ReconnectOptions): Promise<Transport> {
    const interval = options.pollIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS;
    const serial = this.serial;
    const backend = this.ports.backend;
    // A port found again may refuse the first open for a moment (udev still applying permissions).
    return retryUntil(deadline, interval, options.signal, async () => {
      const path = serial === undefined
        ? this.current.info.port
        : (await waitForBoard(backend.lister, serial, { timeoutMs: Math.max(0, deadline - performance.now()), pollIntervalMs: interval, signal: options.signal })).path;
      return openSerial(backend, path, serial);
    });
  }

  protected override async afterClose(): Promise<void> {
    await this.ports.close();
  }
}

/** A board behind a network address (`tcp://`, `rfc2217://`): found again by reconnecting to the same URL. */
class NetworkConnection extends BaseConnection {
  constructor(
    transport: Transport,
    private readonly openOnce: (connectTimeoutMs: number) => Promise<Transport>,
    private readonly connectTimeoutMs: number | undefined,
  ) {
    super(transport);
  }

  get serialNumber(): string | undefined {
    return undefined;
  }

  describe(): string {
    return this.current.info.port;
  }

  protected reopen(deadline: number, options: ReconnectOptions): Promise<Transport> {
    const interval = options.pollIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS * 2;
    const connectTimeoutMs = (): number => Math.max(1, Math.min(this.connectTimeoutMs ?? 5000, deadline - performance.now()));
    return retryUntil(deadline, interval, options.signal, () => this.openOnce(connectTimeoutMs()));
  }
}

/** A server that accepts and at once hangs up (ser2net, `sim --tcp` while the board is off) has no board behind it. */
const TCP_SETTLE_MS = 100;

async function openTcp(spec: Extract<PortSpec, { kind: 'tcp' }>, connectTimeoutMs: number): Promise<TcpTransport> {
  const transport = await TcpTransport.open({ host: spec.host, port: spec.port, connectTimeoutMs });
  await sleep(TCP_SETTLE_MS);
  if (transport.isOpen) return transport;
  const said = fromUtf8(transport.drain()).trim().replace(/\s*\n\s*/g, ' ');
  throw new TransportOpenError(formatPortSpec(spec), `the server closed the connection at once${said === '' ? '' : ` saying "${said}"`}`);
}

function openSerial(backend: SerialBackend, path: string, serialNumber: string | undefined): Promise<SerialTransport> {
  return SerialTransport.open({ path, binding: backend.binding, kind: backend.transportKind, serialNumber, watchPath: backend.watchPath });
}

async function canonical(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

/** The listed board behind a path the user typed (`/dev/serial/by-id/…` resolves to its tty). */
async function boardAtPath(lister: PortLister, path: string): Promise<BoardInfo | undefined> {
  let boards: BoardInfo[];
  try {
    boards = await listBoards(lister);
  } catch {
    return undefined; // the path is enough to open the port; without a list, reconnect reuses the path
  }
  const wanted = await canonical(path);
  for (const board of boards) {
    for (const candidate of [board.path, ...board.aliases]) {
      if (candidate === path || (await canonical(candidate)) === wanted) return board;
    }
  }
  return undefined;
}

async function resolveSerialTarget(spec: PortSpec, lister: PortLister): Promise<{ path: string; serialNumber: string | undefined }> {
  switch (spec.kind) {
    case 'auto': {
      const board = await resolveAuto(lister);
      return { path: board.path, serialNumber: board.serialNumber };
    }
    case 'serial-number': {
      const board = await requireBoardBySerial(lister, spec.serialNumber);
      return { path: board.path, serialNumber: board.serialNumber };
    }
    case 'path':
      return { path: spec.path, serialNumber: (await boardAtPath(lister, spec.path))?.serialNumber };
    default:
      throw new UsageError(`${formatPortSpec(spec)} is not a serial port`);
  }
}

/** The serial ports a spec refers to, and how to let go of them (stops a simulator it started). */
export interface SerialPorts {
  readonly backend: SerialBackend;
  /** Says what is behind the ports, e.g. `simulated Pico W (v1.24.1)`; undefined for the OS's ports. */
  readonly label: string | undefined;
  /** Which of these ports the spec means, when not the spec itself (a simulator's one board: auto). */
  readonly target?: PortSpec;
  close(): Promise<void>;
}

/**
 * Where the ports for a spec live: a new simulator session for `sim[:PROFILE]`, otherwise the
 * operating system's ports (or `options.backend`); `auto`, a path and `id:` list those.
 */
export async function serialPortsFor(spec: PortSpec, options: ConnectOptions = {}): Promise<SerialPorts> {
  if (spec.kind === 'sim') {
    const session = await startSimSession({ world: options.world, seed: options.seed, profile: chooseSimProfile(spec.profile, options.profile) });
    // The session's bus holds exactly one board: the one `auto` finds.
    return { backend: session, label: `simulated Pico W (${session.board.profile.name})`, target: { kind: 'auto' }, close: () => session.dispose() };
  }
  return { backend: options.backend ?? (await nativeSerialBackend()), label: undefined, close: async () => {} };
}

/** The firmware profile from `--port sim:PROFILE` and `--profile`; both given and different is a usage error. */
export function chooseSimProfile(fromPort: string | undefined, fromOption: string | undefined): string | undefined {
  if (fromOption === undefined) return fromPort;
  const option = findProfile(fromOption).name;
  if (fromPort !== undefined && fromPort !== option) {
    throw new UsageError(`--port sim:${fromPort} and --profile ${option} disagree; give the profile once`);
  }
  return option;
}

/**
 * Open the board a port spec names. For `sim` this starts a simulated board that the connection
 * owns: it is found and opened through the same lister and serial code as a board on USB.
 */
export async function connectDevice(spec: PortSpec, options: ConnectOptions = {}): Promise<DeviceConnection> {
  if (spec.kind === 'tcp' || spec.kind === 'rfc2217') {
    const network = spec;
    const openOnce = (connectTimeoutMs: number): Promise<Transport> =>
      network.kind === 'tcp'
        ? openTcp(network, connectTimeoutMs)
        : Rfc2217Transport.open({ host: network.host, port: network.port, connectTimeoutMs, negotiationTimeoutMs: Math.max(1, Math.min(3000, connectTimeoutMs)) });
    return new NetworkConnection(await openOnce(options.connectTimeoutMs ?? 5000), openOnce, options.connectTimeoutMs);
  }
  const ports = await serialPortsFor(spec, options);
  try {
    const target = await resolveSerialTarget(ports.target ?? spec, ports.backend.lister);
    const transport = await openSerial(ports.backend, target.path, target.serialNumber);
    return new SerialConnection(transport, ports, target.serialNumber);
  } catch (error) {
    await ports.close();
    throw error;
  }
}
