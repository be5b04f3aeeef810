/**
 * Fisher's exact test for a 2×2 table, one-sided, with scipy's definition
 * (`fisher_exact(table, alternative='less' | 'greater')`): with the margins fixed, the top-left
 * cell x follows a hypergeometric distribution, and the p-value is P(X ≤ a) ('less': the first
 * row's share of the first column is smaller than the second row's) or P(X ≥ a) ('greater').
 *
 * The gate uses 'less' on [[run ok, run not ok], [baseline ok, baseline not ok]]: the probability,
 * were both rates equal, of a run at least this much worse. The test is exact and conservative
 * (its false-positive rate is at most the level, often below it), whatever the counts.
 */

import { checkCells, topLeftDistribution } from './hypergeometric.js';

export type OneSidedAlternative = 'less' | 'greater';

/** One-sided p-value of the table [[a, b], [c, d]]; 1 when a row or a column is empty. */
export function fisherExactOneSided(a: number, b: number, c: number, d: number, alternative: OneSidedAlternative): number {
  checkCells('fisherExactOneSided', [a, b, c, d]);
  if (alternative !== 'less' && alternative !== 'greater') throw new RangeError(`fisherExactOneSided: alternative ${String(alternative)} is not 'less' or 'greater'`);
  const distribution = topLeftDistribution(a, b, c, d);
  if (distribution === undefined) return 1;
  const { low, high, logRelative } = distribution;
  // The tail and the rest are summed separately, so a tail far below 1e-16 keeps its precision.
  let tail = 0;
  let rest = 0;
  for (let x = low; x <= high; x += 1) {
    const term = Math.exp(logRelative[x - low] as number);
    if (alternative === 'less' ? x <= a : x >= a) tail += term;
    else rest += term;
  }
  return Math.min(1, tail / (tail + rest));
}

/** The gate's test: is `run` (ok of attempts) worse than `baseline`? One-sided Fisher, 'less'. */
export function fisherWorseThan(run: { ok: number; attempts: number }, baseline: { ok: number; attempts: number }): number {
  for (const [name, group] of [['run', run], ['baseline', baseline]] as const) {
    if (!(group.ok <= group.attempts)) throw new RangeError(`fisherWorseThan: ${name} ok ${group.ok} exceeds attempts ${group.attempts}`);
  }
  return fisherExactOneSided(run.ok, run.attempts - run.ok, baseline.ok, baseline.attempts - baseline.ok, 'less');
}
