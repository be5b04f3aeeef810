/** What the multiple-comparison adjustments share. */

/** Throws a RangeError naming the first value that is not a probability. */
export function checkPValues(caller: string, pValues: readonly number[]): void {
  pValues.forEach((p, index) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`${caller}: p-value ${p} at index ${index} is not in [0, 1]`);
  });
}

/** Indices of `pValues` from the smallest p-value to the largest (ties keep their order). */
export function ascendingOrder(pValues: readonly number[]): number[] {
  return Array.from(pValues.keys()).sort((i, j) => (pValues[i] as number) - (pValues[j] as number) || i - j);
}
