import { expect } from 'chai';
import net, { type AddressInfo, type Server } from 'node:net';
import tls from 'node:tls';
import type { ServerView, TlsProbeResult, WifiConnectResult } from '../../src/campaign/types.js';
import { loadScriptWithArgs, type ScriptArgs } from '../../src/device/script-args.js';
import { parseScriptResult } from '../../src/device/script-results.js';
import { loadCertificateSet, type CertificateSet } from '../../src/pki/index.js';
import { classifyTls, classifyWifi, type Classification, type TlsClassifyContext } from '../../src/results/taxonomy.js';
import { startEchoServer, type ConnectionRecord, type EchoServer } from '../../src/server/index.js';
import { DEFAULT_WORLD, type World } from '../../src/sim/world.js';
import type { SimRig } from '../support/sim-board.js';
import { RecordCollector } from '../server/support/clients.js';
import { accessPoint, output, startBoard, testCertificates, testWorld, visibleAp, HARNESS_HOST, JOIN_VISIBLE } from '../sim/hardware/support.js';

/**
 * Each class of the taxonomy, produced by the campaign's real device scripts (wifi_connect.py,
 * tls_probe.py) on the simulated Pico W against real host servers, then classified. The harness.*
 * and device-hung classes come from the runner, not from a device script: taxonomy.test.ts covers
 * them. Board time runs 50× faster than the host's; board timeouts are chosen with that in mind.
 */

const TIME_SCALE = 50;
/** A board-side socket timeout (board ms) that a host-side TLS handshake never comes near at TIME_SCALE. */
const SAFE_TIMEOUT_MS = 300_000;
const hiddenAp = accessPoint((ap) => ap.hidden && ap.channel <= 11);
const busyAp = accessPoint((ap) => ap.ssid === 'picow-lab-busy');

function world(overrides: Partial<World> = {}): World {
  return testWorld({ timeScale: TIME_SCALE, ...overrides });
}

async function wifiConnect(rig: SimRig, args: ScriptArgs): Promise<{ result: WifiConnectResult; classification: Classification }> {
  const run = await rig.repl.exec(await loadScriptWithArgs('wifi_connect.py', { timeout_ms: 20_000, ...args }));
  if (run.exception !== undefined) throw new Error(`wifi_connect.py raised:\n${run.exception.text}`);
  const result = parseScriptResult('wifi_connect', run.stdout, { port: 'sim' });
  return { result, classification: classifyWifi(result) };
}

async function tlsProbe(rig: SimRig, args: ScriptArgs, context: TlsClassifyContext = {}): Promise<{ result: TlsProbeResult; classification: Classification }> {
  // A soft reset first (it keeps Wi-Fi and the RTC, facts §3): the simulator keeps the TCP socket of a
  // failed handshake open after close(), and lwIP's 5 PCBs would run out across the probes.
  await rig.repl.softReset();
  const run = await rig.repl.exec(
    await loadScriptWithArgs('tls_probe.py', { host: HARNESS_HOST, timeout_ms: SAFE_TIMEOUT_MS, correlation_id: 'taxonomy-1', nonce: '00ff7f0a', ...args }),
  );
  if (run.exception !== undefined) throw new Error(`tls_probe.py raised:\n${run.exception.text}`);
  const result = parseScriptResult('tls_probe', run.stdout, { port: 'sim' });
  return { result, classification: classifyTls(result, context) };
}

function why(outcome: { result: unknown; classification: Classification }): string {
  return `${outcome.classification.detail}\n${JSON.stringify(outcome.result)}`;
}

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Stop listening and end every connection still open (a silent server's board side may still hold one). */
async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of openSockets.get(server) ?? []) socket.destroy();
  await closed;
}

const openSockets = new WeakMap<Server, Set<net.Socket>>();

/** Remember the server's connections so closeServer can end them. */
function tracked<S extends Server>(server: S): S {
  const sockets = new Set<net.Socket>();
  openSockets.set(server, sockets);
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  return server;
}

/** The board's RTC as right after power-on (rp2 main(): 2021-01-01 00:00:00, facts §3). */
const COLD_CLOCK = 'import machine\nmachine.RTC().datetime((2021, 1, 1, 4, 0, 0, 0, 0))';
/** The board's RTC from the world's NTP service. */
const SYNCED_CLOCK = 'import ntptime\nntptime.settime()';

/** The part of the echo server's record the taxonomy reads (AttemptRecord.server). */
function serverView(record: ConnectionRecord | undefined): Pick<ServerView, 'alert'> {
  const alert = record?.alert;
  return { alert: alert === null || alert === undefined ? null : { direction: alert.direction, name: alert.name } };
}

function caHex(set: CertificateSet): string {
  return Buffer.from(set.caDer).toString('hex');
}

/** What the harness knows about a set when it classifies a bare -9984: its certificates' dates and the flags it is built to raise. */
function setContext(set: CertificateSet): TlsClassifyContext {
  const { leaf, intermediate, ca } = set.manifest.certificates;
  const certificates = [
    { subject: 'leaf', notBefore: leaf.notBefore, notAfter: leaf.notAfter },
    ...(intermediate === null ? [] : [{ subject: 'intermediate', notBefore: intermediate.notBefore, notAfter: intermediate.notAfter }]),
    { subject: 'root', notBefore: ca.notBefore, notAfter: ca.notAfter },
  ];
  return { certificates, expectedFlags: set.manifest.expected.synced.flags };
}

describe('taxonomy scenarios: every class from the device scripts on the simulated Pico W', function () {
  this.timeout(120_000);

  describe('Wi-Fi (wifi_connect.py)', () => {
    /** One board in the default world for the cases that need nothing else; each case seeds its own attempt. */
    let shared: SimRig | undefined;
    /** A board in a world of the case's own. */
    let own: SimRig | undefined;

    before(async () => {
      shared = await startBoard({ world: world() });
    });

    after(async () => {
      await shared?.dispose();
    });

    afterEach(async () => {
      await own?.dispose();
      own = undefined;
    });

    function board(attempt: number): SimRig {
      if (shared === undefined) throw new Error('the board did not start');
      shared.board.beginAttempt(attempt);
      return shared;
    }

    it('the visible AP → wifi.ok; as-is after that join and a soft reset → wifi.carried-over', async () => {
      const rig = board(1);
      const join = await wifiConnect(rig, { ssid: visibleAp.ssid, password: visibleAp.password, mode: 'fresh' });
      expect(join.classification.class, why(join)).to.equal('wifi.ok');
      await rig.repl.softReset();
      const again = await wifiConnect(rig, { ssid: visibleAp.ssid, password: visibleAp.password, mode: 'as-is' });
      expect(again.result.linkUpBefore, why(again)).to.equal(true);
      expect(again.classification.class, why(again)).to.equal('wifi.carried-over');
    });

    it('a wrong password → wifi.wrong-password; an unknown SSID → wifi.no-ap-found', async () => {
      const wrong = await wifiConnect(board(2), { ssid: visibleAp.ssid, password: 'not-the-password' });
      expect(wrong.classification.class, why(wrong)).to.equal('wifi.wrong-password');
      const unknown = await wifiConnect(board(3), { ssid: 'no-such-network', password: 'whatever-pass' });
      expect(unknown.classification.class, why(unknown)).to.equal('wifi.no-ap-found');
    });

    it('a timeout shorter than the join → wifi.timeout@STAT_CONNECTING', async () => {
      const early = await wifiConnect(board(4), { ssid: visibleAp.ssid, password: visibleAp.password, timeout_ms: 300 });
      expect(early.classification.class, why(early)).to.equal('wifi.timeout@STAT_CONNECTING');
    });

    it('the hidden SSID under the default PM, across attempt seeds → wifi.connect-fail among plain joins', async () => {
      const classes: string[] = [];
      for (let attempt = 100; attempt < 110; attempt += 1) {
        classes.push((await wifiConnect(board(attempt), { ssid: hiddenAp.ssid, password: hiddenAp.password, mode: 'fresh' })).classification.class);
      }
      expect(classes).to.include('wifi.connect-fail');
      for (const name of classes) expect(['wifi.ok', 'wifi.connect-fail', 'wifi.wrong-password', 'wifi.no-ap-found', 'wifi.transient-badauth'], classes.join(', ')).to.include(name);
    });

    it('a Wi-Fi call that raises (a hostname over 32 characters) → wifi.error', async () => {
      const refused = await wifiConnect(board(5), { ssid: visibleAp.ssid, password: visibleAp.password, hostname: 'h'.repeat(40) });
      expect(refused.result.error, why(refused)).to.not.equal(null);
      expect(refused.classification.class, why(refused)).to.equal('wifi.error');
    });

    it('DHCP that outlasts the timeout → wifi.timeout@2 (joined, no IP: the unnamed status)', async () => {
      own = await startBoard({ world: world({ join: { ...DEFAULT_WORLD.join, dhcpMs: { fixed: 600_000 } } }) });
      const stuck = await wifiConnect(own, { ssid: visibleAp.ssid, password: visibleAp.password, timeout_ms: 15_000 });
      expect(stuck.classification.class, why(stuck)).to.equal('wifi.timeout@2');
    });

    it('an AP that refuses the first authentication → wifi.transient-badauth', async () => {
      const faults = DEFAULT_WORLD.faults.map((fault) => (fault.kind === 'transient-badauth' ? { ...fault, probability: 1 } : fault));
      own = await startBoard({ world: world({ faults }) });
      const busy = await wifiConnect(own, { ssid: busyAp.ssid, password: busyAp.password });
      expect(busy.result.firstNegative, why(busy)).to.equal(-3);
      expect(busy.classification.class, why(busy)).to.equal('wifi.transient-badauth');
    });
  });

  describe('TLS (tls_probe.py) on joined boards', () => {
    const sets = new Map<string, CertificateSet>();
    const echoServers = new Map<string, EchoServer>();
    const collectors = new Map<string, RecordCollector>();
    const rawServers: Server[] = [];
    let mtlsServer: EchoServer | undefined;
    let mtlsRecords: RecordCollector | undefined;
    let plainPort = 0;
    let closingPort = 0;
    let silentPort = 0;
    let resettingPort = 0;
    let lyingPort = 0;
    let modern: SimRig | undefined;
    let legacy: SimRig | undefined;

    before(async () => {
      const { dir } = await testCertificates();
      for (const name of ['valid', 'issued-now', 'expired', 'not-yet-valid', 'untrusted-ca', 'wrong-host', 'weak-hash', 'rsa-1024']) {
        const set = await loadCertificateSet(dir, name);
        sets.set(name, set);
        const server = await startEchoServer({ host: '127.0.0.1', port: 0, plainPort: name === 'valid' ? 0 : undefined, tls: { certChainPem: set.chainPem, keyPem: set.leafKeyPem } });
        echoServers.set(name, server);
        collectors.set(name, new RecordCollector(server));
      }
      const valid = sets.get('valid') as CertificateSet;
      plainPort = echoServers.get('valid')?.plainPort ?? 0;
      mtlsServer = await startEchoServer({ host: '127.0.0.1', port: 0, mtls: true, tls: { certChainPem: valid.chainPem, keyPem: valid.leafKeyPem, clientCaPem: valid.caPem } });
      mtlsRecords = new RecordCollector(mtlsServer);
      // A server that accepts and closes at once; one that never says a word; one that resets when the ClientHello arrives.
      const closing = tracked(net.createServer((socket) => socket.end()));
      const silent = tracked(net.createServer(() => undefined));
      const resetting = tracked(net.createServer((socket) => socket.once('data', () => socket.resetAndDestroy())));
      // A TLS server that echoes with the first byte of every chunk changed.
      const lying = tracked(
        tls.createServer({ cert: valid.chainPem, key: valid.leafKeyPem }, (socket) => {
          socket.on('data', (chunk: Buffer) => socket.write(Buffer.concat([Buffer.of((chunk[0] ?? 0) ^ 0x20), chunk.subarray(1)])));
          socket.on('error', () => undefined);
        }),
      );
      rawServers.push(closing, silent, resetting, lying);
      closingPort = await listening(closing);
      silentPort = await listening(silent);
      resettingPort = await listening(resetting);
      lyingPort = await listening(lying);
      modern = await startBoard({ world: world(), profile: 'v1.24.1' });
      legacy = await startBoard({ world: world(), profile: 'v1.21.0' });
      for (const board of [modern, legacy]) await output(board, JOIN_VISIBLE);
    });

    after(async () => {
      await modern?.dispose();
      await legacy?.dispose();
      for (const server of echoServers.values()) await server.close();
      await mtlsServer?.close();
      for (const server of rawServers) await closeServer(server);
    });

    function board(which: 'modern' | 'legacy'): SimRig {
      const rig = which === 'modern' ? modern : legacy;
      if (rig === undefined) throw new Error('the boards did not start');
      return rig;
    }

    function probeArgs(setName: string): ScriptArgs {
      const set = sets.get(setName);
      const server = echoServers.get(setName);
      if (set === undefined || server === undefined) throw new Error(`no set ${setName}`);
      return { port: server.port, cadata: caHex(set), server_hostname: set.serverHostname };
    }

    it('a valid chain with a synced clock → tls.ok', async () => {
      await output(board('modern'), SYNCED_CLOCK);
      const ok = await tlsProbe(board('modern'), probeArgs('valid'));
      expect(ok.classification.class, why(ok)).to.equal('tls.ok');
    });

    /** Set, its class, and whether the alert the server receives from a v1.21.0 board decides the class on its own (facts §10). */
    const flawed: [string, string, boolean][] = [
      ['expired', 'tls.verify.expired', true],
      ['not-yet-valid', 'tls.verify.future', false],
      ['untrusted-ca', 'tls.verify.untrusted', true],
      ['wrong-host', 'tls.verify.hostname', true],
      ['weak-hash', 'tls.verify.bad-md', false],
      ['rsa-1024', 'tls.verify.bad-key', false],
    ];
    for (const [setName, expected, alertDecides] of flawed) {
      it(`${setName}, synced clock: v1.24.1's ValueError → ${expected}; v1.21.0's bare -9984 → tls.verify.unspecified, inferred ${expected}`, async () => {
        await output(board('modern'), SYNCED_CLOCK);
        const modernProbe = await tlsProbe(board('modern'), probeArgs(setName));
        expect(modernProbe.result.error?.type, why(modernProbe)).to.equal('ValueError');
        expect(modernProbe.classification.class, why(modernProbe)).to.equal(expected);
        await output(board('legacy'), SYNCED_CLOCK);
        const set = sets.get(setName) as CertificateSet;
        const records = collectors.get(setName) as RecordCollector;
        const earlier = records.records.length;
        const legacyProbe = await tlsProbe(board('legacy'), { ...probeArgs(setName), api: 'wrap_socket' }, setContext(set));
        expect(legacyProbe.result.error?.args, why(legacyProbe)).to.deep.equal([-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED']);
        expect(legacyProbe.classification.class, why(legacyProbe)).to.equal('tls.verify.unspecified');
        expect(legacyProbe.classification.inferred?.class, why(legacyProbe)).to.equal(expected);
        // The alert the board sent, as the echo server recorded it, agrees with the inference, and may decide it alone.
        const server = serverView(await records.find((record) => records.records.indexOf(record) >= earlier));
        expect(server.alert?.direction).to.equal('received');
        expect(classifyTls(legacyProbe.result, { ...setContext(set), server }).inferred?.class, JSON.stringify(server)).to.equal(expected);
        const alone = classifyTls(legacyProbe.result, { server }).inferred?.class;
        if (alertDecides) expect(alone, JSON.stringify(server)).to.equal(expected);
        else expect(alone, JSON.stringify(server)).to.not.equal(expected);
      });
    }

    it('the cold-boot bug: issued-now at the power-on clock → tls.verify.future (v1.24.1), unspecified inferred future from the RTC (v1.21.0)', async () => {
      const set = sets.get('issued-now') as CertificateSet;
      await output(board('modern'), COLD_CLOCK);
      const modernProbe = await tlsProbe(board('modern'), probeArgs('issued-now'));
      expect(modernProbe.classification.class, why(modernProbe)).to.equal('tls.verify.future');
      await output(board('legacy'), COLD_CLOCK);
      const legacyProbe = await tlsProbe(board('legacy'), { ...probeArgs('issued-now'), api: 'wrap_socket' }, setContext(set));
      expect(legacyProbe.classification.class, why(legacyProbe)).to.equal('tls.verify.unspecified');
      expect(legacyProbe.classification.inferred?.flags, why(legacyProbe)).to.deep.equal(['BADCERT_FUTURE']);
      expect(legacyProbe.classification.inferred?.basis, why(legacyProbe)).to.match(/^RTC 2021-01-01T00:00:\d\dZ is before leaf's notBefore/);
    });

    it('a not-yet-valid chain asked for another name → tls.verify.multi', async () => {
      await output(board('modern'), SYNCED_CLOCK);
      const both = await tlsProbe(board('modern'), { ...probeArgs('not-yet-valid'), server_hostname: 'another-host.example' });
      expect(both.classification.verifyFlags, why(both)).to.deep.equal(['BADCERT_CN_MISMATCH', 'BADCERT_FUTURE']);
      expect(both.classification.class, why(both)).to.equal('tls.verify.multi');
    });

    it('the plain-TCP port → tls.invalid-record', async () => {
      const plain = await tlsProbe(board('modern'), { ...probeArgs('valid'), port: plainPort });
      expect(plain.classification.class, why(plain)).to.equal('tls.invalid-record');
    });

    it('a server that closes at once → tls.conn-eof', async () => {
      const eof = await tlsProbe(board('modern'), { ...probeArgs('valid'), port: closingPort });
      expect(eof.classification.class, why(eof)).to.equal('tls.conn-eof');
    });

    it('an mTLS server refusing a board without a client certificate → tls.alert.<the alert the server sent>', async () => {
      const before = mtlsRecords?.records.length ?? 0;
      const refused = await tlsProbe(board('modern'), { ...probeArgs('valid'), port: mtlsServer?.port });
      const record = await mtlsRecords?.find((candidate) => (mtlsRecords?.records.indexOf(candidate) ?? 0) >= before);
      expect(record?.alert?.direction).to.equal('sent');
      const named = classifyTls(refused.result, { server: serverView(record) });
      expect(named.class, why(refused)).to.equal('tls.alert.handshake_failure');
      expect(refused.classification.class, 'without the server record the name is unknown').to.equal('tls.alert.unknown');
    });

    it('a server that echoes different bytes → echo.mismatch', async () => {
      await output(board('modern'), SYNCED_CLOCK);
      const lied = await tlsProbe(board('modern'), { ...probeArgs('valid'), port: lyingPort });
      expect(lied.classification.class, why(lied)).to.equal('echo.mismatch');
      expect(lied.result.echoMismatchAt, why(lied)).to.equal(0);
    });

    it('a server that never answers the ClientHello → tls.timeout', async () => {
      const quiet = await tlsProbe(board('modern'), { ...probeArgs('valid'), port: silentPort, timeout_ms: 50_000 });
      expect(quiet.classification.class, why(quiet)).to.equal('tls.timeout');
    });

    it('a server that resets during the handshake → tls.socket.ECONNRESET', async () => {
      const reset = await tlsProbe(board('modern'), { ...probeArgs('valid'), port: resettingPort });
      expect(reset.classification.class, why(reset)).to.equal('tls.socket.ECONNRESET');
    });

    it('cadata the firmware cannot parse → tls.config-rejected', async () => {
      const refused = await tlsProbe(board('modern'), { ...probeArgs('valid'), cadata: 'deadbeef' });
      expect(refused.classification.class, why(refused)).to.equal('tls.config-rejected');
    });

    it('a name nobody knows → net.dns; a closed port → net.connect.ECONNRESET', async () => {
      const unknown = await tlsProbe(board('modern'), { ...probeArgs('valid'), host: 'nowhere.invalid', server_hostname: 'nowhere.invalid' });
      expect(unknown.classification.class, why(unknown)).to.equal('net.dns');
      const closed = net.createServer();
      const closedPort = await listening(closed);
      await closeServer(closed);
      const refused = await tlsProbe(board('modern'), { ...probeArgs('valid'), port: closedPort });
      expect(refused.classification.class, why(refused)).to.equal('net.connect.ECONNRESET');
    });
  });

  describe('TLS on boards with their own conditions', () => {
    let rig: SimRig | undefined;
    let server: EchoServer | undefined;

    afterEach(async () => {
      await rig?.dispose();
      rig = undefined;
      await server?.close();
      server = undefined;
    });

    it('an address nobody answers on → net.connect.ETIMEDOUT at the socket timeout, net.connect.ECONNABORTED when lwIP gives up first', async () => {
      rig = await startBoard({ world: world({ network: { ...DEFAULT_WORLD.network, names: { 'black-hole.lan': '192.168.4.99' } } }) });
      await output(rig, JOIN_VISIBLE);
      const target = { host: 'black-hole.lan', port: 8443, server_hostname: 'black-hole.lan' };
      const timedOut = await tlsProbe(rig, { ...target, timeout_ms: Math.floor(DEFAULT_WORLD.network.tcpConnectTimeoutMs / 4) });
      expect(timedOut.classification.class, why(timedOut)).to.equal('net.connect.ETIMEDOUT');
      const abandoned = await tlsProbe(rig, { ...target, timeout_ms: DEFAULT_WORLD.network.tcpConnectTimeoutMs * 4 });
      expect(abandoned.classification.class, why(abandoned)).to.equal('net.connect.ECONNABORTED');
    });

    it('the tls API on v1.19.1-88 → tls.api-unavailable', async () => {
      rig = await startBoard({ world: world(), profile: 'v1.19.1-88' });
      const missing = await tlsProbe(rig, { api: 'tls', port: 8443 });
      expect(missing.result.apiAvailable, why(missing)).to.equal(false);
      expect(missing.classification.class, why(missing)).to.equal('tls.api-unavailable');
    });

    it('a heap too small for mbedTLS\'s buffers → tls.alloc', async () => {
      const { sets } = await testCertificates();
      const valid = sets.get('valid') as CertificateSet;
      server = await startEchoServer({ host: '127.0.0.1', port: 0, tls: { certChainPem: valid.chainPem, keyPem: valid.leafKeyPem } });
      rig = await startBoard({ world: world(), heapBytes: 30_000 });
      await output(rig, JOIN_VISIBLE);
      const starved = await tlsProbe(rig, { port: server.port, cadata: caHex(valid), server_hostname: valid.serverHostname });
      expect(starved.classification.class, why(starved)).to.equal('tls.alloc');
    });
  });
});
