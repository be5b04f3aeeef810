import { expect } from 'chai';
import { randomStream } from '../../../src/sim/random.js';

function take(next: () => number, count: number): number[] {
  return Array.from({ length: count }, () => next());
}

describe('seeded random streams', () => {
  it('gives the same sequence for the same seed, serial number, attempt and stream', () => {
    expect(take(randomStream(7, 'e6614c311b7e6a35', 3, 'join#0'), 50)).to.deep.equal(take(randomStream(7, 'e6614c311b7e6a35', 3, 'join#0'), 50));
  });

  it('gives a different sequence when any one of the four inputs differs', () => {
    const base = take(randomStream(7, 'e6614c311b7e6a35', 3, 'join#0'), 8);
    for (const other of [
      randomStream(8, 'e6614c311b7e6a35', 3, 'join#0'),
      randomStream(7, 'e6614c311b7e6a36', 3, 'join#0'),
      randomStream(7, 'e6614c311b7e6a35', 4, 'join#0'),
      randomStream(7, 'e6614c311b7e6a35', 3, 'join#1'),
      randomStream(7, 'e6614c311b7e6a35', 3, 'scan#0'),
    ]) {
      expect(take(other, 8)).to.not.deep.equal(base);
    }
  });

  it('draws floats in [0, 1) that spread evenly', () => {
    const draws = take(randomStream(1, 'e6614c311b7e6a35', 0, 'join#0'), 20_000);
    expect(draws.every((value) => value >= 0 && value < 1)).to.equal(true);
    const buckets = new Array<number>(10).fill(0);
    for (const value of draws) buckets[Math.floor(value * 10)]! += 1;
    for (const count of buckets) expect(count).to.be.within(1800, 2200);
    const mean = draws.reduce((sum, value) => sum + value, 0) / draws.length;
    expect(mean).to.be.within(0.49, 0.51);
  });
});
