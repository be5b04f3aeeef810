import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { formatInspectReport, inspectCertificate } from '../../../src/pki/mbedtls/inspect.js';
import { makePki, type Pki } from './support.js';

const LATE = new Date(Date.UTC(2026, 10, 21, 9, 30));

async function writeSet(directory: string, pki: Pki): Promise<string> {
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'chain.pem'), pki.leaf.pem + pki.intermediate.pem);
  await writeFile(join(directory, 'ca.der'), pki.root.der);
  await writeFile(join(directory, 'ca.pem'), pki.root.pem);
  await writeFile(join(directory, 'leaf.der'), pki.leaf.der);
  return join(directory, 'chain.pem');
}

describe('mbedTLS verification model: certs --inspect', () => {
  let directory: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'picow-inspect-'));
  });

  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('judges a chain with the ca.der next to it on a cold board for every profile, and shows the v1.21 / v1.22 difference', async () => {
    const chain = await writeSet(join(directory, 'issued-now'), await makePki({ leaf: { notBefore: LATE } }));
    const report = await inspectCertificate(chain);
    expect(report.trustedFile).to.equal(join(directory, 'issued-now', 'ca.der'));
    expect(report.at).to.equal('2021-01-01T00:00:00Z');
    expect(report.atIsDefault).to.be.true;
    expect(report.host).to.equal('picow-harness.local');
    expect(report.certificates.map((certificate) => certificate.subject)).to.deep.equal(['CN=picow-harness.local', 'CN=picow-harness test intermediate']);
    const byProfile = Object.fromEntries(report.profiles.map((entry) => [entry.profile, entry.error?.printed]));
    expect(byProfile['v1.21.0']).to.equal("OSError: (-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED')");
    expect(byProfile['v1.22.2']).to.equal('ValueError: \nThe certificate validity starts in the future\n');
    expect(byProfile['v1.19.1-88']).to.equal('TypeError: extra keyword arguments given');
    expect(report.profiles.map((entry) => entry.outcome)).to.deep.equal(['cannot-verify', 'fails', 'fails', 'fails', 'fails', 'fails', 'fails', 'fails']);
    const current = report.profiles.find((entry) => entry.profile === 'v1.24.1')!;
    expect(current.alert).to.deep.equal({ name: 'certificate_unknown', code: 46, level: 'fatal' });
    expect(current.why).to.deep.equal(["leaf 'CN=picow-harness.local': notBefore 2026-11-21T09:30:00Z is after the board clock 2021-01-01T00:00:00Z → BADCERT_FUTURE"]);

    const text = formatInspectReport(report);
    expect(text).to.contain('board clock: 2021-01-01T00:00:00Z (assumed: a cold board\'s RTC right after power-on');
    expect(text).to.match(/^v1\.19\.1-236, v1\.20\.0, v1\.21\.0 \(mbedTLS 2\.16 \(LTS\), 2\.28\.3\): fails: BADCERT_FUTURE$/m);
    expect(text).to.match(/^ {2}raises {2}OSError: \(-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED'\)$/m);
    expect(text).to.match(/^v1\.22\.2, v1\.23\.0, v1\.24\.1, v1\.25\.0-preview\.300 \(mbedTLS 2\.28\.3, 3\.5\.1, 3\.6\.2\): fails: BADCERT_FUTURE$/m);
    expect(text).to.contain('  raises  ValueError: \\nThe certificate validity starts in the future\\n');
    expect(text).to.contain('  alert   certificate_unknown (46), sent to the server');
  });

  it('says which certificate of the chain is at fault: a root issued after the board clock', async () => {
    const chain = await writeSet(join(directory, 'late-root'), await makePki({ label: 'late-root', root: { notBefore: LATE } }));
    const report = await inspectCertificate(chain, { profile: 'v1.24.1' });
    expect(report.profiles).to.have.length(1);
    expect(report.profiles[0]!.why).to.deep.equal([
      "root 'CN=picow-harness test root': notBefore 2026-11-21T09:30:00Z is after the board clock 2021-01-01T00:00:00Z → BADCERT_FUTURE",
    ]);
    expect(formatInspectReport(report)).to.contain("  why     root 'CN=picow-harness test root': notBefore 2026-11-21T09:30:00Z is after the board clock");
  });

  it('uses the clock, host and CA file it is given', async () => {
    const chain = await writeSet(join(directory, 'given'), await makePki({ leaf: { notBefore: LATE } }));
    const report = await inspectCertificate(chain, { at: new Date(LATE.getTime() + 1000), host: 'other.example', profile: 'v1.22.2', trusted: join(directory, 'given', 'ca.pem') });
    expect(report.atIsDefault).to.be.false;
    expect(report.profiles[0]!.verdict!.flagNames).to.deep.equal(['BADCERT_CN_MISMATCH']);
    expect(report.profiles[0]!.alert!.name).to.equal('bad_certificate');
    expect(formatInspectReport(report)).to.match(/^board clock: 2026-11-21T09:30:01Z$/m);
  });

  it('passes a good chain on every profile that verifies', async () => {
    const chain = await writeSet(join(directory, 'valid'), await makePki());
    const report = await inspectCertificate(chain);
    expect(report.profiles.filter((entry) => entry.profile !== 'v1.19.1-88').every((entry) => entry.error === undefined && entry.alert === undefined)).to.be.true;
    expect(formatInspectReport(report)).to.match(/^v1\.19\.1-236, .*v1\.25\.0-preview\.300 \(mbedTLS .*\): passes$/m);
  });

  it('inspects a single DER certificate and says when no trusted root is known', async () => {
    const pki = await makePki();
    const lonely = join(directory, 'lonely');
    await mkdir(lonely, { recursive: true });
    await writeFile(join(lonely, 'leaf.der'), pki.leaf.der);
    const report = await inspectCertificate(join(lonely, 'leaf.der'), { profile: 'v1.24.1' });
    expect(report.format).to.equal('DER');
    expect(report.trustedFile).to.be.undefined;
    expect(report.notes.join('\n')).to.match(/no trusted root: give --ca FILE/);
    expect(report.profiles[0]!.verdict!.flagNames).to.deep.equal(['BADCERT_NOT_TRUSTED']);
    expect(report.profiles[0]!.alert!.name).to.equal('unknown_ca');
  });

  it('reports a cadata file the firmware cannot load as ValueError invalid cert', async () => {
    const pki = await makePki();
    const folder = join(directory, 'trailing');
    const chain = await writeSet(folder, pki);
    await writeFile(join(folder, 'ca.der'), Buffer.concat([pki.root.der, pki.intermediate.der]));
    const report = await inspectCertificate(chain);
    const printed = Object.fromEntries(report.profiles.map((entry) => [entry.profile, entry.error?.printed]));
    expect(printed['v1.22.2']).to.be.undefined;
    expect(printed['v1.23.0']).to.equal('ValueError: invalid cert');
    expect(report.profiles.find((entry) => entry.profile === 'v1.24.1')!.why[0]).to.match(/^cadata: .* bytes after the DER certificate/);
  });

  it('names the file in a one-line error when it is missing or not a certificate', async () => {
    const missing = join(directory, 'nope.pem');
    try {
      await inspectCertificate(missing);
      expect.fail('should have thrown');
    } catch (error) {
      expect((error as { code?: string }).code).to.equal('CONFIG_INVALID');
      expect((error as Error).message).to.equal(`cannot read ${missing}: ENOENT`);
    }
    const garbage = join(directory, 'garbage.der');
    await writeFile(garbage, Buffer.from([0x30, 0x03, 0x02, 0x01]));
    try {
      await inspectCertificate(garbage);
      expect.fail('should have thrown');
    } catch (error) {
      expect((error as { code?: string }).code).to.equal('CONFIG_INVALID');
      expect((error as Error).message).to.match(new RegExp(`^${garbage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a PEM or DER certificate: .* at byte offset \\d+$`));
    }
    const keyOnly = join(directory, 'key.pem');
    await writeFile(keyOnly, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    try {
      await inspectCertificate(keyOnly);
      expect.fail('should have thrown');
    } catch (error) {
      expect((error as Error).message).to.equal(`${keyOnly}: no CERTIFICATE block in this PEM file`);
    }
  });
});
