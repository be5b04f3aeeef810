/**
 * The statistics reproduce committed values from scipy, statsmodels and numpy to 1e-6 — absolute,
 * and relative too, so tiny p-values are checked as well as large ones. Regenerate the values
 * with `/usr/bin/python3 test/results/stats/make-reference.py > test/results/stats/reference.json`.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import {
  benjaminiHochbergAdjust,
  fisherExactTwoSided,
  holmAdjust,
  normalQuantile,
  percentile,
  wilsonInterval,
} from '../../../src/results/stats/index.js';

interface Reference {
  readonly packages: Readonly<Record<string, string>>;
  readonly normalQuantile: readonly { p: number; z: number }[];
  readonly wilson: readonly { successes: number; n: number; confidence: number; low: number; high: number }[];
  readonly fisher: readonly { table: [number, number, number, number]; pValue: number; exact?: number }[];
  readonly adjust: readonly { pValues: number[]; holm: number[]; bh: number[] }[];
  readonly percentile: readonly { values: number[]; p: number[]; percentile: number[] }[];
}

const reference = JSON.parse(readFileSync(new URL('./reference.json', import.meta.url), 'utf8')) as Reference;
const TOLERANCE = 1e-6;

function expectClose(actual: number | null | undefined, expected: number, what: string): void {
  expect(actual, what).to.be.a('number');
  const difference = Math.abs((actual as number) - expected);
  expect(difference, `${what}: ${actual} vs ${expected}`).to.be.at.most(TOLERANCE);
  expect(difference, `${what}: ${actual} vs ${expected} (relative)`).to.be.at.most(TOLERANCE * Math.abs(expected));
}

describe('statistics against scipy/statsmodels/numpy reference values', () => {
  it(`has a good spread of reference cases (scipy ${reference.packages['scipy']}, statsmodels ${reference.packages['statsmodels']}, numpy ${reference.packages['numpy']})`, () => {
    expect(reference.normalQuantile.length).to.be.at.least(20);
    expect(reference.wilson.length).to.be.at.least(50);
    expect(reference.fisher.length).to.be.at.least(100);
    expect(reference.adjust.length).to.be.at.least(20);
    expect(reference.percentile.length).to.be.at.least(20);
  });

  it('gives the normal quantile scipy.stats.norm.ppf gives', () => {
    for (const { p, z } of reference.normalQuantile) expectClose(normalQuantile(p), z, `normalQuantile(${p})`);
  });

  it('gives the Wilson interval statsmodels proportion_confint(method="wilson") gives', () => {
    for (const { successes, n, confidence, low, high } of reference.wilson) {
      const interval = wilsonInterval(successes, n, confidence);
      const what = `wilsonInterval(${successes}, ${n}, ${confidence})`;
      expect(interval, what).not.to.equal(null);
      expect(interval?.rate, what).to.equal(successes / n);
      // At 0 or n successes one end is 0 or 1 exactly; statsmodels leaves a rounding residue there.
      if (successes === 0) expect(interval?.low).to.equal(0);
      else expectClose(interval?.low, low, `${what}.low`);
      if (successes === n) expect(interval?.high).to.equal(1);
      else expectClose(interval?.high, high, `${what}.high`);
      expect(Math.abs((interval?.low ?? NaN) - low), `${what}.low`).to.be.at.most(TOLERANCE);
      expect(Math.abs((interval?.high ?? NaN) - high), `${what}.high`).to.be.at.most(TOLERANCE);
    }
  });

  it('gives the two-sided p-value scipy.stats.fisher_exact gives, for tables from empty to thousands', () => {
    for (const { table, pValue, exact } of reference.fisher) {
      const what = `fisherExactTwoSided(${table.join(', ')})`;
      const actual = fisherExactTwoSided(...table);
      expectClose(actual, pValue, what);
      if (exact !== undefined) expectClose(actual, exact, `${what} (exact rational)`);
    }
  });

  it('adjusts p-values as statsmodels multipletests does with "holm" and "fdr_bh", ties included', () => {
    for (const { pValues, holm, bh } of reference.adjust) {
      const holmActual = holmAdjust(pValues);
      const bhActual = benjaminiHochbergAdjust(pValues);
      expect(holmActual).to.have.length(pValues.length);
      expect(bhActual).to.have.length(pValues.length);
      holm.forEach((expected, index) => expectClose(holmActual[index], expected, `holm [${pValues.join(', ')}][${index}]`));
      bh.forEach((expected, index) => expectClose(bhActual[index], expected, `bh [${pValues.join(', ')}][${index}]`));
    }
  });

  it('gives the percentile numpy.percentile (linear) gives', () => {
    for (const { values, p, percentile: expected } of reference.percentile) {
      const sorted = [...values].sort((x, y) => x - y);
      p.forEach((q, index) => expectClose(percentile(sorted, q), expected[index] as number, `percentile(n=${values.length}, ${q})`));
    }
  });
});
