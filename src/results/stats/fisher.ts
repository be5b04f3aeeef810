/**
 * Fisher's exact test for a 2×2 table, two-sided, with scipy's and R's definition: the p-value is
 * the total probability (under the hypergeometric distribution of the top-left cell, margins
 * fixed) of every table no more probable than the observed one.
 *
 * The probabilities are built in log space by the ratio of neighbouring hypergeometric terms,
 * starting from the mode, so nothing overflows or cancels for tables of any size; p-values far
 * below 1e-300 come out as 0.
 */

/**
 * Tables whose probability is within this relative distance of the observed one count as "no more
 * probable": mathematically tied tables (a symmetric table's mirror image) must not be split by
 * rounding. R's fisher.test uses the same 1 + 1e-7.
 */
const TIE_TOLERANCE = 1 + 1e-7;

function checkCell(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`fisherExactTwoSided: cell ${value} is not a non-negative integer`);
}

/** Two-sided p-value of the table [[a, b], [c, d]]; 1 when a row or a column is empty. */
export function fisherExactTwoSided(a: number, b: number, c: number, d: number): number {
  for (const cell of [a, b, c, d]) checkCell(cell);
  const row1 = a + b;
  const row2 = c + d;
  const column1 = a + c;
  const total = row1 + row2;
  if (row1 === 0 || row2 === 0 || column1 === 0 || column1 === total) return 1;
  // x = the top-left cell; its range given the margins.
  const low = Math.max(0, column1 - row2);
  const high = Math.min(row1, column1);
  const mode = Math.min(high, Math.max(low, Math.floor(((column1 + 1) * (row1 + 1)) / (total + 2))));
  // logRelative[x - low] = log(P(x) / P(mode)), from P(x + 1) / P(x) = (row1 - x)(column1 - x) / ((x + 1)(row2 - column1 + x + 1)).
  const logRelative = new Float64Array(high - low + 1);
  for (let x = mode; x < high; x += 1) {
    const ratio = ((row1 - x) * (column1 - x)) / ((x + 1) * (row2 - column1 + x + 1));
    logRelative[x + 1 - low] = (logRelative[x - low] as number) + Math.log(ratio);
  }
  for (let x = mode; x > low; x -= 1) {
    const ratio = (x * (row2 - column1 + x)) / ((row1 - x + 1) * (column1 - x + 1));
    logRelative[x - 1 - low] = (logRelative[x - low] as number) + Math.log(ratio);
  }
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
