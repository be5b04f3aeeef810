import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError } from '../../errors.js';
import { FlashError } from '../flash-errors.js';
import { AutomountLocator, defaultAutomountRoots } from './automount.js';
import { MountPointLocator } from './mount-point.js';
import { MountTableLocator } from './mount-table.js';
import type { ToolRunner } from './run-tool.js';
import { BOOTSEL_LABELS, type BootselDrive, type BootselLocator } from './types.js';
import { UdisksLocator } from './udisks.js';
import { findOnPath } from './which.js';

/** Asks each locator in turn; the first drive found wins. */
export class ChainLocator implements BootselLocator {
  constructor(readonly locators: readonly BootselLocator[]) {}

  describe(): string {
    return this.locators.map((locator) => locator.describe()).join('; ');
  }

  async locate(signal?: AbortSignal): Promise<BootselDrive | undefined> {
    for (const locator of this.locators) {
      const drive = await locator.locate(signal);
      if (drive !== undefined) return drive;
    }
    return undefined;
  }
}

export interface DefaultLocatorOptions {
  /** A folder the user says the drive is mounted at: then nothing else is searched. */
  readonly mountPoint?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly mountsFile?: string;
  readonly byLabelDir?: string;
  readonly automountRoots?: readonly string[];
  /** Path of udisksctl, `false` to never mount; default: looked up on PATH. */
  readonly udisksctl?: string | false;
  readonly run?: ToolRunner;
}

/**
 * How a real board's drive is found: the given mount point; else the mount table (by volume label),
 * the desktop automount folders, and finally `udisksctl mount` when udisksctl is installed.
 */
export async function defaultBootselLocator(options: DefaultLocatorOptions = {}): Promise<BootselLocator> {
  if (options.mountPoint !== undefined) return new MountPointLocator(options.mountPoint);
  const env = options.env ?? process.env;
  const table = {
    ...(options.mountsFile === undefined ? {} : { mountsFile: options.mountsFile }),
    ...(options.byLabelDir === undefined ? {} : { byLabelDir: options.byLabelDir }),
  };
  const locators: BootselLocator[] = [new MountTableLocator(table), new AutomountLocator(options.automountRoots ?? defaultAutomountRoots(env))];
  const udisksctl = options.udisksctl === undefined ? await findOnPath('udisksctl', env) : options.udisksctl === false ? undefined : options.udisksctl;
  if (udisksctl !== undefined) locators.push(new UdisksLocator({ udisksctl, ...table, ...(options.run === undefined ? {} : { run: options.run }) }));
  return new ChainLocator(locators);
}

export interface WaitForDriveOptions {
  readonly timeoutMs: number;
  readonly pollIntervalMs?: number;
  readonly signal?: AbortSignal | undefined;
}

/** Poll `locator` until a drive turns up; after `timeoutMs` a `FlashError` naming where it looked. */
export async function waitForBootselDrive(locator: BootselLocator, options: WaitForDriveOptions): Promise<BootselDrive> {
  const started = performance.now();
  const interval = options.pollIntervalMs ?? 200;
  for (;;) {
    if (options.signal?.aborted === true) throw new AbortError('stopped waiting for the BOOTSEL drive');
    const drive = await locator.locate(options.signal);
    if (drive !== undefined) return drive;
    const remaining = started + options.timeoutMs - performance.now();
    if (remaining <= 0) {
      throw new FlashError('find-drive', `no BOOTSEL drive (${BOOTSEL_LABELS.join(' or ')} with INFO_UF2.TXT) appeared within ${Math.round(options.timeoutMs)} ms; looked at: ${locator.describe()}`, {
        context: { waitedMs: Math.round(performance.now() - started) },
      });
    }
    try {
      await sleep(Math.min(interval, remaining), undefined, { signal: options.signal });
    } catch {
      throw new AbortError('stopped waiting for the BOOTSEL drive');
    }
  }
}
