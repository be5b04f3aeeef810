import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimError } from '../errors.js';

/** What an RP2040 boot ROM (B2) shows on its RPI-RP2 drive. */
export const RP2040_INFO_UF2 = 'UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n';
export const RP2040_INDEX_HTM =
  "<html><head><meta http-equiv=\"refresh\" content=\"0;URL='https://raspberrypi.com/device/RP2?version=E0C9125B0D9B'\"/></head><body>Redirecting to <a href='https://raspberrypi.com/device/RP2?version=E0C9125B0D9B'>raspberrypi.com</a></body></html>";
export const RP2040_DRIVE_LABEL = 'RPI-RP2';
const BOOTROM_FILES = new Set(['INFO_UF2.TXT', 'INDEX.HTM']);

const BLOCK = 512;
const MAGIC0 = 0x0a324655;
const MAGIC1 = 0x9e5d5157;
const MAGIC_END = 0x0ab16f30;
const FLAG_NOT_MAIN_FLASH = 0x1;
const FLAG_FAMILY_ID = 0x2000;
export const RP2040_FAMILY_ID = 0xe48bff56;

/** How far the boot ROM got with the blocks of one file. */
export interface BlockTally {
  /** Distinct block numbers of blocks the ROM takes (RP2040 family, or no family; main flash). */
  readonly accepted: number;
  /** numBlocks of the first accepted block: the ROM reboots once it has them all. */
  readonly expected: number | undefined;
  /** Families of the blocks it ignored. */
  readonly ignoredFamilies: readonly number[];
  readonly complete: boolean;
}

/**
 * The RP2040 boot ROM's view of written blocks: it writes every valid block of its family into
 * flash and reboots when it holds all `numBlocks` of them. Other families are ignored (a RP2350
 * image on a RP2040 does nothing); a partial trailing block is not a block yet.
 */
export function tallyBlocks(bytes: Uint8Array): BlockTally {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seen = new Set<number>();
  const ignored = new Set<number>();
  let expected: number | undefined;
  for (let offset = 0; offset + BLOCK <= bytes.length; offset += BLOCK) {
    if (view.getUint32(offset, true) !== MAGIC0 || view.getUint32(offset + 4, true) !== MAGIC1 || view.getUint32(offset + BLOCK - 4, true) !== MAGIC_END) continue;
    const flags = view.getUint32(offset + 8, true);
    if ((flags & FLAG_NOT_MAIN_FLASH) !== 0) continue;
    const family = view.getUint32(offset + 28, true);
    if ((flags & FLAG_FAMILY_ID) !== 0 && family !== RP2040_FAMILY_ID) {
      ignored.add(family);
      continue;
    }
    const blockNo = view.getUint32(offset + 20, true);
    const numBlocks = view.getUint32(offset + 24, true);
    expected ??= numBlocks;
    if (numBlocks === expected && blockNo < numBlocks) seen.add(blockNo);
  }
  return { accepted: seen.size, expected, ignoredFamilies: [...ignored], complete: expected !== undefined && expected > 0 && seen.size === expected };
}

export interface SimBootselDriveOptions {
  /**
   * The folder that is the drive while the board is in BOOTSEL (it must be empty or absent). Default:
   * `<new temp dir>/RPI-RP2`, as a desktop automounter would name it under /media/$USER.
   */
  readonly folder?: string | undefined;
  /** Host ms between looks at the folder for written files. */
  readonly pollIntervalMs?: number;
  /** A file holds every block the ROM expects: the board takes it (and reboots) or logs why not. */
  readonly onComplete: (file: string, bytes: Uint8Array) => void;
  readonly onLog: (message: string) => void;
}

/**
 * The RPI-RP2 mass-storage drive of a simulated board in BOOTSEL: a real host folder holding
 * INFO_UF2.TXT and INDEX.HTM. Files written there are watched (polled) until one carries every
 * block of a UF2; a file the ROM cannot use is logged once and left alone.
 */
export class SimBootselDrive {
  private givenFolder: string | undefined;
  private tempRoot: string | undefined;
  private mounted: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scanning = false;
  private generation = 0;
  /** file → size:mtime already judged, so one file is reported once. */
  private readonly judged = new Map<string, string>();
  /** file → size:mtime at the previous look, to tell a file being written from one that stopped short. */
  private readonly lastSeen = new Map<string, string>();

  constructor(private readonly options: SimBootselDriveOptions) {
    this.givenFolder = options.folder;
  }

  /** Use this folder (empty or absent) as the drive from the next mount on; undefined: a temp folder. */
  setFolder(folder: string | undefined): void {
    this.givenFolder = folder;
  }

  /** The folder while mounted. */
  get path(): string | undefined {
    return this.mounted;
  }

  /** Create the drive's folder and files and start watching for written UF2 blocks. */
  mount(): string {
    if (this.mounted !== undefined) return this.mounted;
    let folder: string;
    if (this.givenFolder !== undefined) {
      folder = this.givenFolder;
      mkdirSync(folder, { recursive: true });
      const present = readdirSync(folder);
      if (present.length > 0) throw new SimError(`BOOTSEL folder ${folder} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}); the simulated drive needs an empty folder`);
    } else {
      this.tempRoot ??= mkdtempSync(join(tmpdir(), 'picow-sim-media-'));
      folder = join(this.tempRoot, RP2040_DRIVE_LABEL);
      mkdirSync(folder, { recursive: true });
    }
    writeFileSync(join(folder, 'INFO_UF2.TXT'), RP2040_INFO_UF2);
    writeFileSync(join(folder, 'INDEX.HTM'), RP2040_INDEX_HTM);
    this.mounted = folder;
    this.generation += 1;
    this.judged.clear();
    this.lastSeen.clear();
    const generation = this.generation;
    this.timer = setInterval(() => void this.scan(generation), this.options.pollIntervalMs ?? 25);
    this.timer.unref();
    return folder;
  }

  /** The drive goes away (reboot, reset, power off): its folder's contents are gone, like an unmounted volume. */
  unmount(): void {
    this.generation += 1;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    const folder = this.mounted;
    this.mounted = undefined;
    if (folder === undefined) return;
    if (this.givenFolder !== undefined) {
      for (const name of safeList(folder)) rmSync(join(folder, name), { recursive: true, force: true });
    } else {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  /** Unmount and remove the temp folder the drive lived in. */
  dispose(): void {
    this.unmount();
    if (this.tempRoot !== undefined) rmSync(this.tempRoot, { recursive: true, force: true });
    this.tempRoot = undefined;
  }

  private async scan(generation: number): Promise<void> {
    if (this.scanning) return;
    this.scanning = true;
    try {
      const folder = this.mounted;
      if (folder === undefined) return;
      for (const name of await readdir(folder).catch(() => [] as string[])) {
        if (generation !== this.generation) return;
        if (BOOTROM_FILES.has(name.toUpperCase())) continue;
        const file = join(folder, name);
        const info = await stat(file).catch(() => undefined);
        if (info === undefined || !info.isFile() || info.size < BLOCK) continue;
        const key = `${info.size}:${info.mtimeMs}`;
        if (this.judged.get(name) === key) continue;
        const bytes = new Uint8Array(await readFile(file).catch(() => Buffer.alloc(0)));
        if (generation !== this.generation) return;
        const tally = tallyBlocks(bytes);
        if (tally.complete) {
          this.judged.set(name, key);
          this.options.onComplete(name, bytes);
          continue;
        }
        // Still being written, or truncated: the ROM waits for the remaining blocks. Say so once the file stops growing.
        const stalled = this.lastSeen.get(name) === key;
        this.lastSeen.set(name, key);
        if (!stalled) continue;
        this.judged.set(name, key);
        if (tally.expected === undefined) {
          const families = tally.ignoredFamilies.map((id) => `0x${id.toString(16)}`).join(', ');
          this.options.onLog(`${name}: no RP2040 UF2 blocks${families === '' ? '' : ` (only family ${families})`}; ignored`);
        } else {
          this.options.onLog(`${name}: ${tally.accepted} of ${tally.expected} blocks; waiting for the rest (the boot ROM reboots after the last block)`);
        }
      }
    } finally {
      this.scanning = false;
    }
  }
}

function safeList(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}
