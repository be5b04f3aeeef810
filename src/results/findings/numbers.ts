/**
 * How findings print their numbers, in one place so the text and the structured fields always say
 * the same thing (a test recomputes both from the records): counts with a rate and its Wilson 95 %
 * interval, and p-values.
 */
import { wilsonInterval, type WilsonInterval } from '../stats/index.js';

/** 0.6 → `60.0%`; an exact 0 or 1 only when it is exact. */
export function percent(rate: number): string {
  const tenths = Math.round(rate * 1000);
  if (rate > 0 && tenths === 0) return '<0.1%';
  if (rate < 1 && tenths === 1000) return '>99.9%';
  return `${(tenths / 10).toFixed(1)}%`;
}

export function interval(successes: number, n: number): WilsonInterval | null {
  return wilsonInterval(successes, n);
}

/** `6 of 10 (60.0%, 95% CI 31.3–83.2%)`; `none of 0` when nothing was tried. */
export function countWithRate(successes: number, n: number): string {
  const ci = interval(successes, n);
  if (ci === null) return `${successes} of ${n}`;
  return `${successes} of ${n} (${percent(ci.rate)}, 95% CI ${percent(ci.low).replace('%', '')}–${percent(ci.high)})`;
}

/** Two significant digits; scientific below 0.001. */
export function formatP(p: number): string {
  if (p >= 0.001) return Number(p.toPrecision(2)).toString();
  return p.toExponential(1);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** `a`, `a and b`, `a, b and c`. */
export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

export function bytes(value: number): string {
  return `${value.toLocaleString('en-US')} bytes`;
}
