/**
 * A finding before the run's multiple-comparison correction: rules produce drafts, the accumulator
 * adjusts every draft's p-value together (Holm), then each draft becomes a Finding with its
 * strength and the sentence that prints the adjusted p-value.
 */
import { holmAdjust } from '../stats/index.js';
import type { CellAggregate, ExampleKind } from './aggregate.js';
import { interval } from './numbers.js';
import type { CellFacets, ServedCertificateSet } from '../../campaign/types.js';
import type { Finding, FindingComparison, FindingEvidence } from './types.js';

/** α for `strong`: significant after Holm's correction across the run's comparisons. */
export const SIGNIFICANCE = 0.05;

export interface ComparisonGroup {
  readonly label: string;
  readonly cells: readonly string[];
  readonly ok: number;
  readonly attempts: number;
}

export interface DraftComparison {
  readonly groupA: ComparisonGroup;
  readonly groupB: ComparisonGroup;
  readonly pValue: number;
  /** The explanation sentence that reports the test, given the adjusted p-value and how many comparisons the run made. */
  readonly sentence: (pAdjusted: number, comparisons: number) => string;
}

export interface FindingDraft {
  readonly id: string;
  readonly title: string;
  /** `note`: informational, never rests on a test; `test`: strong or suggestive by its comparison. */
  readonly kind: 'note' | 'test';
  readonly explanation: readonly string[];
  readonly advice: readonly string[];
  readonly caveats: readonly string[];
  readonly evidence: readonly FindingEvidence[];
  readonly comparison?: DraftComparison;
}

/** What a rule sees of one cell. */
export interface CellView {
  readonly facets: CellFacets;
  readonly aggregate: CellAggregate;
}

/** Everything a rule may read. */
export interface RuleInput {
  readonly cells: readonly CellView[];
  /** Cells that have records but no facets (records of a changed config): only facet-free rules use them. */
  readonly unplacedCells: readonly CellAggregate[];
  readonly sets: readonly ServedCertificateSet[];
  readonly firmware: string | null;
}

export type Rule = (input: RuleInput) => FindingDraft[];

export function evidenceOf(
  aggregate: CellAggregate,
  matching: number,
  facts: Readonly<Record<string, string | number | boolean | null>> | undefined,
  exampleKind?: ExampleKind,
): FindingEvidence {
  const example = exampleKind === undefined ? undefined : aggregate.examples.get(exampleKind);
  return {
    cell: aggregate.cell,
    attempts: aggregate.attempts,
    matching,
    ok: aggregate.ok,
    okRate: interval(aggregate.ok, aggregate.attempts),
    ...(facts === undefined ? {} : { facts }),
    ...(example === undefined ? {} : { example }),
  };
}

const STRENGTH_ORDER: Readonly<Record<Finding['strength'], number>> = { strong: 0, suggestive: 1, note: 2 };

/** Holm across every comparison of the drafts, then strengths; strong first, rule order kept within a strength. */
export function finishDrafts(drafts: readonly FindingDraft[]): Finding[] {
  const tested = drafts.filter((draft) => draft.comparison !== undefined);
  const adjusted = holmAdjust(tested.map((draft) => (draft.comparison as DraftComparison).pValue));
  const adjustedOf = new Map(tested.map((draft, index) => [draft, adjusted[index] as number]));
  const findings = drafts.map((draft): Finding => {
    const base = { id: draft.id, title: draft.title, advice: [...draft.advice], caveats: [...draft.caveats], evidence: [...draft.evidence] };
    if (draft.comparison === undefined) {
      return { ...base, strength: draft.kind === 'note' ? 'note' : 'suggestive', explanation: [...draft.explanation] };
    }
    const pAdjusted = adjustedOf.get(draft) as number;
    const comparison: FindingComparison = {
      groupA: draft.comparison.groupA,
      groupB: draft.comparison.groupB,
      pValue: draft.comparison.pValue,
      pAdjusted,
      correction: 'holm',
    };
    return {
      ...base,
      strength: pAdjusted < SIGNIFICANCE ? 'strong' : 'suggestive',
      explanation: [...draft.explanation, draft.comparison.sentence(pAdjusted, tested.length)],
      comparison,
    };
  });
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => STRENGTH_ORDER[a.finding.strength] - STRENGTH_ORDER[b.finding.strength] || a.index - b.index)
    .map(({ finding }) => finding);
}
