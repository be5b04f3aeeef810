import { X509Certificate as NodeX509Certificate, createPrivateKey } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CERTIFICATE_SET_NAMES, generateCertificateSets, loadCertificateSet, pemToDerCertificates } from '../../src/pki/index.js';
import { failure } from '../support/failure.js';

describe('loading a certificate set', () => {
  let base: string;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'picow-pki-load-'));
    await generateCertificateSets({ outDir: join(base, 'certs'), detectedHostIps: ['192.0.2.10'] });
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  /** A private copy of the tree a test may damage. */
  async function copy(name: string): Promise<string> {
    const target = join(base, name);
    await cp(join(base, 'certs'), target, { recursive: true });
    return target;
  }

  it('gives the server its chain and key, and the board its ca.der and server_hostname, for every set', async () => {
    for (const name of CERTIFICATE_SET_NAMES) {
      const set = await loadCertificateSet(join(base, 'certs'), name);
      expect(set.name).to.equal(name);
      expect(set.serverHostname).to.equal('picow-harness.local');
      expect(set.chainDer.length, name).to.equal(name === 'self-signed-leaf' ? 1 : 2);
      expect(Buffer.from(set.chainDer[0] as Uint8Array).equals(Buffer.from(set.leafDer))).to.be.true;
      expect(set.caDer).to.deep.equal(new Uint8Array(await readFile(join(base, 'certs', '_ca', 'root.der'))));
      const leafKey = createPrivateKey(set.leafKeyPem);
      expect(new NodeX509Certificate(set.leafDer).checkPrivateKey(leafKey), name).to.be.true;
      expect(new NodeX509Certificate(set.clientCertDer).checkPrivateKey(createPrivateKey(set.clientKeyPem))).to.be.true;
      expect(set.manifest.name).to.equal(name);
    }
  });

  it('gives the DER chain in the order the server sends it: leaf, then the intermediate', async () => {
    const set = await loadCertificateSet(join(base, 'certs'), 'valid');
    expect(set.chainDer.map((der) => Buffer.from(der).toString('hex'))).to.deep.equal([set.leafDer, set.intermediateDer as Uint8Array].map((der) => Buffer.from(der).toString('hex')));
    expect(pemToDerCertificates(set.chainPem)).to.deep.equal(set.chainDer);
    const [leaf, intermediate] = set.chainDer.map((der) => new NodeX509Certificate(der));
    expect(leaf?.verify((intermediate as NodeX509Certificate).publicKey)).to.be.true;
  });

  it('gives untrusted-ca the unrelated root as root, and the shared root as ca', async () => {
    const set = await loadCertificateSet(join(base, 'certs'), 'untrusted-ca');
    expect(Buffer.from(set.rootDer as Uint8Array).equals(Buffer.from(set.caDer))).to.be.false;
    const self = await loadCertificateSet(join(base, 'certs'), 'self-signed-leaf');
    expect(self.rootDer).to.equal(undefined);
    expect(self.intermediatePem).to.equal(undefined);
  });

  it('refuses an unknown set name, listing the sets', async () => {
    const error = await failure(loadCertificateSet(join(base, 'certs'), 'valdi'));
    expect(error.code).to.equal('USAGE');
    expect(error.message).to.include('valid, issued-now');
  });

  it('names the missing file when a set was never generated', async () => {
    const error = await failure(loadCertificateSet(join(base, 'nowhere'), 'valid'));
    expect(error.code).to.equal('CONFIG_INVALID');
    expect(error.message).to.include(join(base, 'nowhere', 'valid', 'manifest.json'));
    expect(error.message).to.include('picow-harness certs --out');
  });

  it('names the missing key file', async () => {
    const tree = await copy('missing-key');
    await rm(join(tree, 'valid', 'leaf-key.pem'));
    const error = await failure(loadCertificateSet(tree, 'valid'));
    expect(error.code).to.equal('CONFIG_INVALID');
    expect(error.message).to.match(new RegExp(`^${join(tree, 'valid', 'leaf-key.pem')}: missing`));
  });

  it('names a corrupt certificate, a certificate swapped for another, a foreign key and a bad manifest', async () => {
    const tree = await copy('corrupt');
    await writeFile(join(tree, 'valid', 'leaf.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect((await failure(loadCertificateSet(tree, 'valid'))).message).to.match(new RegExp(`^${join(tree, 'valid', 'leaf.pem')}: not a valid certificate`));

    await cp(join(tree, 'expired', 'leaf.pem'), join(tree, 'issued-now', 'leaf.pem'));
    expect((await failure(loadCertificateSet(tree, 'issued-now'))).message).to.match(new RegExp(`^${join(tree, 'issued-now', 'leaf.pem')}: SHA-256 .* is not the .* that .*manifest.json lists`));

    await cp(join(tree, 'expired', 'client-key.pem'), join(tree, 'wrong-host', 'leaf-key.pem'));
    expect((await failure(loadCertificateSet(tree, 'wrong-host'))).message).to.equal(`${join(tree, 'wrong-host', 'leaf-key.pem')}: not the key of ${join(tree, 'wrong-host', 'leaf.pem')}`);

    await writeFile(join(tree, 'expired', 'manifest.json'), '{"schema": 1, "name": "expired"');
    const error = await failure(loadCertificateSet(tree, 'expired'));
    expect(error.code).to.equal('CONFIG_INVALID');
    expect(error.message).to.match(new RegExp(`^${join(tree, 'expired', 'manifest.json')}: not JSON`));

    await writeFile(join(tree, 'weak-hash', 'manifest.json'), JSON.stringify({ schema: 1, name: 'weak-hash' }));
    expect((await failure(loadCertificateSet(tree, 'weak-hash'))).message).to.match(new RegExp(`^${join(tree, 'weak-hash', 'manifest.json')}: summary: `));
  });

  it('names a chain file that does not hold the set\'s certificates', async () => {
    const tree = await copy('bad-chain');
    await cp(join(tree, 'valid', 'leaf.pem'), join(tree, 'valid', 'chain.pem'));
    const error = await failure(loadCertificateSet(tree, 'valid'));
    expect(error.message).to.match(new RegExp(`^${join(tree, 'valid', 'chain.pem')}: does not hold the set's certificates in order`));
  });
});
