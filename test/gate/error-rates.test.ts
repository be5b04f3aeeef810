/**
 * The gate's error rates on seeded synthetic nights, at the shape of examples/nightly.yaml (its
 * cell count and iterations) against rolling:7. Noise-only nights: every cell keeps its true rate
 * (drawn from 0.6–0.99), so any flagged cell is a false alarm. Effect nights: one cell falls from
 * 95 % to 70 %. Numbers are drawn with a fixed seed: the counts below are the same on every run.
 */
import { expect } from 'chai';
import { loadCampaignConfig } from '../../src/campaign/config/index.js';
import { planCampaign } from '../../src/campaign/matrix.js';
import { compareWithBaseline, DEFAULT_ALPHA } from '../../src/gate/index.js';
import { seededRandom } from '../support/seeded-random.js';
import { binomialUpperBound, night, nights } from './synthetic.js';

const NIGHTLY = new URL('../../examples/nightly.yaml', import.meta.url).pathname;
const ROLLING_NIGHTS = 7;
const NOISE_NIGHTS = 400;
const EFFECT_TRIALS = 200;

async function nightlyShape(): Promise<{ cells: number; iterations: number }> {
  const loaded = await loadCampaignConfig(NIGHTLY);
  const plan = planCampaign(loaded.config, { seed: 0 });
  return { cells: plan.cells.length, iterations: plan.iterations };
}

describe('gate error rates on seeded synthetic nights (nightly example shape, rolling:7)', function () {
  this.timeout(60_000);

  it(`raises a false alarm on at most α of ${NOISE_NIGHTS} noise-only nights (observed count within the binomial bound)`, async () => {
    const { cells, iterations } = await nightlyShape();
    expect(cells).to.be.at.least(10);
    const random = seededRandom(20261122);
    let alarms = 0;
    for (let index = 0; index < NOISE_NIGHTS; index += 1) {
      const rates = Array.from({ length: cells }, () => 0.6 + 0.39 * random());
      const baseline = nights(random, ROLLING_NIGHTS, rates, iterations);
      const tonight = night(random, rates, iterations);
      if (compareWithBaseline(tonight, baseline, { alpha: DEFAULT_ALPHA }).regressed > 0) alarms += 1;
    }
    // Holm + a conservative exact test: the family-wise rate is ≤ α. With NOISE_NIGHTS draws a true
    // rate of exactly α exceeds this count with probability ≤ 0.001, so the margin is sampling noise only.
    const bound = binomialUpperBound(NOISE_NIGHTS, DEFAULT_ALPHA, 0.001);
    expect(alarms, `false alarms on ${NOISE_NIGHTS} nights (bound ${bound})`).to.be.at.most(bound);
    expect(alarms / NOISE_NIGHTS).to.be.at.most(DEFAULT_ALPHA);
  });

  it(`detects one cell falling from 95 % to 70 % in at least 90 % of ${EFFECT_TRIALS} seeded nights, without flagging the others`, async () => {
    const { cells, iterations } = await nightlyShape();
    const random = seededRandom(7031);
    let detected = 0;
    let othersFlagged = 0;
    for (let index = 0; index < EFFECT_TRIALS; index += 1) {
      const rates = [0.95, ...Array.from({ length: cells - 1 }, () => 0.6 + 0.39 * random())];
      const baseline = nights(random, ROLLING_NIGHTS, rates, iterations);
      const tonight = night(random, [0.7, ...rates.slice(1)], iterations);
      const result = compareWithBaseline(tonight, baseline, { alpha: DEFAULT_ALPHA });
      if (result.cells[0]?.status === 'regressed') detected += 1;
      othersFlagged += result.cells.slice(1).filter((cell) => cell.status === 'regressed').length;
    }
    expect(detected / EFFECT_TRIALS, `detected ${detected} of ${EFFECT_TRIALS}`).to.be.at.least(0.9);
    expect(othersFlagged, 'unchanged cells flagged').to.be.at.most(binomialUpperBound(EFFECT_TRIALS, DEFAULT_ALPHA, 0.001));
  });
});
