import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CampaignBoard } from '../campaign/board/campaign-board.js';
import { AbortError, UsageError, isHarnessError } from '../errors.js';
import { copyToDrive } from './bootsel/copy.js';
import { defaultBootselLocator, waitForBootselDrive } from './bootsel/locate.js';
import { MountPointLocator } from './bootsel/mount-point.js';
import { PICOTOOL_HINT, picotoolLoad } from './bootsel/picotool.js';
import { SimBootselLocator } from './bootsel/sim.js';
import type { BootselDrive, BootselLocator } from './bootsel/types.js';
import { findOnPath } from './bootsel/which.js';
import { FAMILY, familyName } from './families.js';
import { FirmwareMismatchError, FlashError, type FlashStep } from './flash-errors.js';
import { micropythonTagOf } from './binary-info.js';
import { parseUf2, type Uf2Image } from './uf2.js';

export interface FlashTimeouts {
  /** Each query of sys.version / sys.implementation over the raw REPL. */
  readonly queryMs: number;
  /** For the serial port to drop after `machine.bootloader()`. */
  readonly bootloaderMs: number;
  /** For the BOOTSEL drive to appear and be found mounted. */
  readonly driveMs: number;
  /** Copying the UF2 to the drive (or `picotool load`). */
  readonly copyMs: number;
  /** For MicroPython's USB serial port to come back (by serial number) after the copy. */
  readonly rebootMs: number;
}

export const DEFAULT_FLASH_TIMEOUTS: FlashTimeouts = { queryMs: 10_000, bootloaderMs: 5_000, driveMs: 30_000, copyMs: 120_000, rebootMs: 30_000 };

/** What each step reports as it completes (the library never prints: the CLI shows these). */
export type FlashProgress =
  | { readonly step: 'read-uf2'; readonly file: string; readonly programVersion: string | null; readonly tag: string | null; readonly blocks: number; readonly family: string | null }
  | { readonly step: 'query-before'; readonly version: string; readonly implementation: string }
  | { readonly step: 'bootloader'; readonly durationMs: number }
  | { readonly step: 'find-drive'; readonly drive: BootselDrive; readonly durationMs: number }
  | { readonly step: 'copy'; readonly target: string; readonly bytes: number; readonly vanishedAtEnd: boolean; readonly durationMs: number }
  | { readonly step: 'picotool'; readonly picotool: string; readonly reason: string; readonly durationMs: number }
  | { readonly step: 'reconnect'; readonly port: string; readonly durationMs: number }
  | { readonly step: 'query-after'; readonly version: string; readonly implementation: string };

export interface FlashFirmwareOptions {
  /** The open board; after a successful flash it is connected to the re-flashed board. */
  readonly board: CampaignBoard;
  readonly uf2File: string;
  /** Where the BOOTSEL drive is (or will be) mounted; nothing else is searched. */
  readonly mountPoint?: string | undefined;
  /** How to find the drive; default: the simulator's folder for a simulated board, else `defaultBootselLocator`. */
  readonly locator?: BootselLocator | undefined;
  readonly timeouts?: Partial<FlashTimeouts> | undefined;
  readonly signal?: AbortSignal | undefined;
  /**
   * Require the UF2 to name a MicroPython version and the board to run it afterwards (default
   * true). False: a UF2 without a version string is accepted and the result is not compared.
   */
  readonly verifyVersion?: boolean | undefined;
  /** picotool's path, or false to never use it; default: looked up on PATH (used only when no drive turns up). */
  readonly picotool?: string | false | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly onProgress?: ((event: FlashProgress) => void) | undefined;
}

export interface FirmwareIdentity {
  /** `sys.version`, e.g. `3.4.0; MicroPython v1.24.1 on 2024-11-29`. */
  readonly version: string;
  /** `repr(sys.implementation)`. */
  readonly implementation: string;
}

export interface FlashResult {
  readonly uf2: { readonly file: string; readonly programVersion: string | null; readonly tag: string | null; readonly family: string | null; readonly blocks: number };
  readonly before: FirmwareIdentity;
  readonly after: FirmwareIdentity;
  /** False only with `verifyVersion: false` (nothing was compared). */
  readonly verified: boolean;
  /** How the UF2 reached the board. */
  readonly via: { readonly kind: 'drive'; readonly mountPoint: string; readonly foundBy: string; readonly boardId: string } | { readonly kind: 'picotool'; readonly picotool: string };
  /** The serial port the re-flashed board is on now. */
  readonly port: string;
  readonly steps: readonly { readonly step: FlashStep; readonly durationMs: number }[];
  readonly durationMs: number;
}

const QUERY = 'import sys\nprint(sys.version)\nprint(repr(sys.implementation))\nprint(sys.implementation._machine)\n';
const BOOTLOADER = 'import machine\nmachine.bootloader()\n';

interface Identity extends FirmwareIdentity {
  readonly machine: string;
}

async function queryIdentity(board: CampaignBoard, step: 'query-before' | 'query-after', timeoutMs: number, signal: AbortSignal | undefined): Promise<Identity> {
  const stdout = await board.execOrThrow(QUERY, { timeoutMs, signal });
  const [version, implementation, machine] = stdout.replace(/\r/g, '').split('\n');
  if (version === undefined || implementation === undefined || machine === undefined) {
    throw new FlashError(step, `the board on ${board.port} answered the version query with ${JSON.stringify(stdout)}`);
  }
  return { version, implementation, machine };
}

/** The UF2, read and checked before the board is touched. */
export async function readFirmwareFile(file: string, verifyVersion = true): Promise<{ image: Uf2Image; tag: string | null; bytes: Uint8Array }> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const image = parseUf2(bytes, { file });
  const tag = micropythonTagOf(image.binaryInfo);
  if (tag === null && verifyVersion) {
    const said = image.binaryInfo?.programVersion;
    throw new UsageError(
      `${file}: ${said === null || said === undefined ? 'no program version string in its binary info' : `program version ${JSON.stringify(said)} names no MicroPython release`}, so the flash could not be proven; flash it anyway with --no-verify-version`,
    );
  }
  return { image, tag, bytes };
}

/** A RP2040 boot ROM ignores blocks of other families (RP2350 images); refuse before rebooting the board. */
function checkFamily(file: string, image: Uf2Image, machine: string): void {
  const family = image.programFamily;
  if (family === null) return;
  const mcu = /with (RP2040|RP2350)/.exec(machine)?.[1];
  const fits = mcu === 'RP2040' ? family.id === FAMILY.RP2040 : mcu === 'RP2350' ? family.id !== FAMILY.RP2040 : true;
  if (!fits) throw new UsageError(`${file} is a ${family.name} image but the board is ${machine}: its boot ROM would ignore it`);
}

/** Why the identity does not prove `programVersion` / `tag`; undefined when it does. */
export function versionProblem(programVersion: string | null, tag: string, identity: FirmwareIdentity): string | undefined {
  const running = /MicroPython (\S+) on /.exec(identity.version)?.[1];
  if (running === undefined) return 'sys.version names no MicroPython version';
  if (running !== tag && running !== programVersion?.trim()) return `it runs ${running}, the UF2 holds ${tag}`;
  const wanted = /^v(\d+)\.(\d+)(?:\.(\d+))?/.exec(tag);
  const have = /version=\((\d+), (\d+), (\d+)/.exec(identity.implementation);
  if (wanted !== null && have !== null) {
    const want = [wanted[1], wanted[2], wanted[3] ?? '0'].join('.');
    const got = [have[1], have[2], have[3]].join('.');
    if (want !== got) return `sys.implementation.version is ${got}, the UF2 holds ${tag}`;
  }
  return undefined;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortError('flash cancelled');
}

function isExpectedDrop(error: unknown): boolean {
  return isHarnessError(error) && (error.code === 'TRANSPORT_LOST' || error.code === 'TIMEOUT' || error.code === 'RAW_REPL_PROTOCOL');
}

/**
 * Flash a UF2 and prove it: read and check the file, note the running version, send
 * `machine.bootloader()`, wait for the BOOTSEL drive and copy the file there (or `picotool load -x`
 * when no drive turns up and picotool is installed), wait for the board to come back by USB serial
 * number and check that `sys.version` / `sys.implementation` name the UF2's version.
 * Throws `FirmwareMismatchError` when they do not, `FlashError` (with the step) when a step fails.
 */
export async function flashFirmware(options: FlashFirmwareOptions): Promise<FlashResult> {
  const started = performance.now();
  const timeouts = { ...DEFAULT_FLASH_TIMEOUTS, ...options.timeouts };
  const { board, signal } = options;
  const verify = options.verifyVersion ?? true;
  const progress = options.onProgress ?? (() => undefined);
  const steps: { step: FlashStep; durationMs: number }[] = [];
  let stepStarted = performance.now();
  const finish = (step: FlashStep): number => {
    const now = performance.now();
    const durationMs = now - stepStarted;
    steps.push({ step, durationMs });
    stepStarted = now;
    return durationMs;
  };

  const { image, tag, bytes } = await readFirmwareFile(options.uf2File, verify);
  const programVersion = image.binaryInfo?.programVersion ?? null;
  const uf2 = { file: options.uf2File, programVersion, tag, family: image.programFamily?.name ?? (image.families[0] === undefined ? null : familyName(image.families[0].id)), blocks: image.blocks };
  progress({ step: 'read-uf2', ...uf2 });
  finish('read-uf2');

  const before = await queryIdentity(board, 'query-before', timeouts.queryMs, signal);
  checkFamily(options.uf2File, image, before.machine);
  progress({ step: 'query-before', version: before.version, implementation: before.implementation });
  finish('query-before');

  const locator = await chooseLocator(options);
  const simLogStart = board.sim?.bootselLog.length ?? 0;
  throwIfAborted(signal);
  try {
    const result = await board.exec(BOOTLOADER, { timeoutMs: timeouts.bootloaderMs, signal });
    if (result.exception !== undefined) throw new FlashError('bootloader', `machine.bootloader() raised ${result.exception.type}: ${result.exception.message.trim()}`);
    throw new FlashError('bootloader', `machine.bootloader() returned and the board stayed on ${board.port}; it did not enter BOOTSEL`);
  } catch (error) {
    throwIfAborted(signal);
    if (!isExpectedDrop(error)) throw error;
  }
  progress({ step: 'bootloader', durationMs: finish('bootloader') });

  const via = await deliver(options, locator, bytes, timeouts, progress, finish);

  try {
    await board.reconnect({ timeoutMs: timeouts.rebootMs, signal });
  } catch (error) {
    throwIfAborted(signal);
    throw new FlashError('reconnect', `${await whyNoReturn(board, locator, timeouts.rebootMs, simLogStart)}: ${(error as Error).message}`, { cause: error });
  }
  progress({ step: 'reconnect', port: board.port, durationMs: finish('reconnect') });

  const after = await queryIdentity(board, 'query-after', timeouts.queryMs, signal);
  progress({ step: 'query-after', version: after.version, implementation: after.implementation });
  finish('query-after');
  if (verify && tag !== null) {
    const problem = versionProblem(programVersion, tag, after);
    if (problem !== undefined) throw new FirmwareMismatchError({ file: options.uf2File, expected: tag, version: after.version, implementation: after.implementation, problem });
  }
  return {
    uf2,
    before: { version: before.version, implementation: before.implementation },
    after: { version: after.version, implementation: after.implementation },
    verified: verify && tag !== null,
    via,
    port: board.port,
    steps,
    durationMs: performance.now() - started,
  };
}

/** Get the UF2 onto the board in BOOTSEL: copy it to the drive, or `picotool load -x` when no drive turns up. */
async function deliver(
  options: FlashFirmwareOptions,
  locator: BootselLocator,
  bytes: Uint8Array,
  timeouts: FlashTimeouts,
  progress: (event: FlashProgress) => void,
  finish: (step: FlashStep) => number,
): Promise<FlashResult['via']> {
  const { signal } = options;
  let drive: BootselDrive;
  try {
    drive = await waitForBootselDrive(locator, { timeoutMs: timeouts.driveMs, signal });
  } catch (error) {
    if (!(error instanceof FlashError) || options.picotool === false || options.board.sim !== undefined) throw error;
    const picotool = options.picotool ?? (await findOnPath('picotool', options.env ?? process.env));
    if (picotool === undefined) throw new FlashError('find-drive', `${error.message}; picotool is not on PATH either (${PICOTOOL_HINT})`, { cause: error });
    finish('find-drive');
    await picotoolLoad(picotool, options.uf2File, { timeoutMs: timeouts.copyMs, signal });
    progress({ step: 'picotool', picotool, reason: 'no BOOTSEL drive was found mounted', durationMs: finish('picotool') });
    return { kind: 'picotool', picotool };
  }
  progress({ step: 'find-drive', drive, durationMs: finish('find-drive') });
  throwIfAborted(signal);
  const copied = await copyToDrive(bytes, drive.mountPoint, basename(options.uf2File), { timeoutMs: timeouts.copyMs });
  progress({ step: 'copy', target: copied.target, bytes: bytes.length, vanishedAtEnd: copied.vanishedAtEnd, durationMs: finish('copy') });
  return { kind: 'drive', mountPoint: drive.mountPoint, foundBy: drive.foundBy, boardId: drive.info.boardId };
}

async function chooseLocator(options: FlashFirmwareOptions): Promise<BootselLocator> {
  if (options.locator !== undefined) return options.locator;
  const sim = options.board.sim;
  if (sim !== undefined) {
    if (options.mountPoint === undefined) return new SimBootselLocator(sim);
    sim.useBootselFolder(options.mountPoint);
    return new MountPointLocator(options.mountPoint);
  }
  return defaultBootselLocator({ mountPoint: options.mountPoint, ...(options.env === undefined ? {} : { env: options.env }) });
}

/** The first half of the message when the board does not come back: still in BOOTSEL means the ROM did not take the file. */
async function whyNoReturn(board: CampaignBoard, locator: BootselLocator, rebootMs: number, simLogStart: number): Promise<string> {
  const stillThere = await locator.locate().catch(() => undefined);
  const serial = board.serialNumber === undefined ? '' : ` (serial ${board.serialNumber})`;
  // What the simulated boot ROM said during this flash (a real drive says nothing).
  const log = board.sim?.bootselLog.slice(simLogStart).at(-1);
  if (stillThere !== undefined) {
    return `the board${serial} is still in BOOTSEL at ${stillThere.mountPoint} ${rebootMs} ms after the copy: its boot ROM did not take the UF2${log === undefined ? '' : ` (${log})`}`;
  }
  return `MicroPython's serial port${serial} did not come back within ${rebootMs} ms after the copy${log === undefined ? '' : ` (${log})`}`;
}
