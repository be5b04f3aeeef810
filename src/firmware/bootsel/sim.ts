import type { SimBoard } from '../../sim/board.js';
import { readBootselInfo } from './info-uf2.js';
import type { BootselDrive, BootselLocator } from './types.js';

/** A simulated board's drive: the host folder it exposes while in BOOTSEL (`SimBoard.bootselDrive`). */
export class SimBootselLocator implements BootselLocator {
  constructor(private readonly board: SimBoard) {}

  describe(): string {
    return `the simulated board's BOOTSEL folder${this.board.bootselDrive === undefined ? ' (not present: the board is not in BOOTSEL)' : ` ${this.board.bootselDrive}`}`;
  }

  async locate(): Promise<BootselDrive | undefined> {
    const mountPoint = this.board.bootselDrive;
    if (mountPoint === undefined) return undefined;
    const info = await readBootselInfo(mountPoint);
    return info === undefined ? undefined : { mountPoint, info, foundBy: 'simulator' };
  }
}
