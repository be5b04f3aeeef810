/**
 * Comparing the ok rates of two cells. A run compares many pairs, so one p-value alone says
 * little: the run applies Holm's adjustment (`holmAdjust`) across every comparison it prints, and
 * prints the adjusted p-value next to the raw one.
 */
import { fisherExactTwoSided } from './fisher.js';

export interface GroupCounts {
  readonly ok: number;
  readonly attempts: number;
}

export interface GroupComparison {
  /** Two-sided Fisher's exact test of ok vs not-ok between the groups, before any adjustment. */
  readonly pValue: number;
}

export function compareGroups(a: GroupCounts, b: GroupCounts): GroupComparison {
  for (const group of [a, b]) {
    if (!(group.ok <= group.attempts)) throw new RangeError(`compareGroups: ok ${group.ok} exceeds attempts ${group.attempts}`);
  }
  return { pValue: fisherExactTwoSided(a.ok, a.attempts - a.ok, b.ok, b.attempts - b.ok) };
}
