import { createPrivateKey, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  CERTIFICATE_SETS,
  CERTIFICATE_SET_NAMES,
  DEFAULT_DNS_NAME,
  WRONG_HOST_DNS_NAME,
  describeCertificateSets,
  generateCertificateSets,
  type CertificateSetManifest,
  type CertificateSetName,
} from '../../src/pki/index.js';
import { x509 } from '../../src/pki/x509.js';
import { epochSeconds, openssl, requireOpenssl } from './support.js';

const HOST_IPS = ['192.0.2.10', '198.51.100.20'];
const BOOT = '2021-01-01T00:00:00Z';
const DAY_MS = 24 * 60 * 60 * 1000;

describe('certificate sets (ECDSA P-256, the default)', () => {
  let base: string;
  let now: Date;
  let manifests: Map<CertificateSetName, CertificateSetManifest>;

  const certificate = async (set: string, file: string): Promise<x509.X509Certificate> => new x509.X509Certificate(await readFile(join(base, set, file), 'utf8'));
  const leaf = (set: CertificateSetName): Promise<x509.X509Certificate> => certificate(set, 'leaf.pem');
  const sansOf = (cert: x509.X509Certificate): string[] =>
    cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((item) => `${item.type}:${item.value}`) ?? [];

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'picow-pki-sets-'));
    now = new Date();
    const list = await generateCertificateSets({ outDir: base, now, detectedHostIps: HOST_IPS, sans: ['extra.example', '203.0.113.5'] });
    manifests = new Map(list.map((manifest) => [manifest.name, manifest]));
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('makes every named set, in order, each with a folder and a manifest', async () => {
    expect([...manifests.keys()]).to.deep.equal([...CERTIFICATE_SET_NAMES]);
    const folders = (await readdir(base)).sort();
    expect(folders).to.deep.equal([...CERTIFICATE_SET_NAMES, '_ca', '_untrusted-ca'].sort());
  });

  it('documents every set with its expected verdict on a synced and on a cold board', () => {
    const table = describeCertificateSets();
    for (const spec of CERTIFICATE_SETS) {
      expect(table).to.include(`\`${spec.name}\``);
      expect(spec.describe.length).to.be.greaterThan(40);
      expect(manifests.get(spec.name)?.expected).to.deep.equal({ synced: { ...spec.expected.synced, flags: [...spec.expected.synced.flags] }, coldBoot: { ...spec.expected.coldBoot, flags: [...spec.expected.coldBoot.flags] } });
    }
    expect(manifests.get('valid')?.expected.coldBoot.flags).to.deep.equal([]);
    expect(manifests.get('issued-now')?.expected.coldBoot.flags).to.deep.equal(['BADCERT_FUTURE']);
  });

  it('gives every set that chains to the shared root the same root and intermediate, and the same ca.der', async () => {
    const sharedRoot = await readFile(join(base, '_ca', 'root.der'));
    const sharedIntermediate = await readFile(join(base, '_ca', 'intermediate.der'));
    for (const name of CERTIFICATE_SET_NAMES) {
      expect((await readFile(join(base, name, 'ca.der'))).equals(sharedRoot), `${name}/ca.der`).to.be.true;
      if (name === 'untrusted-ca' || name === 'self-signed-leaf') continue;
      expect((await readFile(join(base, name, 'root.der'))).equals(sharedRoot), `${name}/root.der`).to.be.true;
      expect((await readFile(join(base, name, 'intermediate.der'))).equals(sharedIntermediate), `${name}/intermediate.der`).to.be.true;
    }
  });

  it('backdates the shared root and intermediate to 2020-01-01 and keeps them valid for decades', async () => {
    for (const file of ['root.pem', 'intermediate.pem']) {
      const cert = await certificate('_ca', file);
      expect(cert.notBefore.toISOString(), file).to.equal('2020-01-01T00:00:00.000Z');
      expect(cert.notAfter.getUTCFullYear(), file).to.be.at.least(2040);
    }
  });

  it('valid: root, intermediate and leaf all start on or before 2020-12-31', async () => {
    for (const file of ['root.pem', 'intermediate.pem', 'leaf.pem']) {
      const cert = await certificate('valid', file);
      expect(cert.notBefore.getTime(), file).to.be.at.most(Date.parse('2020-12-31T23:59:59Z'));
      expect(cert.notAfter.getTime(), file).to.be.greaterThan(now.getTime());
    }
  });

  it('issued-now: the leaf starts at generation time and lasts a year', async () => {
    const cert = await leaf('issued-now');
    expect(now.getTime() - cert.notBefore.getTime()).to.be.within(0, 61_000);
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).to.be.within(364 * DAY_MS, 366 * DAY_MS);
  });

  it('boot-epoch-edge: the leaf starts one hour after 2021-01-01T00:00:00Z', async () => {
    expect((await leaf('boot-epoch-edge')).notBefore.toISOString()).to.equal('2021-01-01T01:00:00.000Z');
  });

  it('not-yet-valid: the leaf starts after now; expired: the leaf ended before the boot epoch', async () => {
    expect((await leaf('not-yet-valid')).notBefore.getTime()).to.be.greaterThan(now.getTime());
    const expired = await leaf('expired');
    expect(expired.notAfter.getTime()).to.be.lessThan(Date.parse(BOOT));
    expect(expired.notBefore.getTime()).to.be.lessThan(expired.notAfter.getTime());
  });

  it('puts the DNS name (also the CN), the host addresses and the extra SANs on the leaf', async () => {
    for (const name of ['valid', 'issued-now', 'untrusted-ca', 'self-signed-leaf', 'weak-hash', 'rsa-1024'] as const) {
      const cert = await leaf(name);
      expect(sansOf(cert), name).to.deep.equal([`dns:${DEFAULT_DNS_NAME}`, 'ip:192.0.2.10', 'ip:198.51.100.20', 'dns:extra.example', 'ip:203.0.113.5']);
      expect(cert.subject, name).to.include(`CN=${DEFAULT_DNS_NAME}`);
      expect(manifests.get(name)?.serverHostname).to.equal(DEFAULT_DNS_NAME);
    }
  });

  it('wrong-host: the leaf names only the other host, while the board still asks for the usual name', async () => {
    const cert = await leaf('wrong-host');
    expect(sansOf(cert)).to.deep.equal([`dns:${WRONG_HOST_DNS_NAME}`]);
    expect(cert.subject).to.include(`CN=${WRONG_HOST_DNS_NAME}`);
    expect(manifests.get('wrong-host')?.serverHostname).to.equal(DEFAULT_DNS_NAME);
  });

  it('gives leaves serverAuth and digitalSignature, the client clientAuth, CAs keyCertSign', async () => {
    for (const name of CERTIFICATE_SET_NAMES) {
      const entry = manifests.get(name)?.certificates;
      expect(entry?.leaf.extendedKeyUsage, name).to.deep.equal(['serverAuth']);
      expect(entry?.leaf.keyUsage, name).to.include('digitalSignature');
      expect(entry?.leaf.isCa, name).to.be.false;
      expect(entry?.client.extendedKeyUsage, name).to.deep.equal(['clientAuth']);
      expect(entry?.ca.keyUsage, name).to.include('keyCertSign');
    }
    const eku = (await leaf('valid')).getExtension(x509.ExtendedKeyUsageExtension);
    expect(eku?.usages).to.deep.equal([x509.ExtendedKeyUsage.serverAuth]);
  });

  it('uses ECDSA P-256 with SHA-256 throughout, except the SHA-1 and RSA-1024 leaves', async () => {
    for (const name of CERTIFICATE_SET_NAMES) {
      const certs = manifests.get(name)?.certificates;
      expect(certs?.ca.keyAlgorithm).to.equal('ec-p256');
      expect(certs?.leaf.keyAlgorithm, name).to.equal(name === 'rsa-1024' ? 'rsa-1024' : 'ec-p256');
      expect(certs?.leaf.signatureAlgorithm, name).to.equal(name === 'weak-hash' ? 'ecdsa-with-SHA1' : 'ecdsa-with-SHA256');
    }
  });

  it('weak-hash: the intermediate really signed the leaf with SHA-1', async () => {
    const cert = await leaf('weak-hash');
    const algorithm = cert.signatureAlgorithm as unknown as { name: string; hash: { name: string } };
    expect(algorithm).to.deep.include({ name: 'ECDSA' });
    expect(algorithm.hash.name).to.equal('SHA-1');
    const intermediate = new NodeX509Certificate(await readFile(join(base, 'weak-hash', 'intermediate.der')));
    expect(new NodeX509Certificate(await readFile(join(base, 'weak-hash', 'leaf.der'))).verify(intermediate.publicKey)).to.be.true;
  });

  it('rsa-1024: the leaf key really is RSA with a 1024-bit modulus, signed by the shared intermediate', async () => {
    const key = createPrivateKey(await readFile(join(base, 'rsa-1024', 'leaf-key.pem'), 'utf8'));
    expect(key.asymmetricKeyType).to.equal('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).to.equal(1024);
    const cert = new NodeX509Certificate(await readFile(join(base, 'rsa-1024', 'leaf.der')));
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).to.equal(1024);
    expect(cert.verify(new NodeX509Certificate(await readFile(join(base, '_ca', 'intermediate.der'))).publicKey)).to.be.true;
  });

  it('untrusted-ca: the chain comes from another root, while ca.der stays the shared root', async () => {
    const ownRoot = new NodeX509Certificate(await readFile(join(base, 'untrusted-ca', 'root.der')));
    const sharedRoot = new NodeX509Certificate(await readFile(join(base, 'untrusted-ca', 'ca.der')));
    const intermediate = new NodeX509Certificate(await readFile(join(base, 'untrusted-ca', 'intermediate.der')));
    expect(ownRoot.fingerprint256).to.not.equal(sharedRoot.fingerprint256);
    expect(ownRoot.subject).to.not.equal(sharedRoot.subject);
    expect(intermediate.verify(ownRoot.publicKey)).to.be.true;
    expect(intermediate.verify(sharedRoot.publicKey)).to.be.false;
  });

  it('self-signed-leaf: one certificate that signed itself; the chain is that certificate alone', async () => {
    const cert = new NodeX509Certificate(await readFile(join(base, 'self-signed-leaf', 'leaf.der')));
    expect(cert.subject).to.equal(cert.issuer);
    expect(cert.verify(cert.publicKey)).to.be.true;
    const chain = await readFile(join(base, 'self-signed-leaf', 'chain.pem'), 'utf8');
    expect(chain.match(/BEGIN CERTIFICATE/g)).to.have.length(1);
    expect(manifests.get('self-signed-leaf')?.certificates.root).to.equal(null);
  });

  it('writes chain.pem as leaf then intermediate, and client-chain.pem as client then intermediate', async () => {
    const blocks = (text: string): string[] => text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    const chain = blocks(await readFile(join(base, 'valid', 'chain.pem'), 'utf8'));
    expect(chain).to.deep.equal([(await readFile(join(base, 'valid', 'leaf.pem'), 'utf8')).trim(), (await readFile(join(base, 'valid', 'intermediate.pem'), 'utf8')).trim()]);
    const clientChain = blocks(await readFile(join(base, 'valid', 'client-chain.pem'), 'utf8'));
    expect(clientChain).to.deep.equal([(await readFile(join(base, 'valid', 'client.pem'), 'utf8')).trim(), (await readFile(join(base, '_ca', 'intermediate.pem'), 'utf8')).trim()]);
  });

  it('writes every key as PKCS#8 PEM and DER plus SEC1 PEM and DER for EC keys, and RSA keys without SEC1', async () => {
    const files = await readdir(join(base, 'valid'));
    expect(files).to.include.members(['leaf-key.pem', 'leaf-key.der', 'leaf-key.sec1.pem', 'leaf-key.sec1.der', 'client-key.pem', 'client-key.der']);
    expect(await readFile(join(base, 'valid', 'leaf-key.pem'), 'utf8')).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(await readFile(join(base, 'valid', 'leaf-key.sec1.pem'), 'utf8')).to.match(/^-----BEGIN EC PRIVATE KEY-----\n/);
    const pkcs8 = createPrivateKey({ key: await readFile(join(base, 'valid', 'leaf-key.der')), format: 'der', type: 'pkcs8' });
    const sec1 = createPrivateKey({ key: await readFile(join(base, 'valid', 'leaf-key.sec1.der')), format: 'der', type: 'sec1' });
    expect(pkcs8.export({ format: 'jwk' })).to.deep.equal(sec1.export({ format: 'jwk' }));
    const rsaFiles = await readdir(join(base, 'rsa-1024'));
    expect(rsaFiles).to.include.members(['leaf-key.pem', 'leaf-key.der']);
    expect(rsaFiles).to.not.include('leaf-key.sec1.pem');
  });

  it('makes every private key file 0600 and every folder holding keys 0700', async () => {
    for (const folder of [...CERTIFICATE_SET_NAMES, '_ca', '_untrusted-ca']) {
      expect((await stat(join(base, folder))).mode & 0o777, folder).to.equal(0o700);
      for (const file of await readdir(join(base, folder))) {
        const mode = (await stat(join(base, folder, file))).mode & 0o777;
        if (file.includes('-key.')) expect(mode, `${folder}/${file}`).to.equal(0o600);
        else expect(mode & 0o077, `${folder}/${file} is not a key and stays readable`).to.not.equal(0);
      }
    }
  });

  it('keeps CA keys out of the set folders', async () => {
    for (const name of CERTIFICATE_SET_NAMES) {
      const keys = (await readdir(join(base, name))).filter((file) => file.includes('-key.'));
      expect(keys.every((file) => file.startsWith('leaf-key.') || file.startsWith('client-key.')), name).to.be.true;
    }
  });

  it('puts no key material in any manifest', async () => {
    const keyFiles: string[] = [];
    const manifestsText: string[] = [];
    for (const folder of [...CERTIFICATE_SET_NAMES, '_ca', '_untrusted-ca']) {
      manifestsText.push(await readFile(join(base, folder, 'manifest.json'), 'utf8'));
      keyFiles.push(...(await readdir(join(base, folder))).filter((file) => file.endsWith('-key.pem')).map((file) => join(base, folder, file)));
    }
    expect(keyFiles.length).to.be.greaterThan(20);
    for (const text of manifestsText) {
      expect(text).to.not.include('PRIVATE KEY');
      for (const file of keyFiles) {
        const key = createPrivateKey(await readFile(file, 'utf8'));
        const jwk = key.export({ format: 'jwk' });
        const secret = Buffer.from(jwk.d ?? '', 'base64url');
        for (const encoding of [secret.toString('hex'), secret.toString('hex').toUpperCase(), secret.toString('base64'), jwk.d ?? '']) {
          expect(text.includes(encoding.slice(0, 24)), `${file} secret in a manifest`).to.be.false;
        }
        const der = key.export({ type: 'pkcs8', format: 'der' }).toString('base64');
        expect(text.includes(der.slice(40, 80)), `${file} DER in a manifest`).to.be.false;
      }
    }
  });

  it('lists serials, SHA-256 fingerprints, windows and SANs in the manifest, matching the files', async () => {
    const manifest = manifests.get('valid') as CertificateSetManifest;
    const cert = new NodeX509Certificate(await readFile(join(base, 'valid', 'leaf.der')));
    expect(manifest.certificates.leaf.sha256).to.equal(cert.fingerprint256);
    expect(manifest.certificates.leaf.serialNumber).to.equal(cert.serialNumber.toLowerCase());
    expect(manifest.certificates.leaf.notBefore).to.equal('2020-06-01T00:00:00.000Z');
    expect(manifest.certificates.leaf.subjectAltNames).to.include('IP:192.0.2.10');
    expect(manifest.request).to.deep.equal({ key: 'ec-p256', dnsName: DEFAULT_DNS_NAME, hostIps: HOST_IPS, hostIpsFrom: 'detected', extraSans: ['DNS:extra.example', 'IP:203.0.113.5'] });
    expect(manifest.files['ca.der']).to.match(/cadata=/);
    expect(JSON.parse(await readFile(join(base, 'valid', 'manifest.json'), 'utf8'))).to.deep.equal(manifest);
  });

  describe('with openssl', () => {
    let binary: string;

    before(function () {
      binary = requireOpenssl(this);
    });

    it('parses every certificate, PEM and DER, with openssl x509 -text', async () => {
      const files: string[] = [];
      for (const folder of [...CERTIFICATE_SET_NAMES, '_ca', '_untrusted-ca']) {
        files.push(...(await readdir(join(base, folder))).filter((name) => /^(ca|root|intermediate|leaf|client)\.(pem|der)$/.test(name)).map((name) => join(folder, name)));
      }
      expect(files.length).to.be.greaterThan(80);
      const results = await Promise.all(files.map((file) => openssl(binary, ['x509', '-noout', '-text', '-inform', file.endsWith('.der') ? 'DER' : 'PEM', '-in', join(base, file)])));
      results.forEach((result, index) => {
        expect(result.code, `${files[index]}: ${result.output}`).to.equal(0);
        expect(result.output).to.include('Signature Algorithm');
      });
    });

    it('shows the SHA-1 signature and the 1024-bit key the way openssl reads them', async () => {
      const weak = await openssl(binary, ['x509', '-noout', '-text', '-in', join(base, 'weak-hash', 'leaf.pem')]);
      expect(weak.output).to.match(/Signature Algorithm: ecdsa-with-SHA1/);
      const small = await openssl(binary, ['x509', '-noout', '-text', '-in', join(base, 'rsa-1024', 'leaf.pem')]);
      expect(small.output).to.match(/Public-Key: \(1024 bit\)/);
    });

    it('verifies the valid chain at a cold board\'s 2021-01-01, and refuses issued-now at that time', async () => {
      const verify = (set: string, at: string): Promise<{ code: number; output: string }> =>
        openssl(binary, ['verify', '-attime', epochSeconds(at), '-CAfile', join(base, set, 'root.pem'), '-untrusted', join(base, set, 'intermediate.pem'), join(base, set, 'leaf.pem')]);
      const valid = await verify('valid', '2021-01-01T00:00:05Z');
      expect(valid.code, valid.output).to.equal(0);
      expect(valid.output).to.include(': OK');
      const coldIssuedNow = await verify('issued-now', '2021-01-01T00:00:05Z');
      expect(coldIssuedNow.code).to.not.equal(0);
      expect(coldIssuedNow.output).to.match(/not yet valid/);
      const syncedIssuedNow = await verify('issued-now', new Date(now.getTime() + 60_000).toISOString());
      expect(syncedIssuedNow.code, syncedIssuedNow.output).to.equal(0);
    });

    it('verifies the client certificate against the shared root for mutual TLS', async () => {
      const result = await openssl(binary, [
        'verify',
        '-purpose',
        'sslclient',
        '-CAfile',
        join(base, 'valid', 'ca.pem'),
        '-untrusted',
        join(base, '_ca', 'intermediate.pem'),
        join(base, 'valid', 'client.pem'),
      ]);
      expect(result.code, result.output).to.equal(0);
    });

    it('does not verify the untrusted-ca chain against the board\'s ca.der', async () => {
      const result = await openssl(binary, ['verify', '-CAfile', join(base, 'untrusted-ca', 'ca.pem'), '-untrusted', join(base, 'untrusted-ca', 'intermediate.pem'), join(base, 'untrusted-ca', 'leaf.pem')]);
      expect(result.code).to.not.equal(0);
      expect(result.output).to.match(/unable to get local issuer certificate/);
    });
  });
});
