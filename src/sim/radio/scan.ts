import type { World } from '../world.js';
import { SCAN_TIMEOUT_MS } from './constants.js';
import { sampleMs } from './distribution.js';
import { passiveRules } from './faults.js';
import { scanSecurityBits } from './security.js';

/** One tuple of WLAN.scan(): (ssid, bssid, channel, rssi, security, count). */
export interface ScanResult {
  readonly ssid: Buffer;
  readonly bssid: Buffer;
  readonly channel: number;
  readonly rssi: number;
  /** The auth_mode bitfield (0 open, 5 WPA2, 7 WPA/WPA2 mixed), not a SEC_* value. */
  readonly security: number;
  /** How many times the BSS was seen during the scan (≥ 1); not a "hidden" flag. */
  readonly count: number;
}

export interface ScanOptions {
  readonly passive?: boolean;
  /** A directed scan: probe requests name this SSID, and only matching BSSes are reported. */
  readonly ssid?: string | Uint8Array;
  readonly bssid?: Uint8Array;
}

export interface ScanOutcome {
  readonly results: ScanResult[];
  /** Board ms the scan takes; WLAN.scan() blocks that long (at most its 10 s timeout). */
  readonly durationMs: number;
}

function macBytes(mac: string): Buffer {
  return Buffer.from(mac.replaceAll(':', ''), 'hex');
}

/**
 * WLAN.scan() over the world's access points (network_cyw43.c network_cyw43_scan_cb). Every AP is
 * heard from its beacons; a hidden AP beacons with an empty SSID, so it shows as b'' unless the scan
 * is directed at its SSID on a channel where the board may probe. Model: the firmware reports each
 * BSS once plus once more per extra beacon or probe response it catches (merged into `count`, the
 * strongest RSSI kept), RSSI varies a few dB around the world's value, and results come in channel
 * order. A directed scan (ssid=) reports only BSSes that named that SSID.
 */
export function runScan(world: World, options: ScanOptions, appliedCountry: string | null, powerSave: boolean, random: () => number): ScanOutcome {
  const passive = options.passive === true;
  const wanted = options.ssid === undefined ? undefined : (typeof options.ssid === 'string' ? Buffer.from(options.ssid, 'utf8') : Buffer.from(options.ssid)).subarray(0, 32);
  const wantedBssid = options.bssid === undefined ? undefined : Buffer.from(options.bssid).toString('hex');
  const durationMs = Math.min(SCAN_TIMEOUT_MS, sampleMs(passive ? world.scan.passiveMs : world.scan.activeMs, random));
  const order = world.accessPoints.map((ap, index) => ({ ap, index, tie: random() })).sort((a, b) => a.ap.channel - b.ap.channel || a.tie - b.tie);
  const results: ScanResult[] = [];
  for (const { ap } of order) {
    const bssid = macBytes(ap.bssid);
    if (wantedBssid !== undefined && bssid.toString('hex') !== wantedBssid) continue;
    const ssidBytes = Buffer.from(ap.ssid, 'utf8');
    const probed = !passive && wanted !== undefined && wanted.equals(ssidBytes) && passiveRules(world, ap, appliedCountry, powerSave).length === 0;
    const revealed = !ap.hidden || probed;
    if (wanted !== undefined && !(revealed && wanted.equals(ssidBytes))) continue;
    const sightings = 1 + Math.floor(random() * (passive ? 3 : 2));
    let rssi = -Infinity;
    for (let i = 0; i < sightings; i++) rssi = Math.max(rssi, ap.rssi + Math.round((random() - 0.5) * 6));
    results.push({
      ssid: revealed ? ssidBytes : Buffer.alloc(0),
      bssid,
      channel: ap.channel,
      rssi: Math.max(-100, Math.min(0, rssi)),
      security: scanSecurityBits(ap.security),
      count: sightings,
    });
  }
  return { results, durationMs };
}
