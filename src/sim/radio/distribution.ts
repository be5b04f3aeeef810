import type { Distribution } from '../world.js';

/** A standard normal deviate (Box–Muller) from two uniform draws. */
function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** One latency from a world distribution, in whole board ms. */
export function sampleMs(distribution: Distribution, random: () => number): number {
  if (distribution.fixed !== undefined) return Math.round(distribution.fixed);
  if (distribution.uniform !== undefined) {
    const [low, high] = distribution.uniform;
    return Math.round(low + (high - low) * random());
  }
  if (distribution.lognormal !== undefined) {
    // Clamped at ±4 sigma so a rare draw cannot stall a join for an absurd time.
    const deviate = Math.max(-4, Math.min(4, gaussian(random)));
    return Math.round(distribution.lognormal.medianMs * Math.exp(distribution.lognormal.sigma * deviate));
  }
  return 0;
}
