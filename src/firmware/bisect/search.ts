import type { Verdict } from './verdict.js';

/** What the bisect does next, from the verdicts so far (build index → verdict). */
export type NextStep =
  | { readonly kind: 'test'; readonly index: number; readonly role: 'first' | 'last' | 'middle' }
  /** The boundary: `lastGood` + 1 === `firstBad`. */
  | { readonly kind: 'found'; readonly lastGood: number; readonly firstBad: number }
  /** The oldest build is already bad: the failure is older than the range. */
  | { readonly kind: 'first-build-bad' }
  /** The newest build is good: no failure in the range. */
  | { readonly kind: 'last-build-good' };

/**
 * Binary search over builds 0..count-1, stateless: the endpoints first (oldest must be good, newest
 * bad), then the middle of the tightest good…bad bracket: the lowest bad build and the highest good
 * one below it. A verdict that contradicts the order (a good build above a bad one) is kept in the
 * record but cannot move the bracket. Resuming is calling this again with the saved verdicts.
 */
export function nextStep(verdicts: ReadonlyMap<number, Verdict>, count: number): NextStep {
  if (count < 2) throw new RangeError(`nextStep: a bisect needs at least two builds, got ${count}`);
  const first = verdicts.get(0);
  if (first === undefined) return { kind: 'test', index: 0, role: 'first' };
  if (first === 'bad') return { kind: 'first-build-bad' };
  const last = verdicts.get(count - 1);
  if (last === undefined) return { kind: 'test', index: count - 1, role: 'last' };
  if (last === 'good') return { kind: 'last-build-good' };
  let firstBad = count - 1;
  for (const [index, verdict] of verdicts) if (verdict === 'bad' && index < firstBad) firstBad = index;
  let lastGood = 0;
  for (const [index, verdict] of verdicts) if (verdict === 'good' && index < firstBad && index > lastGood) lastGood = index;
  if (firstBad - lastGood <= 1) return { kind: 'found', lastGood, firstBad };
  return { kind: 'test', index: Math.floor((lastGood + firstBad) / 2), role: 'middle' };
}

/** The most steps a bisect of `count` builds takes: two endpoints and ⌈log2(count-1)⌉ middles. */
export function maxSteps(count: number): number {
  return 2 + Math.ceil(Math.log2(Math.max(1, count - 1)));
}
