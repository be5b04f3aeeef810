import { ConfigError } from '../../errors.js';
import type { RtcTuple } from '../types.js';

/**
 * `machine.RTC().datetime()` tuples: (year, month, day, weekday, hours, minutes, seconds,
 * subseconds), weekday 0 = Monday as MicroPython's timeutils counts (facts §3). rp2 ignores the
 * weekday and subseconds when the clock is set; the RTC itself is read as UTC by mbedTLS.
 */

/** MicroPython's weekday (0 = Monday) of a calendar date. */
export function micropythonWeekday(year: number, month: number, day: number): number {
  return (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
}

/** The tuple for `epochMs` read as UTC. */
export function utcTuple(epochMs: number): RtcTuple {
  const date = new Date(epochMs);
  const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  return [year, month, day, micropythonWeekday(year, month, day), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), 0];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClockFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new ConfigError(`time zone "${timeZone}" is not an IANA zone name the host knows (e.g. Europe/Berlin, America/New_York)`);
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The wall-clock time in `timeZone` at `epochMs`, as a tuple: what Thonny and `mpremote rtc --set`
 * put on the board (facts §2, §8). The zone is explicit so the result never depends on the process.
 */
export function wallClockTuple(epochMs: number, timeZone: string): RtcTuple {
  const parts = new Map(wallClockFormatter(timeZone).formatToParts(new Date(epochMs)).map((part) => [part.type, part.value]));
  const field = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.get(type));
  const [year, month, day] = [field('year'), field('month'), field('day')];
  return [year, month, day, micropythonWeekday(year, month, day), field('hour'), field('minute'), field('second'), 0];
}

/** The host's own time zone (honours `TZ`). */
export function hostTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Milliseconds since 1970 of a tuple read as UTC (the way mbedTLS reads the board's clock). */
export function tupleEpochMs(tuple: RtcTuple): number {
  return Date.UTC(tuple[0], tuple[1] - 1, tuple[2], tuple[4], tuple[5], tuple[6]);
}

/** `2021-01-01 00:00:05` */
export function formatRtcTuple(tuple: RtcTuple): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${tuple[0]}-${two(tuple[1])}-${two(tuple[2])} ${two(tuple[4])}:${two(tuple[5])}:${two(tuple[6])}`;
}

/** A datetime tuple as the board printed it (JSON list of 8 integers), or undefined. */
export function asRtcTuple(value: unknown): RtcTuple | undefined {
  if (!Array.isArray(value) || value.length !== 8 || !value.every((n) => Number.isInteger(n))) return undefined;
  return value as unknown as RtcTuple;
}
