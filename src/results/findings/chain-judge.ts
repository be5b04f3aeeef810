/**
 * Re-judges a certificate chain as the run served it, at a board clock the records measured, with
 * the mbedTLS verification model of the board's firmware: which certificate gets which flag.
 */
import type { ServedCertificateSet } from '../../campaign/types.js';
import { verifyChain } from '../../pki/mbedtls/verify.js';
import type { TlsVerificationProfile } from '../../pki/mbedtls/profiles.js';
import { isoSeconds } from './clock.js';

export interface FlaggedCertificate {
  readonly role: 'leaf' | 'intermediate' | 'root';
  readonly subject: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

export interface ChainJudgement {
  readonly set: string;
  /** `model`: the mbedTLS model of `profile`; `dates`: only the manifest's dates (no chain or no profile). */
  readonly source: 'model' | 'dates';
  readonly profile: string | null;
  readonly mbedtlsVersion: string | null;
  readonly now: string;
  /** Every flag on the chain, and the certificates that got `flag`. */
  readonly flags: readonly string[];
  readonly flagged: readonly FlaggedCertificate[];
  /** Why the model could not be used, when it could not. */
  readonly problem: string | null;
}

const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

export function judgeServedChain(set: ServedCertificateSet, atMs: number, profile: TlsVerificationProfile | null, flag: string): ChainJudgement {
  const now = isoSeconds(atMs);
  let problem: string | null = profile === null ? 'the firmware names no version the verification model knows' : null;
  if (profile !== null && set.chainDer.length > 0 && set.caDer !== '') {
    try {
      const verdict = verifyChain({
        chain: set.chainDer.map(fromBase64),
        trusted: [fromBase64(set.caDer)],
        hostname: set.serverHostname,
        now: new Date(atMs),
        profile: profile.profile,
      });
      const flagged = verdict.perCertificate
        .filter((certificate) => certificate.flagNames.includes(flag as (typeof certificate.flagNames)[number]))
        .map((certificate) => ({ role: certificate.role, subject: certificate.subject, notBefore: certificate.notBefore, notAfter: certificate.notAfter }));
      return { set: set.name, source: 'model', profile: verdict.profile, mbedtlsVersion: verdict.mbedtlsVersion, now, flags: verdict.flagNames, flagged, problem: null };
    } catch (error) {
      problem = `the verification model could not judge the chain: ${(error as Error).message}`;
    }
  } else if (profile !== null) {
    problem = 'the run recorded no chain for this set';
  }
  return { set: set.name, source: 'dates', profile: profile?.profile ?? null, mbedtlsVersion: profile?.mbedtlsVersion ?? null, now, ...byDates(set, atMs, flag), problem };
}

/** Without the model: the date flags the manifest's certificate dates give at `atMs`. */
function byDates(set: ServedCertificateSet, atMs: number, flag: string): { flags: string[]; flagged: FlaggedCertificate[] } {
  const flags = new Set<string>();
  const flagged: FlaggedCertificate[] = [];
  for (const certificate of set.certificates) {
    const future = Date.parse(certificate.notBefore) > atMs;
    const expired = Date.parse(certificate.notAfter) < atMs;
    if (future) flags.add('BADCERT_FUTURE');
    if (expired) flags.add('BADCERT_EXPIRED');
    if ((flag === 'BADCERT_FUTURE' && future) || (flag === 'BADCERT_EXPIRED' && expired)) flagged.push({ ...certificate });
  }
  return { flags: [...flags], flagged };
}
