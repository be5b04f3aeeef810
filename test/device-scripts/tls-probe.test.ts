import { expect } from 'chai';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import tls from 'node:tls';
import type { TlsApi } from '../../src/campaign/types.js';
import { loadCertificateSet, type CertificateSet, type CertificateSetName } from '../../src/pki/index.js';
import { startEchoServer, type EchoServer } from '../../src/server/index.js';
import type { SimRig } from '../support/sim-board.js';
import { HARNESS_HOST, JOIN_VISIBLE, output, startBoard, testCertificates, testWorld } from '../sim/hardware/support.js';
import { NEWEST_PROFILE, OLDEST_PROFILE, runScript } from './support.js';

const NONCE = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('hex');
/** Board ms; at the test scale this is seconds of host time, ample for a local server. */
const TIMEOUT_MS = 60_000;

async function certificateSet(name: CertificateSetName): Promise<CertificateSet> {
  const { dir, sets } = await testCertificates();
  return sets.get(name) ?? loadCertificateSet(dir, name);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function listen(server: TcpServer | tls.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

describe('device script: tls_probe against the echo server on the simulated Pico W', function () {
  this.timeout(60_000);
  let rig: SimRig | undefined;
  const servers: { close(): Promise<void> | void }[] = [];

  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
    for (const server of servers.splice(0)) await server.close();
  });

  async function echoServer(setName: CertificateSetName, options: { mtls?: boolean } = {}): Promise<EchoServer> {
    const set = await certificateSet(setName);
    const server = await startEchoServer({
      host: '127.0.0.1',
      port: 0,
      plainPort: 0,
      mtls: options.mtls ?? false,
      tls: { certChainPem: set.chainPem, keyPem: set.leafKeyPem, clientCaPem: set.caPem },
    });
    servers.push(server);
    return server;
  }

  /** A cold board (RTC at the rp2 boot epoch) on the visible AP. */
  async function joinedBoard(profile: string, heapBytes?: number): Promise<SimRig> {
    const board = await startBoard({ profile, world: testWorld({ timeScale: 20 }), ...(heapBytes === undefined ? {} : { heapBytes }) });
    rig = board;
    await output(board, JOIN_VISIBLE);
    return board;
  }

  async function probe(board: SimRig, port: number, extra: Record<string, unknown> = {}) {
    const set = await certificateSet('valid');
    return runScript(board, 'tls_probe', {
      host: HARNESS_HOST,
      port,
      cadata: hex(set.caDer),
      correlation_id: 'cell-a/7',
      nonce: NONCE,
      timeout_ms: TIMEOUT_MS,
      ...extra,
    });
  }

  for (const api of ['SSLContext', 'wrap_socket', 'tls'] as const satisfies readonly TlsApi[]) {
    it(`${NEWEST_PROFILE} ${api}: a valid chain verifies with CERT_REQUIRED and every nonce byte echoes back`, async () => {
      const server = await echoServer('valid');
      const board = await joinedBoard(NEWEST_PROFILE);
      const connections: string[] = [];
      server.events.on('connection', (record) => connections.push(String(record.correlationId)));
      const { result, progress } = await probe(board, server.port, { api });
      expect(result.error).to.equal(null);
      expect(result).to.include({ api, apiAvailable: true, stage: 'done', echoOk: true, echoMismatchAt: null, verifyMode: 'CERT_REQUIRED', verifyModeValue: 2 });
      expect(result).to.include({ host: HARNESS_HOST, serverHostname: HARNESS_HOST, correlationId: 'cell-a/7' });
      expect(result.cipher).to.be.an('array').with.length(2).that.includes('TLSv1.2');
      expect(result.handshakeMs).to.be.a('number');
      expect(result.rtcAtStart![0]).to.equal(2021);
      expect(result.rtcAtFailure).to.equal(null);
      expect(result.memFreeBefore).to.be.above(result.memFreeAtEnd!);
      expect(progress.map((p) => p.stage)).to.deep.equal(['api', 'resolve', 'connect', 'handshake', 'echo', 'done']);
      await server.close();
      expect(connections).to.deep.equal(['cell-a/7']);
    });
  }

  it(`${OLDEST_PROFILE}: no API can require a certificate (api unavailable), and wrap_socket without verification echoes`, async () => {
    // Its mbedTLS config has no ECDSA suites, so the unverified connection goes to an RSA server.
    const server = await echoServer('rsa-1024');
    const board = await joinedBoard(OLDEST_PROFILE);
    for (const api of ['SSLContext', 'wrap_socket', 'tls'] as const) {
      const { result } = await probe(board, server.port, { api });
      expect(result, api).to.include({ apiAvailable: false, stage: 'api', verifyModeValue: null, echoOk: null, handshakeMs: null });
      expect(result.error?.type, api).to.be.oneOf(['ImportError', 'AttributeError']);
    }
    const { result } = await probe(board, server.port, { api: 'wrap_socket', verify: 'CERT_NONE', cadata: null });
    expect(result, JSON.stringify(result.error)).to.include({ apiAvailable: true, stage: 'done', echoOk: true, verifyMode: 'CERT_NONE', verifyModeValue: null, cipher: null });
  });

  it('v1.21.0 has ssl.SSLContext but cannot load a CA into it, and no tls module: both unavailable', async () => {
    const server = await echoServer('valid');
    const board = await joinedBoard('v1.21.0');
    const context = (await probe(board, server.port, { api: 'SSLContext' })).result;
    expect(context).to.include({ apiAvailable: false, stage: 'api' });
    expect(context.error?.text).to.contain('load_verify_locations');
    const native = (await probe(board, server.port, { api: 'tls' })).result;
    expect(native).to.include({ apiAvailable: false, stage: 'api' });
    expect(native.error?.type).to.equal('ImportError');
  });

  const verifyFailures = [
    { set: 'issued-now', profile: NEWEST_PROFILE, api: 'SSLContext', text: 'The certificate validity starts in the future' },
    { set: 'expired', profile: NEWEST_PROFILE, api: 'tls', text: 'The certificate validity has expired' },
    { set: 'issued-now', profile: 'v1.21.0', api: 'wrap_socket', text: undefined },
    { set: 'expired', profile: 'v1.20.0', api: 'wrap_socket', text: undefined },
  ] as const;
  for (const { set, profile, api, text } of verifyFailures) {
    const form = text === undefined ? 'OSError(-9984)' : 'ValueError with the verify text';
    it(`a cold ${profile} board fails ${set} at the handshake as ${form}, recording the RTC at the failure`, async () => {
      const server = await echoServer(set);
      const board = await joinedBoard(profile);
      const { result } = await probe(board, server.port, { api });
      expect(result).to.include({ apiAvailable: true, stage: 'handshake', echoOk: null, handshakeMs: null, cipher: null });
      expect(result.rtcAtFailure![0], 'the cold-boot clock').to.equal(2021);
      expect(result.memFreeBefore).to.be.a('number');
      if (text === undefined) {
        expect(result.error).to.deep.equal({
          type: 'OSError',
          args: [-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED'],
          errno: -9984,
          text: "(-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED')",
        });
      } else {
        expect(result.error).to.deep.equal({ type: 'ValueError', args: [`\n${text}\n`], errno: null, text: `\n${text}\n` });
      }
    });
  }

  it('a plain TCP port fails the handshake with MBEDTLS_ERR_SSL_INVALID_RECORD', async () => {
    const server = await echoServer('valid');
    const board = await joinedBoard(NEWEST_PROFILE);
    const { result } = await probe(board, server.plainPort!, { api: 'SSLContext' });
    expect(result).to.include({ stage: 'handshake', echoOk: null });
    expect(result.error).to.deep.include({ type: 'OSError', errno: -29184, args: [-29184, 'MBEDTLS_ERR_SSL_INVALID_RECORD'] });
  });

  it('stops at resolve for an unknown name and at connect when nobody listens', async () => {
    const board = await joinedBoard(NEWEST_PROFILE);
    const unknown = (await probe(board, 443, { host: 'nobody.invalid' })).result;
    expect(unknown).to.include({ stage: 'resolve', host: 'nobody.invalid', serverHostname: 'nobody.invalid' });
    expect(unknown.error).to.deep.include({ type: 'OSError', errno: -2 });
    const free = createTcpServer();
    const closed = await listen(free);
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const refused = (await probe(board, closed)).result;
    expect(refused.stage, JSON.stringify(refused.error)).to.equal('connect');
    expect(refused.error?.type).to.equal('OSError');
  });

  it('reports the first differing byte when the echo comes back altered', async () => {
    const set = await certificateSet('valid');
    // A TLS server that echoes everything with one byte changed at offset 20.
    const altering = tls.createServer({ cert: set.chainPem, key: set.leafKeyPem }, (socket) => {
      let seen = 0;
      socket.on('data', (chunk: Buffer) => {
        const copy = Buffer.from(chunk);
        if (seen <= 20 && seen + copy.length > 20) copy[20 - seen] = (copy[20 - seen] ?? 0) ^ 0xff;
        seen += copy.length;
        socket.write(copy);
      });
      socket.on('error', () => undefined);
    });
    const port = await listen(altering);
    servers.push({ close: () => new Promise<void>((resolve) => altering.close(() => resolve())) });
    const board = await joinedBoard(NEWEST_PROFILE);
    const { result } = await probe(board, port);
    expect(result).to.include({ stage: 'done', echoOk: false, echoMismatchAt: 20, error: null });
  });

  it('mutual TLS: sends the client certificate given as cert/key', async () => {
    const server = await echoServer('valid', { mtls: true });
    const set = await certificateSet('valid');
    const board = await joinedBoard(NEWEST_PROFILE);
    const withoutCert = (await probe(board, server.port)).result;
    expect(withoutCert.echoOk, JSON.stringify(withoutCert)).to.not.equal(true);
    expect(withoutCert.error).to.not.equal(null);
    const { result } = await probe(board, server.port, { cert: hex(Buffer.from(set.clientChainPem)), key: hex(Buffer.from(set.clientKeyPem)) });
    expect(result.error).to.equal(null);
    expect(result).to.include({ stage: 'done', echoOk: true });
  });

  it('an allocation failure in mbedTLS is recorded as ENOMEM at the handshake, with the heap that was free', async () => {
    const server = await echoServer('valid');
    const board = await joinedBoard(NEWEST_PROFILE, 24_000);
    const { result } = await probe(board, server.port);
    expect(result).to.include({ stage: 'handshake' });
    expect(result.error).to.deep.include({ type: 'OSError', errno: 12 });
    expect(result.memFreeBefore).to.be.below(24_000);
  });
});
