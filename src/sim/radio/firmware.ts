import type { FirmwareProfile } from '../profiles.js';
import type { World } from '../world.js';
import { CYW43_DEFAULT_PM } from './pm.js';

/**
 * How the radio binding behaves in a firmware profile, read from extmod/network_cyw43.c,
 * extmod/modnetwork.c and ports/rp2 at each tag (commit and first tag noted per field). Which
 * methods and constants exist is the Python prelude's business (src/sim/api-surface.ts); these are
 * the behaviours of methods that exist in every profile.
 */
export interface RadioFirmware {
  /** active() answers the last request (static if_active[], 49b83ed44a, v1.24.1); before, bool(link status). */
  readonly activeQueryTracksRequest: boolean;
  /** isconnected() on the AP also needs an associated station (67f893852a, v1.24.1). */
  readonly apIsconnectedNeedsStation: boolean;
  /** config(ssid/key/security/channel=) bounces an active interface (49b83ed44a, v1.24.1). */
  readonly configCyclesActiveInterface: boolean;
  /**
   * security=-1 becomes OPEN without a key and WPA2_MIXED_PSK with one (699477d12d, v1.20.0).
   * Before, -1 went to the driver, which auto-detected WPA but failed every open join with EPERM
   * (micropython#9016).
   */
  readonly bindingChoosesSecurity: boolean;
  /** status('rssi') (f34af3e42e, v1.20.0); before, "unknown status param". */
  readonly statusRssi: boolean;
  /** config('security') and config(security=) (d660a0c3d1, v1.19.1-236). */
  readonly configSecurity: boolean;
  /** config('hostname') and config(hostname=) (9dfabcd6d3, v1.20.0). */
  readonly configHostname: boolean;
  /** config('pm') (a31e3de400, v1.21.0); setting pm worked in every profile. */
  readonly configPmQuery: boolean;
  /** network.hostname() length limit: > 32 bytes rejected from b329fdcb73 (v1.21.0); ≥ 16 before. */
  readonly hostnameMaxBytes: number;
  /** The DHCP/mDNS hostname at boot: "PicoW" (mpconfigboard.h, v1.20.0+); the driver's "PYBD" before. */
  readonly defaultHostname: string;
  /** CYW43_DEFAULT_PM, applied when the first interface comes up: the profile's `cyw43.defaultPm`, else 0xa11142. */
  readonly defaultPm: number;
  /** The join retry settings this firmware overrides (test injection, `cyw43.joinRetry`); empty for every release. */
  readonly joinRetry: Partial<Pick<World['join'], 'maxAttempts' | 'refindSweeps' | 'probesPerChannel'>>;
}

/** The world's join settings with the firmware's own retry behaviour (if it has any) in place. */
export function joinSettingsFor(firmware: RadioFirmware, join: World['join']): World['join'] {
  return Object.keys(firmware.joinRetry).length === 0 ? join : { ...join, ...firmware.joinRetry };
}

type VersionKey = readonly [number, number, number, number];

/** (major, minor, micro, build): nightlies `-N-g…` count N past their tag; previews sort before their release. */
function versionKey(profile: FirmwareProfile): VersionKey {
  const match = /^v(\d+)\.(\d+)\.(\d+)(?:-(\d+)-g|-preview\.(\d+))?/.exec(profile.gitTag);
  if (match === null) return [...profile.version, 0];
  const build = match[4] !== undefined ? Number(match[4]) : match[5] !== undefined ? Number(match[5]) - 1_000_000 : 0;
  return [Number(match[1]), Number(match[2]), Number(match[3]), build];
}

function atLeast(profile: FirmwareProfile, wanted: VersionKey): boolean {
  const have = versionKey(profile);
  for (let i = 0; i < 4; i++) {
    const a = have[i] ?? 0;
    const b = wanted[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

export function radioFirmwareOf(profile: FirmwareProfile): RadioFirmware {
  const v1_20 = atLeast(profile, [1, 20, 0, 0]);
  const v1_21 = atLeast(profile, [1, 21, 0, 0]);
  const v1_24_1 = atLeast(profile, [1, 24, 1, 0]);
  return {
    activeQueryTracksRequest: v1_24_1,
    apIsconnectedNeedsStation: v1_24_1,
    configCyclesActiveInterface: v1_24_1,
    bindingChoosesSecurity: v1_20,
    statusRssi: v1_20,
    configSecurity: atLeast(profile, [1, 19, 1, 236]),
    configHostname: v1_20,
    configPmQuery: v1_21,
    hostnameMaxBytes: v1_21 ? 32 : 15,
    defaultHostname: v1_20 ? 'PicoW' : 'PYBD',
    defaultPm: profile.cyw43?.defaultPm ?? CYW43_DEFAULT_PM,
    joinRetry: { ...profile.cyw43?.joinRetry },
  };
}
