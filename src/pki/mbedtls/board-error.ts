import { verifyInfoText } from './flags.js';
import { tlsProfile } from './profiles.js';
import { USAGE_FLAGS } from './verify.js';

/**
 * A Python exception as a board raises it: the type, its args, and `printed` — exactly the text
 * MicroPython prints for it as the last line(s) of a traceback (mp_obj_print_exception without its
 * final "\n"): `OSError: (-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED')`, or
 * `ValueError: \nThe certificate validity starts in the future\n` with real newlines.
 */
export interface BoardError {
  readonly type: 'OSError' | 'ValueError' | 'TypeError';
  readonly args: readonly (number | string)[];
  readonly printed: string;
  /** When it is raised: by the handshake, or before it (wrap_socket / load_verify_locations arguments). */
  readonly when: 'handshake' | 'before-handshake';
  /** Why this form, when it is not the obvious one. */
  readonly note?: string;
}

export const X509_CERT_VERIFY_FAILED = -0x2700;
/** MBEDTLS_ERR_SSL_BAD_CERTIFICATE (3.x name; -0x7A00 was MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE in 2.x). */
export const SSL_BAD_CERTIFICATE = -0x7a00;
/** MicroPython's xcbuf for mbedtls_x509_crt_verify_info (extmod/modtls_mbedtls.c, modssl_mbedtls.c v1.22). */
const VERIFY_INFO_BUFFER = 256;

function osError(code: number, name: string, when: BoardError['when'], note?: string): BoardError {
  return { type: 'OSError', args: [code, name], printed: `OSError: (${code}, '${name}')`, when, ...(note === undefined ? {} : { note }) };
}

function valueError(message: string, when: BoardError['when']): BoardError {
  return { type: 'ValueError', args: [message], printed: `ValueError: ${message}`, when };
}

/**
 * What `wrap_socket` (its handshake) raises for the verify flags mbedTLS reported, per firmware
 * profile; undefined when the flags are 0 (the handshake passes).
 *  - ≤ v1.21: OSError(-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED') (facts §5/§10);
 *  - ≥ v1.22: ValueError(verify-info text); the OSError form when the text does not fit MicroPython's
 *    256-byte buffer (mbedtls_x509_crt_verify_info then returns MBEDTLS_ERR_X509_BUFFER_TOO_SMALL)
 *    — from the MicroPython and mbedTLS source, beyond the facts.
 *  - Only keyUsage/extendedKeyUsage flags (mbedTLS 3.x, chain otherwise fine): the handshake fails
 *    with MBEDTLS_ERR_SSL_BAD_CERTIFICATE, not CERT_VERIFY_FAILED, so every firmware raises
 *    OSError(-31232, 'MBEDTLS_ERR_SSL_BAD_CERTIFICATE') — from the mbedTLS source, beyond the facts.
 */
export function boardError(flags: number, profile: string): BoardError | undefined {
  const bits = flags >>> 0;
  if (bits === 0) return undefined;
  const tls = tlsProfile(profile);
  if ((bits & ~USAGE_FLAGS) === 0) {
    const name = tls.mbedtlsMajor === 3 ? 'MBEDTLS_ERR_SSL_BAD_CERTIFICATE' : 'MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE';
    return osError(SSL_BAD_CERTIFICATE, name, 'handshake', 'only the leaf\'s key usage was rejected: the chain verified, so the error is not CERT_VERIFY_FAILED');
  }
  if (tls.errorForm === 'OSError') return osError(X509_CERT_VERIFY_FAILED, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED', 'handshake');
  const text = verifyInfoText(bits);
  if (text.length + 1 > VERIFY_INFO_BUFFER) {
    return osError(
      X509_CERT_VERIFY_FAILED,
      'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED',
      'handshake',
      `the verify-info text (${text.length} bytes) does not fit MicroPython's ${VERIFY_INFO_BUFFER}-byte buffer, so it falls back to the OSError`,
    );
  }
  return valueError(text, 'handshake');
}

/**
 * `CERT_REQUIRED` without `server_hostname`: from v1.22 a ValueError before the handshake (facts §5);
 * before that the firmware verifies the chain without any name check (undefined).
 */
export function missingHostnameError(profile: string): BoardError | undefined {
  return tlsProfile(profile).hostnameRequired ? valueError('CERT_REQUIRED requires server_hostname', 'before-handshake') : undefined;
}

/** Unparsable `cadata` (or `cert`): mbedtls_x509_crt_parse failed, MicroPython raises ValueError("invalid cert") (facts §5). */
export function invalidCertError(): BoardError {
  return valueError('invalid cert', 'before-handshake');
}

/**
 * Firmware without `cert_reqs`/`cadata` (v1.19.1-88): passing them raises TypeError from
 * mp_arg_parse_all (py/argcheck.c, MICROPY_ERROR_REPORTING_DETAILED) — beyond the facts.
 * (Spelling `ssl.CERT_REQUIRED` fails even earlier there: the constant does not exist.)
 */
export function verificationUnavailableError(profile: string): BoardError | undefined {
  return tlsProfile(profile).canRequireCertificate ? undefined : { type: 'TypeError', args: ['extra keyword arguments given'], printed: 'TypeError: extra keyword arguments given', when: 'before-handshake' };
}

