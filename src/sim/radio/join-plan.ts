import type { AccessPoint, World } from '../world.js';
import { Sup } from './constants.js';
import { sampleMs } from './distribution.js';
import { eitherOf, passiveRules, rulesFor } from './faults.js';
import { isPowerSave } from './pm.js';
import { acceptsSecurity, keyUnlocks, usesSae } from './security.js';

/** An asynchronous event the cyw43 firmware sends the driver (cyw43_cb_process_async_event). */
export type DriverEvent =
  | { readonly type: 'SET_SSID'; readonly status: number; readonly reason: number }
  | { readonly type: 'AUTH'; readonly status: number }
  | { readonly type: 'LINK'; readonly up: boolean }
  | { readonly type: 'PSK_SUP'; readonly status: number; readonly reason: number }
  | { readonly type: 'DEAUTH_IND'; readonly reason: number }
  | { readonly type: 'DISASSOC' };

/** One thing that happens during a join: on the air, in the firmware, or at the AP. */
export interface JoinStep {
  /** Board ms after connect(). */
  readonly atMs: number;
  readonly what: string;
  /** The event the driver receives at that moment, if any: statuses come only from these. */
  readonly event?: DriverEvent;
  /** The fault rule that made this step happen. */
  readonly rule?: string;
}

export interface JoinRequest {
  readonly ssid: Uint8Array;
  /** The key as given (empty when none); never leaves the radio. */
  readonly key: Uint8Array;
  /** CYW43_AUTH_* (or -1: the pre-v1.20 driver's auto-detection). */
  readonly authType: number;
  readonly bssid?: Uint8Array;
  /** Only meaningful with bssid (the join iovar's chanspec). */
  readonly channel?: number;
}

export interface JoinConditions {
  readonly world: World;
  /** The PM value in effect at connect(). */
  readonly pm: number;
  /** The country latched when the first interface came up. */
  readonly appliedCountry: string | null;
  /** The join's random stream; every draw of one connect() comes from it, in a fixed order. */
  readonly random: () => number;
}

export interface JoinPlan {
  readonly steps: readonly JoinStep[];
  /** The BSS the firmware chose (absent when none matched). */
  readonly ap?: AccessPoint;
  /** lwIP's DHCP time once the link is up; absent when the join never gets that far. */
  readonly dhcpMs?: number;
  /** Every fault rule that shaped this join. */
  readonly rules: readonly string[];
  readonly powerSave: boolean;
  readonly pinned: boolean;
}

/** Model: when the join scan finds nothing the firmware sweeps once more before it reports NONET. */
const NONET_SWEEPS = 2;

/** Model: where in a 1..13 sweep the firmware is on this channel (fraction of the sweep). */
function sweepPosition(channel: number): number {
  return (Math.min(channel, 13) - 0.5) / 13;
}

function hexMac(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/**
 * The whole join as the firmware would run it, decided at connect() from the world, its fault rules,
 * the PM mode and applied country at that moment, and the join's random stream. The steps carry the
 * driver events in time order; replaying them through the driver's state machine gives the status
 * timeline. Model (the firmware's join procedure is not public): the initial join scan runs with the
 * radio awake; once the firmware has picked its BSS the PM mode applies, so with power saving on it
 * may miss frames the AP sends before the AP knows the board sleeps (probe and association
 * responses) and, less often, EAPOL-Key copies. After a missed association response it restarts with
 * probe requests (pico-sdk#912): a visible AP (or one found by BSSID under the pinning rule) is
 * heard from its next beacon; a hidden one needs a probe response on its channel, once per sweep.
 * The AP meanwhile runs its 4-way handshake for the association it granted, and deauthenticates the
 * board when its EAPOL-Key retries run out: if the board hears that while still searching, its
 * supplicant reports the failure (BADAUTH) and the firmware abandons the join. The same AP
 * deauthentication ends a handshake whose M1 or M3 copies were all missed, or answered with a
 * wrong key's M2, with BADAUTH; the firmware does not retry after it. A transient-badauth rule makes
 * the AP refuse the first authentication; the firmware authenticates again after its delay.
 */
export function planJoin(request: JoinRequest, conditions: JoinConditions): JoinPlan {
  const { world, pm, appliedCountry, random } = conditions;
  const join = world.join;
  const powerSave = isPowerSave(pm);
  const pinned = request.bssid !== undefined;
  const channelPinned = pinned && request.channel !== undefined;
  const steps: JoinStep[] = [];
  const rules = new Set<string>();
  const step = (atMs: number, what: string, event?: DriverEvent, rule?: string): void => {
    steps.push({ atMs: Math.round(atMs), what, ...(event === undefined ? {} : { event }), ...(rule === undefined || rule === '' ? {} : { rule }) });
    if (rule !== undefined && rule !== '') for (const name of rule.split('+')) rules.add(name);
  };
  const plan = (ap?: AccessPoint, dhcpMs?: number): JoinPlan => ({
    steps,
    ...(ap === undefined ? {} : { ap }),
    ...(dhcpMs === undefined ? {} : { dhcpMs }),
    rules: [...rules],
    powerSave,
    pinned,
  });
  const sweep = (): number => sampleMs(join.scanMs, random) / (channelPinned ? 13 : 1);

  // The join scan: which BSSes answer to the SSID (and the pinned BSSID/channel)?
  const scanMs = sweep();
  const candidates: { ap: AccessPoint; how: string; rule?: string }[] = [];
  for (const ap of world.accessPoints) {
    if (!Buffer.from(ap.ssid, 'utf8').equals(Buffer.from(request.ssid))) continue;
    if (request.bssid !== undefined && hexMac(request.bssid) !== ap.bssid) continue;
    if (channelPinned && request.channel !== ap.channel) continue;
    if (!acceptsSecurity(request.authType, ap.security)) {
      step(scanMs, `${ap.bssid} pruned: its security (${ap.security}) does not match the requested one`);
      continue;
    }
    const pinRule = pinned ? rulesFor(world, 'pinning', { ap, powerSave })[0] : undefined;
    if (!ap.hidden) candidates.push({ ap, how: 'its beacons' });
    else if (pinRule !== undefined) candidates.push({ ap, how: 'its beacons, by BSSID', rule: pinRule.name });
    else {
      const passive = passiveRules(world, ap, appliedCountry, powerSave)[0];
      if (passive !== undefined) {
        step(scanMs, `hidden ${ap.bssid} is on channel ${ap.channel}, passive-only under country ${appliedCountry ?? 'XX'}: no probe request may name its SSID`, undefined, passive.name);
        continue;
      }
      candidates.push({ ap, how: 'a probe response' });
    }
  }
  const chosen = candidates.sort((a, b) => b.ap.rssi - a.ap.rssi)[0];
  if (chosen === undefined) {
    const giveUpAt = scanMs + (NONET_SWEEPS - 1) * sweep();
    step(giveUpAt, 'the join scan found no matching BSS', { type: 'SET_SSID', status: 3, reason: 0 });
    return plan();
  }
  const { ap } = chosen;
  let t = scanMs;
  step(t, `found ${ap.bssid} on channel ${ap.channel} from ${chosen.how}`, undefined, chosen.rule);

  const context = { ap, powerSave };
  const pmRules = powerSave ? rulesFor(world, 'pm-join', context) : [];
  const pmRule = pmRules.map((rule) => rule.name).join('+');
  const pinRule = pinned ? rulesFor(world, 'pinning', context)[0] : undefined;
  const lossFactor = pinRule?.pmLossFactor ?? 1;
  const missFrame = eitherOf(pmRules.map((rule) => rule.missProbability)) * lossFactor;
  const missEapol = eitherOf(pmRules.map((rule) => rule.eapolMissProbability)) * lossFactor;
  const refindByBeacon = !ap.hidden || pinRule !== undefined;
  const sae = usesSae(request.authType, ap.security);
  const keyOk = ap.security === 'open' || keyUnlocks(request.key, ap, sae);
  const busy = rulesFor(world, 'transient-badauth', context)[0];
  const refusesFirstAuth = busy !== undefined && random() < busy.probability;
  const eapol = join.apEapol;
  const copyOffset = (copy: number): number => (copy === 0 ? 0 : eapol.firstRetryMs + (copy - 1) * eapol.retryMs);
  const apGivesUpAfter = copyOffset(eapol.attempts - 1) + (eapol.attempts === 1 ? eapol.firstRetryMs : eapol.retryMs);
  const apDeauth = (): DriverEvent => ({ type: 'PSK_SUP', status: Sup.KEYXCHANGE, reason: Sup.REASON_DEAUTH });

  for (let attempt = 1; attempt <= join.maxAttempts; attempt++) {
    const authAssocMs = sampleMs(join.authAssocMs, random);
    let authAt = t + authAssocMs / 2;
    if (sae && !keyOk) {
      // Model: WPA3-SAE checks the password in the authentication frames, so a wrong key fails EV_AUTH.
      step(authAt, 'SAE authentication failed (the key does not match)', { type: 'AUTH', status: 1 });
      return plan(ap);
    }
    if (attempt === 1 && refusesFirstAuth && busy !== undefined) {
      step(authAt, 'the AP refused the 802.11 authentication', { type: 'AUTH', status: 1 }, busy.name);
      authAt += sampleMs(busy.recoverAfterMs, random);
      step(authAt, 'authenticated on the firmware\u2019s retry', { type: 'AUTH', status: 0 }, busy.name);
    } else {
      step(authAt, 'authenticated', { type: 'AUTH', status: 0 });
    }
    const assocAt = authAt + authAssocMs / 2;

    if (missFrame > 0 && random() < missFrame) {
      step(assocAt, 'association response missed (power saving)', undefined, pmRule);
      t = assocAt + join.assocTimeoutMs;
      if (attempt === join.maxAttempts) {
        step(t, `no association after ${attempt} attempts`, { type: 'SET_SSID', status: 1, reason: 0 });
        return plan(ap);
      }
      step(t, 'no association response: restarting with probe requests');
      if (refindByBeacon) {
        t += Math.round(random() * join.beaconIntervalMs);
        step(t, 'heard the AP again from a beacon', undefined, pinRule?.name);
        continue;
      }
      const deauthAt = ap.security === 'open' ? Infinity : assocAt + apGivesUpAfter;
      let deauthHandled = false;
      let refound = false;
      for (let sweepIndex = 0; sweepIndex < join.refindSweeps && !refound; sweepIndex++) {
        const sweepMs = sweep();
        const probeAt = t + sweepMs * (channelPinned ? 0.5 : sweepPosition(ap.channel));
        if (!deauthHandled && deauthAt <= probeAt) {
          deauthHandled = true;
          if (random() >= missFrame) {
            step(deauthAt, 'the AP gave up its 4-way handshake and deauthenticated the board (reason 15) while the board searched for it', apDeauth(), pmRule);
            return plan(ap);
          }
          step(deauthAt, 'the AP\u2019s deauthentication was missed (power saving)', undefined, pmRule);
        }
        for (let probe = 0; probe < join.probesPerChannel && !refound; probe++) refound = random() >= missFrame;
        if (refound) {
          t = probeAt;
          step(t, 'found the hidden AP again from a probe response');
        } else {
          step(probeAt, 'probe response missed (power saving)', undefined, pmRule);
          t += sweepMs;
        }
      }
      if (!refound) {
        step(t, `could not find the hidden AP again in ${join.refindSweeps} sweeps`, { type: 'SET_SSID', status: 1, reason: 0 });
        return plan(ap);
      }
      continue;
    }

    step(assocAt, 'associated', { type: 'LINK', up: true });
    step(assocAt, 'join reported to the driver', { type: 'SET_SSID', status: 0, reason: 0 });
    if (ap.security === 'open') return plan(ap, sampleMs(join.dhcpMs, random));
    if (!keyOk) {
      step(assocAt + apGivesUpAfter, `the AP deauthenticated the board after ${eapol.attempts} EAPOL-Key M1 copies: its M2 failed the MIC check (wrong key)`, apDeauth());
      return plan(ap);
    }
    let delay = 0;
    for (const message of ['M1', 'M3']) {
      let copy = 0;
      while (copy < eapol.attempts && missEapol > 0 && random() < missEapol) copy++;
      if (copy === eapol.attempts) {
        step(assocAt + delay + apGivesUpAfter, `all ${eapol.attempts} copies of EAPOL-Key ${message} missed (power saving): the AP deauthenticated the board`, apDeauth(), pmRule);
        return plan(ap);
      }
      if (copy > 0) {
        delay += copyOffset(copy);
        step(assocAt + delay, `EAPOL-Key ${message} received on copy ${copy + 1}`, undefined, pmRule);
      }
    }
    t = assocAt + delay + sampleMs(join.keyHandshakeMs, random);
    step(t, '4-way handshake complete', { type: 'PSK_SUP', status: Sup.KEYED, reason: 0 });
    return plan(ap, sampleMs(join.dhcpMs, random));
  }
  return plan(ap);
}
