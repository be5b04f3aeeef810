import { readFile, realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readBootselInfo } from './info-uf2.js';
import { BOOTSEL_LABELS, type BootselDrive, type BootselLocator } from './types.js';

export interface MountEntry {
  readonly device: string;
  readonly mountPoint: string;
  readonly fsType: string;
}

/** `/proc/self/mounts` escapes space, tab, newline and backslash as 3-digit octal. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** Parse a mounts table (`/proc/self/mounts`, `/proc/mounts`, `/etc/mtab` format). */
export function parseMounts(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3 || fields[0]?.startsWith('#') === true) continue;
    entries.push({ device: unescapeMountField(fields[0] ?? ''), mountPoint: unescapeMountField(fields[1] ?? ''), fsType: fields[2] ?? '' });
  }
  return entries;
}

export interface MountTableOptions {
  /** Default `/proc/self/mounts`. */
  readonly mountsFile?: string;
  /** Default `/dev/disk/by-label` (udev's links from a volume label to its block device). */
  readonly byLabelDir?: string;
}

export const DEFAULT_MOUNTS_FILE = '/proc/self/mounts';
export const DEFAULT_BY_LABEL_DIR = '/dev/disk/by-label';

async function canonical(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

/** The block devices udev labels RPI-RP2 / RP2350 now (by-label link → device node). */
export async function labelledDevices(byLabelDir: string): Promise<{ label: string; device: string }[]> {
  const out: { label: string; device: string }[] = [];
  for (const label of BOOTSEL_LABELS) {
    try {
      out.push({ label, device: await realpath(join(byLabelDir, label)) });
    } catch {
      // no drive with this label
    }
  }
  return out;
}

export async function readMounts(mountsFile: string): Promise<MountEntry[]> {
  try {
    return parseMounts(await readFile(mountsFile, 'utf8'));
  } catch {
    return [];
  }
}

/** Where `device` is mounted, by comparing canonical device paths. */
export async function mountPointOf(device: string, mounts: readonly MountEntry[]): Promise<string | undefined> {
  for (const entry of mounts) {
    if (entry.device === device || (entry.device.startsWith('/') && (await canonical(entry.device)) === device)) return entry.mountPoint;
  }
  return undefined;
}

/**
 * The drive through the mount table: the device udev labels RPI-RP2/RP2350 and the mount point the
 * table gives it; failing that, a FAT mount whose folder is named after a label (containers often
 * lack /dev/disk/by-label).
 */
export class MountTableLocator implements BootselLocator {
  private readonly mountsFile: string;
  private readonly byLabelDir: string;

  constructor(options: MountTableOptions = {}) {
    this.mountsFile = options.mountsFile ?? DEFAULT_MOUNTS_FILE;
    this.byLabelDir = options.byLabelDir ?? DEFAULT_BY_LABEL_DIR;
  }

  describe(): string {
    return `${this.mountsFile} with ${this.byLabelDir}/{${BOOTSEL_LABELS.join(',')}}`;
  }

  async locate(): Promise<BootselDrive | undefined> {
    const mounts = await readMounts(this.mountsFile);
    for (const { label, device } of await labelledDevices(this.byLabelDir)) {
      const mountPoint = await mountPointOf(device, mounts);
      if (mountPoint === undefined) continue;
      const info = await readBootselInfo(mountPoint);
      if (info !== undefined) return { mountPoint, info, foundBy: `${this.mountsFile} (LABEL=${label} ${device})` };
    }
    for (const entry of mounts) {
      if (!/^(vfat|msdos|fat)$/i.test(entry.fsType) || !(BOOTSEL_LABELS as readonly string[]).includes(basename(entry.mountPoint))) continue;
      const info = await readBootselInfo(entry.mountPoint);
      if (info !== undefined) return { mountPoint: entry.mountPoint, info, foundBy: `${this.mountsFile} (${entry.device} on ${entry.mountPoint})` };
    }
    return undefined;
  }
}
