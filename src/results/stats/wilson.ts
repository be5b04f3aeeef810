/** The Wilson score interval for a binomial proportion (what statsmodels' `proportion_confint(method='wilson')` gives). */
import { normalQuantile } from './normal.js';

export interface WilsonInterval {
  /** successes / n */
  readonly rate: number;
  readonly low: number;
  readonly high: number;
}

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`wilsonInterval: ${name} ${value} is not a non-negative integer`);
}

/**
 * The two-sided Wilson score interval of `successes` in `n` trials at `confidence` (0.95 → z =
 * 1.959963984540054). Unlike the normal approximation it stays inside [0, 1] and is not empty at
 * 0 or n successes; those ends are exactly 0 and 1. Null when there were no trials.
 */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): WilsonInterval | null {
  checkCount('successes', successes);
  checkCount('n', n);
  if (successes > n) throw new RangeError(`wilsonInterval: successes ${successes} exceed n ${n}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`wilsonInterval: confidence ${confidence} is not in (0, 1)`);
  if (n === 0) return null;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const z2 = z * z;
  const rate = successes / n;
  const denominator = 1 + z2 / n;
  const centre = (rate + z2 / (2 * n)) / denominator;
  const halfWidth = (z * Math.sqrt((rate * (1 - rate)) / n + z2 / (4 * n * n))) / denominator;
  return {
    rate,
    low: successes === 0 ? 0 : Math.max(0, centre - halfWidth),
    high: successes === n ? 1 : Math.min(1, centre + halfWidth),
  };
}
