import type { FirmwareProfile } from '../profiles.js';

/**
 * What a main-thread hardware model (radio, network stack, TLS, machine) may know about the board
 * it belongs to. Board time is scaled (`timeScale` board ms per host ms); every delay a model
 * applies is in board ms and every host timer it sets is board ms / timeScale.
 */
export interface BoardContext {
  readonly profile: FirmwareProfile;
  readonly serialNumber: string;
  readonly uniqueId: Uint8Array;
  readonly timeScale: number;
  /** ms since the last hard boot (ticks_ms before wrapping). */
  uptimeMs(): number;
  /** The RTC as epoch ms (UTC): what mbedTLS compares certificate dates with. */
  rtcMs(): number;
  /**
   * A deterministic random source for one named stream, drawn from (world seed, board serial
   * number, campaign attempt, stream): a resumed run replays identically.
   */
  random(stream: string): () => number;
  /** Wake the CPU: something a blocked call may be waiting for has happened. */
  wake(): void;
}
