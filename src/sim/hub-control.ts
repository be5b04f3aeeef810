import { EventEmitter } from 'node:events';
import { unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { SimError } from '../errors.js';
import type { SimBoard } from './board.js';

/**
 * A simulated USB hub with per-port power switching, the simulator's stand-in for a real switched
 * hub: it powers the SimBoards on its ports off and on, and answers a tiny JSON-lines protocol on a
 * Unix socket so that an external program (the test fixture `uhubctl`) can drive it.
 *
 * Protocol: one JSON object per line each way, one answer per request, in order.
 *   {"cmd":"list"}                     → {"ok":true,"hubs":[HubView]}
 *   {"cmd":"off","port":2}             → {"ok":true,"port":PortView}   (also "on")
 *   {"cmd":"cycle","port":2,"offMs":2000} → {"ok":true,"port":PortView}
 *   {"cmd":"sleep","ms":2000}          → {"ok":true}   (waits board ms: a tool's delay between requests)
 *   anything wrong                     → {"ok":false,"error":"…"}
 * An optional "location" on off/on/cycle must name this hub.
 */

/** wPortStatus bits (USB 2.0 §11.24.2.7.1), what a host reads with GetPortStatus. */
export const PORT_STATUS = { CONNECTION: 0x0001, ENABLE: 0x0002, POWER: 0x0100 } as const;

/** Vendor, product and serial a Pico W running MicroPython reports (USB VID:PID 2e8a:0005). */
const PICO_DEVICE = { vidPid: '2e8a:0005', vendor: 'MicroPython', product: 'Board in FS mode' } as const;

/** A 4-port VIA Labs hub with per-port power switching, as uhubctl describes it. */
export const DEFAULT_HUB_DESCRIPTION = '2109:2817 VIA Labs, Inc. USB2.0 Hub, USB 2.10, 4 ports, ppps';

export interface SimHubOptions {
  readonly boards: readonly { readonly port: number; readonly board: SimBoard }[];
  /** The hub's location as uhubctl prints it. */
  readonly location?: string;
  readonly socketPath: string;
  readonly ports?: number;
  readonly description?: string;
  /**
   * Model: ports whose switch reports "off" but leaves VBUS on (hubs that advertise per-port
   * switching without cutting power exist); the board stays powered and enumerated.
   */
  readonly leakyPorts?: readonly number[];
  /** Model: ports that ignore switch requests altogether (they stay powered, and report it). */
  readonly stuckPorts?: readonly number[];
  /** Board ms per host ms for `cycle`/`sleep` waits; default the first board's time scale. */
  readonly timeScale?: number;
}

export interface PortView {
  readonly port: number;
  readonly powered: boolean;
  /** wPortStatus: 0 off, 0x0100 powered and empty, 0x0103 a device enumerated. */
  readonly status: number;
  /** `vid:pid vendor product serial` of the enumerated device, null when none. */
  readonly device: string | null;
}

export interface HubView {
  readonly location: string;
  readonly description: string;
  readonly ports: readonly PortView[];
}

export interface SimHubPowerEvent {
  readonly port: number;
  readonly power: 'on' | 'off';
  /** Hub time (board ms since the hub started) when the switch changed. */
  readonly atMs: number;
  /** Whether the board's supply really changed (false on a leaky port or an empty one). */
  readonly boardSwitched: boolean;
}

export interface SimHubEvents {
  power: [SimHubPowerEvent];
}

const Request = {
  parse(line: string): { cmd: string; port?: unknown; offMs?: unknown; ms?: unknown; location?: unknown } {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null || typeof (value as { cmd?: unknown }).cmd !== 'string') throw new Error('a request is a JSON object with a "cmd" string');
    return value as { cmd: string };
  },
};

const MAX_WAIT_MS = 600_000;

export class SimHub extends EventEmitter<SimHubEvents> {
  readonly location: string;
  readonly description: string;
  readonly socketPath: string;
  private readonly portCount: number;
  private readonly powered: boolean[];
  private readonly boards = new Map<number, SimBoard>();
  private readonly leaky: ReadonlySet<number>;
  private readonly stuck: ReadonlySet<number>;
  private readonly timeScale: number;
  private readonly startedAt = performance.now();
  private readonly history: SimHubPowerEvent[] = [];
  private readonly connections = new Set<Socket>();
  private server: Server | undefined;
  /** Power changes run one at a time, in request order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: SimHubOptions) {
    super();
    this.location = options.location ?? '1-1';
    this.description = options.description ?? DEFAULT_HUB_DESCRIPTION;
    this.socketPath = options.socketPath;
    this.portCount = options.ports ?? 4;
    this.leaky = new Set(options.leakyPorts ?? []);
    this.stuck = new Set(options.stuckPorts ?? []);
    this.timeScale = options.timeScale ?? options.boards[0]?.board.timeScale ?? 1;
    if (!/^\d+(-\d+(\.\d+)*)?$/.test(this.location)) throw new SimError(`hub location must look like uhubctl's (1-1, 3-2.4), got "${this.location}"`);
    if (!Number.isInteger(this.portCount) || this.portCount < 1 || this.portCount > 14) throw new SimError(`a hub has 1 to 14 ports, got ${this.portCount}`);
    for (const { port, board } of options.boards) {
      this.requirePort(port);
      if (this.boards.has(port)) throw new SimError(`hub port ${port} has two boards`);
      this.boards.set(port, board);
    }
    // A hub powers its ports when it starts, like a real one when plugged in.
    this.powered = Array.from({ length: this.portCount + 1 }, () => true);
  }

  /** Every change of a port's switch so far, oldest first (a stuck port never changes). */
  get events(): readonly SimHubPowerEvent[] {
    return this.history;
  }

  /** Hub time in board ms. */
  now(): number {
    return (performance.now() - this.startedAt) * this.timeScale;
  }

  async start(): Promise<void> {
    for (const board of this.boards.values()) if (!board.isPowered) await board.powerOn();
    await unlink(this.socketPath).catch(() => undefined);
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.connections) socket.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    await unlink(this.socketPath).catch(() => undefined);
  }

  list(): HubView {
    return {
      location: this.location,
      description: this.description,
      ports: Array.from({ length: this.portCount }, (_, index) => this.portView(index + 1)),
    };
  }

  portView(port: number): PortView {
    this.requirePort(port);
    const board = this.boards.get(port);
    const reportsPower = this.powered[port] === true;
    const enumerated = board !== undefined && board.isPowered && board.isUsbPresent;
    // A leaky port reports off while its board stays on the bus: the status is what the hub says.
    const status = reportsPower ? PORT_STATUS.POWER | (enumerated ? PORT_STATUS.CONNECTION | PORT_STATUS.ENABLE : 0) : 0;
    const device = reportsPower && enumerated ? `${PICO_DEVICE.vidPid} ${PICO_DEVICE.vendor} ${PICO_DEVICE.product} ${board.serialNumber}` : null;
    return { port, powered: reportsPower, status, device };
  }

  setPower(port: number, on: boolean): Promise<PortView> {
    this.requirePort(port);
    return this.serialised(async () => {
      if (this.stuck.has(port)) return this.portView(port);
      this.powered[port] = on;
      const board = this.boards.get(port);
      const switches = board !== undefined && !(this.leaky.has(port) && !on);
      if (board !== undefined && switches) {
        if (on) await board.powerOn();
        else await board.powerOff();
      }
      this.record({ port, power: on ? 'on' : 'off', atMs: this.now(), boardSwitched: switches });
      return this.portView(port);
    });
  }

  async cycle(port: number, offMs: number): Promise<PortView> {
    await this.setPower(port, false);
    await this.wait(offMs);
    return this.setPower(port, true);
  }

  /** Waits `ms` of board time (never less: host timers may fire early). */
  async wait(ms: number): Promise<void> {
    if (!(ms >= 0) || ms > MAX_WAIT_MS) throw new SimError(`wait must be 0 … ${MAX_WAIT_MS} board ms, got ${ms}`);
    const until = this.now() + ms;
    for (let left = ms; left > 0; left = until - this.now()) await delay(Math.max(1, Math.ceil(left / this.timeScale)));
  }

  private record(event: SimHubPowerEvent): void {
    this.history.push(event);
    this.emit('power', event);
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private requirePort(port: number): void {
    if (!Number.isInteger(port) || port < 1 || port > this.portCount) throw new SimError(`hub ${this.location} has ports 1 … ${this.portCount}, not ${String(port)}`);
  }

  private serve(socket: Socket): void {
    this.connections.add(socket);
    socket.setEncoding('utf8');
    let buffered = '';
    let chain = Promise.resolve();
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim() === '') continue;
        chain = chain.then(async () => {
          const answer = await this.answer(line);
          if (!socket.destroyed) socket.write(`${JSON.stringify(answer)}\n`);
        });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.connections.delete(socket));
  }

  private async answer(line: string): Promise<Record<string, unknown>> {
    try {
      const request = Request.parse(line);
      if (request.location !== undefined && request.location !== this.location) throw new SimError(`no hub at location ${String(request.location)}`);
      switch (request.cmd) {
        case 'list':
          return { ok: true, hubs: [this.list()] };
        case 'off':
        case 'on':
          return { ok: true, port: await this.setPower(Number(request.port), request.cmd === 'on') };
        case 'cycle':
          return { ok: true, port: await this.cycle(Number(request.port), Number(request.offMs ?? 2000)) };
        case 'sleep':
          await this.wait(Number(request.ms));
          return { ok: true };
        default:
          throw new SimError(`unknown command "${request.cmd}"`);
      }
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}

/** A started simulated hub serving its socket; `close()` it when done. */
export async function startSimHub(options: SimHubOptions): Promise<SimHub> {
  const hub = new SimHub(options);
  await hub.start();
  return hub;
}
