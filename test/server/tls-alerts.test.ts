import { expect } from 'chai';
import { alertName, alertNumber } from '../../src/server/index.js';
import { alertReceivedIn, alertSentFor, isPlainTextOnTlsPort } from '../../src/server/tls-alerts.js';

describe('TLS alert names and OpenSSL errors', function () {
  it('names alerts as RFC 8446/5246 do, both ways, and marks numbers no RFC names', function () {
    const table: [number, string][] = [
      [40, 'handshake_failure'],
      [42, 'bad_certificate'],
      [43, 'unsupported_certificate'],
      [45, 'certificate_expired'],
      [46, 'certificate_unknown'],
      [48, 'unknown_ca'],
      [70, 'protocol_version'],
      [116, 'certificate_required'],
    ];
    for (const [number, name] of table) {
      expect(alertName(number)).to.equal(name);
      expect(alertNumber(name)).to.equal(number);
    }
    expect(alertName(200)).to.equal('alert_200');
    expect(alertNumber('no_such_alert')).to.equal(undefined);
  });

  it('reads a received alert from the number OpenSSL quotes in its message', function () {
    const error = { code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', message: 'error:0A000416:SSL routines::sslv3 alert certificate unknown:SSL alert number 46' };
    expect(alertReceivedIn(error)).to.deep.equal({ direction: 'received', number: 46, name: 'certificate_unknown', basis: 'peer' });
  });

  it('falls back to the error code when the message has no number, with OpenSSL\'s spellings mapped', function () {
    expect(alertReceivedIn({ code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', message: '' })?.number).to.equal(48);
    expect(alertReceivedIn({ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' })?.name).to.equal('certificate_required');
    expect(alertReceivedIn({ code: 'ERR_SSL_TLSV1_ALERT_USER_CANCELLED' })?.name).to.equal('user_canceled');
    expect(alertReceivedIn({ code: 'ERR_SSL_TLSV1_UNRECOGNIZED_NAME' })?.number).to.equal(112);
  });

  it('finds no received alert in errors that are not alerts', function () {
    expect(alertReceivedIn({ code: 'ECONNRESET', message: 'socket hang up' })).to.equal(undefined);
    expect(alertReceivedIn({ code: 'ERR_SSL_NO_SHARED_CIPHER', message: 'no shared cipher' })).to.equal(undefined);
  });

  it('knows the alert OpenSSL sends for its own failures, by negotiated version where it differs', function () {
    const noCertificate = { code: 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE' };
    expect(alertSentFor(noCertificate, 'TLSv1.3')?.name).to.equal('certificate_required');
    expect(alertSentFor(noCertificate, 'TLSv1.2')?.name).to.equal('handshake_failure');
    expect(alertSentFor({ code: 'ERR_SSL_UNSUPPORTED_PROTOCOL' }, 'TLSv1.1')).to.deep.equal({ direction: 'sent', number: 70, name: 'protocol_version', basis: 'openssl-reason' });
  });

  it('says "no alert" for plain text on the TLS port and "unknown" for reasons it has no entry for', function () {
    expect(alertSentFor({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, undefined)).to.equal(null);
    expect(alertSentFor({ code: 'ERR_SSL_HTTP_REQUEST' }, undefined)).to.equal(null);
    expect(alertSentFor({ code: 'ERR_SSL_SOMETHING_NEW' }, 'TLSv1.2')).to.equal(undefined);
    expect(isPlainTextOnTlsPort({ code: 'ERR_SSL_HTTPS_PROXY_REQUEST' })).to.equal(true);
    expect(isPlainTextOnTlsPort({ code: 'ERR_SSL_NO_SHARED_CIPHER' })).to.equal(false);
  });
});
