import { expect } from 'chai';
import net from 'node:net';
import { tlsProfile } from '../../../src/pki/mbedtls/profiles.js';
import { PROFILES } from '../../../src/sim/profiles.js';
import { NetStack } from '../../../src/sim/net/index.js';
import { BoardTls, clientHelloProfile } from '../../../src/sim/tls/index.js';
import { profilesWithClientHello } from '../../../src/sim/tls/client-hello.js';
import { FakeBoard, FakeRadio, WORLD, connectHarness } from '../net/support.js';

/** IANA cipher suite numbers of the mbedTLS names (include/mbedtls/ssl_ciphersuites.h). */
const SUITE_IDS: Readonly<Record<string, number>> = {
  'TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384': 0xc02c,
  'TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384': 0xc030,
  'TLS-ECDHE-ECDSA-WITH-AES-256-CBC-SHA384': 0xc024,
  'TLS-ECDHE-RSA-WITH-AES-256-CBC-SHA384': 0xc028,
  'TLS-ECDHE-ECDSA-WITH-AES-256-CBC-SHA': 0xc00a,
  'TLS-ECDHE-RSA-WITH-AES-256-CBC-SHA': 0xc014,
  'TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256': 0xc02b,
  'TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256': 0xc02f,
  'TLS-ECDHE-ECDSA-WITH-AES-128-CBC-SHA256': 0xc023,
  'TLS-ECDHE-RSA-WITH-AES-128-CBC-SHA256': 0xc027,
  'TLS-ECDHE-ECDSA-WITH-AES-128-CBC-SHA': 0xc009,
  'TLS-ECDHE-RSA-WITH-AES-128-CBC-SHA': 0xc013,
  'TLS-RSA-WITH-AES-256-GCM-SHA384': 0x009d,
  'TLS-RSA-WITH-AES-256-CBC-SHA256': 0x003d,
  'TLS-RSA-WITH-AES-256-CBC-SHA': 0x0035,
  'TLS-RSA-WITH-AES-128-GCM-SHA256': 0x009c,
  'TLS-RSA-WITH-AES-128-CBC-SHA256': 0x003c,
  'TLS-RSA-WITH-AES-128-CBC-SHA': 0x002f,
};
/** TLS supported_groups numbers (RFC 8422 / 7027 / 7748). */
const GROUP_IDS: Readonly<Record<string, number>> = {
  'P-256': 23,
  'P-384': 24,
  'P-521': 25,
  secp256k1: 22,
  secp224r1: 21,
  secp224k1: 20,
  prime192v1: 19,
  secp192k1: 18,
  brainpoolP256r1: 26,
  brainpoolP384r1: 27,
  brainpoolP512r1: 28,
};
const X25519 = 29;
const RENEGOTIATION_INFO_SCSV = 0x00ff;

interface ParsedHello {
  readonly recordVersion: number;
  readonly clientVersion: number;
  readonly suites: number[];
  readonly groups: number[];
  readonly sni: string | null;
}

function parseClientHello(bytes: Buffer): ParsedHello {
  let offset = 5 + 4;
  const clientVersion = bytes.readUInt16BE(offset);
  offset += 2 + 32;
  offset += 1 + (bytes[offset] ?? 0);
  const suitesLength = bytes.readUInt16BE(offset);
  offset += 2;
  const suites: number[] = [];
  for (let index = 0; index < suitesLength; index += 2) suites.push(bytes.readUInt16BE(offset + index));
  offset += suitesLength;
  offset += 1 + (bytes[offset] ?? 0);
  const extensionsEnd = offset + 2 + bytes.readUInt16BE(offset);
  offset += 2;
  let groups: number[] = [];
  let sni: string | null = null;
  while (offset < extensionsEnd) {
    const type = bytes.readUInt16BE(offset);
    const length = bytes.readUInt16BE(offset + 2);
    const body = bytes.subarray(offset + 4, offset + 4 + length);
    if (type === 10) {
      groups = [];
      for (let index = 2; index < body.length; index += 2) groups.push(body.readUInt16BE(index));
    } else if (type === 0) {
      sni = body.subarray(5, 5 + body.readUInt16BE(3)).toString('latin1');
    }
    offset += 4 + length;
  }
  return { recordVersion: bytes.readUInt16BE(1), clientVersion, suites, groups, sni };
}

describe('the board\'s ClientHello', function () {
  const servers: net.Server[] = [];
  const stacks: NetStack[] = [];

  afterEach(async function () {
    for (const stack of stacks.splice(0)) stack.dispose();
    await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  });

  /** Captures the first ClientHello the board sends to a TCP listener, then hangs up (FIN, or RST with `reset`). */
  async function captureHello(profile: string, serverHostname?: string, reset = false): Promise<ParsedHello & { error: readonly (string | number)[] | undefined }> {
    let captured: Buffer = Buffer.alloc(0);
    let done: (hello: Buffer) => void = () => undefined;
    const received = new Promise<Buffer>((resolve) => {
      done = resolve;
    });
    const server = net.createServer((socket) => {
      socket.on('data', (chunk) => {
        captured = Buffer.concat([captured, chunk]);
        if (captured.length >= 5 && captured.length >= 5 + captured.readUInt16BE(3)) {
          done(captured);
          if (reset) socket.resetAndDestroy();
          else socket.destroy();
        }
      });
      socket.on('error', () => undefined);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const board = new FakeBoard(profile);
    const stack = new NetStack(board, WORLD, new FakeRadio());
    stacks.push(stack);
    const tls = new BoardTls(board, stack);
    const socketId = await connectHarness(board, stack, address.port);
    const id = tls.wrap(socketId, { verifyMode: 0, trusted: [], ...(serverHostname === undefined ? {} : { serverHostname }) });
    const hello = parseClientHello(await received);
    const failed = await board.until(() => {
      const state = tls.poll(id);
      return state.state === 'failed' ? state : undefined;
    }, 'the board seeing the hang-up');
    return { ...hello, error: failed.error?.args };
  }

  it('has ClientHello facts for every firmware profile', function () {
    expect(profilesWithClientHello().sort()).to.deep.equal(PROFILES.map((profile) => profile.name).sort());
  });

  for (const profile of ['v1.19.1-88', 'v1.20.0', 'v1.22.2', 'v1.24.1', 'v1.25.0-preview.300']) {
    it(`offers ${profile}'s suites in mbedTLS's order, TLS 1.2 only, and its groups without X25519`, async function () {
      const expected = clientHelloProfile(profile);
      const hello = await captureHello(profile);
      expect(hello.clientVersion).to.equal(0x0303);
      expect(hello.suites.filter((suite) => suite !== RENEGOTIATION_INFO_SCSV)).to.deep.equal(expected.suites.map((suite) => SUITE_IDS[suite]));
      expect(hello.groups).to.not.include(X25519);
      expect(hello.groups).to.deep.equal(expected.groups.map((group) => GROUP_IDS[group]));
    });
  }

  it('agrees with the per-profile mbedTLS facts: ECDHE-RSA and AES-GCM on every rp2 build, brainpool groups where compiled', function () {
    for (const { name } of PROFILES) {
      const facts = tlsProfile(name);
      const { suites, groups } = clientHelloProfile(name);
      expect(suites.some((suite) => suite.startsWith('TLS-ECDHE-RSA-')), `${name} ECDHE-RSA`).to.equal(facts.ecdheRsa);
      expect(suites.some((suite) => suite.includes('-GCM-')), `${name} GCM`).to.equal(facts.gcm);
      expect(groups.some((group) => group.startsWith('brainpool')), `${name} brainpool`).to.equal(facts.compiledCurves.includes('brainpoolP256r1') && facts.mbedtlsMajor === 2);
    }
  });

  it('puts a DNS server_hostname in SNI and sends no SNI without one', async function () {
    expect((await captureHello('v1.24.1', 'picow-harness.local')).sni).to.equal('picow-harness.local');
    expect((await captureHello('v1.24.1')).sni).to.equal(null);
  });

  it('fails the handshake with MBEDTLS_ERR_SSL_CONN_EOF when the server closes after the ClientHello', async function () {
    expect((await captureHello('v1.24.1')).error).to.deep.equal([-29312, 'MBEDTLS_ERR_SSL_CONN_EOF']);
  });

  it('fails the handshake with OSError(ECONNRESET) when the server resets the connection', async function () {
    expect((await captureHello('v1.24.1', undefined, true)).error).to.deep.equal([104]);
  });
});
