import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEchoServer, TLS_ON_PLAIN_PORT_NOTICE, type ServerLogRecord } from '../../src/server/index.js';
import { failure } from '../support/failure.js';
import { closed, openSocket, plainExchange, tlsExchange, waitUntil, WAIT_MS } from './support/clients.js';
import { ServerPool } from './support/server.js';
import { makeTestPki, TEST_HOST, type TestPki } from './support/test-pki.js';

describe('TLS echo server', function () {
  let pki: TestPki;
  const pool = new ServerPool();
  let scratch: string;

  before(async function () {
    pki = await makeTestPki();
    scratch = await mkdtemp(join(tmpdir(), 'picow-serve-'));
  });

  afterEach(async function () {
    await pool.closeAll();
  });

  after(async function () {
    await rm(scratch, { recursive: true, force: true });
  });

  const trusting = (): { ca: string; servername: string } => ({ ca: pki.caPem, servername: TEST_HOST });

  describe('echo', function () {
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      it(`echoes every byte over ${version} and records the first line as the correlation id`, async function () {
        const { server, records } = await pool.start(pki.valid);
        const payload = Buffer.concat([Buffer.from('corr-42\r\nnonce 7f3a\n'), randomBytes(3000)]);
        const outcome = await tlsExchange(server.port, { ...trusting(), minVersion: version, maxVersion: version }, { send: payload, closeAfterBytes: payload.length });
        expect(outcome.error).to.equal(undefined);
        expect(outcome.authorized, 'the client verified the chain against the root alone, so the intermediate was sent').to.equal(true);
        expect(outcome.received.equals(payload)).to.equal(true);

        const record = await records.fromClientPort(outcome.localPort);
        expect(record).to.deep.include({ kind: 'connection', listener: 'tls', handshake: 'ok', correlationId: 'corr-42', bytesIn: payload.length, bytesOut: payload.length, alert: null, error: null });
        expect(record.endReason).to.be.oneOf(['client-closed', 'client-reset']);
        expect(record.tls).to.deep.include({ version, sni: TEST_HOST, clientCertificate: null, clientCertificateError: null });
        expect(record.tls?.cipher).to.equal(outcome.cipher);
        expect(record.wireBytesIn).to.be.above(payload.length);
        expect(record.remote).to.deep.equal({ address: '127.0.0.1', port: outcome.localPort });
        expect(record.local).to.deep.equal({ address: '127.0.0.1', port: server.port });
        expect(Date.parse(record.endedAt)).to.be.at.least(Date.parse(record.acceptedAt));
      });
    }

    it('echoes on the plain port with the same protocol', async function () {
      const { server, records } = await pool.start(pki.valid, { plainPort: 0 });
      expect(server.plainPort).to.be.a('number').above(0);
      const payload = Buffer.from('plain-7\nsome bytes\x00\xff\n', 'latin1');
      const outcome = await plainExchange(server.plainPort ?? 0, { send: payload, closeAfterBytes: payload.length });
      expect(outcome.received.equals(payload)).to.equal(true);
      const record = await records.fromClientPort(outcome.localPort);
      expect(record).to.deep.include({ listener: 'plain', handshake: 'none', tls: null, correlationId: 'plain-7', bytesIn: payload.length, bytesOut: payload.length });
    });

    it('echoes what a client sent before half-closing, even without a complete first line, then closes', async function () {
      const { server, records } = await pool.start(pki.valid, { plainPort: 0 });
      const outcome = await plainExchange(server.plainPort ?? 0, { send: 'no newline here', endAfterSend: true });
      expect(outcome.received.toString()).to.equal('no newline here');
      const record = await records.fromClientPort(outcome.localPort);
      expect(record).to.deep.include({ correlationId: null, bytesIn: 15, bytesOut: 15, endReason: 'client-closed' });
    });

    it('escapes a correlation id that is not printable ASCII', async function () {
      const { server, records } = await pool.start(pki.valid, { plainPort: 0 });
      const outcome = await plainExchange(server.plainPort ?? 0, { send: Buffer.from([0x69, 0x64, 0x00, 0xe9, 0x5c, 0x0a]), closeAfterBytes: 6 });
      const record = await records.fromClientPort(outcome.localPort);
      expect(record.correlationId).to.equal('id\\x00\\xe9\\\\');
    });
  });

  describe('what a Pico W negotiates (TLS 1.2 only, no X25519)', function () {
    const ecdsaSuites = ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES128-SHA'];
    for (const cipher of ecdsaSuites) {
      it(`completes ${cipher} with an ECDSA chain over P-256/P-384`, async function () {
        const { server, records } = await pool.start(pki.valid);
        const outcome = await tlsExchange(server.port, { ...trusting(), maxVersion: 'TLSv1.2', ciphers: cipher, ecdhCurve: 'P-256:P-384' }, { send: 'pico\n', closeAfterBytes: 5 });
        expect(outcome.error).to.equal(undefined);
        expect(outcome.received.toString()).to.equal('pico\n');
        const record = await records.fromClientPort(outcome.localPort);
        expect(record.tls).to.deep.include({ version: 'TLSv1.2', cipher });
      });
    }

    for (const cipher of ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-SHA384', 'AES128-GCM-SHA256', 'AES256-SHA']) {
      it(`completes ${cipher} with an RSA-2048 leaf`, async function () {
        const { server, records } = await pool.start(pki.rsa);
        const outcome = await tlsExchange(server.port, { ...trusting(), maxVersion: 'TLSv1.2', ciphers: cipher, ecdhCurve: 'P-256' }, { send: 'pico\n', closeAfterBytes: 5 });
        expect(outcome.error).to.equal(undefined);
        const record = await records.fromClientPort(outcome.localPort);
        expect(record.tls).to.deep.include({ version: 'TLSv1.2', cipher });
      });
    }
  });

  describe('clients that are not TLS, or not the right TLS', function () {
    it('closes plain TCP on the TLS port without an alert and logs plain-on-tls-port', async function () {
      const { server, records } = await pool.start(pki.valid);
      const outcome = await plainExchange(server.port, { send: 'corr-1\nhello\n' });
      expect(outcome.received.length, 'OpenSSL sends no alert to bytes that do not look like TLS').to.equal(0);
      const record = await records.fromClientPort(outcome.localPort);
      expect(record).to.deep.include({ handshake: 'failed', endReason: 'plain-on-tls-port', alert: null, correlationId: null, bytesIn: 0, wireBytesIn: 13 });
      expect(record.error?.code).to.equal('ERR_SSL_WRONG_VERSION_NUMBER');
    });

    it('recognises an HTTP request on the TLS port as plain text too', async function () {
      const { server, records } = await pool.start(pki.valid);
      const outcome = await plainExchange(server.port, { send: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' });
      const record = await records.fromClientPort(outcome.localPort);
      expect(record).to.deep.include({ endReason: 'plain-on-tls-port', alert: null });
      expect(record.error?.code).to.equal('ERR_SSL_HTTP_REQUEST');
    });

    it('answers a TLS ClientHello on the plain port with a plain-text line and closes', async function () {
      const { server, records } = await pool.start(pki.valid, { plainPort: 0 });
      const outcome = await tlsExchange(server.plainPort ?? 0, trusting());
      expect(outcome.secure).to.equal(false);
      expect(outcome.error?.code, 'the notice is not a TLS record').to.match(/^ERR_SSL_/);
      const record = await records.fromClientPort(outcome.localPort);
      expect(record).to.deep.include({ listener: 'plain', endReason: 'tls-on-plain-port', correlationId: null, bytesOut: 0 });
      expect(record.wireBytesOut).to.equal(TLS_ON_PLAIN_PORT_NOTICE.length);

      const raw = await plainExchange(server.plainPort ?? 0, { send: Buffer.from([0x16, 0x03, 0x01, 0x00, 0x31, 0x01, 0x00]) });
      expect(raw.received.toString()).to.equal(TLS_ON_PLAIN_PORT_NOTICE);
    });

    it('survives garbage on both ports, records every connection, and keeps serving', async function () {
      const { server, records } = await pool.start(pki.valid, { plainPort: 0, maxLineBytes: 64, handshakeTimeoutMs: 300, idleTimeoutMs: 300 });
      const garbage = [
        randomBytes(64 * 1024),
        Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, ...randomBytes(200)]),
        Buffer.from([0x16, 0x03, 0x03, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]),
        Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01]),
        Buffer.alloc(10_000, 0),
      ];
      const outcomes = await Promise.all(garbage.flatMap((bytes) => [plainExchange(server.port, { send: bytes }), plainExchange(server.plainPort ?? 0, { send: bytes })]));
      await records.count(outcomes.length);
      expect(records.records.filter((record) => record.listener === 'tls').every((record) => record.handshake === 'failed')).to.equal(true);
      expect(server.connections()).to.equal(0);

      const after = await tlsExchange(server.port, trusting(), { send: 'still here\n', closeAfterBytes: 11 });
      expect(after.received.toString()).to.equal('still here\n');
    });

    it('closes a connection whose first line is longer than maxLineBytes and echoes none of it', async function () {
      const { server, records } = await pool.start(pki.valid, { maxLineBytes: 16 });
      const fits = await tlsExchange(server.port, trusting(), { send: `${'a'.repeat(16)}\n`, closeAfterBytes: 17 });
      expect(fits.received.length).to.equal(17);
      const outcome = await tlsExchange(server.port, trusting(), { send: 'b'.repeat(17) });
      expect(outcome.received.length).to.equal(0);
      const record = await records.fromClientPort(outcome.localPort);
      expect(record).to.deep.include({ handshake: 'ok', endReason: 'line-too-long', correlationId: null, bytesOut: 0, bytesIn: 17 });
    });
  });

  describe('timeouts and limits', function () {
    it('ends a connection that never starts its handshake when handshakeTimeoutMs runs out', async function () {
      const { server, records } = await pool.start(pki.valid, { handshakeTimeoutMs: 150 });
      const socket = await openSocket(server.port);
      const port = socket.localPort;
      await closed(socket);
      const record = await records.fromClientPort(port);
      expect(record).to.deep.include({ handshake: 'failed', endReason: 'handshake-timeout', wireBytesIn: 0 });
      expect(record.error?.code).to.equal('ERR_TLS_HANDSHAKE_TIMEOUT');
    });

    it('ends a connection with no traffic after the handshake when idleTimeoutMs runs out', async function () {
      const { server, records } = await pool.start(pki.valid, { idleTimeoutMs: 150 });
      const outcome = await tlsExchange(server.port, trusting(), { send: 'corr-idle\n' });
      expect(outcome.received.toString()).to.equal('corr-idle\n');
      const record = await records.fromClientPort(outcome.localPort);
      expect(record).to.deep.include({ handshake: 'ok', endReason: 'idle-timeout', correlationId: 'corr-idle' });
    });

    it('stops reading from a client that does not read its echo, so the server holds a bounded buffer until the idle timeout', async function () {
      const { server, records } = await pool.start(pki.valid, { plainPort: 0, idleTimeoutMs: 300 });
      const socket = await openSocket(server.plainPort ?? 0);
      const port = socket.localPort;
      socket.pause(); // never reads: the echo backs up into the server
      socket.on('error', () => undefined);
      const block = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const total = 64 * 1024 * 1024;
      await new Promise<void>((resolve) => {
        const pump = (): void => {
          while (sent < total && !socket.destroyed) {
            sent += block.length;
            if (!socket.write(sent === block.length ? Buffer.concat([Buffer.from('flood\n'), block]) : block)) {
              socket.once('drain', pump);
              return;
            }
          }
          resolve();
        };
        socket.once('close', () => resolve());
        pump();
      });
      socket.destroy();
      const record = await records.fromClientPort(port);
      expect(record.endReason).to.equal('idle-timeout');
      expect(record.bytesIn, 'the server stopped reading long before the client stopped writing').to.be.below(total);
      expect(record.bytesIn - record.bytesOut, 'bytes read but not yet handed to the kernel').to.be.below(1024 * 1024);
    });

    it('closes connections beyond maxConnections at once and logs each refusal', async function () {
      const { server, records } = await pool.start(pki.valid, { maxConnections: 2, plainPort: 0 });
      const accepted: number[] = [];
      server.events.on('accepted', (connection) => accepted.push(connection.id));
      const first = await openSocket(server.port);
      const second = await openSocket(server.plainPort ?? 0);
      await waitUntil(() => accepted.length === 2, 'two connections accepted');
      expect(server.connections()).to.equal(2);

      const third = await openSocket(server.port);
      const thirdPort = third.localPort;
      await closed(third);
      const refused = await records.fromClientPort(thirdPort);
      expect(refused).to.deep.include({ endReason: 'max-connections', handshake: 'none', bytesIn: 0 });

      first.destroy();
      second.destroy();
      await records.count(3);
      const later = await tlsExchange(server.port, trusting(), { send: 'after\n', closeAfterBytes: 6 });
      expect(later.received.toString()).to.equal('after\n');
    });

    it('records every one of a flood of connections that open and close at once, and is left with none open', async function () {
      const { server, records } = await pool.start(pki.valid, { plainPort: 0 });
      const flood = 300;
      await Promise.all(
        Array.from({ length: flood }, async (_, index) => {
          const socket = await openSocket(index % 2 === 0 ? server.port : (server.plainPort ?? 0));
          socket.on('error', () => undefined);
          if (index % 3 === 0) socket.resetAndDestroy();
          else socket.destroy();
          await closed(socket);
        }),
      );
      await records.count(flood, 3 * WAIT_MS);
      expect(server.connections()).to.equal(0);
      const ids = new Set(records.records.map((record) => record.id));
      expect(ids.size).to.equal(flood);
      const after = await tlsExchange(server.port, trusting(), { send: 'ok\n', closeAfterBytes: 3 });
      expect(after.received.toString()).to.equal('ok\n');
    });
  });

  describe('a Node client that rejects the server certificate', function () {
    // Node verifies the server's chain only after OpenSSL completed the handshake (its verify
    // callback accepts everything), then destroys the socket: it never sends an alert. Over
    // TLS 1.2 the server has finished its side by then and sees a completed handshake and a close;
    // over TLS 1.3 the client disappears before the server read its Finished.
    const cases = [
      { name: 'an untrusted CA', material: (): TestPki['valid'] => pki.valid, options: (): object => ({ ca: pki.otherCaPem, servername: TEST_HOST }), code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' },
      { name: 'an expired leaf', material: (): TestPki['valid'] => pki.expired, options: (): object => trusting(), code: 'CERT_HAS_EXPIRED' },
      { name: 'another host name', material: (): TestPki['valid'] => pki.wrongHost, options: (): object => trusting(), code: 'ERR_TLS_CERT_ALTNAME_INVALID' },
    ];
    for (const testCase of cases) {
      it(`over TLS 1.2, ${testCase.name}: the server sees a completed handshake, then a close with no data and no alert`, async function () {
        const { server, records } = await pool.start(testCase.material());
        const outcome = await tlsExchange(server.port, { ...testCase.options(), maxVersion: 'TLSv1.2' }, { send: 'never\n' });
        expect(outcome.error?.code).to.equal(testCase.code);
        const record = await records.fromClientPort(outcome.localPort);
        expect(record).to.deep.include({ handshake: 'ok', alert: null, bytesIn: 0, correlationId: null });
        expect(record.endReason).to.be.oneOf(['client-closed', 'client-reset']);
      });

      it(`over TLS 1.3, ${testCase.name}: the server sees the client leave during the handshake, with no alert`, async function () {
        const { server, records } = await pool.start(testCase.material());
        const outcome = await tlsExchange(server.port, { ...testCase.options(), minVersion: 'TLSv1.3' }, { send: 'never\n' });
        expect(outcome.error?.code).to.equal(testCase.code);
        const record = await records.fromClientPort(outcome.localPort);
        expect(record).to.deep.include({ handshake: 'failed', alert: null, bytesIn: 0, endReason: 'closed-during-handshake' });
      });
    }
  });

  describe('mutual TLS', function () {
    const withClientCa = (): TestPki['valid'] & { clientCaPem: string } => ({ ...pki.valid, clientCaPem: pki.caPem });

    it('accepts a client certificate from the CA and records its subject', async function () {
      const { server, records } = await pool.start(withClientCa(), { mtls: true });
      expect(server.mtls).to.equal(true);
      const outcome = await tlsExchange(server.port, { ...trusting(), cert: pki.client.certPem, key: pki.client.keyPem }, { send: 'mtls-1\n', closeAfterBytes: 7 });
      expect(outcome.received.toString()).to.equal('mtls-1\n');
      const record = await records.fromClientPort(outcome.localPort);
      expect(record.handshake).to.equal('ok');
      expect(record.tls?.clientCertificate?.subject).to.equal('CN=picow-test-client');
      expect(record.tls?.clientCertificate?.issuer).to.equal('CN=picow-harness test intermediate');
      expect(record.tls?.clientCertificateError).to.equal(null);
    });

    it('over TLS 1.2 refuses a client without a certificate with the handshake_failure alert', async function () {
      const { server, records } = await pool.start(withClientCa(), { mtls: true });
      const outcome = await tlsExchange(server.port, { ...trusting(), maxVersion: 'TLSv1.2' }, { send: 'x\n' });
      expect(outcome.error?.code, 'what the client received').to.equal('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
      const record = await records.fromClientPort(outcome.localPort);
      expect(record).to.deep.include({ handshake: 'failed', endReason: 'handshake-failed' });
      expect(record.alert).to.deep.equal({ direction: 'sent', number: 40, name: 'handshake_failure', basis: 'openssl-reason' });
      expect(record.error?.code).to.equal('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
      expect(record.tls?.version).to.equal('TLSv1.2');
    });

    it('over TLS 1.3 refuses a client without a certificate with the certificate_required alert', async function () {
      const { server, records } = await pool.start(withClientCa(), { mtls: true });
      const outcome = await tlsExchange(server.port, { ...trusting(), minVersion: 'TLSv1.3' }, { send: 'x\n' });
      expect(outcome.error?.code, 'what the client received').to.equal('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
      const record = await records.fromClientPort(outcome.localPort);
      expect(record.alert).to.deep.equal({ direction: 'sent', number: 116, name: 'certificate_required', basis: 'openssl-reason' });
      expect(record.tls?.version).to.equal('TLSv1.3');
    });

    it('closes on a client certificate from another CA without an alert, and records why', async function () {
      const { server, records } = await pool.start(withClientCa(), { mtls: true });
      const outcome = await tlsExchange(server.port, { ...trusting(), cert: pki.otherClient.certPem, key: pki.otherClient.keyPem }, { send: 'x\n' });
      expect(outcome.received.length).to.equal(0);
      const record = await records.fromClientPort(outcome.localPort);
      expect(record).to.deep.include({ handshake: 'failed', endReason: 'client-certificate-rejected', alert: null, bytesIn: 0 });
      expect(record.tls?.clientCertificateError, 'a lone certificate whose issuer the server does not know').to.equal('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });

    it('will not start without the CA that issues client certificates', async function () {
      const error = await failure(startEchoServer({ tls: { certChainPem: pki.valid.certChainPem, keyPem: pki.valid.keyPem }, mtls: true }));
      expect(error.code).to.equal('USAGE');
    });
  });

  describe('shutdown and the log', function () {
    it('close() ends open connections as server-shutdown, writes their records and a closing line, and flushes the log', async function () {
      const logPath = join(scratch, 'shutdown', 'serve.jsonl');
      const server = await startEchoServer({ host: '127.0.0.1', plainPort: 0, tls: pki.valid, log: logPath });
      let echoed = false;
      const talking = tlsExchange(server.port, trusting(), { send: 'corr-shutdown\n', onData: () => (echoed = true) });
      const accepted = new Promise<void>((resolve) => {
        let count = 0;
        server.events.on('accepted', () => {
          count += 1;
          if (count === 3) resolve();
        });
      });
      const handshaking = await openSocket(server.port);
      const plain = await openSocket(server.plainPort ?? 0);
      handshaking.on('error', () => undefined);
      plain.on('error', () => undefined);
      await accepted;
      await waitUntil(() => echoed, 'the TLS client got its echo');
      await server.close();
      await server.close(); // idempotent

      const lines = (await readFile(logPath, 'utf8')).trimEnd().split('\n');
      const parsed = lines.map((line) => JSON.parse(line) as ServerLogRecord);
      expect(parsed[0]?.kind).to.equal('listening');
      expect(parsed.at(-1)).to.deep.include({ kind: 'closed', connections: 3 });
      const connections = parsed.filter((record) => record.kind === 'connection');
      expect(connections).to.have.length(3);
      expect(connections.every((record) => record.endReason === 'server-shutdown')).to.equal(true);
      expect(connections.map((record) => record.handshake).sort()).to.deep.equal(['failed', 'none', 'ok']);
      expect(connections.find((record) => record.handshake === 'ok')?.correlationId).to.equal('corr-shutdown');
      const outcome = await talking;
      expect(outcome.error, 'the TLS client saw a clean end').to.equal(undefined);
      expect(outcome.received.toString()).to.equal('corr-shutdown\n');
      await closed(handshaking);
      await closed(plain);

      const refused = await failure(openSocket(server.port));
      expect((refused as { code?: string }).code).to.equal('ECONNREFUSED');
    });

    it('writes the listening line with the chain it serves, and never key material', async function () {
      const logPath = join(scratch, 'keys.jsonl');
      const server = await startEchoServer({ host: '127.0.0.1', tls: { ...pki.valid, clientCaPem: pki.caPem }, log: logPath, mtls: true });
      await tlsExchange(server.port, { ...trusting(), cert: pki.client.certPem, key: pki.client.keyPem }, { send: 'k\n', closeAfterBytes: 2 });
      await server.close();
      const text = await readFile(logPath, 'utf8');
      const listening = JSON.parse(text.split('\n')[0] ?? '') as ServerLogRecord;
      expect(listening.kind).to.equal('listening');
      if (listening.kind !== 'listening') return;
      expect(listening.chain.map((entry) => entry.subject)).to.deep.equal([`CN=${TEST_HOST}`, 'CN=picow-harness test intermediate']);
      expect(listening.mtls).to.equal(true);
      expect(text).to.not.include('PRIVATE KEY');
      for (const key of [pki.valid.keyPem, pki.client.keyPem]) {
        const body = key.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
        for (const line of body) expect(text).to.not.include(line);
      }
    });

    it('writes the log to a stream the caller owns and leaves it open', async function () {
      const lines: string[] = [];
      const { PassThrough } = await import('node:stream');
      const stream = new PassThrough();
      stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter((line) => line !== '')));
      const server = await startEchoServer({ host: '127.0.0.1', tls: pki.valid, log: stream });
      await tlsExchange(server.port, trusting(), { send: 's\n', closeAfterBytes: 2 });
      await server.close();
      expect(lines.map((line) => (JSON.parse(line) as ServerLogRecord).kind)).to.deep.equal(['listening', 'connection', 'closed']);
      expect(stream.writable).to.equal(true);
    });
  });

  describe('start-up errors', function () {
    it('rejects a key that is not the certificate\'s with a one-line ConfigError', async function () {
      const error = await failure(startEchoServer({ tls: { certChainPem: pki.valid.certChainPem, keyPem: pki.expired.keyPem } }));
      expect(error.code).to.equal('CONFIG_INVALID');
      expect(error.message).to.match(/key values mismatch/);
      expect(error.message).to.not.include('\n');
    });

    it('rejects a chain without a certificate', async function () {
      const error = await failure(startEchoServer({ tls: { certChainPem: 'not a certificate', keyPem: pki.valid.keyPem } }));
      expect(error.code).to.equal('CONFIG_INVALID');
      expect(error.message).to.match(/server certificate chain: no PEM certificate/);
    });

    it('reports a port already in use as TRANSPORT_OPEN_FAILED', async function () {
      const { server } = await pool.start(pki.valid);
      const error = await failure(startEchoServer({ host: '127.0.0.1', port: server.port, tls: pki.valid }));
      expect(error.code).to.equal('TRANSPORT_OPEN_FAILED');
      expect(error.message).to.include(`127.0.0.1:${server.port}`);
    });

    it('reports a log it cannot open as a ConfigError naming the file', async function () {
      const blocker = join(scratch, 'a-file');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(blocker, 'x');
      const error = await failure(startEchoServer({ host: '127.0.0.1', tls: pki.valid, log: join(blocker, 'serve.jsonl') }));
      expect(error.code).to.equal('CONFIG_INVALID');
      expect(error.message).to.include(join(blocker, 'serve.jsonl'));
    });
  });
});
