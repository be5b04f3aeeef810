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

export type OneSidedAlternative = 'less' | 'greater';

function checkCell(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`fisherExactOneSided: cell ${value} is not a non-negative integer`);
}

/**
 * Hypergeometric weights relative to the mode, in log space, built by the ratio of neighbouring
 * terms so nothing overflows: entry x − low is log(P(x) / P(mode)).
 */
function logWeights(row1: number, row2: number, column1: number, low: number, high: number): Float64Array {
  const total = row1 + row2;
  const mode = Math.min(high, Math.max(low, Math.floor(((column1 + 1) * (row1 + 1)) / (total + 2))));
  const weights = new Float64Array(high - low + 1);
  for (let x = mode; x < high; x += 1) {
    const ratio = ((row1 - x) * (column1 - x)) / ((x + 1) * (row2 - column1 + x + 1));
    weights[x + 1 - low] = (weights[x - low] as number) + Math.log(ratio);
  }
  for (let x = mode; x > low; x -= 1) {
    const ratio = (x * (row2 - column1 + x)) / ((row1 - x + 1) * (column1 - x + 1));
    weights[x - 1 - low] = (weights[x - low] as number) + Math.log(ratio);
  }
  return weights;
}

/** One-sided p-value of the table [[a, b], [c, d]]; 1 when a row or a column is empty. */
export function fisherExactOneSided(a: number, b: number, c: number, d: number, alternative: OneSidedAlternative): number {
  for (const cell of [a, b, c, d]) checkCell(cell);
  if (alternative !== 'less' && alternative !== 'greater') throw new RangeError(`fisherExactOneSided: alternative ${String(alternative)} is not 'less' or 'greater'`);
  const row1 = a + b;
  const row2 = c + d;
  const column1 = a + c;
  const total = row1 + row2;
  if (row1 === 0 || row2 === 0 || column1 === 0 || column1 === total) return 1;
  const low = Math.max(0, column1 - row2);
  const high = Math.min(row1, column1);
  const weights = logWeights(row1, row2, column1, low, high);
  // The tail and the rest are summed separately, so a tail far below 1e-16 keeps its precision.
  let tail = 0;
  let rest = 0;
  for (let x = low; x <= high; x += 1) {
    const term = Math.exp(weights[x - low] as number);
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
