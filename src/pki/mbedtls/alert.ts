import { alertNumber } from '../../tls/alert-registry.js';
import { FLAG, type VerifyFlagName } from './flags.js';

export type AlertName =
  | 'access_denied'
  | 'bad_certificate'
  | 'unsupported_certificate'
  | 'certificate_expired'
  | 'certificate_revoked'
  | 'unknown_ca'
  | 'certificate_unknown';

function codeOf(name: AlertName): number {
  const code = alertNumber(name);
  if (code === undefined) throw new Error(`no RFC alert named ${name}`);
  return code;
}

export interface TlsAlert {
  readonly name: AlertName;
  readonly code: number;
  /** Always fatal (level 2) for a verification failure. */
  readonly level: 'fatal';
  /** The flag that chose it (undefined: none of the listed flags, the certificate_unknown default). */
  readonly decidedBy?: VerifyFlagName;
}

/**
 * The alert mbedTLS sends when the handshake fails verification, chosen from the flags by the
 * first matching rule of ssl_tls.c (ssl_parse_certificate_verify, identical in 2.16, 2.28 and 3.x):
 *   OTHER → access_denied; CN_MISMATCH → bad_certificate;
 *   KEY_USAGE, EXT_KEY_USAGE, NS_CERT_TYPE, BAD_PK, BAD_KEY → unsupported_certificate;
 *   EXPIRED → certificate_expired; REVOKED → certificate_revoked; NOT_TRUSTED → unknown_ca;
 *   anything else (FUTURE, BAD_MD, …) → certificate_unknown.
 * The fact sheet (§10) lists the same pairs but maps OTHER to certificate_unknown and gives no
 * precedence; this follows the mbedTLS source. MicroPython never sets OTHER (its verify callback
 * returns a fatal error code instead of a flag), so that difference cannot show on a board.
 */
const RULES: readonly { readonly flag: VerifyFlagName; readonly alert: AlertName }[] = [
  { flag: 'BADCERT_OTHER', alert: 'access_denied' },
  { flag: 'BADCERT_CN_MISMATCH', alert: 'bad_certificate' },
  { flag: 'BADCERT_KEY_USAGE', alert: 'unsupported_certificate' },
  { flag: 'BADCERT_EXT_KEY_USAGE', alert: 'unsupported_certificate' },
  { flag: 'BADCERT_NS_CERT_TYPE', alert: 'unsupported_certificate' },
  { flag: 'BADCERT_BAD_PK', alert: 'unsupported_certificate' },
  { flag: 'BADCERT_BAD_KEY', alert: 'unsupported_certificate' },
  { flag: 'BADCERT_EXPIRED', alert: 'certificate_expired' },
  { flag: 'BADCERT_REVOKED', alert: 'certificate_revoked' },
  { flag: 'BADCERT_NOT_TRUSTED', alert: 'unknown_ca' },
];

/** The fatal alert the board sends for these flags; undefined when the flags are 0 (no alert). */
export function alertFor(flags: number): TlsAlert | undefined {
  if (flags >>> 0 === 0) return undefined;
  const rule = RULES.find((candidate) => (flags & FLAG[candidate.flag]) !== 0);
  if (rule === undefined) return { name: 'certificate_unknown', code: codeOf('certificate_unknown'), level: 'fatal' };
  return { name: rule.alert, code: codeOf(rule.alert), level: 'fatal', decidedBy: rule.flag };
}
