/**
 * Rule: hidden-SSID joins fail on one channel/country combination and not another (root-causes.md
 * bug 1, candidate 2: with country XX channels 12–13 are passive-only, and a hidden AP answers
 * only active probes — a hypothesis; cyw43-driver#149). Compared within one PM value and pinning,
 * the same channel with another country first; a visible AP on the same channel and country is the
 * control. An AP whose channel the config does not declare stands for its own (unknown) channel.
 */
import { effectiveCountry, effectivePm, pinningOf, pmLabel } from '../cell-groups.js';
import type { CellView } from '../draft.js';
import { countWithRate, hex } from '../numbers.js';
import { failureBreakdown, failureRate, joinConcentrationRule, JOIN_CONFOUNDS, joinRate, type Concentration, type JoinGroup } from './join-concentration.js';

/** Channels that regulatory "worldwide" (XX) keeps passive-only on 2.4 GHz. */
const PASSIVE_ONLY_UNDER_WORLDWIDE: readonly number[] = [12, 13];
const WORLDWIDE = 'XX';

const channelOf = (group: JoinGroup): number | null => group.cells[0]?.facets.wifi?.channel ?? null;
const countryOf = (group: JoinGroup): string => effectiveCountry(group.cells[0] as CellView);
/** The channel, or the AP when its channel is not declared. */
const placeOf = (cell: CellView): string => (cell.facets.wifi?.channel == null ? `AP ${cell.facets.wifi?.ap ?? '?'}` : `channel ${cell.facets.wifi.channel}`);
const passiveOnly = (group: JoinGroup): boolean => {
  const channel = channelOf(group);
  return channel !== null && PASSIVE_ONLY_UNDER_WORLDWIDE.includes(channel) && countryOf(group) === WORLDWIDE;
};

function controlSentence(concentration: Concentration): string[] {
  const control = concentration.visibleControl;
  if (control === null) return [];
  return [`On the same channel and country, ${joinRate(control, 'to a visible AP')}: a visible AP is heard in its beacons, while a hidden one must answer a probe.`];
}

export const hiddenSsidChannel = joinConcentrationRule({
  id: 'hidden-ssid-channel',
  valueOf: (cell) => {
    const wifi = cell.facets.wifi;
    if (wifi === null) return null;
    const country = effectiveCountry(cell);
    const place = placeOf(cell);
    return { key: JSON.stringify([place, country]), label: `${wifi.channel == null ? `${place} (channel not declared)` : place}, country ${country}` };
  },
  closeTo: (worst, other) => (JSON.parse(worst.key) as string[])[0] === (JSON.parse(other.key) as string[])[0],
  stratumOf: (cell) => {
    const pm = effectivePm(cell);
    const written = cell.facets.wifi?.pm ?? 'default';
    return {
      key: JSON.stringify([pm === null ? 'firmware-default' : hex(pm), pinningOf(cell)]),
      label: `hidden APs under ${pmLabel(written, pm)}, pinning ${pinningOf(cell)}`,
    };
  },
  title: ({ worst }) => `Hidden-SSID joins fail on ${worst.value.label}`,
  explain: (concentration) => {
    const { worst, best, groups, stratumLabel } = concentration;
    const others = groups.filter((group) => group !== worst && group !== best);
    const sentences = [
      `Joining ${stratumLabel}, ${worst.value.label} failed ${countWithRate(worst.failed, worst.joins)} joins (${failureBreakdown(worst)}), while ${best.value.label} failed ${countWithRate(best.failed, best.joins)}.`,
      ...others.map((group) => `${group.value.label} failed ${countWithRate(group.failed, group.joins)} joins.`),
      ...controlSentence(concentration),
    ];
    if (passiveOnly(worst)) {
      sentences.push(
        `MicroPython's network.country() defaults to ${WORLDWIDE} (worldwide), which keeps channels ${PASSIVE_ONLY_UNDER_WORLDWIDE.join(' and ')} passive-only; a hidden AP does not beacon its SSID, so it is found only by an active probe carrying the SSID.`,
      );
    }
    return sentences;
  },
  advise: (concentration) => {
    const { worst, best } = concentration;
    const countryHelps = countryOf(worst) === WORLDWIDE && countryOf(best) !== WORLDWIDE;
    if (!passiveOnly(worst) && !countryHelps) return [`Prefer ${best.value.label} for hidden APs: there ${joinRate(best)}.`];
    const code = countryOf(best) !== WORLDWIDE ? `'${countryOf(best)}'` : "'<your country code>'";
    return [
      `Set the country before the interface comes up: \`network.country(${code})\` before the first \`wlan.active(True)\` (the country is latched when the first interface comes up and survives soft resets; \`wlan.deinit()\` to change it).`,
      ...(passiveOnly(worst) ? ['Or move the hidden AP to channels 1–11, or make it visible.'] : []),
    ];
  },
  caveats: (concentration) => {
    const { worst, best } = concentration;
    const caveats: string[] = [];
    if (passiveOnly(worst)) {
      caveats.push(
        'That a hidden AP on channels 12–13 needs active probes, which country XX does not send there, is a hypothesis (confirmed on ESP stacks, not by a Pico W maintainer); with the default CYW43 firmware channels 12–13 may stay unusable even after setting a country (cyw43-driver#149).',
      );
    }
    if (channelOf(worst) === null) {
      caveats.push('The config does not declare the AP\'s channel, so the run cannot tell whether channels 12–13 are involved; declare `channel:` on the access point.');
    }
    if (placeOf(worst.cells[0] as CellView) !== placeOf(best.cells[0] as CellView)) {
      caveats.push(`The compared groups are different APs (${worst.value.label}; ${best.value.label}): anything else that differs between the APs goes with the channel.`);
    }
    const control = concentration.visibleControl;
    if (control === null) caveats.push('No visible-AP cell ran on the same channel and country, so nothing shows the failures are specific to the hidden SSID; add one as a control.');
    else if (control.joins > 0 && failureRate(control) >= failureRate(worst) / 2) {
      caveats.push(`A visible AP on the same channel and country failed too (${countWithRate(control.failed, control.joins)} joins): the failures are not specific to the hidden SSID.`);
    }
    return caveats;
  },
  confoundDimensions: JOIN_CONFOUNDS,
});
