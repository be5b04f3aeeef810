import { expect } from 'chai';
import {
  benjaminiHochbergAdjust,
  compareGroups,
  fisherExactTwoSided,
  holmAdjust,
  normalQuantile,
  percentile,
  percentiles,
  wilsonInterval,
} from '../../../src/results/stats/index.js';

describe('wilsonInterval', () => {
  it('has no interval without trials', () => {
    expect(wilsonInterval(0, 0)).to.equal(null);
  });

  it('reaches exactly 0 at no successes and exactly 1 at all successes, and is never empty', () => {
    const none = wilsonInterval(0, 10);
    expect(none?.low).to.equal(0);
    expect(none?.high).to.be.greaterThan(0.2).and.lessThan(0.35);
    const all = wilsonInterval(10, 10);
    expect(all?.high).to.equal(1);
    expect(all?.low).to.be.greaterThan(0.65).and.lessThan(0.8);
  });

  it('contains the rate and narrows as n grows at the same rate', () => {
    const small = wilsonInterval(11, 20);
    const large = wilsonInterval(1100, 2000);
    expect(small?.rate).to.equal(0.55);
    expect(small?.low).to.be.lessThan(0.55);
    expect(small?.high).to.be.greaterThan(0.55);
    expect((large?.high ?? 1) - (large?.low ?? 0)).to.be.lessThan((small?.high ?? 1) - (small?.low ?? 0));
  });

  it('widens with the confidence', () => {
    const at95 = wilsonInterval(30, 60) as { low: number };
    const at99 = wilsonInterval(30, 60, 0.99) as { low: number };
    expect(at99.low).to.be.lessThan(at95.low);
  });

  it('rejects counts that are not counts, and a confidence outside (0, 1)', () => {
    expect(() => wilsonInterval(3, 2)).to.throw(RangeError, /exceed n/);
    expect(() => wilsonInterval(-1, 2)).to.throw(RangeError, /successes -1/);
    expect(() => wilsonInterval(1.5, 2)).to.throw(RangeError);
    expect(() => wilsonInterval(1, 2, 1)).to.throw(RangeError, /confidence/);
    expect(() => wilsonInterval(1, 2, Number.NaN)).to.throw(RangeError, /confidence/);
  });
});

describe('normalQuantile', () => {
  it('is symmetric, infinite at the ends and rejects non-probabilities', () => {
    expect(normalQuantile(0.5)).to.equal(0);
    expect(normalQuantile(0.1)).to.be.closeTo(-normalQuantile(0.9), 1e-15);
    expect(normalQuantile(1e-10)).to.be.closeTo(-normalQuantile(1 - 1e-10), 1e-5);
    expect(normalQuantile(0)).to.equal(-Infinity);
    expect(normalQuantile(1)).to.equal(Infinity);
    expect(() => normalQuantile(1.1)).to.throw(RangeError);
    expect(() => normalQuantile(Number.NaN)).to.throw(RangeError);
  });
});

describe('fisherExactTwoSided', () => {
  it('is 1 when a row or a column is empty (nothing to compare)', () => {
    expect(fisherExactTwoSided(0, 0, 0, 0)).to.equal(1);
    expect(fisherExactTwoSided(0, 0, 3, 4)).to.equal(1);
    expect(fisherExactTwoSided(5, 0, 7, 0)).to.equal(1);
  });

  it('is 1 for the most probable table and the same for a table and its mirror image', () => {
    expect(fisherExactTwoSided(5, 5, 5, 5)).to.equal(1);
    expect(fisherExactTwoSided(2, 8, 8, 2)).to.be.closeTo(fisherExactTwoSided(8, 2, 2, 8), 1e-15);
    // The mirror table ties with the observed one, so both tails count: twice one tail.
    const oneTail = 1 / 184756; // C(20,10): the single table (0, 10, 10, 0) given its margins
    expect(fisherExactTwoSided(0, 10, 10, 0)).to.be.closeTo(2 * oneTail, 1e-15);
  });

  it('is unchanged by swapping rows or columns', () => {
    const p = fisherExactTwoSided(17, 4, 3, 25);
    expect(fisherExactTwoSided(3, 25, 17, 4)).to.be.closeTo(p, 1e-15);
    expect(fisherExactTwoSided(4, 17, 25, 3)).to.be.closeTo(p, 1e-15);
  });

  it('gives a vanishing p-value for thousands of attempts with opposite outcomes', () => {
    expect(fisherExactTwoSided(3000, 0, 0, 3000)).to.equal(0);
    expect(fisherExactTwoSided(40, 0, 0, 40)).to.be.greaterThan(0).and.lessThan(1e-20);
  });

  it('rejects cells that are not counts', () => {
    expect(() => fisherExactTwoSided(1, -1, 0, 0)).to.throw(RangeError, /cell -1/);
    expect(() => fisherExactTwoSided(1, 0.5, 0, 0)).to.throw(RangeError);
  });
});

describe('compareGroups', () => {
  it('tests ok against not-ok between two groups with Fisher\'s exact test', () => {
    expect(compareGroups({ ok: 2, attempts: 20 }, { ok: 18, attempts: 20 }).pValue).to.equal(fisherExactTwoSided(2, 18, 18, 2));
    expect(compareGroups({ ok: 5, attempts: 10 }, { ok: 5, attempts: 10 }).pValue).to.equal(1);
    expect(() => compareGroups({ ok: 3, attempts: 2 }, { ok: 0, attempts: 1 })).to.throw(RangeError, /exceeds attempts/);
  });
});

describe('holmAdjust and benjaminiHochbergAdjust', () => {
  it('return nothing for no p-values and the p-value itself for one', () => {
    expect(holmAdjust([])).to.deep.equal([]);
    expect(benjaminiHochbergAdjust([])).to.deep.equal([]);
    expect(holmAdjust([0.03])).to.deep.equal([0.03]);
    expect(benjaminiHochbergAdjust([0.03])).to.deep.equal([0.03]);
  });

  it('keep the input order, cap at 1, and never adjust below the raw p-value', () => {
    const raw = [0.04, 0.001, 0.5, 0.02];
    const holm = holmAdjust(raw);
    const bh = benjaminiHochbergAdjust(raw);
    expect(holm).to.deep.equal([0.08, 0.004, 0.5, 0.06]);
    expect(holmAdjust([0.6, 0.5])).to.deep.equal([1, 1]);
    expect(benjaminiHochbergAdjust([1, 1])).to.deep.equal([1, 1]);
    expect(bh[1]).to.equal(0.004);
    raw.forEach((p, index) => {
      expect(bh[index]).to.be.at.least(p);
      expect(holm[index]).to.be.at.least(bh[index] as number);
    });
  });

  it('give tied p-values the same adjusted value', () => {
    const holm = holmAdjust([0.01, 0.01, 0.01]);
    expect(new Set(holm).size).to.equal(1);
    expect(holm[0]).to.be.closeTo(0.03, 1e-15);
    expect(benjaminiHochbergAdjust([0.02, 0.01, 0.02])).to.deep.equal([0.02, 0.03, 0.02].map(() => 0.02));
  });

  it('reject values that are not probabilities', () => {
    expect(() => holmAdjust([0.1, 1.2])).to.throw(RangeError, /index 1/);
    expect(() => benjaminiHochbergAdjust([Number.NaN])).to.throw(RangeError, /index 0/);
  });
});

describe('percentile and percentiles', () => {
  it('interpolate linearly between order statistics (numpy default / R type 7)', () => {
    expect(percentile([10, 20, 30, 40], 50)).to.equal(25);
    expect(percentile([10, 20, 30, 40], 90)).to.be.closeTo(37, 1e-12);
    expect(percentile([10, 20, 30, 40], 0)).to.equal(10);
    expect(percentile([10, 20, 30, 40], 100)).to.equal(40);
  });

  it('give the only value of a one-element array and null for none', () => {
    expect(percentile([7], 99)).to.equal(7);
    expect(percentile([], 50)).to.equal(null);
    expect(percentiles([])).to.equal(null);
    expect(percentiles([7])).to.deep.equal({ p50: 7, p90: 7, p99: 7 });
  });

  it('sort a copy of unsorted values numerically, leaving the input alone', () => {
    const values = [900, 100, 1000, 20];
    expect(percentiles(values)).to.deep.equal({ p50: 500, p90: 970, p99: 997 });
    expect(values).to.deep.equal([900, 100, 1000, 20]);
  });

  it('refuse unsorted input, non-finite values and p outside [0, 100]', () => {
    expect(() => percentile([2, 1], 50)).to.throw(RangeError, /not sorted/);
    expect(() => percentile([1, Number.NaN], 50)).to.throw(RangeError, /finite/);
    expect(() => percentile([1, 2], 101)).to.throw(RangeError, /p 101/);
  });
});
