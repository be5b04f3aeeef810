/** Percentiles by linear interpolation between order statistics (numpy's default, R's type 7). */

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/**
 * The `p`-th percentile (p in [0, 100]) of values already sorted ascending: the value at rank
 * h = (n − 1)·p/100, interpolating linearly between the two nearest values. Null for no values.
 * Throws a RangeError for a p outside [0, 100], a value that is not finite, or unsorted input.
 */
export function percentile(sortedAscending: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p ${p} is not in [0, 100]`);
  const n = sortedAscending.length;
  for (let index = 0; index < n; index += 1) {
    const value = sortedAscending[index] as number;
    if (!Number.isFinite(value)) throw new RangeError(`percentile: value ${value} at index ${index} is not a finite number`);
    if (index > 0 && value < (sortedAscending[index - 1] as number)) throw new RangeError(`percentile: values are not sorted ascending at index ${index}`);
  }
  if (n === 0) return null;
  const rank = ((n - 1) * p) / 100;
  const below = Math.floor(rank);
  const lower = sortedAscending[below] as number;
  if (below >= n - 1) return lower;
  const upper = sortedAscending[below + 1] as number;
  const fraction = rank - below;
  // Interpolating from the nearer end keeps the result exact at either end and monotone in p.
  return fraction < 0.5 ? lower + (upper - lower) * fraction : upper - (upper - lower) * (1 - fraction);
}

/** p50, p90 and p99 of `values` (any order; not modified); null for no values. */
export function percentiles(values: readonly number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  return {
    p50: percentile(sorted, 50) as number,
    p90: percentile(sorted, 90) as number,
    p99: percentile(sorted, 99) as number,
  };
}
