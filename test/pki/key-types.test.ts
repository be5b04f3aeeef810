import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CERTIFICATE_SET_NAMES, generateCertificateSets, type CertificateSetManifest } from '../../src/pki/index.js';
import { epochSeconds, openssl, requireOpenssl } from './support.js';

describe('certificate sets with other key types', () => {
  describe('--key rsa-2048 (after an EC run, with force)', () => {
    let base: string;
    let manifests: CertificateSetManifest[];

    before(async function () {
      this.timeout(60_000);
      base = await mkdtemp(join(tmpdir(), 'picow-pki-rsa-'));
      await generateCertificateSets({ outDir: base, detectedHostIps: [] });
      manifests = await generateCertificateSets({ outDir: base, detectedHostIps: [], key: 'rsa-2048', force: true });
    });

    after(async () => {
      await rm(base, { recursive: true, force: true });
    });

    it('uses RSA-2048 keys and sha256WithRSAEncryption, and sha1WithRSAEncryption for the weak-hash leaf', () => {
      for (const manifest of manifests) {
        const { ca, leaf, client } = manifest.certificates;
        expect(ca.keyAlgorithm).to.equal('rsa-2048');
        expect(client.keyAlgorithm).to.equal('rsa-2048');
        expect(leaf.keyAlgorithm, manifest.name).to.equal(manifest.name === 'rsa-1024' ? 'rsa-1024' : 'rsa-2048');
        expect(leaf.signatureAlgorithm, manifest.name).to.equal(manifest.name === 'weak-hash' ? 'sha1WithRSAEncryption' : 'sha256WithRSAEncryption');
      }
    });

    it('gives RSA leaves keyEncipherment as well as digitalSignature', () => {
      for (const manifest of manifests) expect(manifest.certificates.leaf.keyUsage, manifest.name).to.deep.equal(['digitalSignature', 'keyEncipherment']);
    });

    it('writes PKCS#8 only (no SEC1 files left from the EC run), and the manifest lists no SEC1 files', async () => {
      for (const folder of [...CERTIFICATE_SET_NAMES, '_ca', '_untrusted-ca']) {
        const files = await readdir(join(base, folder));
        expect(files.filter((file) => file.includes('.sec1.')), folder).to.deep.equal([]);
      }
      const valid = manifests.find((manifest) => manifest.name === 'valid');
      expect(valid?.keys.leaf.files).to.deep.equal({ pkcs8Pem: 'leaf-key.pem', pkcs8Der: 'leaf-key.der' });
      const key = createPrivateKey(await readFile(join(base, 'valid', 'leaf-key.pem'), 'utf8'));
      expect(key.asymmetricKeyDetails?.modulusLength).to.equal(2048);
    });

    it('verifies the valid chain with openssl at 2021-01-01 and shows the SHA-1 RSA signature', async function () {
      const binary = requireOpenssl(this);
      const verify = await openssl(binary, [
        'verify', '-attime', epochSeconds('2021-01-01T00:00:05Z'),
        '-CAfile', join(base, 'valid', 'ca.pem'), '-untrusted', join(base, 'valid', 'intermediate.pem'), join(base, 'valid', 'leaf.pem'),
      ]);
      expect(verify.code, verify.output).to.equal(0);
      const text = await openssl(binary, ['x509', '-noout', '-text', '-in', join(base, 'weak-hash', 'leaf.pem')]);
      expect(text.output).to.match(/Signature Algorithm: sha1WithRSAEncryption/);
    });
  });

  describe('--key ec-p384', () => {
    let base: string;
    let manifests: CertificateSetManifest[];

    before(async () => {
      base = await mkdtemp(join(tmpdir(), 'picow-pki-p384-'));
      manifests = await generateCertificateSets({ outDir: base, detectedHostIps: [], key: 'ec-p384' });
    });

    after(async () => {
      await rm(base, { recursive: true, force: true });
    });

    it('uses P-384 keys signed with SHA-384, SHA-1 for weak-hash, and writes SEC1 files', async () => {
      for (const manifest of manifests) {
        expect(manifest.certificates.ca.signatureAlgorithm).to.equal('ecdsa-with-SHA384');
        expect(manifest.certificates.leaf.signatureAlgorithm, manifest.name).to.equal(manifest.name === 'weak-hash' ? 'ecdsa-with-SHA1' : 'ecdsa-with-SHA384');
      }
      const key = createPrivateKey(await readFile(join(base, 'valid', 'leaf-key.sec1.pem'), 'utf8'));
      expect(key.asymmetricKeyDetails?.namedCurve).to.equal('secp384r1');
    });

    it('puts no IP SAN on the leaf when the host has no address and none was asked for', () => {
      const valid = manifests.find((manifest) => manifest.name === 'valid');
      expect(valid?.certificates.leaf.subjectAltNames).to.deep.equal(['DNS:picow-harness.local']);
    });
  });
});
