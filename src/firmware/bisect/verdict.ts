import { UsageError } from '../../errors.js';
import { classOutcome } from '../../results/taxonomy.js';
import { wilsonInterval } from '../../results/stats/index.js';

export type Verdict = 'good' | 'bad';

/**
 * How a step's attempts are judged. `k` of `n`: the build is bad when at least k of its n
 * attempts show the failure; one lucky or unlucky attempt cannot flip a verdict when k > 1.
 */
export interface VerdictRule {
  readonly k: number;
  readonly n: number;
  /**
   * Globs (`*` any run of characters) of the classes that count as the failure being hunted, e.g.
   * `tls.verify.*`. Null: every failing class except the harness's own (`harness.*`).
   */
  readonly badClasses: readonly string[] | null;
}

/** One step's attempts: ok (the cell's success class), bad (the failure hunted), other (neither: not a vote). */
export interface StepCounts {
  readonly attempts: number;
  readonly ok: number;
  readonly bad: number;
  readonly other: number;
  /** Attempts per class. */
  readonly classes: Readonly<Record<string, number>>;
}

export interface RateWithInterval {
  /** ok / attempts. */
  readonly rate: number;
  /** Wilson 95 % interval of the ok rate. */
  readonly low: number;
  readonly high: number;
}

export function checkVerdictRule(rule: VerdictRule): void {
  if (!Number.isSafeInteger(rule.n) || rule.n < 1) throw new UsageError(`--n: expected a whole number ≥ 1, got ${rule.n}`);
  if (!Number.isSafeInteger(rule.k) || rule.k < 1 || rule.k > rule.n) throw new UsageError(`--k: expected a whole number 1..n (n = ${rule.n}), got ${rule.k}`);
}

function globRegExp(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${source}$`);
}

/** Whether an attempt class counts as the failure the rule hunts. */
export function badClassMatcher(rule: Pick<VerdictRule, 'badClasses'>, successClass: string): (name: string) => boolean {
  if (rule.badClasses === null) return (name) => name !== successClass && !name.startsWith('harness.') && classOutcome(name) === 'fail';
  const patterns = rule.badClasses.map(globRegExp);
  return (name) => name !== successClass && patterns.some((pattern) => pattern.test(name));
}

/** Counts a step's attempt classes against the cell's success class and the rule. */
export function countClasses(classes: readonly string[], successClass: string, rule: Pick<VerdictRule, 'badClasses'>): StepCounts {
  const isBad = badClassMatcher(rule, successClass);
  const perClass: Record<string, number> = {};
  let ok = 0;
  let bad = 0;
  for (const name of classes) {
    perClass[name] = (perClass[name] ?? 0) + 1;
    if (name === successClass) ok++;
    else if (isBad(name)) bad++;
  }
  return { attempts: classes.length, ok, bad, other: classes.length - ok - bad, classes: perClass };
}

/** Bad when at least k attempts showed the failure, good otherwise. */
export function judge(counts: StepCounts, rule: Pick<VerdictRule, 'k'>): Verdict {
  return counts.bad >= rule.k ? 'bad' : 'good';
}

/** The ok rate with its Wilson 95 % interval, or null without attempts. */
export function okRate(ok: number, attempts: number): RateWithInterval | null {
  const interval = wilsonInterval(ok, attempts);
  return interval === null ? null : { rate: interval.rate, low: interval.low, high: interval.high };
}

/** Adds step counts (for the pooled rates of one side of the boundary). */
export function addCounts(all: readonly StepCounts[]): StepCounts {
  const classes: Record<string, number> = {};
  for (const counts of all) for (const [name, n] of Object.entries(counts.classes)) classes[name] = (classes[name] ?? 0) + n;
  return {
    attempts: all.reduce((sum, c) => sum + c.attempts, 0),
    ok: all.reduce((sum, c) => sum + c.ok, 0),
    bad: all.reduce((sum, c) => sum + c.bad, 0),
    other: all.reduce((sum, c) => sum + c.other, 0),
    classes,
  };
}
