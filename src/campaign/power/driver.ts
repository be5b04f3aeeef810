import { setTimeout as delay } from 'node:timers/promises';
import { AbortError, UsageError } from '../../errors.js';

/** What a driver can report about the board's power. */
export type PowerState = 'on' | 'off' | 'unknown';

export type PowerDriverKind = 'uhubctl' | 'command' | 'manual' | 'sim';

/**
 * Switches one board's power. Every method either does what it says or throws a HarnessError
 * (`PowerError` for a switch that failed, `ToolMissingError`, `UsageError`, `AbortError`); none
 * prints. Whether the board really lost power is for the caller to verify (the port vanishing,
 * PWRON_RESET): a driver only vouches for the switch.
 */
export interface PowerDriver {
  readonly kind: PowerDriverKind;
  /** One line for logs and records, e.g. `uhubctl hub 1-1 port 2`. */
  describe(): string;
  on(signal?: AbortSignal): Promise<void>;
  /** Power stays off until `on()`; `on()` waits until the driver's minimum off time has passed. */
  off(signal?: AbortSignal): Promise<void>;
  /** Off, at least `offMs` (never less than the driver's minimum, 2 s), then on. */
  cycle(options?: CycleOptions): Promise<void>;
  get?(signal?: AbortSignal): Promise<PowerState>;
  /**
   * Preflight: proves the driver can act (tool present, hub and port found, terminal interactive…)
   * without switching anything, and returns one line of evidence. Throws a clear HarnessError otherwise.
   */
  check(signal?: AbortSignal): Promise<string>;
  /** The external tool's version for the run manifest (uhubctl), when the driver uses one. */
  version?(signal?: AbortSignal): Promise<string>;
}

export interface CycleOptions {
  readonly offMs?: number;
  readonly signal?: AbortSignal;
}

/** A Pico W needs its supply gone long enough for the RP2040 and CYW43 to reset from cold. */
export const MIN_OFF_MS = 2000;
export const DEFAULT_OFF_MS = 2000;

/** Rejects an off time below the minimum; returns the one to use. */
export function offTimeFor(requestedMs: number | undefined, defaultMs: number): number {
  const offMs = requestedMs ?? defaultMs;
  if (!Number.isFinite(offMs) || offMs < MIN_OFF_MS) {
    throw new UsageError(`power-cycle off time must be at least ${MIN_OFF_MS} ms, got ${offMs} ms`, { offMs });
  }
  return offMs;
}

/** Time as the driver sees it: host time for real rigs, board time for a simulated one. */
export interface PowerClock {
  now(): number;
  /** Resolves no earlier than `ms` after the call by this clock; rejects with AbortError on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * A clock running `timeScale` times faster than the host's (board ms per host ms, as the simulator's
 * world.timeScale): a 2 s off time takes 2000 / timeScale host ms. `timeScale` 1 is real time.
 */
export function scaledClock(timeScale: number): PowerClock {
  if (!(timeScale > 0)) throw new UsageError(`time scale must be positive, got ${timeScale}`);
  const now = (): number => performance.now() * timeScale;
  return {
    now,
    async sleep(ms, signal) {
      const until = now() + ms;
      // Host timers may fire a fraction of a millisecond early: wait again until the clock agrees.
      for (let left = ms; left > 0; left = until - now()) {
        if (signal?.aborted === true) throw new AbortError();
        try {
          await delay(Math.max(1, Math.ceil(left / timeScale)), undefined, signal === undefined ? undefined : { signal });
        } catch (error) {
          // timers/promises rejects with its own AbortError (name 'AbortError') when the signal fires.
          if ((error as Error).name === 'AbortError') throw new AbortError();
          throw error;
        }
      }
    },
  };
}

export const realClock: PowerClock = scaledClock(1);

/** Remembers when power went off so that `on()` never comes sooner than the minimum off time. */
export class OffTimeGuard {
  private offAt: number | undefined;

  constructor(
    private readonly minOffMs: number,
    private readonly clock: PowerClock,
  ) {}

  markOff(): void {
    this.offAt = this.clock.now();
  }

  /** Waits out the rest of the off time, if power went off through this driver. */
  async beforeOn(signal?: AbortSignal): Promise<void> {
    if (this.offAt !== undefined) {
      const left = this.offAt + this.minOffMs - this.clock.now();
      if (left > 0) await this.clock.sleep(left, signal);
    }
    this.offAt = undefined;
  }
}
