import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCertificateSets, loadCertificateSet, type CertificateSet } from '../../../src/pki/index.js';
import type { EchoServer } from '../../../src/server/index.js';
import { Errno } from '../../../src/sim/hw/py-raise.js';
import { NetStack } from '../../../src/sim/net/index.js';
import { BoardTls, type TlsPoll, type TlsWrapOptions } from '../../../src/sim/tls/index.js';
import type { RecordCollector } from '../../server/support/clients.js';
import { ServerPool } from '../../server/support/server.js';
import { BOARD_RTC_COLD, FakeBoard, FakeRadio, WORLD, bytes, connectHarness, raised, text } from '../net/support.js';

const FUTURE_TEXT = '\nThe certificate validity starts in the future\n';

interface Board {
  readonly board: FakeBoard;
  readonly net: NetStack;
  readonly tls: BoardTls;
}

describe('simulated mbedTLS client (BoardTls)', function () {
  let dir: string;
  let rsaDir: string;
  let valid: CertificateSet;
  let issuedNow: CertificateSet;
  let rsa: CertificateSet;
  const pool = new ServerPool();
  const boards: Board[] = [];

  function board(profile = 'v1.24.1', rtc = Date.now()): Board {
    const fake = new FakeBoard(profile);
    fake.rtc = rtc;
    const netStack = new NetStack(fake, WORLD, new FakeRadio());
    const created = { board: fake, net: netStack, tls: new BoardTls(fake, netStack) };
    boards.push(created);
    return created;
  }

  function serve(set: CertificateSet, options: { mtls?: boolean; plainPort?: number; idleTimeoutMs?: number; closeGraceMs?: number } = {}): Promise<{ server: EchoServer; records: RecordCollector }> {
    return pool.start({ certChainPem: set.chainPem, keyPem: set.leafKeyPem, clientCaPem: set.caPem }, options);
  }

  function required(b: Board, set: CertificateSet): TlsWrapOptions {
    return { serverHostname: set.serverHostname, verifyMode: 2, trusted: b.tls.checkCadata(set.caDer) };
  }

  async function handshake(b: Board, port: number, options: TlsWrapOptions): Promise<{ id: number; socketId: number; poll: TlsPoll }> {
    const socketId = await connectHarness(b.board, b.net, port);
    const id = b.tls.wrap(socketId, options);
    const poll = await b.board.until(() => {
      const state = b.tls.poll(id);
      return state.state === 'handshaking' ? undefined : state;
    }, 'the handshake outcome');
    return { id, socketId, poll };
  }

  async function echo(b: Board, id: number, message: string): Promise<string> {
    let written = 0;
    const data = bytes(message);
    while (written < data.length) written += b.tls.write(id, data.subarray(written));
    let received = '';
    await b.board.until(() => {
      for (let chunk = b.tls.read(id, 4096); chunk !== null && chunk.length > 0; chunk = b.tls.read(id, 4096)) received += text(chunk);
      return received.length >= message.length;
    }, 'the echo');
    return received;
  }

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'picow-tls-'));
    rsaDir = await mkdtemp(join(tmpdir(), 'picow-tls-rsa-'));
    await generateCertificateSets({ outDir: dir, hostIps: [], detectedHostIps: [] });
    await generateCertificateSets({ outDir: rsaDir, hostIps: [], detectedHostIps: [], key: 'rsa-2048' });
    valid = await loadCertificateSet(dir, 'valid');
    issuedNow = await loadCertificateSet(dir, 'issued-now');
    rsa = await loadCertificateSet(rsaDir, 'valid');
  });

  afterEach(async function () {
    for (const b of boards.splice(0)) {
      b.tls.closeAll('soft-reset');
      b.net.dispose();
    }
    await pool.closeAll();
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
    await rm(rsaDir, { recursive: true, force: true });
  });

  it('completes a verified TLS 1.2 handshake with the valid set and echoes through it', async function () {
    const b = board('v1.24.1');
    const { server, records } = await serve(valid);
    const { id, poll } = await handshake(b, server.port, required(b, valid));
    expect(poll).to.deep.include({ state: 'open', verifyFlags: 0 });
    expect(poll.cipher).to.deep.equal(['TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384', 'TLSv1.2']);
    expect(await echo(b, id, 'tls-ok\nhello')).to.equal('tls-ok\nhello');
    b.tls.close(id);
    const record = await records.find((entry) => entry.correlationId === 'tls-ok');
    expect(record).to.deep.include({ handshake: 'ok', alert: null });
    expect(record.tls).to.deep.include({ version: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384', sni: valid.serverHostname });
  });

  it('rejects issued-now on a cold RTC (v1.24.1: ValueError), and the server receives certificate_unknown instead of a handshake', async function () {
    const b = board('v1.24.1', BOARD_RTC_COLD);
    const { server, records } = await serve(issuedNow);
    const { poll } = await handshake(b, server.port, required(b, issuedNow));
    expect(poll.state).to.equal('failed');
    expect(poll.error?.type).to.equal('ValueError');
    expect(poll.error?.args).to.deep.equal([FUTURE_TEXT]);
    const record = await records.find(() => true);
    expect(record).to.deep.include({ handshake: 'failed', endReason: 'handshake-failed' });
    expect(record.alert).to.deep.include({ direction: 'received', name: 'certificate_unknown', number: 46 });
    const [history] = b.tls.history();
    expect(history).to.deep.include({ state: 'failed', boardRtc: '2021-01-01T00:00:00.000Z', verifyFlags: 0x200, alertSent: { name: 'certificate_unknown', code: 46 } });
    expect(history?.verifyFlagNames).to.deep.equal(['BADCERT_FUTURE']);
  });

  it('rejects issued-now on a cold RTC with OSError(-9984) on v1.21.0', async function () {
    const b = board('v1.21.0', BOARD_RTC_COLD);
    const { server, records } = await serve(issuedNow);
    const { poll } = await handshake(b, server.port, required(b, issuedNow));
    expect(poll.error?.type).to.equal('OSError');
    expect(poll.error?.args).to.deep.equal([-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED']);
    expect((await records.find(() => true)).alert).to.deep.include({ direction: 'received', name: 'certificate_unknown' });
  });

  it('accepts issued-now once the board\'s RTC is set to now', async function () {
    const b = board('v1.24.1', BOARD_RTC_COLD);
    b.board.rtc = Date.now();
    const { server } = await serve(issuedNow);
    const { poll } = await handshake(b, server.port, required(b, issuedNow));
    expect(poll).to.deep.include({ state: 'open', verifyFlags: 0 });
  });

  it('never verifies with CERT_NONE, and keeps the flags with CERT_OPTIONAL', async function () {
    const none = board('v1.24.1', BOARD_RTC_COLD);
    const { server } = await serve(issuedNow);
    const skipped = await handshake(none, server.port, { verifyMode: 0, trusted: [] });
    expect(skipped.poll.state).to.equal('open');
    expect(skipped.poll.verifyFlags).to.equal(undefined);
    expect(none.tls.history()[0]?.verifyFlags).to.equal(null);
    const optional = board('v1.24.1', BOARD_RTC_COLD);
    const kept = await handshake(optional, server.port, { ...required(optional, issuedNow), verifyMode: 1 });
    expect(kept.poll).to.deep.include({ state: 'open', verifyFlags: 0x200 });
  });

  it('fails with MBEDTLS_ERR_SSL_INVALID_RECORD (-29184) against a plain-TCP port', async function () {
    const b = board('v1.24.1');
    const { server } = await serve(valid, { plainPort: 0 });
    const { poll } = await handshake(b, server.plainPort ?? 0, required(b, valid));
    expect(poll.error?.args).to.deep.equal([-29184, 'MBEDTLS_ERR_SSL_INVALID_RECORD']);
  });

  it('fails with MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE (-30592) when an mTLS server gets no client certificate, and passes with one', async function () {
    const { server } = await serve(valid, { mtls: true });
    const without = board('v1.24.1');
    const refused = await handshake(without, server.port, required(without, valid));
    expect(refused.poll.error?.args).to.deep.equal([-30592, 'MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE']);
    expect(without.tls.history()[0]?.alertReceived).to.deep.include({ level: 2, name: 'handshake_failure' });
    const withCert = board('v1.24.1');
    const options = { ...required(withCert, valid), clientCert: { cert: bytes(valid.clientChainPem), key: bytes(valid.clientKeyPem) } };
    const accepted = await handshake(withCert, server.port, options);
    expect(accepted.poll.state).to.equal('open');
    expect(await echo(withCert, accepted.id, 'mtls\nok')).to.equal('mtls\nok');
  });

  it('offers each profile\'s own suites: v1.19.1 builds have no ECDHE-ECDSA and cannot use an ECDSA server', async function () {
    const { server, records } = await serve(valid);
    const b = board('v1.19.1-236');
    const { poll } = await handshake(b, server.port, { verifyMode: 0, trusted: [] });
    expect(poll.error?.args).to.deep.equal([-30592, 'MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE']);
    expect((await records.find(() => true)).alert).to.deep.include({ direction: 'sent', name: 'handshake_failure' });
  });

  for (const [profile, cipher] of [
    ['v1.19.1-88', 'TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384'],
    ['v1.20.0', 'TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384'],
    ['v1.23.0', 'TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384'],
    ['v1.24.1', 'TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384'],
  ] as const) {
    it(`negotiates ${cipher} with an RSA server on ${profile} (rp2 enables GCM and ECDHE-RSA in its port config)`, async function () {
      const { server, records } = await serve(rsa);
      const b = board(profile);
      const { id, poll } = await handshake(b, server.port, { verifyMode: 0, trusted: [] });
      expect(poll.cipher).to.deep.equal([cipher, 'TLSv1.2']);
      expect(await echo(b, id, `${profile}\nrsa`)).to.equal(`${profile}\nrsa`);
      b.tls.close(id);
      expect((await records.find((entry) => entry.correlationId === profile)).tls?.cipher).to.equal('ECDHE-RSA-AES256-GCM-SHA384');
    });
  }

  it('negotiates ECDHE-ECDSA with AES-GCM on v1.23.0', async function () {
    const { server } = await serve(valid);
    const b = board('v1.23.0');
    const { poll } = await handshake(b, server.port, required(b, valid));
    expect(poll.cipher).to.deep.equal(['TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384', 'TLSv1.2']);
  });

  it('raises MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED for CERT_REQUIRED without any CA, after sending unknown_ca', async function () {
    const b = board('v1.24.1');
    const { server, records } = await serve(valid);
    const { poll } = await handshake(b, server.port, { serverHostname: valid.serverHostname, verifyMode: 2, trusted: [] });
    expect(poll.error?.args).to.deep.equal([-30336, 'MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED']);
    expect((await records.find(() => true)).alert).to.deep.include({ direction: 'received', name: 'unknown_ca' });
  });

  it('raises ValueError before the handshake for CERT_REQUIRED without server_hostname from v1.22', async function () {
    const b = board('v1.24.1');
    const { server } = await serve(valid);
    const socketId = await connectHarness(b.board, b.net, server.port);
    const error = raised(() => b.tls.wrap(socketId, { verifyMode: 2, trusted: b.tls.checkCadata(valid.caDer) }));
    expect(error.type).to.equal('ValueError');
    expect(error.args).to.deep.equal(['CERT_REQUIRED requires server_hostname']);
  });

  it('fails a handshake the CPU gave up on with OSError(ETIMEDOUT) and leaves the TCP socket open', async function () {
    const accepted: net.Socket[] = [];
    const silent = net.createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const address = silent.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const b = board('v1.24.1');
      const socketId = await connectHarness(b.board, b.net, address.port);
      const id = b.tls.wrap(socketId, { verifyMode: 0, trusted: [] });
      expect(b.tls.poll(id).state).to.equal('handshaking');
      expect(b.tls.handshakeTimedOut(id).args).to.deep.equal([Errno.ETIMEDOUT]);
      expect(b.tls.poll(id).state).to.equal('failed');
      b.tls.close(id);
      expect(b.net.poll(socketId).connected).to.equal(true);
      b.net.close(socketId);
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('refuses to wrap a socket that is not connected (ENOTCONN)', function () {
    const b = board('v1.24.1');
    const socketId = b.net.socket('tcp');
    expect(raised(() => b.tls.wrap(socketId, { verifyMode: 0, trusted: [] })).args).to.deep.equal([Errno.ENOTCONN]);
  });

  it('lists the profile\'s suites for get_ciphers() and keeps the peer leaf only where mbedTLS 2.16 did (getpeercert)', async function () {
    const { server } = await serve(rsa);
    const old = board('v1.20.0');
    expect(old.tls.cipherNames()).to.include('TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256');
    expect(board('v1.19.1-88').tls.cipherNames()).to.not.include('TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256');
    const kept = await handshake(old, server.port, { verifyMode: 0, trusted: [] });
    expect(Buffer.from(old.tls.peerCertificate(kept.id) ?? new Uint8Array()).equals(Buffer.from(rsa.leafDer))).to.equal(true);
    const newer = board('v1.21.0');
    const dropped = await handshake(newer, server.port, { verifyMode: 0, trusted: [] });
    expect(newer.tls.peerCertificate(dropped.id)).to.equal(undefined);
  });

  it('accepts cadata as DER or PEM and raises ValueError(\'invalid cert\') for anything else', function () {
    const b = board('v1.24.1');
    expect(b.tls.checkCadata(valid.caDer)).to.have.length(1);
    expect(b.tls.checkCadata(bytes(valid.caPem))).to.have.length(1);
    const error = raised(() => b.tls.checkCadata(bytes('not a certificate')));
    expect(error.type).to.equal('ValueError');
    expect(error.args).to.deep.equal(['invalid cert']);
  });

  it('reads EOF after the server\'s close_notify', async function () {
    const b = board('v1.24.1');
    const { server } = await serve(valid, { closeGraceMs: 100 });
    const { id } = await handshake(b, server.port, required(b, valid));
    expect(await echo(b, id, 'bye\nnow')).to.equal('bye\nnow');
    const closing = server.close();
    await b.board.until(() => b.tls.poll(id).eof, 'EOF');
    expect(b.tls.read(id, 10)).to.deep.equal(new Uint8Array(0));
    await closing;
  });

  it('raises OSError(-29312) on read when the server drops TCP without close_notify (v1.24.1 number form)', async function () {
    const b = board('v1.24.1');
    const { server } = await serve(valid, { idleTimeoutMs: 200 });
    const { id } = await handshake(b, server.port, required(b, valid));
    expect(await echo(b, id, 'idle\nx')).to.equal('idle\nx');
    const poll = await b.board.until(() => {
      const state = b.tls.poll(id);
      return state.state === 'failed' || state.eof ? state : undefined;
    }, 'the end of the stream');
    expect(poll.error?.args).to.deep.equal([-29312]);
    expect(raised(() => b.tls.read(id, 10)).args).to.deep.equal([-29312]);
  });

  it('closes the TCP socket with the session, without close_notify (the server sees the client close)', async function () {
    const b = board('v1.24.1');
    const { server, records } = await serve(valid);
    const { id, socketId } = await handshake(b, server.port, required(b, valid));
    await echo(b, id, 'close\nme');
    b.tls.close(id);
    expect(raised(() => b.net.poll(socketId)).args).to.deep.equal([Errno.EBADF]);
    expect((await records.find((entry) => entry.correlationId === 'close')).endReason).to.be.oneOf(['client-closed', 'client-reset']);
    expect(b.tls.history()[0]?.state).to.equal('closed');
  });
});
