/**
 * The one-sided Fisher test the gate uses reproduces scipy.stats.fisher_exact(alternative='less'
 * / 'greater') to 1e-6 (absolute and relative), and the exact rational value where the generator
 * could compute it. Values: test/results/stats/reference.json, key fisherOneSided, written by
 * `/usr/bin/python3 test/results/stats/make-reference.py`.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fisherExactOneSided, fisherWorseThan } from '../../src/results/stats/index.js';

interface OneSidedCase {
  readonly table: [number, number, number, number];
  readonly less: number;
  readonly greater: number;
  readonly lessExact?: number;
  readonly greaterExact?: number;
}

const reference = JSON.parse(readFileSync(new URL('../results/stats/reference.json', import.meta.url), 'utf8')) as {
  readonly packages: Readonly<Record<string, string>>;
  readonly fisherOneSided: readonly OneSidedCase[];
};
const TOLERANCE = 1e-6;

function expectClose(actual: number, expected: number, what: string): void {
  const difference = Math.abs(actual - expected);
  expect(difference, `${what}: ${actual} vs ${expected}`).to.be.at.most(TOLERANCE);
  expect(difference, `${what}: ${actual} vs ${expected} (relative)`).to.be.at.most(TOLERANCE * Math.abs(expected));
}

describe('one-sided Fisher exact test', () => {
  it(`gives the p-values scipy ${reference.packages['scipy']} fisher_exact gives with alternative less and greater`, () => {
    expect(reference.fisherOneSided.length).to.be.at.least(100);
    for (const { table, less, greater, lessExact, greaterExact } of reference.fisherOneSided) {
      const what = `fisherExactOneSided(${table.join(', ')})`;
      expectClose(fisherExactOneSided(...table, 'less'), less, `${what} less`);
      expectClose(fisherExactOneSided(...table, 'greater'), greater, `${what} greater`);
      if (lessExact !== undefined) expectClose(fisherExactOneSided(...table, 'less'), lessExact, `${what} less (exact rational)`);
      if (greaterExact !== undefined) expectClose(fisherExactOneSided(...table, 'greater'), greaterExact, `${what} greater (exact rational)`);
    }
  });

  it('tests "run worse than baseline" as the less-tail of [[run ok, run not ok], [baseline ok, baseline not ok]]', () => {
    expect(fisherWorseThan({ ok: 21, attempts: 30 }, { ok: 200, attempts: 210 })).to.equal(fisherExactOneSided(21, 9, 200, 10, 'less'));
    expect(fisherWorseThan({ ok: 21, attempts: 30 }, { ok: 200, attempts: 210 })).to.be.below(1e-4);
    expect(fisherWorseThan({ ok: 30, attempts: 30 }, { ok: 150, attempts: 210 })).to.equal(1);
  });

  it('rejects counts that are not a table', () => {
    expect(() => fisherExactOneSided(-1, 0, 0, 0, 'less')).to.throw(RangeError, /-1/);
    expect(() => fisherExactOneSided(1.5, 0, 0, 0, 'less')).to.throw(RangeError, /1.5/);
    expect(() => fisherWorseThan({ ok: 5, attempts: 4 }, { ok: 0, attempts: 1 })).to.throw(RangeError, /run ok 5 exceeds attempts 4/);
  });
});
