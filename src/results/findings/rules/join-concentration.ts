/**
 * The engine behind the hidden-SSID rules: join failures concentrated in one value of a Wi-Fi
 * condition (PM mode, channel/country) among cells that agree on everything else that shapes a
 * join. In each such stratum the worst value is compared with the best (Fisher), and cells of a
 * visible AP with the worst value serve as a control. Joins only: attempts whose link was carried
 * over from before are not joins, and joins that associated but never got an address (status stuck
 * at 2) are left to the DHCP rule. What to compare and how to word it comes from a `JoinDimension`.
 */
import { fisherExactTwoSided } from '../../stats/index.js';
import { confoundCaveats, confounds, DIMENSIONS, groupOf, type Dimension } from '../cell-groups.js';
import { evidenceOf, type CellView, type ComparisonGroup, type FindingDraft, type Rule } from '../draft.js';
import { countWithRate, formatP, listing, plural } from '../numbers.js';

/** The join failures the hidden-SSID rules are about (the classes a missed association surfaces as). */
export const JOIN_FAILURE_CLASSES: readonly string[] = ['wifi.connect-fail', 'wifi.wrong-password', 'wifi.no-ap-found'];

/** A concentration worth reporting: at least this many failed joins, and this much more often than the best value. */
export const MIN_FAILED_JOINS = 2;
export const MIN_FAILURE_RATE_GAP = 0.2;

export interface JoinValue {
  /** Groups cells: same key = same value of the condition. */
  readonly key: string;
  /** e.g. `PM default 0xa11142 (PM_PERFORMANCE, …)`. */
  readonly label: string;
}

export interface JoinGroup {
  readonly value: JoinValue;
  readonly cells: readonly CellView[];
  readonly joins: number;
  readonly joined: number;
  readonly failed: number;
}

export interface Concentration {
  readonly worst: JoinGroup;
  readonly best: JoinGroup;
  /** Every value of the stratum, worst first. */
  readonly groups: readonly JoinGroup[];
  /** Cells of a visible AP with the worst value, if any. */
  readonly visibleControl: JoinGroup | null;
  /** What the stratum's cells share (e.g. `access point hidden; country XX`). */
  readonly stratumLabel: string;
}

export interface JoinDimension {
  readonly id: string;
  /** The condition's value for a cell, null when the cell cannot say. */
  readonly valueOf: (cell: CellView) => JoinValue | null;
  /** Values that differ from the worst value in one respect only (compared first when they contrast enough). */
  readonly closeTo?: (worst: JoinValue, other: JoinValue) => boolean;
  /** Conditions held equal within a comparison (the stratum), as a key and a label. */
  readonly stratumOf: (cell: CellView) => { readonly key: string; readonly label: string };
  readonly title: (concentration: Concentration) => string;
  readonly explain: (concentration: Concentration) => string[];
  readonly advise: (concentration: Concentration) => string[];
  readonly caveats: (concentration: Concentration) => string[];
  /** Dimensions that must not differ completely between the two compared groups. */
  readonly confoundDimensions: readonly Dimension[];
}

/** Joins that reached an address or failed to associate (DHCP failures are another rule's). */
export const joinsOf = (cell: CellView): number => cell.aggregate.joins - cell.aggregate.stuckNoIp;

function joinGroup(value: JoinValue, cells: readonly CellView[]): JoinGroup {
  const joins = cells.reduce((sum, cell) => sum + joinsOf(cell), 0);
  const joined = cells.reduce((sum, cell) => sum + cell.aggregate.joined, 0);
  return { value, cells, joins, joined, failed: joins - joined };
}

export const failureRate = (group: JoinGroup): number => (group.joins === 0 ? 0 : group.failed / group.joins);

/** Groups `cells` by the dimension's value; values in first-seen order. */
function groupByValue(cells: readonly CellView[], dimension: JoinDimension): JoinGroup[] {
  const byKey = new Map<string, { value: JoinValue; cells: CellView[] }>();
  for (const cell of cells) {
    const value = dimension.valueOf(cell);
    if (value === null) continue;
    const entry = byKey.get(value.key) ?? { value, cells: [] };
    entry.cells.push(cell);
    byKey.set(value.key, entry);
  }
  return [...byKey.values()].map((entry) => joinGroup(entry.value, entry.cells));
}

/** Worst first: higher failure rate, then more joins (the better-measured group), then first seen. */
function byFailureRate(groups: readonly JoinGroup[]): JoinGroup[] {
  return groups
    .map((group, index) => ({ group, index }))
    .sort((a, b) => failureRate(b.group) - failureRate(a.group) || b.group.joins - a.group.joins || a.index - b.index)
    .map(({ group }) => group);
}

const contrasts = (worst: JoinGroup, group: JoinGroup): boolean => failureRate(worst) - failureRate(group) >= MIN_FAILURE_RATE_GAP;

/**
 * The group to compare the worst with: the lowest failure rate (the better-measured group on a tie),
 * taken among the groups the dimension calls closest to the worst when one of them contrasts enough.
 */
function bestContrast(worst: JoinGroup, others: readonly JoinGroup[], dimension: JoinDimension): JoinGroup | undefined {
  const lowest = (groups: readonly JoinGroup[]): JoinGroup | undefined =>
    groups.filter((group) => contrasts(worst, group)).sort((a, b) => failureRate(a) - failureRate(b) || b.joins - a.joins)[0];
  const close = dimension.closeTo === undefined ? [] : others.filter((group) => dimension.closeTo?.(worst.value, group.value) === true);
  return lowest(close) ?? lowest(others);
}

export function concentrations(cells: readonly CellView[], dimension: JoinDimension): Concentration[] {
  const hidden = cells.filter((cell) => cell.facets.wifi?.hidden === true && joinsOf(cell) > 0);
  const visible = cells.filter((cell) => cell.facets.wifi?.hidden === false && joinsOf(cell) > 0);
  const strata = new Map<string, { label: string; cells: CellView[] }>();
  for (const cell of hidden) {
    const stratum = dimension.stratumOf(cell);
    const entry = strata.get(stratum.key) ?? { label: stratum.label, cells: [] };
    entry.cells.push(cell);
    strata.set(stratum.key, entry);
  }
  const found: Concentration[] = [];
  for (const stratum of strata.values()) {
    const groups = byFailureRate(groupByValue(stratum.cells, dimension));
    const worst = groups[0];
    if (worst === undefined || worst.failed < MIN_FAILED_JOINS) continue;
    const best = bestContrast(worst, groups.slice(1), dimension);
    if (best === undefined) continue;
    const controlCells = visible.filter((cell) => dimension.valueOf(cell)?.key === worst.value.key);
    found.push({
      worst,
      best,
      groups,
      visibleControl: controlCells.length === 0 ? null : joinGroup(worst.value, controlCells),
      stratumLabel: stratum.label,
    });
  }
  return found;
}

export function failureBreakdown(group: JoinGroup): string {
  const counts = new Map<string, number>();
  for (const cell of group.cells) for (const [name, count] of cell.aggregate.joinFailures.counts) counts.set(name, (counts.get(name) ?? 0) + count);
  const parts = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name, count]) => `${count} ${name}`);
  return parts.length === 0 ? 'none' : listing(parts);
}

/** `10 of 10 (100.0%, 95% CI 72.2–100.0%) joins succeeded`, with `what` after "joins". */
export function joinRate(group: JoinGroup, what = ''): string {
  return `${countWithRate(group.joined, group.joins)} joins${what === '' ? '' : ` ${what}`} succeeded`;
}

function asComparisonGroup(group: JoinGroup): ComparisonGroup {
  return groupOf(group.value.label, group.cells, (cell) => cell.aggregate.joined, joinsOf);
}

/** A rule from a dimension: one finding per stratum where the failures concentrate. */
export function joinConcentrationRule(dimension: JoinDimension): Rule {
  return (input) =>
    concentrations(input.cells, dimension).map((concentration): FindingDraft => {
      const { worst, best } = concentration;
      const groupA = asComparisonGroup(worst);
      const groupB = asComparisonGroup(best);
      const pValue = fisherExactTwoSided(groupA.ok, groupA.attempts - groupA.ok, groupB.ok, groupB.attempts - groupB.ok);
      const evidence = [...worst.cells, ...best.cells, ...(concentration.visibleControl?.cells ?? [])].map((cell) =>
        evidenceOf(
          cell.aggregate,
          JOIN_FAILURE_CLASSES.reduce((sum, name) => sum + cell.aggregate.joinFailures.get(name), 0),
          {
            group: worst.cells.includes(cell) ? 'failing value' : best.cells.includes(cell) ? 'best value' : 'visible-AP control',
            value: dimension.valueOf(cell)?.label ?? null,
            hidden: cell.facets.wifi?.hidden ?? null,
            joins: joinsOf(cell),
            joined: cell.aggregate.joined,
            carriedOver: cell.aggregate.carriedOver,
          },
          'join-failure',
        ),
      );
      return {
        id: dimension.id,
        title: dimension.title(concentration),
        kind: 'test',
        explanation: dimension.explain(concentration),
        advice: dimension.advise(concentration),
        caveats: [
          ...dimension.caveats(concentration),
          ...confoundCaveats(confounds(worst.cells, best.cells, dimension.confoundDimensions), worst.value.label, best.value.label, 'the compared condition'),
        ],
        evidence,
        comparison: {
          groupA,
          groupB,
          pValue,
          sentence: (pAdjusted, comparisons) =>
            `${worst.value.label} vs ${best.value.label}: Fisher's exact test p = ${formatP(pValue)}, Holm-adjusted p = ${formatP(pAdjusted)} over the run's ${plural(comparisons, 'comparison')}.`,
        },
      };
    });
}

/** Conditions that shape a join besides the compared one, for confound checks. */
export const JOIN_CONFOUNDS: readonly Dimension[] = [DIMENSIONS.reset, DIMENSIONS.connect, DIMENSIONS.firmware];
