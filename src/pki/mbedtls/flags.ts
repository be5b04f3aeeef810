/**
 * mbedTLS X.509 verify flags (`include/mbedtls/x509.h`, `MBEDTLS_X509_BADCERT_*` /
 * `MBEDTLS_X509_BADCRL_*`) and their verify-info texts, in the order of
 * `MBEDTLS_X509_CRT_ERROR_INFO_LIST` (facts §6): the order in which mbedtls_x509_crt_verify_info
 * prints them.
 */
export const VERIFY_FLAGS = [
  { name: 'BADCERT_EXPIRED', bit: 0x01, text: 'The certificate validity has expired' },
  { name: 'BADCERT_REVOKED', bit: 0x02, text: 'The certificate has been revoked (is on a CRL)' },
  { name: 'BADCERT_CN_MISMATCH', bit: 0x04, text: 'The certificate Common Name (CN) does not match with the expected CN' },
  { name: 'BADCERT_NOT_TRUSTED', bit: 0x08, text: 'The certificate is not correctly signed by the trusted CA' },
  { name: 'BADCRL_NOT_TRUSTED', bit: 0x10, text: 'The CRL is not correctly signed by the trusted CA' },
  { name: 'BADCRL_EXPIRED', bit: 0x20, text: 'The CRL is expired' },
  { name: 'BADCERT_MISSING', bit: 0x40, text: 'Certificate was missing' },
  { name: 'BADCERT_SKIP_VERIFY', bit: 0x80, text: 'Certificate verification was skipped' },
  { name: 'BADCERT_OTHER', bit: 0x0100, text: 'Other reason (can be used by verify callback)' },
  { name: 'BADCERT_FUTURE', bit: 0x0200, text: 'The certificate validity starts in the future' },
  { name: 'BADCRL_FUTURE', bit: 0x0400, text: 'The CRL is from the future' },
  { name: 'BADCERT_KEY_USAGE', bit: 0x0800, text: 'Usage does not match the keyUsage extension' },
  { name: 'BADCERT_EXT_KEY_USAGE', bit: 0x1000, text: 'Usage does not match the extendedKeyUsage extension' },
  { name: 'BADCERT_NS_CERT_TYPE', bit: 0x2000, text: 'Usage does not match the nsCertType extension' },
  { name: 'BADCERT_BAD_MD', bit: 0x4000, text: 'The certificate is signed with an unacceptable hash.' },
  { name: 'BADCERT_BAD_PK', bit: 0x8000, text: 'The certificate is signed with an unacceptable PK alg (eg RSA vs ECDSA).' },
  { name: 'BADCERT_BAD_KEY', bit: 0x010000, text: 'The certificate is signed with an unacceptable key (eg bad curve, RSA too short).' },
  { name: 'BADCRL_BAD_MD', bit: 0x020000, text: 'The CRL is signed with an unacceptable hash.' },
  { name: 'BADCRL_BAD_PK', bit: 0x040000, text: 'The CRL is signed with an unacceptable PK alg (eg RSA vs ECDSA).' },
  { name: 'BADCRL_BAD_KEY', bit: 0x080000, text: 'The CRL is signed with an unacceptable key (eg bad curve, RSA too short).' },
] as const;

export type VerifyFlagName = (typeof VERIFY_FLAGS)[number]['name'];

export const FLAG: { readonly [K in VerifyFlagName]: number } = Object.fromEntries(VERIFY_FLAGS.map((flag) => [flag.name, flag.bit])) as {
  readonly [K in VerifyFlagName]: number;
};

const KNOWN_BITS = VERIFY_FLAGS.reduce((bits, flag) => bits | flag.bit, 0);

/** Names of the set flags, in table order. Unknown bits are not named (see verifyInfoText). */
export function flagNames(flags: number): VerifyFlagName[] {
  return VERIFY_FLAGS.filter((flag) => (flags & flag.bit) !== 0).map((flag) => flag.name);
}

export function flagsOf(names: readonly VerifyFlagName[]): number {
  return names.reduce((bits, name) => bits | FLAG[name], 0);
}

export function hasUnknownBits(flags: number): boolean {
  return ((flags >>> 0) & ~KNOWN_BITS) !== 0;
}

/**
 * Exactly what `mbedtls_x509_crt_verify_info(buf, size, "\n", flags)` writes, as MicroPython
 * calls it (facts §5/§6): `"\n" + text + "\n"` per set flag in table order, then
 * `"\nUnknown reason (this should not happen)\n"` if bits outside the table remain. No buffer
 * limit here: see boardError for MicroPython's 256-byte buffer.
 */
export function verifyInfoText(flags: number): string {
  const prefix = '\n';
  let remaining = flags >>> 0;
  let text = '';
  for (const flag of VERIFY_FLAGS) {
    if ((remaining & flag.bit) === 0) continue;
    text += `${prefix}${flag.text}\n`;
    remaining = (remaining ^ flag.bit) >>> 0;
  }
  if (remaining !== 0) text += `${prefix}Unknown reason (this should not happen)\n`;
  return text;
}
