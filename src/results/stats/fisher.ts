/**
 * Fisher's exact test for a 2×2 table, two-sided, with scipy's and R's definition: the p-value is
 * the total probability (under the hypergeometric distribution of the top-left cell, margins
 * fixed) of every table no more probable than the observed one. P-values far below 1e-300 come
 * out as 0.
 */
import { checkCells, topLeftDistribution } from './hypergeometric.js';

/**
 * Tables whose probability is within this relative distance of the observed one count as "no more
 * probable": mathematically tied tables (a symmetric table's mirror image) must not be split by
 * rounding. R's fisher.test uses the same 1 + 1e-7.
 */
const TIE_TOLERANCE = 1 + 1e-7;

/** Two-sided p-value of the table [[a, b], [c, d]]; 1 when a row or a column is empty. */
export function fisherExactTwoSided(a: number, b: number, c: number, d: number): number {
  checkCells('fisherExactTwoSided', [a, b, c, d]);
  const distribution = topLeftDistribution(a, b, c, d);
  if (distribution === undefined) return 1;
  const { low, high, mode, logRelative } = distribution;
  const threshold = (logRelative[a - low] as number) + Math.log(TIE_TOLERANCE);
  // The distribution is unimodal: walking each tail towards the mode adds the terms smallest first.
  let all = 0;
  let asExtreme = 0;
  const add = (x: number): void => {
    const logTerm = logRelative[x - low] as number;
    const term = Math.exp(logTerm);
    all += term;
    if (logTerm <= threshold) asExtreme += term;
  };
  for (let x = low; x < mode; x += 1) add(x);
  for (let x = high; x > mode; x -= 1) add(x);
  add(mode);
  return Math.min(1, asExtreme / all);
}
