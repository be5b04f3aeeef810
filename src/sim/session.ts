import type { BindingInterface } from '@serialport/bindings-interface';
import type { PortLister } from '../transport/discovery.js';
import { SimBoard } from './board.js';
import { findProfile } from './profiles.js';
import { SimBinding, SimUsbBus } from './usb-bus.js';
import { DEFAULT_WORLD, type World } from './world.js';

export interface SimSessionOptions {
  readonly world?: World;
  /** Seeds the board's unique ID (USB serial number, unless the world fixes it) and its random draws; default: the world's seed. */
  readonly seed?: number;
  /** Firmware profile; wins over the world's `board.profile`. */
  readonly profile?: string | undefined;
  /** Host ms to wait for the board to enumerate on the simulated USB bus. */
  readonly usbTimeoutMs?: number;
  /** The folder that is the board's RPI-RP2 drive while in BOOTSEL (default: a temp folder; see `SimBoard.bootselDrive`). */
  readonly bootselFolder?: string | undefined;
}

/**
 * One simulated board on its own USB bus, powered on and enumerated. It offers a port lister and a
 * serialport binding exactly like the native ones, so the generic serial code drives it.
 */
export interface SimSession {
  readonly bus: SimUsbBus;
  readonly board: SimBoard;
  readonly world: World;
  readonly lister: PortLister;
  readonly binding: BindingInterface;
  /** What transports opened through this binding report as their kind. */
  readonly transportKind: 'sim';
  /** Simulated ports have no device node to watch. */
  readonly watchPath: false;
  dispose(): Promise<void>;
}

export async function startSimSession(options: SimSessionOptions = {}): Promise<SimSession> {
  const world = options.world ?? DEFAULT_WORLD;
  const profile = findProfile(options.profile ?? world.board.profile);
  const bus = new SimUsbBus();
  const board = new SimBoard({
    name: 'sim',
    seed: options.seed ?? world.seed,
    world,
    profile,
    timeScale: world.timeScale,
    enumerationDelayMs: world.board.enumerationDelayMs,
    ...(world.board.serialNumber === undefined ? {} : { serialNumber: world.board.serialNumber }),
    ...(options.bootselFolder === undefined ? {} : { bootselFolder: options.bootselFolder }),
  });
  bus.add(board);
  const binding = new SimBinding(bus);
  let disposed = false;
  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    await board.dispose();
  };
  try {
    await board.powerOn();
    await board.waitForUsb(options.usbTimeoutMs ?? 10_000 + world.board.enumerationDelayMs / world.timeScale);
  } catch (error) {
    await dispose();
    throw error;
  }
  return { bus, board, world, lister: binding, binding, transportKind: 'sim', watchPath: false, dispose };
}
