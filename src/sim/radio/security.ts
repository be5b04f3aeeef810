import { pbkdf2Sync } from 'node:crypto';
import type { AccessPoint, ApSecurity } from '../world.js';
import { Auth } from './constants.js';

/** The auth_mode bitfield scan() reports (cyw43_ll.c): bit0 privacy, bit1 WPA IE, bit2 RSN IE. */
export function scanSecurityBits(security: ApSecurity): number {
  switch (security) {
    case 'open':
      return 0;
    case 'wpa-wpa2':
      return 7;
    case 'wpa2':
    case 'wpa3':
    case 'wpa2-wpa3':
      return 5;
  }
}

/** security=-1 as the pre-v1.20 binding passed it to the driver: auto-detect. */
export const AUTO_SECURITY = -1;

/**
 * Whether the firmware keeps a BSS with this security as a join candidate for the requested
 * CYW43_AUTH_* value. Model: an incompatible BSS is pruned (cyw43's EV_PRUNE), so the join ends
 * as if the SSID were absent. -1 is the pre-v1.20 driver auto-detection, which accepts any WPA AP.
 */
export function acceptsSecurity(authType: number, security: ApSecurity): boolean {
  if (authType === AUTO_SECURITY) return security !== 'open';
  switch (authType) {
    case Auth.OPEN:
      return security === 'open';
    case Auth.WPA_TKIP_PSK:
      return security === 'wpa-wpa2';
    case Auth.WPA2_AES_PSK:
    case Auth.WPA2_MIXED_PSK:
      return security === 'wpa-wpa2' || security === 'wpa2' || security === 'wpa2-wpa3';
    case Auth.WPA3_SAE_AES_PSK:
      return security === 'wpa3' || security === 'wpa2-wpa3';
    case Auth.WPA3_WPA2_AES_PSK:
      return security !== 'open';
    default:
      return false;
  }
}

/** WPA3 authenticates the password in the 802.11 authentication frames (SAE), WPA2 in the 4-way handshake. */
export function usesSae(authType: number, security: ApSecurity): boolean {
  if (security === 'wpa3') return true;
  return security === 'wpa2-wpa3' && (authType === Auth.WPA3_SAE_AES_PSK || authType === Auth.WPA3_WPA2_AES_PSK);
}

/**
 * Whether the board's key unlocks the AP: the passphrase itself, or (WPA-PSK only) the 64-hex-digit
 * PMK, PBKDF2-HMAC-SHA1(passphrase, SSID, 4096, 32). Model: a key of invalid length behaves as a
 * wrong key (the firmware's handshake fails).
 */
export function keyUnlocks(key: Uint8Array, ap: AccessPoint, sae: boolean): boolean {
  if (ap.password === undefined) return true;
  const given = Buffer.from(key);
  if (given.equals(Buffer.from(ap.password, 'utf8'))) return true;
  if (sae || given.length !== 64 || !/^[0-9a-fA-F]{64}$/.test(given.toString('latin1'))) return false;
  return pbkdf2Sync(ap.password, Buffer.from(ap.ssid, 'utf8'), 4096, 32, 'sha1').equals(Buffer.from(given.toString('latin1'), 'hex'));
}
