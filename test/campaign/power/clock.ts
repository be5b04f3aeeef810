import type { PowerClock } from '../../../src/campaign/power/driver.js';

/** A clock that only moves when something sleeps on it, and records every sleep. */
export function fakeClock(): PowerClock & { readonly sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    async sleep(ms) {
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** Wraps a clock, recording every sleep. */
export function recordingClock(inner: PowerClock): PowerClock & { readonly sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => inner.now(),
    async sleep(ms, signal) {
      sleeps.push(ms);
      await inner.sleep(ms, signal);
    },
  };
}
