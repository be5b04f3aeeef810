/**
 * The firmware a run (or a record) names, reduced to what the findings need: a short label and the
 * verification profile of src/pki/mbedtls that judges chains as that firmware's mbedTLS would.
 */
import { TLS_VERIFICATION_PROFILES, type TlsVerificationProfile } from '../../pki/mbedtls/profiles.js';
import { PROFILES } from '../../sim/profiles.js';

const TAG = /\bv(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z][0-9A-Za-z.-]*))?/;

/** `v1.24.1` out of `3.4.0; MicroPython v1.24.1 on 2024-11-29` (or the text itself when it names no version). */
export function firmwareLabel(firmware: string): string {
  return TAG.exec(firmware)?.[0] ?? firmware.trim();
}

type VersionKey = readonly [number, number, number, number];

/**
 * Orders builds: a release is [x, y, z, 0]; an old-style nightly `vX.Y.Z-N-gHASH` comes N builds
 * after release X.Y.Z; a `vX.Y.Z-preview.N` nightly comes before release X.Y.Z.
 */
function versionKey(tag: string): VersionKey | null {
  const match = TAG.exec(tag);
  if (match === null) return null;
  const [major, minor, micro] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const suffix = match[4];
  if (suffix === undefined) return [major, minor, micro, 0];
  const preview = /^preview\.(\d+)/.exec(suffix);
  if (preview !== null) return [major, minor, micro, -1_000_000 + Number(preview[1])];
  const nightly = /^(\d+)/.exec(suffix);
  return [major, minor, micro, nightly === null ? 0 : Number(nightly[1])];
}

function compareKeys(a: VersionKey, b: VersionKey): number {
  for (let index = 0; index < 4; index++) {
    const difference = (a[index] as number) - (b[index] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * The verification profile for a firmware string: the profile it names exactly, else the newest
 * profile built before it (its mbedTLS and error form carry forward until the next profile);
 * null when the string names no version or one older than every profile.
 */
export function verificationProfileFor(firmware: string | null): TlsVerificationProfile | null {
  if (firmware === null) return null;
  const label = firmwareLabel(firmware);
  const exact = PROFILES.find((profile) => profile.name === label || profile.gitTag === label);
  const byName = (name: string): TlsVerificationProfile | null => TLS_VERIFICATION_PROFILES.find((entry) => entry.profile === name) ?? null;
  if (exact !== undefined) return byName(exact.name);
  const wanted = versionKey(label);
  if (wanted === null) return null;
  let best: { key: VersionKey; name: string } | null = null;
  for (const profile of PROFILES) {
    const key = versionKey(profile.gitTag);
    if (key === null || compareKeys(key, wanted) > 0) continue;
    if (best === null || compareKeys(key, best.key) > 0) best = { key, name: profile.name };
  }
  return best === null ? null : byName(best.name);
}
