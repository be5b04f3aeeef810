import type { BoardContext } from '../../../src/sim/hw/context.js';
import { findProfile, type FirmwareProfile } from '../../../src/sim/profiles.js';
import { randomStream } from '../../../src/sim/random.js';

export const SERIAL = 'e6614c311b7e6a35';

/** A BoardContext with a clock the test moves, drawing randomness like SimBoard does (a fresh stream per call). */
export class FakeBoard implements BoardContext {
  readonly profile: FirmwareProfile;
  readonly serialNumber = SERIAL;
  readonly uniqueId = Uint8Array.from(Buffer.from(SERIAL, 'hex'));
  readonly timeScale = 1;
  nowMs = 0;
  private readonly draws = new Map<string, number>();

  constructor(
    readonly attempt = 0,
    profile = 'v1.24.1',
    readonly seed = 1,
  ) {
    this.profile = findProfile(profile);
  }

  uptimeMs(): number {
    return this.nowMs;
  }

  rtcMs(): number {
    return Date.UTC(2021, 0, 1) + this.nowMs;
  }

  random(stream: string): () => number {
    const draw = this.draws.get(stream) ?? 0;
    this.draws.set(stream, draw + 1);
    return randomStream(this.seed, this.serialNumber, this.attempt, `${stream}#${draw}`);
  }

  wake(): void {}

  advance(ms: number): void {
    this.nowMs += ms;
  }
}
