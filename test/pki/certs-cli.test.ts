import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CERTIFICATE_SET_NAMES, generateCertificateSets, hostIpv4Addresses } from '../../src/pki/index.js';
import { runCliCaptured as cli, type CliRun } from '../support/cli.js';

function expectOneErrorLine(run: CliRun, pattern: RegExp): void {
  expect(run.code, run.stderr).to.equal(2);
  expect(run.stderr).to.match(/^picow-harness: [^\n]+\n$/);
  expect(run.stderr).to.match(pattern);
  expect(run.stdout).to.equal('');
}

describe('picow-harness certs', () => {
  let base: string;
  let out: string;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'picow-pki-cli-'));
    out = join(base, 'certs');
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('generates every set under --out, says where, and prints no key bytes', async () => {
    const run = await cli(['certs', '--out', out, '--host-ip', '192.0.2.10']);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
    for (const name of CERTIFICATE_SET_NAMES) expect(run.stdout).to.match(new RegExp(`^${name} +generated +${join(out, name)} `, 'm'));
    expect(run.stdout).to.match(/^shared CA +generated/m);
    expect(run.stdout).to.include('server_hostname="picow-harness.local"');
    expect(run.stdout).to.not.match(/PRIVATE KEY|-----BEGIN/);
    expect((await readdir(out)).sort()).to.deep.equal([...CERTIFICATE_SET_NAMES, '_ca', '_untrusted-ca'].sort());
    expect((await stat(join(out, 'valid', 'leaf-key.pem'))).mode & 0o777).to.equal(0o600);
  });

  it('reuses everything on a second run', async () => {
    const run = await cli(['certs', '--out', out]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^valid +reused /m);
    expect(run.stdout).to.not.match(/generated/);
  });

  it('prints the manifests as JSON with --json', async () => {
    const run = await cli(['certs', '--out', out, '--json']);
    expect(run.code, run.stderr).to.equal(0);
    const manifests = JSON.parse(run.stdout) as { name: string; request: { hostIps: string[] } }[];
    expect(manifests.map((manifest) => manifest.name)).to.deep.equal([...CERTIFICATE_SET_NAMES]);
    expect(manifests[0]?.request.hostIps).to.deep.equal(['192.0.2.10']);
  });

  it('exits 2 with one line for a key type it does not offer', async () => {
    expectOneErrorLine(await cli(['certs', '--out', out, '--key', 'dsa']), /--key: expected ec-p256, ec-p384, rsa-2048; got "dsa"/);
  });

  it('exits 2 with one line when --key differs from the existing keys, naming --force', async () => {
    expectOneErrorLine(await cli(['certs', '--out', out, '--key', 'ec-p384']), /--key ec-p384 differs from the existing ec-p256 keys.*--force/);
  });

  it('exits 2 with one line for a malformed SAN or host address', async () => {
    expectOneErrorLine(await cli(['certs', '--out', out, '--san', 'bad name!']), /--san: "bad name!" is not a DNS name/);
    expectOneErrorLine(await cli(['certs', '--out', out, '--host-ip', '300.1.2.3']), /--host-ip: "300.1.2.3" is not an IP address/);
  });

  it('refuses inspection options without --inspect, and generation options with it', async () => {
    expectOneErrorLine(await cli(['certs', '--out', out, '--at', 'boot']), /--at only go with --inspect FILE/);
    expectOneErrorLine(await cli(['certs', '--inspect', join(out, 'valid', 'chain.pem'), '--force']), /--inspect does not generate anything; drop --force/);
    expectOneErrorLine(await cli(['certs', '--inspect', join(out, 'valid', 'chain.pem'), '--at', 'yesterday']), /--at: expected an ISO 8601 time/);
  });

  it('warns on stderr, in one line, when the leaves no longer name this host\'s addresses', async function () {
    const addresses = hostIpv4Addresses();
    if (addresses.length === 0) {
      this.test!.title += ' [skipped: this host has no non-internal IPv4 address]';
      this.skip();
    }
    // Made when the host seemed to have no address; a plain run now detects the real ones.
    const elsewhere = join(base, 'moved');
    await generateCertificateSets({ outDir: elsewhere, detectedHostIps: [] });
    const run = await cli(['certs', '--out', elsewhere]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.match(/^picow-harness: warning: the leaves of valid, issued-now, boot-epoch-edge and \d+ more name no IP address, not this host's [^\n]+\n$/);
    expect(run.stderr).to.include(addresses[0] as string);
    expect(run.stdout).to.match(/^valid +reused /m);
  });

  describe('--inspect', () => {
    it('judges a chain at the board clock, host, profile and CA given, as JSON', async () => {
      const file = join(out, 'issued-now', 'chain.pem');
      const run = await cli(['certs', '--inspect', file, '--at', 'boot', '--host', 'picow-harness.local', '--profile', 'v1.24.1', '--ca', join(out, 'issued-now', 'ca.pem'), '--json']);
      expect(run.code, run.stderr).to.equal(0);
      const report = JSON.parse(run.stdout) as { file: string; at: string; host: string; trustedFile?: string; profiles: { profile: string }[] };
      expect(report.file).to.equal(file);
      expect(Date.parse(report.at)).to.equal(Date.UTC(2021, 0, 1));
      expect(report.host).to.equal('picow-harness.local');
      expect(report.trustedFile).to.equal(join(out, 'issued-now', 'ca.pem'));
      expect(report.profiles.map((profile) => profile.profile)).to.deep.equal(['v1.24.1']);
    });

    it('prints the report as text: issued-now fails on a cold board, valid does not', async () => {
      const cold = await cli(['certs', '--inspect', join(out, 'issued-now', 'chain.pem'), '--at', '2021-01-01T00:00:05Z', '--profile', 'v1.24.1']);
      expect(cold.code, cold.stderr).to.equal(0);
      expect(cold.stdout).to.include('BADCERT_FUTURE');
      const valid = await cli(['certs', '--inspect', join(out, 'valid', 'chain.pem'), '--at', '2021-01-01T00:00:05Z', '--profile', 'v1.24.1']);
      expect(valid.code, valid.stderr).to.equal(0);
      expect(valid.stdout).to.not.include('BADCERT_');
    });
  });
});
