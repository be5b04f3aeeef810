/** Holm's step-down adjustment (what statsmodels' `multipletests(method='holm')` gives). */
import { ascendingOrder, checkPValues } from './p-values.js';

/**
 * Adjusted p-values in the input order: the i-th smallest of m becomes max over j ≤ i of
 * (m − j + 1)·p₍ⱼ₎, capped at 1. Rejecting where adjusted ≤ α controls the family-wise error rate
 * at α for any dependence between the tests. Tied p-values get the same adjusted value.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  checkPValues('holmAdjust', pValues);
  const m = pValues.length;
  const adjusted = new Array<number>(m);
  let runningMax = 0;
  ascendingOrder(pValues).forEach((index, rank) => {
    runningMax = Math.max(runningMax, Math.min(1, (m - rank) * (pValues[index] as number)));
    adjusted[index] = runningMax;
  });
  return adjusted;
}
