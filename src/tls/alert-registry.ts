/**
 * TLS alerts by number and name (RFC 8446 §6, plus the TLS 1.0–1.2 ones RFC 5246 §7.2 still lists).
 * One registry for the alerts the board's mbedTLS sends and the ones the echo server sees.
 */
export const ALERT_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'close_notify'],
  [10, 'unexpected_message'],
  [20, 'bad_record_mac'],
  [21, 'decryption_failed'],
  [22, 'record_overflow'],
  [30, 'decompression_failure'],
  [40, 'handshake_failure'],
  [41, 'no_certificate'],
  [42, 'bad_certificate'],
  [43, 'unsupported_certificate'],
  [44, 'certificate_revoked'],
  [45, 'certificate_expired'],
  [46, 'certificate_unknown'],
  [47, 'illegal_parameter'],
  [48, 'unknown_ca'],
  [49, 'access_denied'],
  [50, 'decode_error'],
  [51, 'decrypt_error'],
  [60, 'export_restriction'],
  [70, 'protocol_version'],
  [71, 'insufficient_security'],
  [80, 'internal_error'],
  [86, 'inappropriate_fallback'],
  [90, 'user_canceled'],
  [100, 'no_renegotiation'],
  [109, 'missing_extension'],
  [110, 'unsupported_extension'],
  [111, 'certificate_unobtainable'],
  [112, 'unrecognized_name'],
  [113, 'bad_certificate_status_response'],
  [114, 'bad_certificate_hash_value'],
  [115, 'unknown_psk_identity'],
  [116, 'certificate_required'],
  [120, 'no_application_protocol'],
]);

const ALERT_NUMBERS: ReadonlyMap<string, number> = new Map([...ALERT_NAMES].map(([number, name]) => [name, number]));

/** `certificate_unknown` for 46; `alert_N` for a number no RFC names. */
export function alertName(number: number): string {
  return ALERT_NAMES.get(number) ?? `alert_${number}`;
}

/** 46 for `certificate_unknown`; undefined for a name no RFC uses. */
export function alertNumber(name: string): number | undefined {
  return ALERT_NUMBERS.get(name);
}
