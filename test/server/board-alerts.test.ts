import { expect } from 'chai';
import { alertName, alertNumber } from '../../src/server/index.js';
import { rejectServerFlightWithAlert } from './support/clients.js';
import { ServerPool } from './support/server.js';
import { makeTestPki, TEST_HOST, type TestPki } from './support/test-pki.js';

/**
 * The alerts mbedTLS chooses from its verify flags (facts §10): FUTURE/OTHER → certificate_unknown
 * (the cold-boot failure), EXPIRED → certificate_expired, NOT_TRUSTED → unknown_ca, CN_MISMATCH →
 * bad_certificate, BAD_KEY/BAD_PK/KEY_USAGE → unsupported_certificate.
 */
const MBEDTLS_VERIFY_ALERTS = ['certificate_unknown', 'certificate_expired', 'unknown_ca', 'bad_certificate', 'unsupported_certificate'];

describe('TLS echo server: the alert a board sends when it rejects the chain', function () {
  let pki: TestPki;
  const pool = new ServerPool();

  before(async function () {
    pki = await makeTestPki();
  });

  afterEach(async function () {
    await pool.closeAll();
  });

  for (const name of MBEDTLS_VERIFY_ALERTS) {
    it(`records ${name} as received, over TLS 1.2, with the SNI the client sent`, async function () {
      const number = alertNumber(name);
      expect(number, name).to.be.a('number');
      const { server, records } = await pool.start(pki.valid);
      const port = await rejectServerFlightWithAlert(server.port, number ?? 0, TEST_HOST);
      const record = await records.fromClientPort(port);
      expect(record).to.deep.include({ handshake: 'failed', endReason: 'handshake-failed', bytesIn: 0, correlationId: null });
      expect(record.alert).to.deep.equal({ direction: 'received', number, name, basis: 'peer' });
      expect(record.tls).to.deep.include({ version: 'TLSv1.2', sni: TEST_HOST });
      expect(alertName(number ?? 0)).to.equal(name);
    });
  }
});
