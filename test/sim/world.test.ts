import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { SimSession } from '../../src/sim/session.js';
import { DEFAULT_WORLD, loadWorld, netConfigOf, parseWorld, withServices } from '../../src/sim/world.js';

/** The session module pulls in the whole simulated board; loaded only by the tests that start one. */
async function startSimSession(...args: Parameters<typeof import('../../src/sim/session.js').startSimSession>): Promise<SimSession> {
  const session = await import('../../src/sim/session.js');
  return session.startSimSession(...args);
}

const AP = 'accessPoints:\n  - {ssid: a, bssid: "02:00:00:00:00:01", channel: 6, security: wpa2, password: secret-pass-1}\n';
const SECRET = 'secret-pass-1';
const SERVICE = 'network:\n  services:\n    - {names: [example.com], address: 93.184.215.14, ports: {443: 8443}}\n';

function configError(run: () => unknown): Error & { code?: string; context?: Record<string, unknown> } {
  try {
    run();
  } catch (error) {
    const e = error as Error & { code?: string };
    expect(e.code).to.equal('CONFIG_INVALID');
    expect(e.message).to.not.include('\n');
    return e;
  }
  throw new Error('the world was accepted');
}

describe('world file', () => {
  it('fills in defaults for an empty document', () => {
    expect(parseWorld('', 'world.yaml')).to.deep.equal(DEFAULT_WORLD);
    expect(DEFAULT_WORLD).to.include({ seed: 0, timeScale: 1 });
    expect(DEFAULT_WORLD.board).to.deep.equal({ enumerationDelayMs: 800 });
  });

  it('describes the seed-bug world by default: a visible and a hidden WPA2 SSID on channel 6, a hidden one on 13, and a rule per factor', () => {
    const bySsid = new Map(DEFAULT_WORLD.accessPoints.map((ap) => [ap.ssid, ap]));
    expect(bySsid.get('picow-lab')).to.include({ channel: 6, security: 'wpa2', hidden: false });
    expect(bySsid.get('picow-lab-hidden')).to.include({ channel: 6, security: 'wpa2', hidden: true });
    expect(bySsid.get('picow-lab-13-hidden')).to.include({ channel: 13, hidden: true, country: 'DE' });
    expect(DEFAULT_WORLD.faults.map((rule) => rule.kind)).to.deep.equal(['pm-join', 'passive-channels', 'pinning', 'transient-badauth', 'idle-drop', 'air-loss']);
    for (const rule of DEFAULT_WORLD.faults) expect(rule.source).to.match(/^(model|root-causes\.md §)/);
  });

  it('gives the network stack the harness, names, NTP and timing of the world', () => {
    expect(netConfigOf(DEFAULT_WORLD)).to.deep.equal({
      harness: { name: 'picow-harness.local', address: '192.168.4.2' },
      names: {},
      services: [],
      ntp: { names: ['pool.ntp.org'], address: '203.0.113.123', offsetMs: 0, replyDelayMs: 25 },
      dnsDelayMs: 20,
      tcpConnectTimeoutMs: 21_000,
    });
    const world = parseWorld('network:\n  names: {Example.COM: 192.0.2.7}\n  ntp: {names: [time.example.org], offsetMs: -5000}\n', 'w.yaml');
    expect(netConfigOf(world).names).to.deep.equal({ 'example.com': '192.0.2.7' });
    expect(netConfigOf(world).ntp).to.deep.equal({ names: ['time.example.org'], address: '203.0.113.123', offsetMs: -5000, replyDelayMs: 25 });
  });

  it('maps a service\'s virtual ports to loopback ports and resolves its names (the port map)', () => {
    const world = parseWorld(SERVICE, 'w.yaml');
    expect(world.network.services).to.deep.equal([{ names: ['example.com'], address: '93.184.215.14', ports: { 443: 8443 } }]);
    expect(netConfigOf(world).services).to.deep.equal([{ names: ['example.com'], address: '93.184.215.14', ports: new Map([[443, 8443]]) }]);
  });

  it('adds services to a world for a port chosen at run time, validated like a world file', () => {
    const world = withServices(DEFAULT_WORLD, [{ names: ['example.com'], address: '93.184.215.14', ports: { 443: 40123 } }]);
    expect(world.network.services[0]?.ports).to.deep.equal({ 443: 40123 });
    expect(configError(() => withServices(DEFAULT_WORLD, [{ address: '93.184.215.14', ports: { 443: 70000 } }], 'test override')).message).to.equal(
      'test override: network.services[0].ports["443"]: must be ≤ 65535',
    );
  });

  it('ships worlds/default.yaml with exactly the built-in defaults', async () => {
    const shipped = await loadWorld(new URL('../../src/sim/worlds/default.yaml', import.meta.url).pathname);
    expect(shipped).to.deep.equal(DEFAULT_WORLD);
  });

  it('reads YAML and JSON, and lowercases the serial number', () => {
    const yaml = parseWorld('timeScale: 2\nboard:\n  enumerationDelayMs: 100\n  profile: v1.22.2\n  serialNumber: E6614C311B7E6A35\n', 'w.yaml');
    expect(yaml).to.deep.equal({ ...DEFAULT_WORLD, timeScale: 2, board: { enumerationDelayMs: 100, profile: 'v1.22.2', serialNumber: 'e6614c311b7e6a35' } });
    expect(parseWorld('{"timeScale": 0.5}', 'w.json').timeScale).to.equal(0.5);
  });

  it('names the file, line, column and document path of a value out of range', () => {
    const error = configError(() => parseWorld('board:\n  enumerationDelayMs: 6000\n', 'world.yaml'));
    expect(error.message).to.equal('world.yaml:2:23: board.enumerationDelayMs: must be ≤ 5000');
    expect(error.context).to.include({ file: 'world.yaml', path: 'board.enumerationDelayMs', offset: 29 });
    expect(configError(() => parseWorld('timeScale: 0\n', 'world.yaml')).message).to.equal('world.yaml:1:12: timeScale: must be > 0');
  });

  it('rejects unknown keys at any depth at the key itself: the key meant when one is close, else the keys known there', () => {
    expect(configError(() => parseWorld('timescale: 2\n', 'w.yaml')).message).to.equal('w.yaml:1:1: timescale: unknown key (did you mean timeScale?)');
    expect(configError(() => parseWorld('board:\n  wifi: {}\n', 'w.yaml')).message).to.equal('w.yaml:2:3: board.wifi: unknown key (known: enumerationDelayMs, profile, serialNumber)');
    expect(configError(() => parseWorld(AP.replace('channel: 6', 'chanel: 6'), 'w.yaml')).message).to.equal('w.yaml:2:43: accessPoints[0].chanel: unknown key (did you mean channel?)');
    expect(configError(() => parseWorld(AP.replace('password: secret-pass-1', 'password: secret-pass-1, colour: red'), 'w.yaml')).message).to.equal(
      'w.yaml:2:96: accessPoints[0].colour: unknown key (known: ssid, bssid, channel, security, password, hidden, rssi, country)',
    );
    expect(configError(() => parseWorld('faults:\n  - {name: x, kind: air-loss, factor: f, source: model, lossProbability: 0.1, probability: 1}\n', 'w.yaml')).message).to.equal(
      'w.yaml:2:79: faults[0].probability: unknown key (did you mean lossProbability?)',
    );
    expect(configError(() => parseWorld('network:\n  ntp: {adress: 10.0.0.1}\n', 'w.yaml')).message).to.equal('w.yaml:2:9: network.ntp.adress: unknown key (did you mean address?)');
    expect(configError(() => parseWorld('join:\n  dhcpMs: {lognormal: {median: 5, sigma: 1}}\n', 'w.yaml')).message).to.equal('w.yaml:2:24: join.dhcpMs.lognormal.median: unknown key (did you mean medianMs?)');
  });

  it('names the field of a bad access point, fault rule, network or join setting', () => {
    const cases: [string, string][] = [
      [AP.replace('channel: 6', 'channel: 15'), 'w.yaml:2:52: accessPoints[0].channel: must be ≤ 14'],
      [AP.replace('channel: 6', 'channel: 13').replace('password:', 'country: US, password:'), "w.yaml:2:52: accessPoints[0].channel: channel 13 is not allowed in the AP's country US (1..11)"],
      [AP.replace('wpa2', 'wep'), 'w.yaml:2:65: accessPoints[0].security: must be one of open, wpa-wpa2, wpa2, wpa3, wpa2-wpa3'],
      [AP.replace('02:00:00:00:00:01', '02:00:00:00:01'), 'w.yaml:2:22: accessPoints[0].bssid: must be a MAC address like 02:50:43:57:06:01'],
      [AP + AP.replace('accessPoints:\n', '').replace('ssid: a', 'ssid: b'), 'w.yaml:3:22: accessPoints[1].bssid: is also the bssid of accessPoints[0]'],
      [AP.replace('ssid: a', `ssid: ${'s'.repeat(33)}`), 'w.yaml:2:12: accessPoints[0].ssid: must be 1 to 32 bytes'],
      [AP.replace(', password: secret-pass-1', ''), 'w.yaml:2:5: accessPoints[0].password: is required for security wpa2'],
      ['faults:\n  - {name: a, kind: pm-join, factor: f, source: model, missProbability: 0.1}\n  - {name: b, kind: pm-join, factor: f, source: model, missProbability: 1.5}\n', 'w.yaml:3:73: faults[1].missProbability: must be ≤ 1'],
      ['faults:\n  - {name: a, kind: pm-join, factor: f, source: model, missProbability: 0.1}\n  - {name: b, kind: pinning, factor: f, source: model}\n  - {name: c, kind: pinning, factor: f, source: "seed 000"}\n', 'w.yaml:4:49: faults[2].source: must be "model" or start with "root-causes.md §"'],
      ['faults:\n  - {name: a, kind: pm-join, factor: f, source: model}\n', 'w.yaml:2:5: faults[0].missProbability: is required'],
      ['faults:\n  - {name: a, kind: teleport, factor: f, source: model}\n', 'w.yaml:2:21: faults[0].kind: must be one of pm-join, passive-channels, pinning, transient-badauth, idle-drop, air-loss'],
      ['faults:\n  - {name: a, kind: pinning, factor: f, source: model}\n  - {name: a, kind: pinning, factor: f, source: model}\n', 'w.yaml:3:12: faults[1].name: is also the name of faults[0]'],
      [`${AP}faults:\n  - {name: a, kind: air-loss, factor: f, source: model, lossProbability: 0.5, when: {ssid: picow-lab}}\n`, 'w.yaml:4:92: faults[0].when.ssid: no access point has SSID "picow-lab" (the default faults apply when the world has no faults list; give one, even [])'],
      [AP, 'w.yaml:1:1: faults[3].when.ssid: no access point has SSID "picow-lab-busy" (the default faults apply when the world has no faults list; give one, even [])'],
      ['network:\n  lease: {address: 10.0.0.2, netmask: 255.255.255.0, gateway: 10.0.1.1, dns: 10.0.0.1}\n', "w.yaml:2:63: network.lease.gateway: must be in the lease's subnet (10.0.0.2/255.255.255.0)"],
      ['network:\n  harness: {name: picow-harness.local, address: 192.168.4.23}\n', "w.yaml:2:49: network.harness.address: must differ from the board's lease address"],
      ['network:\n  names: {"not a name": 10.0.0.1}\n', 'w.yaml:2:11: network.names["not a name"]: is not a valid key: must be a DNS name'],
      ['network:\n  names: {example.com: 300.1.1.1}\n', 'w.yaml:2:24: network.names["example.com"]: must be an IPv4 address (a.b.c.d)'],
      ['join:\n  scanMs: {fixed: 5, uniform: [1, 2]}\n', 'w.yaml:2:11: join.scanMs: must have exactly one of fixed, uniform, lognormal'],
      ['join:\n  dhcpMs: {uniform: [9, 2]}\n', 'w.yaml:2:21: join.dhcpMs.uniform: must be [min, max] with min ≤ max'],
      ['seed: -1\n', 'w.yaml:1:7: seed: must be ≥ 0'],
      [`${SERVICE}`.replace('443: 8443', '70000: 8443'), 'w.yaml:3:62: network.services[0].ports["70000"]: is not a valid key: must be a port number 1..65535'],
      [`${SERVICE}`.replace('443: 8443', '443: 0'), 'w.yaml:3:67: network.services[0].ports["443"]: must be ≥ 1'],
      [`${SERVICE}`.replace('{443: 8443}', '{}'), 'w.yaml:3:61: network.services[0].ports: must map at least one port'],
      [`${SERVICE}`.replace('93.184.215.14', '192.168.4.2'), "w.yaml:3:39: network.services[0].address: is the harness host's address; a service needs an address of its own"],
      [`${SERVICE}`.replace('example.com', 'pool.ntp.org'), 'w.yaml:3:16: network.services[0].names[0]: pool.ntp.org is also named by network.ntp.names[0]'],
      [`${SERVICE}    - {names: [b.example], address: 93.184.215.14, ports: {80: 8080}}\n`, 'w.yaml:4:37: network.services[1].address: is also the address of network.services[0]; a service needs an address of its own'],
    ];
    for (const [text, message] of cases) expect(configError(() => parseWorld(text, 'w.yaml')).message).to.equal(message);
  });

  it('never puts a password into an error message', () => {
    const texts = [
      AP.replace('password: secret-pass-1', 'password: 12345678901'),
      AP.replace('security: wpa2', 'security: open'),
      AP.replace('secret-pass-1', 'secret-pass-1'.repeat(6)),
      AP.replace('password: secret-pass-1', 'password: [secret-pass-1]'),
      AP.replace('password: secret-pass-1', 'password: secret-pass-1, colour: red'),
      AP.replace('password: secret-pass-1', 'password: "secret-pass-1'),
      `${AP}  - {ssid: b, bssid: "02:00:00:00:00:02", channel: 6, security: wpa2, password: secret-pass-1, hidden: maybe}\n`,
    ];
    for (const text of texts) {
      const message = configError(() => parseWorld(text, 'w.yaml')).message;
      expect(message).to.not.include(SECRET);
      expect(message).to.not.include('12345678901');
    }
    expect(configError(() => parseWorld(texts[0]!, 'w.yaml')).message).to.equal('w.yaml:2:81: accessPoints[0].password: must be a string, got a number');
    expect(configError(() => parseWorld(texts[3]!, 'w.yaml')).message).to.equal('w.yaml:2:81: accessPoints[0].password: must be a string, got a list');
  });

  it('says what type a value must have and what it got', () => {
    expect(configError(() => parseWorld('timeScale: fast\n', 'w.yaml')).message).to.equal('w.yaml:1:12: timeScale: must be a number, got string "fast"');
    expect(configError(() => parseWorld('board: 3\n', 'w.yaml')).message).to.equal('w.yaml:1:8: board: must be a mapping, got number 3');
    expect(configError(() => parseWorld('- 1\n', 'w.yaml')).message).to.equal('w.yaml:1:1: the document: must be a mapping, got a list');
    expect(configError(() => parseWorld('board:\n  enumerationDelayMs: 1.5\n', 'w.yaml')).message).to.equal('w.yaml:2:23: board.enumerationDelayMs: must be a whole number, got number 1.5');
    expect(configError(() => parseWorld('faults:\n  - {name: a, kind: passive-channels, factor: f, source: model, countries: [], channels: [1]}\n', 'w.yaml')).message).to.equal(
      'w.yaml:2:76: faults[0].countries: must not be empty',
    );
  });

  it('rejects an unknown firmware profile and a malformed serial number', () => {
    expect(configError(() => parseWorld('board:\n  profile: v0.1\n', 'w.yaml')).message).to.match(/^w\.yaml:2:12: board\.profile: must be one of .*v1\.24\.1[^(]*$/);
    expect(configError(() => parseWorld('board:\n  profile: v1.22\n', 'w.yaml')).message).to.match(/^w\.yaml:2:12: board\.profile: must be one of .* \(did you mean v1\.22\.2\?\)$/);
    expect(configError(() => parseWorld('board:\n  serialNumber: xyz\n', 'w.yaml')).message).to.equal('w.yaml:2:17: board.serialNumber: must be 16 hex digits');
  });

  it('gives the line and column of a YAML syntax error', () => {
    const error = configError(() => parseWorld('timeScale: 1\nboard: [1, 2\n', 'world.yaml'));
    expect(error.message).to.match(/^world\.yaml:3:1: Flow sequence/);
    expect(configError(() => parseWorld('a: 1\na: 2\n', 'world.yaml')).message).to.match(/^world\.yaml:2:1: .*unique/i);
  });

  it('names the file when it cannot be read', async () => {
    try {
      await loadWorld('/nonexistent/world.yaml');
      expect.fail('loaded');
    } catch (error) {
      expect((error as { code?: string }).code).to.equal('CONFIG_INVALID');
      expect((error as Error).message).to.equal('/nonexistent/world.yaml: cannot read the world file: no such file');
    }
  });

  describe('a session started from a world', () => {
    let directory: string;
    let session: SimSession | undefined;

    beforeEach(async () => {
      directory = await mkdtemp(join(tmpdir(), 'picow-world-'));
    });

    afterEach(async () => {
      await session?.dispose();
      session = undefined;
      await rm(directory, { recursive: true, force: true });
    });

    it('builds the board the world describes, with --profile winning over the world', async () => {
      const file = join(directory, 'world.yaml');
      await writeFile(file, 'timeScale: 2\nboard:\n  enumerationDelayMs: 40\n  profile: v1.20.0\n  serialNumber: e6614c311b7e6a35\n');
      session = await startSimSession({ world: await loadWorld(file), profile: 'v1.22.2' });
      expect(session.board.serialNumber).to.equal('e6614c311b7e6a35');
      expect(session.board.profile.name).to.equal('v1.22.2');
      expect(session.board.timeScale).to.equal(2);
      expect(session.board.isUsbPresent).to.equal(true);
      expect((await session.lister.list()).map((p) => p.serialNumber)).to.deep.equal(['e6614c311b7e6a35']);
    });

    it('derives the serial number from the seed when the world does not fix it', async () => {
      const world = parseWorld('board:\n  enumerationDelayMs: 20\n', 'fast.yaml');
      session = await startSimSession({ world, seed: 7 });
      const first = session.board.serialNumber;
      await session.dispose();
      session = await startSimSession({ world, seed: 8 });
      expect(session.board.serialNumber).to.match(/^[0-9a-f]{16}$/);
      expect(session.board.serialNumber).to.not.equal(first);
    });
  });
});
