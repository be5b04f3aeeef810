import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ObservedAlert } from '../../src/server/index.js';
import { alertNumberReceived, chainSubjects, requireOpenssl, sClient } from './support/openssl.js';
import { ServerPool } from './support/server.js';
import { makeTestPki, TEST_HOST, type TestPki } from './support/test-pki.js';

describe('TLS echo server with openssl s_client', function () {
  let openssl: string;
  let pki: TestPki;
  let dir: string;
  const pool = new ServerPool();
  const file = (name: string): string => join(dir, name);

  before(async function () {
    openssl = requireOpenssl(this);
    pki = await makeTestPki();
    dir = await mkdtemp(join(tmpdir(), 'picow-sclient-'));
    await writeFile(file('ca.pem'), pki.caPem);
    await writeFile(file('other-ca.pem'), pki.otherCaPem);
    await writeFile(file('client.pem'), pki.client.certPem);
    await writeFile(file('intermediate.pem'), pki.intermediatePem);
    await writeFile(file('client-key.pem'), pki.client.keyPem);
  });

  afterEach(async function () {
    await pool.closeAll();
  });

  after(async function () {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const verifying = (): string[] => ['-servername', TEST_HOST, '-CAfile', file('ca.pem'), '-verify_return_error'];
  const received = (number: number, name: string): ObservedAlert => ({ direction: 'received', number, name, basis: 'peer' });
  const sent = (number: number, name: string): ObservedAlert => ({ direction: 'sent', number, name, basis: 'openssl-reason' });

  it('-tls1_2 with SNI and the root as CAfile: verifies the full chain (leaf + intermediate) and gets its echo', async function () {
    const { server, records } = await pool.start(pki.valid);
    const run = await sClient(openssl, server.port, ['-tls1_2', '-showcerts', ...verifying()], { send: 'sclient-1\nhello\n', until: /^hello$/m });
    expect(chainSubjects(run.output)).to.deep.equal([`CN = ${TEST_HOST}`, 'CN = picow-harness test intermediate']);
    expect(run.output).to.include('Verify return code: 0 (ok)');
    expect(run.output).to.match(/^sclient-1\nhello$/m);
    const [record] = await records.count(1);
    expect(record).to.deep.include({ handshake: 'ok', correlationId: 'sclient-1', bytesIn: 16, bytesOut: 16, alert: null });
    expect(record?.tls).to.deep.include({ version: 'TLSv1.2', sni: TEST_HOST });
  });

  it('gives an mbedTLS-like client (TLS 1.2, P-256/P-384 only, ECDHE-ECDSA-AES128-GCM-SHA256) an ECDHE key exchange on P-256', async function () {
    const { server, records } = await pool.start(pki.valid);
    const run = await sClient(openssl, server.port, ['-tls1_2', '-groups', 'P-256:P-384', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256', ...verifying()], {
      send: 'pico\n',
      until: /^pico$/m,
    });
    expect(run.output).to.include('Cipher is ECDHE-ECDSA-AES128-GCM-SHA256');
    expect(run.output).to.match(/Server Temp Key: ECDH, prime256v1/);
    const [record] = await records.count(1);
    expect(record?.tls).to.deep.include({ version: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
  });

  describe('a client that sends an alert when it rejects the server certificate (-verify_return_error)', function () {
    const cases = [
      { name: 'an untrusted CA', material: (): TestPki['valid'] => pki.valid, ca: 'other-ca.pem', extra: [] as string[], alert: [48, 'unknown_ca'] as const },
      { name: 'an expired leaf', material: (): TestPki['valid'] => pki.expired, ca: 'ca.pem', extra: [], alert: [45, 'certificate_expired'] as const },
      { name: 'another host name', material: (): TestPki['valid'] => pki.wrongHost, ca: 'ca.pem', extra: ['-verify_hostname', TEST_HOST], alert: [42, 'bad_certificate'] as const },
    ];
    for (const testCase of cases) {
      for (const version of ['-tls1_2', '-tls1_3']) {
        it(`${version}, ${testCase.name}: the server records the ${testCase.alert[1]} alert it received`, async function () {
          const { server, records } = await pool.start(testCase.material());
          const run = await sClient(openssl, server.port, [version, '-servername', TEST_HOST, '-CAfile', file(testCase.ca), '-verify_return_error', ...testCase.extra], { send: 'never\n' });
          expect(run.output).to.match(/verify error/);
          const [record] = await records.count(1);
          expect(record).to.deep.include({ handshake: 'failed', endReason: 'handshake-failed', bytesIn: 0, correlationId: null });
          expect(record?.alert).to.deep.equal(received(testCase.alert[0], testCase.alert[1]));
          expect(record?.tls?.version).to.equal(version === '-tls1_2' ? 'TLSv1.2' : 'TLSv1.3');
          expect(record?.tls?.sni).to.equal(TEST_HOST);
        });
      }
    }
  });

  describe('alerts the server sends (checked against what s_client received)', function () {
    it('no shared cipher (an RSA key exchange against an ECDSA certificate): handshake_failure', async function () {
      const { server, records } = await pool.start(pki.valid);
      const run = await sClient(openssl, server.port, ['-tls1_2', '-cipher', 'AES128-SHA', ...verifying()]);
      expect(alertNumberReceived(run.output)).to.equal(40);
      const [record] = await records.count(1);
      expect(record?.alert).to.deep.equal(sent(40, 'handshake_failure'));
      expect(record?.error?.code).to.equal('ERR_SSL_NO_SHARED_CIPHER');
    });

    it('a TLS 1.1 client: protocol_version', async function () {
      const { server, records } = await pool.start(pki.valid);
      const run = await sClient(openssl, server.port, ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0', ...verifying()]);
      expect(alertNumberReceived(run.output)).to.equal(70);
      const [record] = await records.count(1);
      expect(record?.alert).to.deep.equal(sent(70, 'protocol_version'));
    });
  });

  describe('mutual TLS', function () {
    const withClientCa = (): TestPki['valid'] & { clientCaPem: string } => ({ ...pki.valid, clientCaPem: pki.caPem });

    it('-tls1_2 with -cert/-key and the intermediate: completes, echoes, and records the client certificate subject', async function () {
      const { server, records } = await pool.start(withClientCa(), { mtls: true });
      const client = ['-cert', file('client.pem'), '-cert_chain', file('intermediate.pem'), '-key', file('client-key.pem')];
      const run = await sClient(openssl, server.port, ['-tls1_2', ...client, ...verifying()], { send: 'mtls\n', until: /^mtls$/m });
      expect(run.output).to.include('Verify return code: 0 (ok)');
      const [record] = await records.count(1);
      expect(record).to.deep.include({ handshake: 'ok', correlationId: 'mtls' });
      expect(record?.tls?.clientCertificate?.subject).to.equal('CN=picow-test-client');
    });

    it('-tls1_2 with a client certificate but not its intermediate: the server cannot verify it and closes without an alert', async function () {
      const { server, records } = await pool.start(withClientCa(), { mtls: true });
      // s_client sends only the first certificate of -cert; the server trusts the root alone.
      const run = await sClient(openssl, server.port, ['-tls1_2', '-cert', file('client.pem'), '-key', file('client-key.pem'), ...verifying()], { send: 'x\n', until: /unexpected eof|errno/ });
      expect(alertNumberReceived(run.output)).to.equal(undefined);
      const [record] = await records.count(1);
      expect(record).to.deep.include({ handshake: 'failed', endReason: 'client-certificate-rejected', alert: null });
      expect(record?.tls?.clientCertificateError).to.equal('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });

    it('-tls1_2 without a client certificate: the server sends handshake_failure and records it', async function () {
      const { server, records } = await pool.start(withClientCa(), { mtls: true });
      const run = await sClient(openssl, server.port, ['-tls1_2', ...verifying()], { send: 'x\n' });
      expect(alertNumberReceived(run.output)).to.equal(40);
      const [record] = await records.count(1);
      expect(record).to.deep.include({ handshake: 'failed', endReason: 'handshake-failed' });
      expect(record?.alert).to.deep.equal(sent(40, 'handshake_failure'));
    });

    it('-tls1_3 without a client certificate: the server sends certificate_required and records it', async function () {
      const { server, records } = await pool.start(withClientCa(), { mtls: true });
      // In TLS 1.3 the client finishes first and reads the alert afterwards: keep stdin open until it does.
      const run = await sClient(openssl, server.port, ['-tls1_3', ...verifying()], { send: 'x\n', until: /SSL alert number/ });
      expect(alertNumberReceived(run.output)).to.equal(116);
      const [record] = await records.count(1);
      expect(record?.alert).to.deep.equal(sent(116, 'certificate_required'));
    });
  });
});
