import { readBootselInfo } from './info-uf2.js';
import { DEFAULT_BY_LABEL_DIR, DEFAULT_MOUNTS_FILE, labelledDevices, mountPointOf, readMounts } from './mount-table.js';
import { runTool, type ToolRunner } from './run-tool.js';
import type { BootselDrive, BootselLocator } from './types.js';

export interface UdisksOptions {
  /** Path of udisksctl (found on PATH by the caller). */
  readonly udisksctl: string;
  readonly mountsFile?: string;
  readonly byLabelDir?: string;
  readonly run?: ToolRunner;
  readonly timeoutMs?: number;
}

/** `Mounted /dev/sda1 at /media/user/RPI-RP2` (older udisks ends the line with a dot). */
export function parseUdisksMounted(stdout: string): string | undefined {
  const match = /Mounted \S+ at (.+?)\.?\s*$/m.exec(stdout);
  return match?.[1];
}

/**
 * A labelled drive nobody mounted (no desktop session): `udisksctl mount -b DEVICE`, once per
 * device appearance, then the mount point it reports.
 */
export class UdisksLocator implements BootselLocator {
  private readonly tried = new Map<string, string>();
  private readonly mountsFile: string;
  private readonly byLabelDir: string;
  private readonly run: ToolRunner;

  constructor(private readonly options: UdisksOptions) {
    this.mountsFile = options.mountsFile ?? DEFAULT_MOUNTS_FILE;
    this.byLabelDir = options.byLabelDir ?? DEFAULT_BY_LABEL_DIR;
    this.run = options.run ?? runTool;
  }

  describe(): string {
    const failures = [...this.tried.values()].filter((why) => why !== '');
    return `udisksctl mount -b <${this.byLabelDir}/RPI-RP2|RP2350>${failures.length === 0 ? '' : ` (${failures.join('; ')})`}`;
  }

  async locate(signal?: AbortSignal): Promise<BootselDrive | undefined> {
    const mounts = await readMounts(this.mountsFile);
    for (const { label, device } of await labelledDevices(this.byLabelDir)) {
      if ((await mountPointOf(device, mounts)) !== undefined || this.tried.has(device)) continue;
      this.tried.set(device, '');
      let mountPoint: string | undefined;
      try {
        const result = await this.run(this.options.udisksctl, ['mount', '-b', device, '--no-user-interaction'], { timeoutMs: this.options.timeoutMs ?? 15_000, signal });
        mountPoint = parseUdisksMounted(result.stdout);
        if (mountPoint === undefined) this.tried.set(device, `udisksctl mount -b ${device}: ${(result.stderr || result.stdout).trim().split('\n')[0] ?? `exit ${result.code}`}`);
      } catch (error) {
        this.tried.set(device, `udisksctl mount -b ${device}: ${(error as Error).message}`);
      }
      if (mountPoint === undefined) continue;
      const info = await readBootselInfo(mountPoint);
      if (info !== undefined) return { mountPoint, info, foundBy: `udisksctl mount -b ${device} (LABEL=${label})` };
    }
    return undefined;
  }
}
