import { setTimeout as sleep } from 'node:timers/promises';
import type { PortInfo } from '@serialport/bindings-interface';
import { AbortError, AmbiguousDeviceError, DeviceNotFoundError, ToolMissingError } from '../errors.js';

/** Lists serial ports. The native one asks the OS; the simulator's lists its USB bus. */
export interface PortLister {
  list(): Promise<PortInfo[]>;
}

/** What a Raspberry Pi board on USB is running. */
export type BoardMode = 'micropython' | 'bootsel-rp2040' | 'bootsel-rp2350';

export interface BoardInfo {
  /** The port to open (on macOS the cu.* node). */
  readonly path: string;
  /** USB serial number as the OS reports it (MicroPython: 16 lowercase hex digits). */
  readonly serialNumber: string | undefined;
  readonly mode: BoardMode;
  readonly vendorId: string;
  readonly productId: string;
  readonly manufacturer: string | undefined;
  /** Other nodes of the same device (macOS tty.* next to cu.*). */
  readonly aliases: readonly string[];
}

/** Raspberry Pi's USB vendor ID and the product IDs of the modes a Pico can be in. */
export const RASPBERRY_PI_VENDOR_ID = '2e8a';
const MODES: Readonly<Record<string, BoardMode>> = {
  '0005': 'micropython',
  '0003': 'bootsel-rp2040',
  '000f': 'bootsel-rp2350',
};

export const MODE_LABELS: Readonly<Record<BoardMode, string>> = {
  micropython: 'MicroPython',
  'bootsel-rp2040': 'BOOTSEL (RP2040)',
  'bootsel-rp2350': 'BOOTSEL (RP2350)',
};

function isSpawnMissing(error: unknown, tool: string): boolean {
  const e = error as NodeJS.ErrnoException | undefined;
  return e?.code === 'ENOENT' && (e.syscall === `spawn ${tool}` || e.path === tool || String(e.message).includes(`spawn ${tool}`));
}

/**
 * The operating system's port list through node-serialport's native binding. On Linux it runs
 * `udevadm info -e`; a missing udevadm becomes `ToolMissingError`.
 */
export function nativePortLister(list?: () => Promise<PortInfo[]>): PortLister {
  return {
    async list(): Promise<PortInfo[]> {
      const source = list ?? (async () => (await import('@serialport/bindings-cpp')).autoDetect().list());
      try {
        return await source();
      } catch (error) {
        if (isSpawnMissing(error, 'udevadm')) throw new ToolMissingError('udevadm', 'to list serial ports on Linux', 'apt-get install udev');
        throw error;
      }
    },
  };
}

const sameSerial = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** `/dev/tty.usbmodem1101` and `/dev/cu.usbmodem1101` are one macOS device; key both by the suffix. */
function macDeviceKey(path: string): string | undefined {
  return /^\/dev\/(?:tty|cu)\.(.+)$/.exec(path)?.[1];
}

function toBoard(port: PortInfo): BoardInfo | undefined {
  if (port.vendorId?.toLowerCase() !== RASPBERRY_PI_VENDOR_ID) return undefined;
  const productId = (port.productId ?? '').toLowerCase();
  const mode = MODES[productId];
  if (mode === undefined) return undefined;
  return {
    path: port.path,
    serialNumber: port.serialNumber,
    mode,
    vendorId: RASPBERRY_PI_VENDOR_ID,
    productId,
    manufacturer: port.manufacturer,
    aliases: [],
  };
}

/** Fold the macOS tty.* and cu.* pair of one device into one entry, preferring cu.* (no DCD wait). */
function dedupeMacNodes(boards: BoardInfo[]): BoardInfo[] {
  const out: BoardInfo[] = [];
  for (const board of boards) {
    const key = macDeviceKey(board.path);
    const twinIndex = key === undefined ? -1 : out.findIndex((seen) => macDeviceKey(seen.path) === key && seen.productId === board.productId);
    const twin = out[twinIndex];
    if (twin === undefined) {
      out.push(board);
      continue;
    }
    const [keep, drop] = board.path.startsWith('/dev/cu.') ? [board, twin] : [twin, board];
    out[twinIndex] = { ...keep, serialNumber: keep.serialNumber ?? drop.serialNumber, aliases: [...keep.aliases, drop.path, ...drop.aliases] };
  }
  return out;
}

/** Raspberry Pi boards on USB (VID 2e8a), one entry per board, sorted by path. */
export async function listBoards(lister: PortLister): Promise<BoardInfo[]> {
  const boards = (await lister.list()).map(toBoard).filter((board): board is BoardInfo => board !== undefined);
  return dedupeMacNodes(boards).sort((a, b) => a.path.localeCompare(b.path));
}

/** `"/dev/ttyACM0 (serial e6614c311b7e6a35)"` for lists in messages. */
export function describeBoard(board: BoardInfo): string {
  const serial = board.serialNumber === undefined ? 'no serial number' : `serial ${board.serialNumber}`;
  const mode = board.mode === 'micropython' ? '' : `, ${MODE_LABELS[board.mode]}`;
  return `${board.path} (${serial}${mode})`;
}

function presentList(boards: readonly BoardInfo[]): string {
  return boards.length === 0 ? 'no Raspberry Pi board is on USB' : `present: ${boards.map(describeBoard).join(', ')}`;
}

/** The single MicroPython board on USB, for `--port auto`. Two or more: refuse and list them. */
export async function resolveAuto(lister: PortLister): Promise<BoardInfo> {
  const boards = await listBoards(lister);
  const micropython = boards.filter((board) => board.mode === 'micropython');
  const [only] = micropython;
  if (micropython.length === 1 && only !== undefined) return only;
  if (micropython.length === 0) {
    const bootsel = boards.filter((board) => board.mode !== 'micropython');
    const hint = bootsel.length > 0
      ? `; ${bootsel.map(describeBoard).join(', ')} ${bootsel.length === 1 ? 'is' : 'are'} in BOOTSEL mode (flash MicroPython first)`
      : ' (plugged in? see the README for the udev rule and the dialout group)';
    throw new DeviceNotFoundError(`no MicroPython board found on USB${hint}`);
  }
  const candidates = micropython.map(describeBoard);
  throw new AmbiguousDeviceError(
    `${micropython.length} MicroPython boards found, pick one with --port: ${micropython.map((b) => (b.serialNumber === undefined ? b.path : `id:${b.serialNumber} (${b.path})`)).join(', ')}`,
    candidates,
  );
}

/** The board with this USB serial number (case-insensitive), if it is on USB now. */
export async function findBoardBySerial(lister: PortLister, serialNumber: string): Promise<BoardInfo | undefined> {
  return (await listBoards(lister)).find((board) => sameSerial(board.serialNumber, serialNumber));
}

/** The MicroPython board with this serial number; otherwise a `DeviceNotFoundError` listing what is present. */
export async function requireBoardBySerial(lister: PortLister, serialNumber: string): Promise<BoardInfo> {
  const boards = await listBoards(lister);
  const board = boards.find((candidate) => sameSerial(candidate.serialNumber, serialNumber));
  if (board?.mode === 'micropython') return board;
  if (board !== undefined) throw new DeviceNotFoundError(`${describeBoard(board)} is in BOOTSEL mode, not running MicroPython (flash MicroPython first)`, { serialNumber });
  throw new DeviceNotFoundError(`no board with serial number ${serialNumber} on USB; ${presentList(boards)}`, { serialNumber });
}

export interface WaitForBoardOptions {
  readonly timeoutMs: number;
  readonly pollIntervalMs?: number;
  readonly signal?: AbortSignal | undefined;
  /** Only accept the board in this mode (default: MicroPython). */
  readonly mode?: BoardMode;
}

const DEFAULT_POLL_INTERVAL_MS = 100;

/**
 * Wait until the board with this USB serial number is on USB again (after a hard reset or a
 * power cycle), on whatever path it comes back. Gives up after `timeoutMs` with an error that
 * lists what is present.
 */
export async function waitForBoard(lister: PortLister, serialNumber: string, options: WaitForBoardOptions): Promise<BoardInfo> {
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  const interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const mode = options.mode ?? 'micropython';
  for (;;) {
    if (options.signal?.aborted === true) throw new AbortError('stopped waiting for the board');
    const boards = await listBoards(lister);
    const board = boards.find((candidate) => candidate.mode === mode && sameSerial(candidate.serialNumber, serialNumber));
    if (board !== undefined) return board;
    const remaining = deadline - performance.now();
    if (remaining <= 0) {
      throw new DeviceNotFoundError(`board ${serialNumber} did not come back on USB within ${Math.round(options.timeoutMs)} ms; ${presentList(boards)}`, {
        phase: 'refind',
        serialNumber,
        waitedMs: Math.round(performance.now() - started),
        present: boards.map(describeBoard),
      });
    }
    try {
      await sleep(Math.min(interval, remaining), undefined, { signal: options.signal });
    } catch {
      throw new AbortError('stopped waiting for the board');
    }
  }
}
