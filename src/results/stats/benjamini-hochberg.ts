/** The Benjamini–Hochberg adjustment (what statsmodels' `multipletests(method='fdr_bh')` gives). */
import { ascendingOrder, checkPValues } from './p-values.js';

/**
 * Adjusted p-values (q-values) in the input order: the i-th smallest of m becomes min over j ≥ i
 * of m·p₍ⱼ₎ / j, capped at 1. Rejecting where adjusted ≤ α controls the false discovery rate at α
 * for independent or positively dependent tests. Tied p-values get the same adjusted value.
 */
export function benjaminiHochbergAdjust(pValues: readonly number[]): number[] {
  checkPValues('benjaminiHochbergAdjust', pValues);
  const m = pValues.length;
  const order = ascendingOrder(pValues);
  const adjusted = new Array<number>(m);
  let runningMin = 1;
  for (let rank = m - 1; rank >= 0; rank -= 1) {
    const index = order[rank] as number;
    runningMin = Math.min(runningMin, (m * (pValues[index] as number)) / (rank + 1));
    adjusted[index] = runningMin;
  }
  return adjusted;
}
