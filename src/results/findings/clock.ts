/**
 * The board clock as the findings judge it: the rp2 boot epoch (facts §3: every power-on and
 * machine.reset() sets 2021-01-01T00:00:00Z, a soft reset keeps the clock) and what a cell's RTC
 * mode and reset did to it.
 */
import type { CellFacets } from '../../campaign/types.js';
import { parseRtcModeText } from '../../campaign/config/rtc-syntax.js';
import { RP2_BOOT_EPOCH_MS } from '../../sim/profiles.js';

export { RP2_BOOT_EPOCH_MS };

/**
 * An RTC this close after the boot epoch was never set: it is the epoch plus the board's uptime.
 * A week covers any campaign's uptime on one boot and is far from any real date since 2021.
 */
export const BOOT_EPOCH_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

export function nearBootEpoch(ms: number): boolean {
  return ms >= RP2_BOOT_EPOCH_MS && ms < RP2_BOOT_EPOCH_MS + BOOT_EPOCH_WINDOW_MS;
}

/** Resets after which main() runs again and sets the boot epoch (facts §3); a soft reset keeps the clock. */
const CLOCK_RESETTING: ReadonlySet<string> = new Set(['hard', 'power-cycle']);

/**
 * What the cell's configuration did to the clock before TLS: `cold-boot` (reset to the epoch and
 * left alone), `set` (host time or NTP; skew is host time plus an offset), `kept` (no clock reset,
 * clock untouched: whatever it was before), `unknown` (an RTC mode this build cannot read).
 */
export type ConfiguredClock = 'cold-boot' | 'set' | 'kept' | 'unknown';

export function configuredClock(facets: Pick<CellFacets, 'reset' | 'rtc'>): ConfiguredClock {
  const parsed = parseRtcModeText(facets.rtc);
  if (!parsed.ok) return 'unknown';
  switch (parsed.mode.kind) {
    case 'cold':
      return CLOCK_RESETTING.has(facets.reset) ? 'cold-boot' : 'kept';
    case 'host':
    case 'ntp':
    case 'skew':
      return 'set';
  }
}

export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
