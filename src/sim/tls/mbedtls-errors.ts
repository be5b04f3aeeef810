import { tlsProfile } from '../../pki/mbedtls/index.js';
import { osError, type PyRaise } from '../hw/py-raise.js';

/**
 * mbedTLS return codes the board's TLS client meets (include/mbedtls/ssl.h: the same values in
 * 2.16, 2.28 and 3.x) and the text MicroPython puts next to them: "MBEDTLS_ERR_" + the define name
 * from lib/mbedtls_errors/mp_mbedtls_errors.c (facts §5, §6), which every rp2 build links.
 */
export const SSL_INVALID_MAC = -0x7180;
export const SSL_INVALID_RECORD = -0x7200;
export const SSL_CONN_EOF = -0x7280;
export const SSL_CA_CHAIN_REQUIRED = -0x7680;
export const SSL_FATAL_ALERT_MESSAGE = -0x7780;
export const SSL_PEER_CLOSE_NOTIFY = -0x7880;
/** MBEDTLS_ERR_SSL_BAD_CERTIFICATE (3.x) = MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE (2.x). */
export const SSL_BAD_CERTIFICATE = -0x7a00;
/** 3.x MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE. */
const SSL_HANDSHAKE_FAILURE = -0x6e00;
/** 2.x MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO. */
const SSL_BAD_HS_SERVER_HELLO = -0x7980;

function nameOf(code: number, major: 2 | 3): string | undefined {
  switch (code) {
    case SSL_INVALID_MAC:
      return 'SSL_INVALID_MAC';
    case SSL_INVALID_RECORD:
      return 'SSL_INVALID_RECORD';
    case SSL_CONN_EOF:
      return 'SSL_CONN_EOF';
    case SSL_CA_CHAIN_REQUIRED:
      return 'SSL_CA_CHAIN_REQUIRED';
    case SSL_FATAL_ALERT_MESSAGE:
      return 'SSL_FATAL_ALERT_MESSAGE';
    case SSL_PEER_CLOSE_NOTIFY:
      return 'SSL_PEER_CLOSE_NOTIFY';
    case SSL_BAD_CERTIFICATE:
      return major === 3 ? 'SSL_BAD_CERTIFICATE' : 'SSL_BAD_HS_CERTIFICATE';
    case SSL_HANDSHAKE_FAILURE:
      return 'SSL_HANDSHAKE_FAILURE';
    case SSL_BAD_HS_SERVER_HELLO:
      return 'SSL_BAD_HS_SERVER_HELLO';
    default:
      return undefined;
  }
}

/**
 * What mbedtls_raise_error raises for `code` (a failed handshake): socket errors passed through
 * mbedTLS as -errno become OSError(errno); mbedTLS codes become OSError(code, 'MBEDTLS_ERR_…').
 */
export function handshakeError(code: number, profile: string): PyRaise {
  if (code < 0 && code > -256) return osError(-code);
  const name = nameOf(code, tlsProfile(profile).mbedtlsMajor);
  return name === undefined ? osError(code, `MBEDTLS_ERR_UNKNOWN (0x${(-code).toString(16).toUpperCase().padStart(4, '0')})`) : osError(code, `MBEDTLS_ERR_${name}`);
}

/**
 * Model: a handshake failure Node's TLS client reports that the record reader did not explain
 * (bad ServerKeyExchange signature, unexpected message, …): mbedTLS would name the failing step;
 * the simulator uses its most general handshake code.
 */
export function genericHandshakeError(profile: string): PyRaise {
  return handshakeError(tlsProfile(profile).mbedtlsMajor === 3 ? SSL_HANDSHAKE_FAILURE : SSL_BAD_HS_SERVER_HELLO, profile);
}

/**
 * What read()/write() raise for an mbedTLS failure after the handshake (socket_read/socket_write in
 * modussl_mbedtls.c / modssl_mbedtls.c / modtls_mbedtls.c): the stream layer raises OSError(code)
 * with the bare (negative) number — except v1.22.2, whose ssl_check_async_handshake_failure sends
 * every error but CONN_EOF through mbedtls_raise_error (mbedTLS 2.x has no "handshake over" test).
 */
export function streamError(code: number, profile: string): PyRaise {
  if (tlsProfile(profile).profile === 'v1.22.2' && code !== SSL_CONN_EOF) return handshakeError(code, profile);
  return osError(code);
}
