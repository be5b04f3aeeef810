/**
 * Diagnosis: rules over a run's records that recognise known root causes and explain them with the
 * cells and numbers behind them. Records stream in through `add` (memory grows with cells, not
 * attempts); `findings()` runs every rule, adjusts all their comparisons together with Holm's
 * method and returns the findings, strong first.
 */
import type { AttemptRecord, CellFacets, ServedCertificateSet } from '../../campaign/types.js';
import { CellAggregate } from './aggregate.js';
import { finishDrafts, type CellView, type RuleInput } from './draft.js';
import { RULES } from './rules/index.js';
import type { Finding } from './types.js';

export type { Finding, FindingComparison, FindingEvidence } from './types.js';
export { formatFindingsText, type FindingsTextOptions } from './format-text.js';

export class FindingsAccumulator {
  private readonly facets: ReadonlyMap<string, CellFacets>;
  private readonly aggregates = new Map<string, CellAggregate>();

  constructor(
    cells: readonly CellFacets[],
    private readonly sets: readonly ServedCertificateSet[],
    private readonly firmware: string | null,
  ) {
    this.facets = new Map(cells.map((cell) => [cell.id, cell]));
  }

  add(record: AttemptRecord): void {
    let aggregate = this.aggregates.get(record.cell);
    if (aggregate === undefined) {
      aggregate = new CellAggregate(record.cell, this.okClassOf(record), this.firmware);
      this.aggregates.set(record.cell, aggregate);
    }
    aggregate.add(record);
  }

  findings(): Finding[] {
    const cells: CellView[] = [];
    const unplacedCells: CellAggregate[] = [];
    for (const aggregate of this.aggregates.values()) {
      const facets = this.facets.get(aggregate.cell);
      if (facets === undefined) unplacedCells.push(aggregate);
      else cells.push({ facets, aggregate });
    }
    const input: RuleInput = { cells, unplacedCells, sets: this.sets, firmware: this.firmware };
    return finishDrafts(RULES.flatMap((rule) => rule(input)));
  }

  /** The cell's success class; for a cell the facets do not know, the class its first record suggests (as the tally does). */
  private okClassOf(record: AttemptRecord): string {
    const facets = this.facets.get(record.cell);
    if (facets !== undefined) return facets.successClass;
    return record.tls !== null || record.class.startsWith('tls.') ? 'tls.ok' : 'wifi.ok';
  }
}
