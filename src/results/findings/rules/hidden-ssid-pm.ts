/**
 * Rule: hidden-SSID joins fail under one power-management value and not another (root-causes.md
 * bug 1, candidate 1: with power saving on the Pico W misses the AP's association response,
 * pico-sdk#912; pm=0xa11140 is the acknowledged workaround). Compared within one hidden AP,
 * country and pinning; a visible AP under the same PM value is the control.
 */
import { effectiveCountry, effectivePm, pinningOf, pmLabel, powerSaves } from '../cell-groups.js';
import type { CellView } from '../draft.js';
import { countWithRate, hex } from '../numbers.js';
import { failureBreakdown, failureRate, joinConcentrationRule, JOIN_CONFOUNDS, joinRate, type Concentration, type JoinGroup, type JoinValue } from './join-concentration.js';

function pmValue(cell: CellView): JoinValue | null {
  const wifi = cell.facets.wifi;
  if (wifi === null) return null;
  const pm = effectivePm(cell);
  return { key: pm === null ? 'firmware-default' : hex(pm), label: pmLabel(wifi.pm, pm) };
}

const isPmOff = (group: JoinGroup): boolean => {
  const pm = effectivePm(group.cells[0] as CellView);
  return pm !== null && !powerSaves(pm);
};
const isPmOn = (group: JoinGroup): boolean => {
  const pm = effectivePm(group.cells[0] as CellView);
  return pm === null || powerSaves(pm);
};

function controlSentence(concentration: Concentration): string[] {
  const control = concentration.visibleControl;
  if (control === null) return [];
  return [`Under the same PM value, ${joinRate(control, 'to a visible AP')}.`];
}

export const hiddenSsidPm = joinConcentrationRule({
  id: 'hidden-ssid-pm',
  valueOf: pmValue,
  stratumOf: (cell) => {
    const wifi = cell.facets.wifi;
    const country = effectiveCountry(cell);
    return {
      key: JSON.stringify([wifi?.ap, country, pinningOf(cell)]),
      label: `hidden AP "${wifi?.ap ?? '?'}", country ${country}, pinning ${pinningOf(cell)}`,
    };
  },
  title: ({ worst }) => `Hidden-SSID joins fail under ${worst.value.label}`,
  explain: (concentration) => {
    const { worst, best, groups, stratumLabel } = concentration;
    const others = groups.filter((group) => group !== worst && group !== best);
    const sentences = [
      `Joining the ${stratumLabel}, ${worst.value.label} failed ${countWithRate(worst.failed, worst.joins)} joins (${failureBreakdown(worst)}), while ${best.value.label} failed ${countWithRate(best.failed, best.joins)}.`,
      ...others.map((group) => `${group.value.label} failed ${countWithRate(group.failed, group.joins)} joins.`),
      ...controlSentence(concentration),
    ];
    if (isPmOn(worst) && isPmOff(best)) {
      sentences.push(
        'With power saving on, the Pico W can miss the AP\'s association response during the join and start over with probe requests (pico-sdk#912); the driver then reports STAT_CONNECT_FAIL, or STAT_WRONG_PASSWORD although the key is right.',
      );
    }
    return sentences;
  },
  advise: (concentration) => {
    const { worst, best, groups } = concentration;
    if (isPmOn(worst)) {
      const pmOff = groups.find(isPmOff);
      return [
        'Turn power saving off for the join: `wlan.config(pm=0xa11140)` or `wlan.config(pm=network.WLAN.PM_NONE)` (0x10; the constant exists from v1.21), after `wlan.active(True)` and before `wlan.connect()` — a pm set before active(True) is overwritten by the driver default.',
        pmOff === undefined
          ? 'No PM-off value was tried in this run: add pm 0xa11140 or none to the matrix to confirm the workaround on this AP.'
          : `In this run, under ${pmOff.value.label}, ${joinRate(pmOff)}.`,
        'pm=0xa11140 is the workaround maintainers acknowledge (pico-sdk#912, cyw43-driver#9/#10), not a merged fix; power saving can be turned back on after the join if battery life matters.',
      ];
    }
    return [`Keep ${best.value.label} for this AP: here the joins fail without power saving.`];
  },
  caveats: (concentration) => {
    const { worst, best } = concentration;
    const caveats: string[] = [];
    if (isPmOff(worst) && isPmOn(best)) {
      caveats.push(
        'This is the reverse of the known pattern (power saving breaking hidden-SSID joins, pico-sdk#912): check the AP and the cells\' other conditions before acting on it.',
      );
    }
    if (worst.cells.some((cell) => cell.aggregate.joinFailures.get('wifi.wrong-password') > 0) && best.joined > 0) {
      caveats.push(`STAT_WRONG_PASSWORD here is the driver's reading of a failed authentication phase, not a wrong key: the same key joined under ${best.value.label}.`);
    }
    const control = concentration.visibleControl;
    if (control === null) caveats.push('No visible-AP cell ran under the same PM value, so nothing shows the failures are specific to the hidden SSID; add one as a control.');
    else if (control.joins > 0 && failureRate(control) >= failureRate(worst) / 2) {
      caveats.push(`A visible AP under the same PM value failed too (${countWithRate(control.failed, control.joins)} joins): the failures are not specific to the hidden SSID.`);
    }
    return caveats;
  },
  confoundDimensions: JOIN_CONFOUNDS,
});
