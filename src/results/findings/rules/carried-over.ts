/**
 * Rule: attempts whose Wi-Fi link was already up before connect() (wifi.carried-over) — cyw43
 * keeps the association across a soft reset (facts §3) — tested no join, yet a TLS cell counts
 * them as ok. Shows how much of the cells' success rides on them and what fresh joins did.
 */
import { DIMENSIONS, describeCells, valuesOf } from '../cell-groups.js';
import { evidenceOf, type CellView, type FindingDraft, type Rule } from '../draft.js';
import { countWithRate, listing, plural } from '../numbers.js';

/** Resets after which a join is really tested (the association does not survive them). */
const FRESH_JOIN_RESETS: ReadonlySet<string> = new Set(['hard', 'power-cycle', 'wlan-deinit']);

const sum = (cells: readonly CellView[], of: (cell: CellView) => number): number => cells.reduce((total, cell) => total + of(cell), 0);

export const carriedOver: Rule = (input) => {
  const cells = input.cells.filter((cell) => cell.aggregate.carriedOver > 0);
  if (cells.length === 0) return [];
  const attempts = sum(cells, (cell) => cell.aggregate.attempts);
  const carried = sum(cells, (cell) => cell.aggregate.carriedOver);
  const ok = sum(cells, (cell) => cell.aggregate.ok);
  const okCarried = sum(cells, (cell) => cell.aggregate.okWithCarriedOver);
  const joins = sum(cells, (cell) => cell.aggregate.joins);
  const joined = sum(cells, (cell) => cell.aggregate.joined);
  const where = describeCells(cells, [DIMENSIONS.reset, DIMENSIONS.connect]);
  const explanation = [
    `${countWithRate(carried, attempts)} attempts in ${plural(cells.length, 'cell')} (${where}) found the Wi-Fi link already up before connect() (wifi.carried-over): cyw43 keeps the association, the IP address and the country across a soft reset, so these attempts did not test a join.`,
  ];
  if (okCarried > 0) {
    explanation.push(`${okCarried} of the cells' ${ok} ok attempts rode on such a link; without them the cells' ok count would be ${ok - okCarried} of ${attempts - carried}.`);
  }
  explanation.push(joins === 0 ? 'No fresh join was made in these cells at all.' : `The joins actually made in these cells succeeded ${countWithRate(joined, joins)}.`);
  // The same Wi-Fi variants after a reset that drops the association.
  const variants = new Set(cells.map((cell) => cell.facets.wifi?.variant));
  const fresh = input.cells.filter(
    (cell) => variants.has(cell.facets.wifi?.variant) && FRESH_JOIN_RESETS.has(cell.facets.reset) && cell.aggregate.joins > 0 && cell.aggregate.carriedOver === 0,
  );
  if (fresh.length > 0) {
    const freshJoins = sum(fresh, (cell) => cell.aggregate.joins);
    const freshJoined = sum(fresh, (cell) => cell.aggregate.joined);
    explanation.push(
      `After ${listing(valuesOf(fresh, DIMENSIONS.reset))} resets, ${countWithRate(freshJoined, freshJoins)} joins of the same Wi-Fi ${variants.size === 1 ? 'variant' : 'variants'} succeeded: that, not the carried-over cells, is the join's success rate.`,
    );
  }
  const draft: FindingDraft = {
    id: 'wifi-carried-over',
    title: `${carried} attempts rode on a Wi-Fi link carried over from before (soft reset keeps the association)`,
    kind: 'note',
    explanation,
    advice: [
      'Judge joins from cells with a hard, power-cycle or wlan-deinit reset, or connect in `fresh` mode (disconnect and deinit first); a soft reset (Ctrl-D, mpremote\'s implicit one) leaves the old association up.',
      '"Works after a few resets" mixes both states: after a soft reset the board may simply still be connected.',
    ],
    caveats: fresh.length === 0 ? ['No cell of the same Wi-Fi variant ran after a reset that drops the link, so this run does not measure the join itself.'] : [],
    evidence: [...cells, ...fresh].map((cell) =>
      evidenceOf(
        cell.aggregate,
        cell.aggregate.carriedOver,
        { carriedOver: cell.aggregate.carriedOver, okWithCarriedOver: cell.aggregate.okWithCarriedOver, joins: cell.aggregate.joins, joined: cell.aggregate.joined, reset: cell.facets.reset },
        cell.aggregate.carriedOver > 0 ? 'carried-over' : 'join-failure',
      ),
    ),
  };
  return [draft];
};
