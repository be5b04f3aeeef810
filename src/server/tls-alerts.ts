/** How to read TLS alerts out of the errors Node's OpenSSL reports. */
import { alertName, alertNumber } from '../tls/alert-registry.js';

export { alertName, alertNumber };

/**
 * Where the record's alert came from. `peer`: the client sent it, and OpenSSL quoted its number
 * ("SSL alert number 48"). `openssl-reason`: the server sent it; Node does not report the alert it
 * sends, so it is read from OpenSSL's failure reason with the table below, which the server tests
 * check against what a client receives.
 */
export type AlertBasis = 'peer' | 'openssl-reason';

/** An alert the echo server received from, or sent to, a client. */
export interface ObservedAlert {
  readonly direction: 'received' | 'sent';
  readonly number: number;
  readonly name: string;
  readonly basis: AlertBasis;
}

/** OpenSSL's reason codes for received alerts use its own spellings for two of them. */
const OPENSSL_ALERT_SPELLINGS: ReadonlyMap<string, string> = new Map([
  ['user_cancelled', 'user_canceled'],
  ['no_certificate_reserved', 'no_certificate'],
]);

const ALERT_NUMBER_IN_MESSAGE = /SSL alert number (\d+)/;
const ALERT_CODE = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/;
/** The TLS 1.0-era extension alerts OpenSSL names without `_ALERT_`. */
const EXTENSION_ALERT_CODE = /^ERR_SSL_TLSV1_(UNRECOGNIZED_NAME|CERTIFICATE_UNOBTAINABLE|BAD_CERTIFICATE_STATUS_RESPONSE|BAD_CERTIFICATE_HASH_VALUE|UNSUPPORTED_EXTENSION)$/;

interface ErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
}

/** The alert a peer sent, read from an OpenSSL error (its message quotes the number), if it is one. */
export function alertReceivedIn(error: ErrorLike): ObservedAlert | undefined {
  const message = typeof error.message === 'string' ? error.message : '';
  const quoted = ALERT_NUMBER_IN_MESSAGE.exec(message);
  if (quoted?.[1] !== undefined) {
    const number = Number(quoted[1]);
    return { direction: 'received', number, name: alertName(number), basis: 'peer' };
  }
  const code = typeof error.code === 'string' ? error.code : '';
  const named = ALERT_CODE.exec(code)?.[1] ?? EXTENSION_ALERT_CODE.exec(code)?.[1];
  if (named === undefined) return undefined;
  const spelled = named.toLowerCase();
  const name = OPENSSL_ALERT_SPELLINGS.get(spelled) ?? spelled;
  const number = alertNumber(name);
  return number === undefined ? undefined : { direction: 'received', number, name, basis: 'peer' };
}

/**
 * The alert OpenSSL (3.0, as bundled with Node 20) sends for a server-side handshake failure, by the
 * failure's error code. `null`: it sends none (the bytes did not look like TLS). Absent: not known,
 * the record then carries no alert, only the raw error code.
 */
type SentAlertRule = ((protocol: string | undefined) => number) | null;

const SENT_ALERTS: ReadonlyMap<string, SentAlertRule> = new Map<string, SentAlertRule>([
  // No client certificate under --mtls: TLS 1.3 has a dedicated alert; TLS 1.2 sends handshake_failure.
  ['ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', (protocol) => (protocol === 'TLSv1.3' ? 116 : 40)],
  ['ERR_SSL_NO_SHARED_CIPHER', () => 40],
  ['ERR_SSL_NO_SUITABLE_KEY_SHARE', () => 40],
  ['ERR_SSL_UNSUPPORTED_PROTOCOL', () => 70],
  ['ERR_SSL_EXCESSIVE_MESSAGE_SIZE', () => 47],
  // Plain bytes in the first record: "Doesn't look like TLS - don't send an alert".
  ['ERR_SSL_WRONG_VERSION_NUMBER', null],
  ['ERR_SSL_HTTP_REQUEST', null],
  ['ERR_SSL_HTTPS_PROXY_REQUEST', null],
]);

/**
 * The alert the server sent for its own handshake failure: an alert, `null` when OpenSSL sends none,
 * undefined when the table does not know the reason. `protocol` is the version OpenSSL was
 * negotiating (`TLSSocket.getProtocol()` at the time of the failure).
 */
export function alertSentFor(error: ErrorLike, protocol: string | undefined): ObservedAlert | null | undefined {
  const code = typeof error.code === 'string' ? error.code : '';
  if (!SENT_ALERTS.has(code)) return undefined;
  const numberFor = SENT_ALERTS.get(code);
  if (numberFor === null || numberFor === undefined) return null;
  const number = numberFor(protocol);
  return { direction: 'sent', number, name: alertName(number), basis: 'openssl-reason' };
}

/** The OpenSSL codes that mean the client spoke something other than TLS to the TLS port. */
export function isPlainTextOnTlsPort(error: ErrorLike): boolean {
  return error.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || error.code === 'ERR_SSL_HTTP_REQUEST' || error.code === 'ERR_SSL_HTTPS_PROXY_REQUEST';
}
