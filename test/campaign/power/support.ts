import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaledClock, type PowerClock } from '../../../src/campaign/power/driver.js';
import { SimBoard } from '../../../src/sim/board.js';
import { startSimHub, type SimHub, type SimHubOptions } from '../../../src/sim/hub-control.js';
import { SimUsbBus } from '../../../src/sim/usb-bus.js';

/** Directory holding the uhubctl stand-in; first on PATH in these tests. */
export const STAND_IN_DIR = fileURLToPath(new URL('../../fixtures/uhubctl/', import.meta.url));
export const SAMPLES_DIR = join(STAND_IN_DIR, 'samples');

/** Board ms per host ms: a 2 s off time takes 100 host ms. */
export const TIME_SCALE = 20;

export async function sample(name: string): Promise<string> {
  return readFile(join(SAMPLES_DIR, name), 'utf8');
}

export interface HubRig {
  readonly bus: SimUsbBus;
  /** boards[i] sits on hub port i + 2 (port 1 stays empty). */
  readonly boards: readonly SimBoard[];
  readonly hub: SimHub;
  /** A scratch directory (port cache, logs); removed by dispose(). */
  readonly dir: string;
  /** PATH with the stand-in first, PICOW_SIM_HUB set, and a log of every stand-in invocation. */
  readonly env: NodeJS.ProcessEnv;
  readonly clock: PowerClock;
  /** The argument lists the stand-in was run with, oldest first. */
  invocations(): Promise<string[][]>;
  /** True while the bus lists the board (its port is present on the host). */
  onBus(board: SimBoard): boolean;
  dispose(): Promise<void>;
}

/** Simulated boards, powered and enumerated, on a simulated hub at location 1-1 serving its socket. */
export async function startHubRig(options: { boards?: number; hub?: Partial<SimHubOptions> } = {}): Promise<HubRig> {
  const dir = await mkdtemp(join(tmpdir(), 'picow-power-'));
  const bus = new SimUsbBus();
  const boards = Array.from({ length: options.boards ?? 1 }, (_, index) => new SimBoard({ name: `b${index}`, seed: 7, timeScale: TIME_SCALE, enumerationDelayMs: 200 }));
  for (const board of boards) bus.add(board);
  let hub: SimHub | undefined;
  const dispose = async (): Promise<void> => {
    await hub?.close();
    await Promise.all(boards.map((board) => board.dispose()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    hub = await startSimHub({ boards: boards.map((board, index) => ({ port: index + 2, board })), socketPath: join(dir, 'hub.sock'), ...options.hub });
    await Promise.all(boards.map((board) => board.waitForUsb(10_000)));
  } catch (error) {
    await dispose();
    throw error;
  }
  const log = join(dir, 'uhubctl.log');
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${STAND_IN_DIR}${delimiter}${process.env.PATH ?? ''}`, PICOW_SIM_HUB: hub.socketPath, PICOW_SIM_UHUBCTL_LOG: log };
  delete env.PICOW_SIM_UHUBCTL_MODE;
  return {
    bus,
    boards,
    hub,
    dir,
    env,
    clock: scaledClock(TIME_SCALE),
    async invocations() {
      const text = await readFile(log, 'utf8').catch(() => '');
      return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as string[]);
    },
    onBus(board) {
      return bus.list().some((port) => port.serialNumber === board.serialNumber);
    },
    dispose,
  };
}

/** The events a board emits from now on, by name. */
export function recordEvents(board: SimBoard): string[] {
  const seen: string[] = [];
  board.on('usb-detach', () => seen.push('usb-detach'));
  board.on('usb-attach', () => seen.push('usb-attach'));
  return seen;
}
