import { readBootselInfo } from './info-uf2.js';
import type { BootselDrive, BootselLocator } from './types.js';

/** The drive at a folder the user named (`--mount-point`): ready once its INFO_UF2.TXT names a Raspberry Pi boot ROM. */
export class MountPointLocator implements BootselLocator {
  constructor(private readonly mountPoint: string, private readonly foundBy = '--mount-point') {}

  describe(): string {
    return `${this.mountPoint} (${this.foundBy})`;
  }

  async locate(): Promise<BootselDrive | undefined> {
    const info = await readBootselInfo(this.mountPoint);
    return info === undefined ? undefined : { mountPoint: this.mountPoint, info, foundBy: this.foundBy };
  }
}
