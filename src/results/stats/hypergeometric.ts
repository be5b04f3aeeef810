/**
 * The distribution Fisher's exact tests stand on: with the margins of a 2×2 table [[a, b], [c, d]]
 * fixed, its top-left cell x is hypergeometric. The probabilities are built in log space by the
 * ratio of neighbouring terms, starting from the mode, so nothing overflows or cancels for tables
 * of any size.
 */

export interface TopLeftDistribution {
  /** x's range given the margins. */
  readonly low: number;
  readonly high: number;
  readonly mode: number;
  /** logRelative[x - low] = log(P(x) / P(mode)). */
  readonly logRelative: Float64Array;
}

/** Throws a RangeError, naming `test`, for a cell that is not a non-negative integer. */
export function checkCells(test: string, cells: readonly number[]): void {
  for (const value of cells) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${test}: cell ${value} is not a non-negative integer`);
  }
}

/** The distribution of x for the table's margins; undefined when a row or a column is empty (every p-value is then 1). */
export function topLeftDistribution(a: number, b: number, c: number, d: number): TopLeftDistribution | undefined {
  const row1 = a + b;
  const row2 = c + d;
  const column1 = a + c;
  const total = row1 + row2;
  if (row1 === 0 || row2 === 0 || column1 === 0 || column1 === total) return undefined;
  const low = Math.max(0, column1 - row2);
  const high = Math.min(row1, column1);
  const mode = Math.min(high, Math.max(low, Math.floor(((column1 + 1) * (row1 + 1)) / (total + 2))));
  // From P(x + 1) / P(x) = (row1 - x)(column1 - x) / ((x + 1)(row2 - column1 + x + 1)).
  const logRelative = new Float64Array(high - low + 1);
  for (let x = mode; x < high; x += 1) {
    const ratio = ((row1 - x) * (column1 - x)) / ((x + 1) * (row2 - column1 + x + 1));
    logRelative[x + 1 - low] = (logRelative[x - low] as number) + Math.log(ratio);
  }
  for (let x = mode; x > low; x -= 1) {
    const ratio = (x * (row2 - column1 + x)) / ((row1 - x + 1) * (column1 - x + 1));
    logRelative[x - 1 - low] = (logRelative[x - low] as number) + Math.log(ratio);
  }
  return { low, high, mode, logRelative };
}
