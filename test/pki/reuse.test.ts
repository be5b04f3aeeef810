import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CERTIFICATE_SET_NAMES, generateCertificateSets, type CertsEvent, type CertificateSetManifest } from '../../src/pki/index.js';
import { failure } from '../support/failure.js';
import { snapshot } from './support.js';

const HOST_IPS = ['192.0.2.10'];
const DAY_MS = 24 * 60 * 60 * 1000;

function fingerprints(manifests: readonly CertificateSetManifest[]): string[] {
  return manifests.flatMap((manifest) => Object.values(manifest.certificates).flatMap((entry) => (entry === null ? [] : [entry.sha256])));
}

async function generate(outDir: string, options: Parameters<typeof generateCertificateSets>[0] = {}): Promise<{ manifests: CertificateSetManifest[]; events: CertsEvent[] }> {
  const events: CertsEvent[] = [];
  const manifests = await generateCertificateSets({ outDir, detectedHostIps: HOST_IPS, ...options, onEvent: (event) => events.push(event) });
  return { manifests, events };
}

const actions = (events: readonly CertsEvent[]): string[] => events.flatMap((event) => (event.type === 'warning' ? [] : [event.action]));
const warnings = (events: readonly CertsEvent[]): Extract<CertsEvent, { type: 'warning' }>[] => events.filter((event) => event.type === 'warning');

describe('certificate sets: re-running', () => {
  let base: string;
  let first: CertificateSetManifest[];
  let firstEvents: CertsEvent[];
  const now = new Date();

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'picow-pki-reuse-'));
    ({ manifests: first, events: firstEvents } = await generate(base, { now }));
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('reports everything as generated the first time', () => {
    expect(actions(firstEvents)).to.deep.equal(Array(CERTIFICATE_SET_NAMES.length + 2).fill('generated'));
    expect(warnings(firstEvents)).to.deep.equal([]);
  });

  it('reuses every key and certificate on a second run and rewrites no file', async () => {
    const before = await snapshot(base);
    const { manifests, events } = await generate(base, { now });
    expect(actions(events)).to.deep.equal(Array(CERTIFICATE_SET_NAMES.length + 2).fill('reused'));
    expect(fingerprints(manifests)).to.deep.equal(fingerprints(first));
    const after = await snapshot(base);
    expect([...after.keys()].sort()).to.deep.equal([...before.keys()].sort());
    for (const [file, entry] of before) {
      expect(after.get(file)?.bytes.equals(entry.bytes), file).to.be.true;
      expect(after.get(file)?.mtimeMs, file).to.equal(entry.mtimeMs);
    }
  });

  it('tightens a key file loosened to 0644 back to 0600 when reusing it', async () => {
    const file = join(base, 'valid', 'leaf-key.pem');
    await chmod(file, 0o644);
    await generate(base, { now });
    expect((await stat(file)).mode & 0o777).to.equal(0o600);
  });

  it('refuses a different --key without force, in one line saying what differs, and changes nothing', async () => {
    const before = await snapshot(base);
    const error = await failure(generate(base, { now, key: 'rsa-2048' }));
    expect(error.code).to.equal('CONFIG_INVALID');
    expect(error.message).to.not.include('\n');
    expect(error.message).to.include('--key rsa-2048 differs from the existing ec-p256 keys');
    expect(error.message).to.include('--force');
    const after = await snapshot(base);
    for (const [file, entry] of before) expect(after.get(file)?.bytes.equals(entry.bytes), file).to.be.true;
  });

  it('refuses different SANs, DNS name or host addresses without force, naming each difference', async () => {
    const sans = await failure(generate(base, { now, sans: ['other.example'] }));
    expect(sans.message).to.include('--san DNS:other.example differs from none');
    const dns = await failure(generate(base, { now, dnsName: 'board.example' }));
    expect(dns.message).to.include('--dns board.example differs from picow-harness.local');
    const ips = await failure(generate(base, { now, hostIps: ['198.51.100.1'] }));
    expect(ips.message).to.include('--host-ip 198.51.100.1 differs from 192.0.2.10');
    for (const error of [sans, dns, ips]) {
      expect(error.code).to.equal('CONFIG_INVALID');
      expect(error.message).to.not.include('\n');
      expect(error.message).to.match(/delete those set folders .* or rerun with --force/);
    }
  });

  it('rejects a key type it does not offer as a usage error listing the choices', async () => {
    const error = await failure(generate(base, { now, key: 'dsa' }));
    expect(error.code).to.equal('USAGE');
    expect(error.message).to.equal('--key: expected ec-p256, ec-p384, rsa-2048; got "dsa"');
  });

  it('warns in one line when the host has an address the reused leaves do not name', async () => {
    const { events } = await generate(base, { now, detectedHostIps: ['192.0.2.10', '203.0.113.77'] });
    const [warning, ...more] = warnings(events);
    expect(more).to.deep.equal([]);
    expect(warning?.code).to.equal('host-ips-not-covered');
    expect(warning?.message).to.include('203.0.113.77');
    expect(warning?.message).to.include('192.0.2.10');
    expect(warning?.message).to.not.include('\n');
    expect(warning?.message).to.not.include('wrong-host');
    expect(actions(events).every((action) => action === 'reused')).to.be.true;
  });

  it('does not warn when the leaves name every address the host has', async () => {
    const { events } = await generate(base, { now, detectedHostIps: HOST_IPS });
    expect(warnings(events)).to.deep.equal([]);
  });

  it('warns when a reused set no longer shows its fault because time has passed', async () => {
    const { events } = await generate(base, { now: new Date(now.getTime() + 400 * DAY_MS) });
    const stale = warnings(events).find((warning) => warning.code === 'dates-stale');
    expect(stale?.message).to.match(/^the leaf dates of issued-now, not-yet-valid no longer give the verdict their set is for/);
  });

  it('regenerates only a set whose folder was deleted, with the same shared CA', async () => {
    await rm(join(base, 'wrong-host'), { recursive: true });
    const { manifests, events } = await generate(base, { now });
    const wrongHost = events.find((event) => event.type === 'set' && event.name === 'wrong-host');
    expect(wrongHost?.type === 'set' && wrongHost.action).to.equal('generated');
    expect(actions(events).filter((action) => action === 'generated')).to.have.length(1);
    const before = first.find((manifest) => manifest.name === 'wrong-host');
    const after = manifests.find((manifest) => manifest.name === 'wrong-host');
    expect(after?.certificates.leaf.sha256).to.not.equal(before?.certificates.leaf.sha256);
    expect(after?.certificates.ca.sha256).to.equal(before?.certificates.ca.sha256);
  });

  it('names the missing file when a key lost its certificate', async () => {
    await rm(join(base, 'valid', 'leaf.pem'));
    const error = await failure(generate(base, { now }));
    expect(error.code).to.equal('CONFIG_INVALID');
    expect(error.message).to.include(join(base, 'valid', 'leaf.pem'));
    expect(error.message).to.include('--force');
  });

  it('regenerates every key and certificate with force, the shared CA included', async () => {
    const before = await snapshot(base);
    const { manifests, events } = await generate(base, { now, force: true });
    expect(actions(events)).to.deep.equal(Array(CERTIFICATE_SET_NAMES.length + 2).fill('generated'));
    const old = new Set(fingerprints(first));
    expect(fingerprints(manifests).some((fingerprint) => old.has(fingerprint))).to.be.false;
    const after = await snapshot(base);
    for (const file of [join('_ca', 'root-key.pem'), join('issued-now', 'leaf-key.pem'), join('valid', 'client-key.der')]) {
      expect(after.get(file)?.bytes.equals(before.get(file)?.bytes ?? Buffer.alloc(0)), file).to.be.false;
      expect(after.get(file)?.mode, file).to.equal(0o600);
    }
  });

  it('switches key type with force, and a plain re-run then keeps the new type', async () => {
    const { manifests } = await generate(base, { now, force: true, key: 'ec-p384' });
    expect(manifests.every((manifest) => manifest.certificates.ca.keyAlgorithm === 'ec-p384' && manifest.request.key === 'ec-p384')).to.be.true;
    const again = await generate(base, { now });
    expect(actions(again.events).every((action) => action === 'reused')).to.be.true;
    expect(again.manifests.every((manifest) => manifest.certificates.leaf.keyAlgorithm === (manifest.name === 'rsa-1024' ? 'rsa-1024' : 'ec-p384'))).to.be.true;
  });
});
