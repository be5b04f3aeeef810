import { userInfo } from 'node:os';
import { join } from 'node:path';
import { readBootselInfo } from './info-uf2.js';
import { BOOTSEL_LABELS, type BootselDrive, type BootselLocator } from './types.js';

/** Where desktop automounters (udisks2 via GNOME/KDE, usbmount) put a volume, by its label. */
export function defaultAutomountRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  let user = env['USER'] ?? env['LOGNAME'];
  if (user === undefined) {
    try {
      user = userInfo().username;
    } catch {
      user = undefined;
    }
  }
  return [...(user === undefined ? [] : [`/media/${user}`, `/run/media/${user}`]), '/media'];
}

/** `<root>/RPI-RP2` or `<root>/RP2350` under the automount roots, checked by INFO_UF2.TXT. */
export class AutomountLocator implements BootselLocator {
  constructor(private readonly roots: readonly string[] = defaultAutomountRoots()) {}

  describe(): string {
    return this.roots.map((root) => `${root}/{${BOOTSEL_LABELS.join(',')}}`).join(', ');
  }

  async locate(): Promise<BootselDrive | undefined> {
    for (const root of this.roots) {
      for (const label of BOOTSEL_LABELS) {
        const mountPoint = join(root, label);
        const info = await readBootselInfo(mountPoint);
        if (info !== undefined) return { mountPoint, info, foundBy: `automount folder ${root}` };
      }
    }
    return undefined;
  }
}
