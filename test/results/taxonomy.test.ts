import { expect } from 'chai';
import { verifyInfoText, FLAG } from '../../src/pki/mbedtls/flags.js';
import {
  ALL_CLASSES,
  CLASS_TABLE,
  classOutcome,
  classSpec,
  classifyAttempt,
  classifyTls,
  classifyWifi,
  describeClass,
} from '../../src/results/taxonomy.js';
import { errnoError, failedTls, failedWifi, mbedtlsError, tlsResult, valueError, verifiedReset, wifiResult } from './records.js';

/** Every class a case below produced: the last test checks the table has no class without a case. */
const produced = new Set<string>();
function seen<T extends { class: string }>(classification: T): T {
  produced.add(classification.class);
  return classification;
}

const COLD_RTC = [2021, 1, 1, 4, 0, 0, 8, 0] as const;
const issuedNow = [
  { subject: 'root', notBefore: '2020-01-01T00:00:00Z', notAfter: '2045-01-01T00:00:00Z' },
  { subject: 'intermediate', notBefore: '2020-01-01T00:00:00Z', notAfter: '2044-01-01T00:00:00Z' },
  { subject: 'leaf', notBefore: '2025-03-14T10:19:30Z', notAfter: '2026-03-14T10:20:30Z' },
];

describe('taxonomy: Wi-Fi timelines', () => {
  it('a fresh join that reaches GOT_IP is wifi.ok, with the time to IP and RSSI in the detail', () => {
    const c = seen(classifyWifi(wifiResult()));
    expect(c.class).to.equal('wifi.ok');
    expect(c.outcome).to.equal('pass');
    expect(c.detail).to.equal('STAT_GOT_IP (3) after 1920 ms, RSSI -48 dBm');
  });

  it('a link that was already up before connect() is wifi.carried-over, never wifi.ok', () => {
    const c = seen(classifyWifi(wifiResult({ mode: 'as-is', linkUpBefore: true, statusBefore: 3, timeline: [[0, 3]], timeToIpMs: 0 })));
    expect(c.class).to.equal('wifi.carried-over');
    expect(c.outcome).to.equal('inconclusive');
    expect(c.detail).to.contain('already up before connect()');
  });

  it('status 3 before connect() counts as carried over even when isconnected() was not recorded as true', () => {
    expect(classifyWifi(wifiResult({ statusBefore: 3, linkUpBefore: false })).class).to.equal('wifi.carried-over');
  });

  it('STAT_CONNECT_FAIL that never recovered is wifi.connect-fail: "STAT_CONNECT_FAIL (-1) at 3120 ms, never recovered"', () => {
    const c = seen(classifyWifi(failedWifi(-1, 3120, { ssid: 'picow-lab-hidden' })));
    expect(c.class).to.equal('wifi.connect-fail');
    expect(c.detail).to.equal('STAT_CONNECT_FAIL (-1) at 3120 ms, never recovered');
    expect(c.evidence).to.contain('§4');
  });

  it('STAT_NO_AP_FOUND is wifi.no-ap-found and STAT_WRONG_PASSWORD is wifi.wrong-password', () => {
    expect(seen(classifyWifi(failedWifi(-2, 4400, { ssid: 'no-such-ssid' }))).class).to.equal('wifi.no-ap-found');
    expect(seen(classifyWifi(failedWifi(-3, 1750))).class).to.equal('wifi.wrong-password');
  });

  it('a BADAUTH that recovered to GOT_IP is wifi.transient-badauth, not a wrong password', () => {
    const result = wifiResult({
      ssid: 'picow-lab-busy',
      timeline: [
        [0, 1],
        [1290, -3],
        [2900, 1],
        [3400, 2],
        [4010, 3],
      ],
      timeToIpMs: 4010,
      firstNegative: -3,
      recovered: true,
    });
    const c = seen(classifyWifi(result));
    expect(c.class).to.equal('wifi.transient-badauth');
    expect(c.outcome).to.equal('pass');
    expect(c.detail).to.equal('STAT_WRONG_PASSWORD (-3) at 1290 ms, then recovered: STAT_GOT_IP (3) after 4010 ms');
  });

  it('a recovery from a negative status other than -3 (facts: not the driver\'s doing) is wifi.transient-other', () => {
    const result = wifiResult({ timeline: [[0, 1], [900, -1], [1500, 1], [2600, 3]], timeToIpMs: 2600, firstNegative: -1, recovered: true });
    expect(seen(classifyWifi(result)).class).to.equal('wifi.transient-other');
  });

  it('a join that ends in a different negative than it first showed names the final one and mentions the first', () => {
    const result = failedWifi(-1, 5200, { timeline: [[0, 1], [800, -3], [1900, 1], [5200, -1]], firstNegative: -3 });
    const c = classifyWifi(result);
    expect(c.class).to.equal('wifi.connect-fail');
    expect(c.detail).to.contain('first negative: STAT_WRONG_PASSWORD (-3) at 800 ms');
  });

  it('a join still connecting at the timeout is wifi.timeout@STAT_CONNECTING', () => {
    const c = seen(classifyWifi(failedWifi(1, 0, { timeline: [[0, 1]], timeoutMs: 300 })));
    expect(c.class).to.equal('wifi.timeout@STAT_CONNECTING');
    expect(c.detail).to.equal('no IP within 300 ms: still STAT_CONNECTING (1) since 0 ms');
  });

  it('the unnamed status 2 at the timeout is wifi.timeout@2, and STAT_IDLE is wifi.timeout@STAT_IDLE', () => {
    const c = seen(classifyWifi(failedWifi(2, 1400, { timeline: [[0, 1], [1400, 2]] })));
    expect(c.class).to.equal('wifi.timeout@2');
    expect(c.detail).to.contain('status 2 (CYW43_LINK_NOIP)');
    expect(seen(classifyWifi(failedWifi(0, 0, { timeline: [[0, 0]] }))).class).to.equal('wifi.timeout@STAT_IDLE');
  });

  it('an exception from the Wi-Fi calls is wifi.error quoting it', () => {
    const c = seen(classifyWifi(failedWifi(0, 0, { timeline: [], error: errnoError(1, 'EPERM') })));
    expect(c.class).to.equal('wifi.error');
    expect(c.detail).to.contain('OSError: [Errno 1] EPERM');
  });
});

describe('taxonomy: TLS probe results', () => {
  it('a verified handshake with a byte-exact echo is tls.ok', () => {
    const c = seen(classifyTls(tlsResult()));
    expect(c.class).to.equal('tls.ok');
    expect(c.detail).to.equal('echo ok after handshake 812 ms (CERT_REQUIRED, TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256), RTC 2025-03-14T10:20:30Z');
  });

  it('tls.ok without CERT_REQUIRED says the chain was not verified', () => {
    expect(classifyTls(tlsResult({ verifyMode: 'CERT_NONE', verifyModeValue: 0 })).detail).to.contain('CERT_NONE: the chain was not verified');
  });

  describe('≥ v1.22 ValueError verify-info texts', () => {
    const cases: [string, number, string][] = [
      ['starts in the future', FLAG.BADCERT_FUTURE, 'tls.verify.future'],
      ['expired', FLAG.BADCERT_EXPIRED, 'tls.verify.expired'],
      ['not trusted', FLAG.BADCERT_NOT_TRUSTED, 'tls.verify.untrusted'],
      ['CN mismatch', FLAG.BADCERT_CN_MISMATCH, 'tls.verify.hostname'],
      ['SHA-1 signature', FLAG.BADCERT_BAD_MD, 'tls.verify.bad-md'],
      ['RSA-1024 key', FLAG.BADCERT_BAD_KEY, 'tls.verify.bad-key'],
      ['revoked', FLAG.BADCERT_REVOKED, 'tls.verify.other'],
      ['future and CN mismatch', FLAG.BADCERT_FUTURE | FLAG.BADCERT_CN_MISMATCH, 'tls.verify.multi'],
    ];
    for (const [what, flags, expected] of cases) {
      it(`${what} → ${expected}`, () => {
        const c = seen(classifyTls(failedTls('handshake', valueError(verifyInfoText(flags)))));
        expect(c.class).to.equal(expected);
        expect(c.verifyFlags).to.have.length.above(0);
      });
    }

    it('lists the reported flags and the RTC in the detail', () => {
      const c = classifyTls(failedTls('handshake', valueError('\nThe certificate validity starts in the future\n')));
      expect(c.detail).to.equal('ValueError: The certificate validity starts in the future at handshake [BADCERT_FUTURE], RTC 2021-01-01T00:00:08Z');
      expect(c.verifyFlags).to.deep.equal(['BADCERT_FUTURE']);
      expect(c.inferred).to.equal(undefined);
    });

    it('"Unknown reason" lines are tls.verify.other', () => {
      expect(classifyTls(failedTls('handshake', valueError('\nUnknown reason (this should not happen)\n'))).class).to.equal('tls.verify.other');
    });

    it('BAD_PK counts with BAD_KEY, so both together are still tls.verify.bad-key', () => {
      expect(classifyTls(failedTls('handshake', valueError(verifyInfoText(FLAG.BADCERT_BAD_PK | FLAG.BADCERT_BAD_KEY)))).class).to.equal('tls.verify.bad-key');
    });
  });

  describe('the bare -9984 (≤ v1.21 OSError form)', () => {
    const verifyFailed = mbedtlsError(-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED');

    it('is tls.verify.unspecified with no flags of its own', () => {
      const c = seen(classifyTls(failedTls('handshake', verifyFailed)));
      expect(c.class).to.equal('tls.verify.unspecified');
      expect(c.verifyFlags).to.equal(undefined);
      expect(c.inferred).to.equal(undefined);
      expect(c.detail).to.contain('no flags reported and none inferred');
    });

    it('infers BADCERT_FUTURE from a cold-boot RTC before the leaf\'s notBefore, marked as inferred', () => {
      const c = classifyTls(failedTls('handshake', verifyFailed, { rtcAtFailure: [...COLD_RTC] }), { certificates: issuedNow });
      expect(c.class).to.equal('tls.verify.unspecified');
      expect(c.inferred).to.deep.include({ flags: ['BADCERT_FUTURE'], class: 'tls.verify.future' });
      expect(c.inferred?.basis).to.equal("RTC 2021-01-01T00:00:08Z is before leaf's notBefore 2025-03-14T10:19:30Z");
      expect(c.detail).to.contain('flags not reported; inferred BADCERT_FUTURE');
    });

    it('infers BADCERT_EXPIRED from an RTC after a notAfter', () => {
      const expired = [{ subject: 'leaf', notBefore: '2020-01-02T00:00:00Z', notAfter: '2020-06-30T00:00:00Z' }];
      const c = classifyTls(failedTls('handshake', verifyFailed), { certificates: expired });
      expect(c.inferred?.flags).to.deep.equal(['BADCERT_EXPIRED']);
      expect(c.inferred?.class).to.equal('tls.verify.expired');
    });

    it('takes the non-date flags a certificate set is built to raise, and leaves the dates to the RTC', () => {
      const dates = [{ subject: 'leaf', notBefore: '2020-06-01T00:00:00Z', notAfter: '2040-01-01T00:00:00Z' }];
      const c = classifyTls(failedTls('handshake', verifyFailed), { certificates: dates, expectedFlags: ['BADCERT_CN_MISMATCH', 'BADCERT_FUTURE'] });
      expect(c.inferred?.flags).to.deep.equal(['BADCERT_CN_MISMATCH']);
      expect(c.inferred?.class).to.equal('tls.verify.hostname');
      expect(c.inferred?.basis).to.contain('within every certificate');
    });

    it('reads the alert the server received from the board: bad_certificate means CN_MISMATCH', () => {
      const c = classifyTls(failedTls('handshake', verifyFailed), { server: { alert: { direction: 'received', name: 'bad_certificate' } } });
      expect(c.inferred?.flags).to.deep.equal(['BADCERT_CN_MISMATCH']);
      expect(c.inferred?.class).to.equal('tls.verify.hostname');
      expect(c.inferred?.basis).to.equal('the server received bad_certificate (mbedTLS sends it for BADCERT_CN_MISMATCH)');
    });

    it('lets the received alert overrule a designed flag it rules out (unknown_ca: no CN_MISMATCH)', () => {
      const c = classifyTls(failedTls('handshake', verifyFailed), { expectedFlags: ['BADCERT_CN_MISMATCH'], server: { alert: { direction: 'received', name: 'unknown_ca' } } });
      expect(c.inferred?.flags).to.deep.equal(['BADCERT_NOT_TRUSTED']);
      expect(c.inferred?.basis).to.contain('so not BADCERT_CN_MISMATCH');
    });

    it('keeps an RTC-inferred FUTURE when the server received certificate_unknown (FUTURE has no alert of its own)', () => {
      const c = classifyTls(failedTls('handshake', verifyFailed), { certificates: issuedNow, server: { alert: { direction: 'received', name: 'certificate_unknown' } } });
      expect(c.inferred?.flags).to.deep.equal(['BADCERT_FUTURE']);
      expect(c.inferred?.basis).to.contain('the server received certificate_unknown (mbedTLS sends it when no flag has an alert of its own)');
    });

    it('a -9984 whose code arrives only as the name in the text (numeric fallback lost) is still unspecified', () => {
      const c = classifyTls(failedTls('handshake', { type: 'OSError', args: ['MBEDTLS_ERR_X509_CERT_VERIFY_FAILED'], errno: null, text: 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED' }));
      expect(c.class).to.equal('tls.verify.unspecified');
    });
  });

  it('ENOMEM and MBEDTLS_ERR_SSL_ALLOC_FAILED are tls.alloc', () => {
    expect(seen(classifyTls(failedTls('handshake', errnoError(12, 'ENOMEM')))).class).to.equal('tls.alloc');
    expect(classifyTls(failedTls('handshake', mbedtlsError(-32512, 'MBEDTLS_ERR_SSL_ALLOC_FAILED'))).class).to.equal('tls.alloc');
    expect(classifyTls(failedTls('handshake', { type: 'MemoryError', args: ['memory allocation failed, allocating 16384 bytes'], errno: null, text: 'memory allocation failed, allocating 16384 bytes' })).class).to.equal('tls.alloc');
  });

  it('a fatal alert is tls.alert.<name> with the name from the server\'s record, tls.alert.unknown without one', () => {
    const alert = mbedtlsError(-30592, 'MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE');
    const named = seen(classifyTls(failedTls('handshake', alert), { server: { alert: { direction: 'sent', name: 'handshake_failure' } } }));
    expect(named.class).to.equal('tls.alert.handshake_failure');
    expect(named.detail).to.contain('the server sent handshake_failure');
    expect(seen(classifyTls(failedTls('handshake', alert))).class).to.equal('tls.alert.unknown');
    const boardSent = { server: { alert: { direction: 'received' as const, name: 'certificate_unknown' } } };
    expect(classifyTls(failedTls('handshake', alert), boardSent).class, 'an alert the board sent names nothing here').to.equal('tls.alert.unknown');
  });

  it('CONN_EOF and a close_notify during the handshake are tls.conn-eof', () => {
    expect(seen(classifyTls(failedTls('handshake', mbedtlsError(-29312, 'MBEDTLS_ERR_SSL_CONN_EOF')))).class).to.equal('tls.conn-eof');
    expect(classifyTls(failedTls('handshake', mbedtlsError(-30848, 'MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY'))).class).to.equal('tls.conn-eof');
  });

  it('INVALID_RECORD is tls.invalid-record in the text form and in the heap-locked numeric form', () => {
    expect(seen(classifyTls(failedTls('handshake', mbedtlsError(-29184, 'MBEDTLS_ERR_SSL_INVALID_RECORD')))).class).to.equal('tls.invalid-record');
    expect(classifyTls(failedTls('handshake', { type: 'OSError', args: [-29184], errno: -29184, text: '-29184' })).class).to.equal('tls.invalid-record');
  });

  it('ETIMEDOUT during the handshake or echo and MBEDTLS_ERR_SSL_TIMEOUT are tls.timeout', () => {
    expect(seen(classifyTls(failedTls('handshake', errnoError(110, 'ETIMEDOUT')))).class).to.equal('tls.timeout');
    expect(classifyTls(failedTls('echo', errnoError(110, 'ETIMEDOUT'))).class).to.equal('tls.timeout');
    expect(classifyTls(failedTls('handshake', mbedtlsError(-26624, 'MBEDTLS_ERR_SSL_TIMEOUT'))).class).to.equal('tls.timeout');
  });

  it('other socket errors under TLS are tls.socket.<errno>', () => {
    expect(seen(classifyTls(failedTls('handshake', errnoError(104, 'ECONNRESET')))).class).to.equal('tls.socket.ECONNRESET');
    expect(classifyTls(failedTls('echo', errnoError(113, 'EHOSTUNREACH'))).class).to.equal('tls.socket.EHOSTUNREACH');
  });

  it('protocol failures of the handshake are tls.handshake-failure (3.x and 2.x codes)', () => {
    expect(seen(classifyTls(failedTls('handshake', mbedtlsError(-28160, 'MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE')))).class).to.equal('tls.handshake-failure');
    expect(classifyTls(failedTls('handshake', mbedtlsError(-31104, 'MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO'))).class).to.equal('tls.handshake-failure');
  });

  it('BAD_CERTIFICATE (both spellings) is tls.bad-certificate', () => {
    expect(seen(classifyTls(failedTls('handshake', mbedtlsError(-31232, 'MBEDTLS_ERR_SSL_BAD_CERTIFICATE')))).class).to.equal('tls.bad-certificate');
    expect(classifyTls(failedTls('handshake', mbedtlsError(-31232, 'MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE'))).class).to.equal('tls.bad-certificate');
  });

  it('settings the firmware refuses before the handshake are tls.config-rejected', () => {
    expect(seen(classifyTls(failedTls('handshake', valueError('invalid cert')))).class).to.equal('tls.config-rejected');
    expect(classifyTls(failedTls('handshake', valueError('CERT_REQUIRED requires server_hostname'))).class).to.equal('tls.config-rejected');
    expect(classifyTls(failedTls('handshake', mbedtlsError(-30336, 'MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED'))).class).to.equal('tls.config-rejected');
  });

  it('a missing API is tls.api-unavailable: apiAvailable false, or v1.19.1-88\'s TypeError for cert_reqs', () => {
    const missing = failedTls('api', { type: 'ImportError', args: ["no module named 'tls'"], errno: null, text: "no module named 'tls'" }, { api: 'tls', apiAvailable: false, rtcAtStart: null });
    const c = seen(classifyTls(missing));
    expect(c.class).to.equal('tls.api-unavailable');
    expect(c.detail).to.equal("the firmware has no tls API (ImportError: no module named 'tls')");
    const typeError = { type: 'TypeError', args: ['extra keyword arguments given'], errno: null, text: 'extra keyword arguments given' };
    expect(classifyTls(failedTls('handshake', typeError, { api: 'wrap_socket' })).class).to.equal('tls.api-unavailable');
  });

  it('OSError(-2) from getaddrinfo is net.dns', () => {
    const c = seen(classifyTls(failedTls('resolve', { type: 'OSError', args: [-2], errno: -2, text: '-2' })));
    expect(c.class).to.equal('net.dns');
    expect(c.detail).to.equal('OSError: -2 at resolve');
  });

  it('errors of the TCP connect are net.connect.<errno>, ETIMEDOUT included', () => {
    for (const [errno, name] of [
      [104, 'ECONNRESET'],
      [103, 'ECONNABORTED'],
      [113, 'EHOSTUNREACH'],
      [110, 'ETIMEDOUT'],
      [111, 'ECONNREFUSED'],
    ] as const) {
      expect(seen(classifyTls(failedTls('connect', errnoError(errno, name)))).class).to.equal(`net.connect.${name}`);
    }
    expect(classifyTls(failedTls('connect', errnoError(99))).class).to.equal('net.connect.errno-99');
  });

  it('an echo that differs after a good handshake is echo.mismatch with the offset', () => {
    const c = seen(classifyTls(tlsResult({ stage: 'echo', echoOk: false, echoMismatchAt: 15 })));
    expect(c.class).to.equal('echo.mismatch');
    expect(c.detail).to.equal('the echo differed at byte 15 after a good handshake (812 ms)');
  });

  it('anything no row knows is tls.error quoting it, and an unknown mbedTLS code by number', () => {
    const odd = seen(classifyTls(failedTls('handshake', { type: 'RuntimeError', args: ['boom'], errno: null, text: 'boom' })));
    expect(odd.class).to.equal('tls.error');
    expect(odd.detail).to.equal('RuntimeError: boom at handshake');
    expect(classifyTls(failedTls('handshake', mbedtlsError(-12345, 'MBEDTLS_ERR_UNKNOWN (0x3039)'))).detail).to.contain('-0x3039) is not in the table');
  });
});

describe('taxonomy: attempts', () => {
  it('all steps passing gives tls.ok, with the step classes in order', () => {
    const a = classifyAttempt({ reset: verifiedReset(), wifi: wifiResult(), tls: tlsResult() });
    expect(a.class).to.equal('tls.ok');
    expect(a.classes).to.deep.equal(['wifi.ok', 'tls.ok']);
  });

  it('a Wi-Fi-only attempt that passes is wifi.ok; a carried-over link stays wifi.carried-over', () => {
    expect(classifyAttempt({ wifi: wifiResult() }).class).to.equal('wifi.ok');
    expect(classifyAttempt({ wifi: wifiResult({ linkUpBefore: true, statusBefore: 3 }) }).class).to.equal('wifi.carried-over');
  });

  it('a carried-over link does not hide a TLS pass, and stays in classes', () => {
    const a = classifyAttempt({ wifi: wifiResult({ linkUpBefore: true, statusBefore: 3 }), tls: tlsResult() });
    expect(a.class).to.equal('tls.ok');
    expect(a.classes).to.deep.equal(['wifi.carried-over', 'tls.ok']);
  });

  it('the first failing step decides, and its detail is the attempt\'s', () => {
    const a = classifyAttempt({ wifi: failedWifi(-1, 3120), tls: null });
    expect(a.class).to.equal('wifi.connect-fail');
    expect(a.detail).to.equal('STAT_CONNECT_FAIL (-1) at 3120 ms, never recovered');
    const b = classifyAttempt({ wifi: wifiResult(), tls: failedTls('handshake', valueError('\nThe certificate validity starts in the future\n')) });
    expect(b.class).to.equal('tls.verify.future');
    expect(b.classes).to.deep.equal(['wifi.ok', 'tls.verify.future']);
  });

  it('carries the inferred flags of a bare -9984 up to the attempt', () => {
    const a = classifyAttempt({
      wifi: wifiResult(),
      tls: failedTls('handshake', mbedtlsError(-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED')),
      tlsContext: { certificates: issuedNow },
    });
    expect(a.class).to.equal('tls.verify.unspecified');
    expect(a.inferred?.flags).to.deep.equal(['BADCERT_FUTURE']);
  });

  it('takes the echo server\'s view of the connection for the alert of a failed handshake', () => {
    const server = { handshake: 'failed' as const, alert: { direction: 'sent' as const, name: 'handshake_failure' }, protocol: 'TLSv1.2', cipher: null, endReason: 'handshake-failed', bytesIn: 0, bytesOut: 0 };
    const a = classifyAttempt({ wifi: wifiResult(), tls: failedTls('handshake', mbedtlsError(-30592, 'MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE')), server });
    expect(a.class).to.equal('tls.alert.handshake_failure');
  });

  it('an unverified reset wins over the steps: harness.reset-not-verified', () => {
    const reset = verifiedReset({ mode: 'power-cycle', verified: false, problem: 'the port did not vanish within 5 s: the hub did not cut power', escalations: [] });
    const a = seen(classifyAttempt({ reset, wifi: wifiResult(), tls: tlsResult() }));
    expect(a.class).to.equal('harness.reset-not-verified');
    expect(a.classes).to.deep.equal(['harness.reset-not-verified', 'wifi.ok', 'tls.ok']);
    expect(a.detail).to.equal('power-cycle reset not verified: the port did not vanish within 5 s: the hub did not cut power');
  });

  it('a cell with no Wi-Fi step whose reset was verified is reset.ok; the same reset with a Wi-Fi step adds no class', () => {
    const reset = verifiedReset({ mode: 'hard' });
    const only = seen(classifyAttempt({ reset }));
    expect(only.class).to.equal('reset.ok');
    expect(only.detail).to.equal('hard reset verified');
    expect(classifyAttempt({ reset, wifi: wifiResult() }).classes).to.deep.equal(['wifi.ok']);
  });

  it('a lost transport is harness.transport-lost, even after a failing step', () => {
    const a = seen(classifyAttempt({ wifi: failedWifi(-3, 900), harnessError: { code: 'TRANSPORT_LOST', message: 'lost /dev/ttyACM0: the device node vanished' } }));
    expect(a.class).to.equal('harness.transport-lost');
    expect(a.detail).to.equal('TRANSPORT_LOST: lost /dev/ttyACM0: the device node vanished');
  });

  it('a hung board is device-hung and wins over every other harness finding', () => {
    const reset = verifiedReset({ verified: false, problem: 'the raw prompt did not answer', escalations: ['ctrl-c', 'machine.reset'] });
    const a = seen(classifyAttempt({ reset, harnessError: { code: 'DEVICE_HUNG', message: 'no answer after ctrl-c; no power driver' } }));
    expect(a.class).to.equal('device-hung');
    expect(a.classes).to.deep.equal(['harness.reset-not-verified', 'device-hung']);
  });

  it('other harness errors are harness.error naming the code; an attempt with nothing at all is harness.error too', () => {
    const a = seen(classifyAttempt({ wifi: wifiResult(), harnessError: { code: 'TIMEOUT', message: 'exec-idle timeout after 30000 ms on sim' } }));
    expect(a.class).to.equal('harness.error');
    expect(a.detail).to.match(/^TIMEOUT: /);
    expect(classifyAttempt({}).class).to.equal('harness.error');
  });
});

describe('taxonomy: the class table', () => {
  it('names every class with its step, outcome, a description and its evidence', () => {
    for (const spec of CLASS_TABLE) {
      expect(spec.describe, spec.name).to.match(/\.$/);
      expect(spec.evidence, spec.name).to.not.equal('');
    }
    expect(new Set(CLASS_TABLE.map((spec) => spec.name)).size).to.equal(CLASS_TABLE.length);
  });

  it('ALL_CLASSES holds the issue\'s classes, families expanded', () => {
    for (const name of [
      'wifi.ok',
      'wifi.carried-over',
      'wifi.no-ap-found',
      'wifi.wrong-password',
      'wifi.transient-badauth',
      'wifi.connect-fail',
      'wifi.timeout@STAT_CONNECTING',
      'wifi.timeout@2',
      'tls.ok',
      'tls.verify.future',
      'tls.verify.expired',
      'tls.verify.untrusted',
      'tls.verify.hostname',
      'tls.verify.bad-md',
      'tls.verify.bad-key',
      'tls.verify.multi',
      'tls.verify.unspecified',
      'tls.alloc',
      'tls.alert.certificate_unknown',
      'tls.conn-eof',
      'tls.invalid-record',
      'tls.timeout',
      'tls.api-unavailable',
      'echo.mismatch',
      'harness.transport-lost',
      'harness.reset-not-verified',
      'device-hung',
      'net.dns',
      'net.connect.ECONNRESET',
    ]) {
      expect(ALL_CLASSES, name).to.include(name);
    }
    expect(ALL_CLASSES.some((name) => name.includes('<'))).to.equal(false);
  });

  it('describes classes and family members for reports; unknown names say so', () => {
    expect(describeClass('tls.alert.unknown_ca')).to.contain('fatal alert (unknown_ca)');
    expect(describeClass('wifi.timeout@2')).to.contain('the status then was 2');
    expect(describeClass('tls.verify.future')).to.contain('BADCERT_FUTURE');
    expect(describeClass('nonsense')).to.equal('nonsense: not a class of this taxonomy');
    expect(classSpec('net.connect.ETIMEDOUT')?.member).to.equal('ETIMEDOUT');
    expect(classOutcome('wifi.carried-over')).to.equal('inconclusive');
    expect(classOutcome('tls.alert.bad_certificate')).to.equal('fail');
  });

  it('every class of the table is produced by at least one case above', () => {
    const missing = CLASS_TABLE.filter((spec) => {
      const family = spec.name.includes('<') ? spec.name.slice(0, spec.name.indexOf('<')) : undefined;
      return ![...produced].some((name) => (family === undefined ? name === spec.name : name.startsWith(family)));
    });
    expect(missing.map((spec) => spec.name)).to.deep.equal([]);
  });
});
