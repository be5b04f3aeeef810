/**
 * Rule: joins that ended with status() stuck at 2 (CYW43_LINK_NOIP: associated, no IPv4 address)
 * until the script's deadline — the radio worked and DHCP did not (facts §4: the driver has no
 * DHCP timeout of its own).
 */
import { NO_IP_STATUS, Range } from '../aggregate.js';
import { evidenceOf, type CellView, type Rule } from '../draft.js';
import { countWithRate, listing, plural } from '../numbers.js';

const sum = (cells: readonly CellView[], of: (cell: CellView) => number): number => cells.reduce((total, cell) => total + of(cell), 0);

export const dhcpStuck: Rule = (input) => {
  const cells = input.cells.filter((cell) => cell.aggregate.stuckNoIp > 0);
  if (cells.length === 0) return [];
  const stuck = sum(cells, (cell) => cell.aggregate.stuckNoIp);
  const joins = sum(cells, (cell) => cell.aggregate.joins);
  const since = new Range();
  const deadline = new Range();
  for (const cell of cells) {
    since.merge(cell.aggregate.noIpSinceMs);
    deadline.merge(cell.aggregate.noIpDeadlineMs);
  }
  const aps = [...new Set(cells.map((cell) => cell.facets.wifi?.ap).filter((ap): ap is string => ap !== undefined))];
  const explanation = [
    `${countWithRate(stuck, joins)} joins in ${plural(cells.length, 'cell')} ended with status() stuck at ${NO_IP_STATUS} (CYW43_LINK_NOIP: associated with the AP, no IPv4 address) until the script's deadline of ${deadline.max ?? '?'} ms.`,
    since.min === null
      ? 'The link came up, so association worked; DHCP never finished.'
      : `The link was up ${since.min === since.max ? `${since.min} ms` : `${since.min}–${since.max} ms`} after connect(), so association worked; DHCP never finished.`,
  ];
  // Other cells joining the same APs show whether DHCP works there at all.
  const others = input.cells.filter((cell) => !cells.includes(cell) && aps.includes(cell.facets.wifi?.ap ?? '') && cell.aggregate.joins > 0);
  const gotIp = new Range();
  for (const cell of [...cells, ...others]) gotIp.merge(cell.aggregate.timeToIpMs);
  if (gotIp.max !== null) explanation.push(`Joins on the same ${aps.length === 1 ? 'AP' : 'APs'} (${listing(aps)}) that got an address took at most ${gotIp.max} ms to do so.`);
  return [
    {
      id: 'dhcp-stuck',
      title: `Wi-Fi joined but DHCP did not finish (status stuck at ${NO_IP_STATUS})`,
      kind: 'note',
      explanation,
      advice: [
        'Look at DHCP, not the radio: the DHCP server\'s lease pool and logs, MAC filtering, a captive portal or a VLAN without a DHCP server.',
        'As a test, give the board a static address with `wlan.ifconfig((ip, mask, gateway, dns))`: if that works, DHCP is the problem.',
        'The cyw43 driver has no DHCP timeout: status() stays 2 until your code gives up, so wait with your own deadline (ifconfig(\'dhcp\') waits 10 s and raises).',
      ],
      caveats:
        gotIp.max !== null && deadline.max !== null && deadline.max < 2 * gotIp.max
          ? [`The deadline (${deadline.max} ms) is less than twice the slowest successful DHCP (${gotIp.max} ms): some of these may be slow DHCP rather than none; a longer connect timeout would tell.`]
          : [],
      evidence: cells.map((cell) =>
        evidenceOf(cell.aggregate, cell.aggregate.stuckNoIp, { joins: cell.aggregate.joins, stuckAtStatus2: cell.aggregate.stuckNoIp, ap: cell.facets.wifi?.ap ?? null }, 'no-ip'),
      ),
    },
  ];
};
