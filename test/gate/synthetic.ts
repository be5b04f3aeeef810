/** Seeded synthetic nights for the gate's statistics tests: no board, no clock, same draws every run. */
import type { CountRow } from '../../src/gate/compare.js';

/** Successes in `n` Bernoulli(rate) draws. */
export function binomialDraw(random: () => number, n: number, rate: number): number {
  let ok = 0;
  for (let index = 0; index < n; index += 1) if (random() < rate) ok += 1;
  return ok;
}

/** One night: every cell attempted `iterations` times at its true rate, on one board. */
export function night(random: () => number, rates: readonly number[], iterations: number, board = '/dev/ttyACM0'): CountRow[] {
  return rates.map((rate, index) => ({ cell: `cell-${String(index).padStart(2, '0')}`, board, attempts: iterations, ok: binomialDraw(random, iterations, rate) }));
}

/** `nights` nights' rows together: a rolling:N baseline as the gate pools it. */
export function nights(random: () => number, count: number, rates: readonly number[], iterations: number): CountRow[] {
  return Array.from({ length: count }, () => night(random, rates, iterations)).flat();
}

/** P(X ≤ k) for X ~ Binomial(n, p), summed exactly enough for n in the hundreds. */
export function binomialCdf(k: number, n: number, p: number): number {
  let term = (1 - p) ** n;
  let sum = term;
  for (let i = 1; i <= k; i += 1) {
    term *= ((n - i + 1) / i) * (p / (1 - p));
    sum += term;
  }
  return Math.min(1, sum);
}

/** The smallest q with P(Binomial(n, p) > q) ≤ tail. */
export function binomialUpperBound(n: number, p: number, tail: number): number {
  let q = 0;
  while (1 - binomialCdf(q, n, p) > tail) q += 1;
  return q;
}
