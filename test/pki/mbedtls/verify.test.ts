import { expect } from 'chai';
import { verifyChain, type ChainVerdict } from '../../../src/pki/mbedtls/index.js';
import { COLD_BOOT, DAY, HOST, INTERMEDIATE_NAME, ROOT_NAME, issue, keyOf, makePki, x509, type Pki } from './support.js';

const NOW = new Date();
const LATER = new Date(Date.UTC(2026, 10, 21, 9, 30));

/** `hostname` null: no server_hostname at all. */
function judge(pki: Pick<Pki, 'chain' | 'trusted'>, profile = 'v1.24.1', now = COLD_BOOT, hostname: string | null = HOST): ChainVerdict {
  return verifyChain({ chain: pki.chain, trusted: pki.trusted, now, profile, ...(hostname === null ? {} : { hostname }) });
}

function flagsByRole(verdict: ChainVerdict): Record<string, string[]> {
  return Object.fromEntries(verdict.perCertificate.map((certificate) => [certificate.role, certificate.flagNames]));
}

describe('mbedTLS verification model: verifyChain', () => {
  describe('a good chain', () => {
    it('passes on a cold board and on a synced one, and names leaf, intermediate and trusted root', async () => {
      const pki = await makePki();
      for (const now of [COLD_BOOT, NOW]) {
        const verdict = judge(pki, 'v1.24.1', now);
        expect(verdict.flags, verdict.flagNames.join()).to.equal(0);
        expect(verdict.chainFound).to.be.true;
        expect(verdict.perCertificate.map((certificate) => [certificate.role, certificate.subject, certificate.trusted])).to.deep.equal([
          ['leaf', `CN=${HOST}`, false],
          ['intermediate', INTERMEDIATE_NAME, false],
          ['root', ROOT_NAME, true],
        ]);
      }
    });

    it('compares dates with the board clock to the second: a notBefore equal to the clock is valid, one second later is not', async () => {
      const start = new Date(Date.UTC(2021, 0, 1, 1, 0, 0));
      const pki = await makePki({ leaf: { notBefore: start } });
      expect(judge(pki, 'v1.24.1', start).flags).to.equal(0);
      expect(judge(pki, 'v1.24.1', new Date(start.getTime() + 999)).flags).to.equal(0);
      expect(judge(pki, 'v1.24.1', new Date(start.getTime() - 1000)).flagNames).to.deep.equal(['BADCERT_FUTURE']);
    });
  });

  describe('dates', () => {
    it('flags a leaf issued after the board clock with BADCERT_FUTURE on the leaf and says which date is after which clock', async () => {
      const pki = await makePki({ leaf: { notBefore: LATER, notAfter: new Date(LATER.getTime() + 365 * DAY) } });
      const verdict = judge(pki);
      expect(verdict.flagNames).to.deep.equal(['BADCERT_FUTURE']);
      expect(flagsByRole(verdict)).to.deep.equal({ leaf: ['BADCERT_FUTURE'], intermediate: [], root: [] });
      expect(verdict.perCertificate[0]!.reasons[0]!.detail).to.equal('notBefore 2026-11-21T09:30:00Z is after the board clock 2021-01-01T00:00:00Z');
      expect(verdict.chainFound).to.be.true;
    });

    it('checks the trusted root\'s own dates: a root issued after the board clock fails every chain under it', async () => {
      const pki = await makePki({ label: 'late-root', root: { notBefore: LATER } });
      const verdict = judge(pki);
      expect(flagsByRole(verdict)).to.deep.equal({ leaf: [], intermediate: [], root: ['BADCERT_FUTURE'] });
      expect(verdict.perCertificate[2]!.reasons[0]!.detail).to.match(/^notBefore 2026-11-21T09:30:00Z is after the board clock 2021-01-01T00:00:00Z$/);
      expect(judge(pki, 'v1.24.1', NOW).flags).to.equal(LATER.getTime() > NOW.getTime() ? 0x200 : 0);
    });

    it('flags an expired root with BADCERT_EXPIRED on the root', async () => {
      const pki = await makePki({ label: 'expired-root', root: { notAfter: new Date(Date.UTC(2020, 11, 31)) } });
      expect(flagsByRole(judge(pki))).to.deep.equal({ leaf: [], intermediate: [], root: ['BADCERT_EXPIRED'] });
    });

    it('flags an expired leaf with BADCERT_EXPIRED', async () => {
      const pki = await makePki({ leaf: { notBefore: new Date(Date.UTC(2020, 0, 2)), notAfter: new Date(Date.UTC(2020, 5, 30)) } });
      expect(judge(pki).flagNames).to.deep.equal(['BADCERT_EXPIRED']);
      expect(judge(pki, 'v1.24.1', NOW).flagNames).to.deep.equal(['BADCERT_EXPIRED']);
    });

    it('does not check dates on v1.19.1-88, does from v1.19.1-236 on', async () => {
      const pki = await makePki({ label: 'late-root', root: { notBefore: LATER }, leaf: { notAfter: new Date(Date.UTC(2020, 5, 30)) } });
      const old = judge(pki, 'v1.19.1-88');
      expect(old.flags).to.equal(0);
      expect(old.notes.join('\n')).to.match(/does not check dates/);
      expect(old.notes.join('\n')).to.match(/cannot request verification/);
      expect(judge(pki, 'v1.19.1-236').flagNames).to.deep.equal(['BADCERT_EXPIRED', 'BADCERT_FUTURE']);
    });

    it('prefers a time-valid trusted root when two versions of the root are loaded', async () => {
      const pki = await makePki({ label: 'rollover' });
      const lateTwin = await issue({ subject: ROOT_NAME, key: keyOf('P-256', 'root/rollover'), ca: true, notBefore: LATER });
      const verdict = judge({ chain: pki.chain, trusted: [lateTwin.der, pki.root.der] });
      expect(verdict.flags).to.equal(0);
      expect(verdict.perCertificate[2]!.index).to.equal(1);
    });
  });

  describe('trust', () => {
    it('flags a chain from an unrelated root (same names, other keys) with BADCERT_NOT_TRUSTED on the intermediate', async () => {
      const trustedPki = await makePki();
      const other = await makePki({ label: 'unrelated' });
      const verdict = judge({ chain: other.chain, trusted: trustedPki.trusted });
      expect(verdict.flagNames).to.deep.equal(['BADCERT_NOT_TRUSTED']);
      expect(flagsByRole(verdict)).to.deep.equal({ leaf: [], intermediate: ['BADCERT_NOT_TRUSTED'] });
      expect(verdict.chainFound).to.be.false;
    });

    it('flags a self-signed leaf that is not in the trusted list, and accepts it when it is (a locally trusted end entity)', async () => {
      const trustedPki = await makePki();
      const selfSigned = await issue({ subject: `CN=${HOST}`, key: keyOf('P-256', 'self'), dns: [HOST] });
      const rejected = judge({ chain: [selfSigned.der], trusted: trustedPki.trusted });
      expect(rejected.flagNames).to.deep.equal(['BADCERT_NOT_TRUSTED']);
      expect(rejected.perCertificate[0]!.reasons[0]!.detail).to.match(/no trusted CA and no later certificate of the chain issued it/);
      const accepted = judge({ chain: [selfSigned.der], trusted: [selfSigned.der] });
      expect(accepted.flags).to.equal(0);
      expect(accepted.chainFound).to.be.true;
      expect(accepted.perCertificate[0]!.trusted).to.be.true;
    });

    it('flags a chain whose intermediate the server does not send', async () => {
      const pki = await makePki();
      const verdict = judge({ chain: [pki.leaf.der], trusted: pki.trusted });
      expect(flagsByRole(verdict)).to.deep.equal({ leaf: ['BADCERT_NOT_TRUSTED'] });
    });

    it('accepts a chain sent with its root and one that trusts the intermediate directly', async () => {
      const pki = await makePki();
      expect(judge({ chain: [...pki.chain, pki.root.der], trusted: pki.trusted }).flags).to.equal(0);
      const direct = judge({ chain: pki.chain, trusted: [pki.intermediate.der] });
      expect(direct.flags).to.equal(0);
      expect(direct.perCertificate.map((certificate) => certificate.role)).to.deep.equal(['leaf', 'root']);
    });

    it('does not take an issuer without the CA bit as a parent', async () => {
      const root = await issue({ subject: ROOT_NAME, key: keyOf('P-256', 'root/default'), ca: true });
      const notCa = await issue({ subject: INTERMEDIATE_NAME, key: keyOf('P-256', 'intermediate/default'), signer: root, ca: false });
      const leaf = await issue({ subject: `CN=${HOST}`, key: keyOf('P-256', 'leaf/default'), signer: notCa, dns: [HOST] });
      expect(judge({ chain: [leaf.der, notCa.der], trusted: [root.der] }).flagNames).to.deep.equal(['BADCERT_NOT_TRUSTED']);
    });

    it('enforces an intermediate\'s pathLength constraint', async () => {
      const pki = await makePki();
      const second = await issue({ subject: 'CN=second intermediate', key: keyOf('P-256', 'second'), signer: pki.intermediate, ca: true });
      const leaf = await issue({ subject: `CN=${HOST}`, key: keyOf('P-256', 'leaf/default'), signer: second, dns: [HOST] });
      const verdict = judge({ chain: [leaf.der, second.der, pki.intermediate.der], trusted: pki.trusted });
      expect(flagsByRole(verdict)).to.deep.equal({ leaf: [], intermediate: ['BADCERT_NOT_TRUSTED'] });
    });

    it('requires keyCertSign of a parent with a keyUsage extension on mbedTLS 3.x only', async () => {
      const root = await issue({ subject: ROOT_NAME, key: keyOf('P-256', 'root/default'), ca: true });
      const intermediate = await issue({
        subject: INTERMEDIATE_NAME,
        key: keyOf('P-256', 'intermediate/default'),
        signer: root,
        ca: true,
        keyUsage: x509.KeyUsageFlags.digitalSignature,
      });
      const leaf = await issue({ subject: `CN=${HOST}`, key: keyOf('P-256', 'leaf/default'), signer: intermediate, dns: [HOST] });
      const pki = { chain: [leaf.der, intermediate.der], trusted: [root.der] };
      expect(judge(pki, 'v1.24.1').flagNames).to.deep.equal(['BADCERT_NOT_TRUSTED']);
      expect(judge(pki, 'v1.22.2').flags).to.equal(0);
    });

    it('reports a chain certificate listed after the path as not on it', async () => {
      const pki = await makePki();
      const stray = await issue({ subject: 'CN=stray', key: keyOf('P-256', 'stray') });
      const verdict = judge({ chain: [...pki.chain, stray.der], trusted: pki.trusted });
      expect(verdict.flags).to.equal(0);
      expect(verdict.notes.join('\n')).to.match(/chain certificate #2 \(CN=stray\) is not on the verification path/);
    });
  });

  describe('host name', () => {
    it('flags a leaf for another host with BADCERT_CN_MISMATCH, naming the SANs it has', async () => {
      const pki = await makePki({ leaf: { subject: 'CN=elsewhere.example', dns: ['elsewhere.example'] } });
      const verdict = judge(pki);
      expect(verdict.flagNames).to.deep.equal(['BADCERT_CN_MISMATCH']);
      expect(verdict.perCertificate[0]!.reasons[0]!.detail).to.equal(`server_hostname '${HOST}' matches none of its subjectAltNames (DNS:elsewhere.example)`);
    });

    it('makes no name check without server_hostname (what firmware ≤ v1.21 does then)', async () => {
      const pki = await makePki({ leaf: { subject: 'CN=elsewhere.example', dns: ['elsewhere.example'] } });
      expect(judge(pki, 'v1.21.0', COLD_BOOT, null).flags).to.equal(0);
    });

    it('matches DNS names without regard to ASCII case', async () => {
      const pki = await makePki({ leaf: { dns: ['PicoW-Harness.LOCAL'] } });
      expect(judge(pki).flags).to.equal(0);
    });

    it('matches a wildcard against exactly one leading label, as mbedTLS does', async () => {
      const pki = await makePki({ leaf: { subject: 'CN=wild', dns: ['*.example.test'] } });
      const verdictFor = (host: string): number => judge(pki, 'v1.24.1', COLD_BOOT, host).flags;
      expect(verdictFor('board.example.test')).to.equal(0);
      expect(verdictFor('BOARD.Example.Test')).to.equal(0);
      expect(verdictFor('example.test')).to.equal(0x04);
      expect(verdictFor('a.b.example.test')).to.equal(0x04);
      expect(verdictFor('.example.test')).to.equal(0x04);
    });

    it('uses the subject CN only when the leaf has no subjectAltName', async () => {
      const noSan = await makePki({ leaf: { dns: [] } });
      expect(judge(noSan).flags).to.equal(0);
      const ipOnly = await makePki({ leaf: { dns: [], ips: ['192.168.1.20'] } });
      expect(judge(ipOnly).flagNames).to.deep.equal(['BADCERT_CN_MISMATCH']);
    });

    it('matches an IP server_hostname against an IP SAN only from v1.23 (mbedTLS 3.5.1), and says so on older firmware', async () => {
      const pki = await makePki({ leaf: { ips: ['192.168.1.20', 'fe80::1'] } });
      for (const profile of ['v1.19.1-236', 'v1.20.0', 'v1.21.0', 'v1.22.2']) {
        const verdict = judge(pki, profile, COLD_BOOT, '192.168.1.20');
        expect(verdict.flagNames, profile).to.deep.equal(['BADCERT_CN_MISMATCH']);
        expect(verdict.perCertificate[0]!.reasons[0]!.detail).to.match(/the IP SAN would match, but mbedTLS .* matches DNS names only/);
      }
      for (const profile of ['v1.23.0', 'v1.24.1', 'v1.25.0-preview.300']) {
        expect(judge(pki, profile, COLD_BOOT, '192.168.1.20').flags, profile).to.equal(0);
        expect(judge(pki, profile, COLD_BOOT, 'fe80:0:0::1').flags, profile).to.equal(0);
        expect(judge(pki, profile, COLD_BOOT, '192.168.1.21').flags, profile).to.equal(0x04);
      }
    });
  });

  describe('hashes and keys', () => {
    it('rejects a SHA-1-signed leaf (BADCERT_BAD_MD on the leaf) on every firmware that verifies', async () => {
      const pki = await makePki({ leaf: { hash: 'SHA-1' } });
      for (const profile of ['v1.20.0', 'v1.22.2', 'v1.24.1']) {
        const verdict = judge(pki, profile, NOW);
        expect(flagsByRole(verdict), profile).to.deep.equal({ leaf: ['BADCERT_BAD_MD'], intermediate: [], root: [] });
        expect(verdict.perCertificate[0]!.reasons[0]!.detail).to.match(/^signed with SHA-1 \(ecdsa-with-SHA1\)/);
      }
    });

    it('accepts a SHA-1 self-signature on the trusted root but rejects SHA-1 on an intermediate', async () => {
      const sha1Root = await makePki({ root: { hash: 'SHA-1' } });
      expect(judge(sha1Root, 'v1.24.1', NOW).flags).to.equal(0);
      const sha1Intermediate = await makePki({ intermediate: { hash: 'SHA-1' } });
      expect(flagsByRole(judge(sha1Intermediate, 'v1.24.1', NOW))).to.deep.equal({ leaf: [], intermediate: ['BADCERT_BAD_MD'], root: [] });
    });

    it('rejects an RSA-1024 leaf key (BADCERT_BAD_KEY on the leaf) and accepts RSA-2048', async function () {
      this.timeout(60_000);
      const weak = await makePki({ leafKey: 'rsa-1024' });
      const verdict = judge(weak, 'v1.22.2', NOW);
      expect(flagsByRole(verdict)).to.deep.equal({ leaf: ['BADCERT_BAD_KEY'], intermediate: [], root: [] });
      expect(verdict.perCertificate[0]!.reasons[0]!.detail).to.match(/its own key is RSA 1024 bits/);
      expect(judge(await makePki({ leafKey: 'rsa-2048' }), 'v1.24.1', NOW).flags).to.equal(0);
    });

    it('flags the child of an RSA-1024 CA: the weak key is reported where it signed', async function () {
      this.timeout(60_000);
      const pki = await makePki({ label: 'weak-root', rootKey: 'rsa-1024' });
      expect(flagsByRole(judge(pki, 'v1.24.1', NOW))).to.deep.equal({ leaf: [], intermediate: ['BADCERT_BAD_KEY'], root: [] });
      expect(judge(pki, 'v1.24.1', NOW).perCertificate[1]!.reasons[0]!.detail).to.match(/signed by CN=picow-harness test root whose key is RSA 1024 bits/);
    });

    it('accepts an RSA chain signed with SHA-256 and rejects its SHA-1 leaf', async function () {
      this.timeout(60_000);
      const rsa = await makePki({ label: 'rsa', rootKey: 'rsa-2048', intermediateKey: 'rsa-2048', leafKey: 'rsa-2048' });
      expect(judge(rsa, 'v1.24.1', NOW).flags).to.equal(0);
      const weak = await makePki({ label: 'rsa', rootKey: 'rsa-2048', intermediateKey: 'rsa-2048', leafKey: 'rsa-2048', leaf: { hash: 'SHA-1' } });
      expect(judge(weak, 'v1.24.1', NOW).flagNames).to.deep.equal(['BADCERT_BAD_MD']);
      expect(judge(weak, 'v1.24.1', NOW).perCertificate[0]!.reasons[0]!.detail).to.match(/sha1WithRSAEncryption/);
    });

    it('accepts a secp256k1 leaf on mbedTLS 2.x (any compiled curve) and rejects it on 3.x (BADCERT_BAD_KEY)', async () => {
      const pki = await makePki({ leafKey: 'secp256k1' });
      expect(judge(pki, 'v1.22.2', NOW).flags).to.equal(0);
      expect(judge(pki, 'v1.24.1', NOW).flagNames).to.deep.equal(['BADCERT_BAD_KEY']);
    });

    it('accepts a P-384 chain', async () => {
      const pki = await makePki({ label: 'p384', rootKey: 'P-384', intermediateKey: 'P-384', leafKey: 'P-384', leaf: { hash: 'SHA-384' } });
      expect(judge(pki, 'v1.24.1', NOW).flags).to.equal(0);
    });

    it('refuses a leaf mbedTLS cannot parse (key on a curve not compiled in, or Ed25519) instead of inventing flags', async () => {
      const brainpool = await makePki({ leafKey: 'brainpoolP256r1' });
      expect(() => judge(brainpool)).to.throw(/cannot be parsed by mbedTLS 3\.5\.1: EC curve brainpoolP256r1 is not compiled into this firmware/);
      const edwards = await makePki({ leafKey: 'ed25519' });
      expect(() => judge(edwards)).to.throw(/public key type Ed25519 is not supported/);
    });

    it('detects a tampered signature as BADCERT_NOT_TRUSTED', async () => {
      const pki = await makePki();
      const tampered = new Uint8Array(pki.intermediate.der);
      const index = tampered.length - 5;
      tampered[index] = tampered[index]! ^ 0x01;
      const verdict = judge({ chain: [pki.leaf.der, tampered], trusted: pki.trusted });
      expect(flagsByRole(verdict)).to.deep.equal({ leaf: [], intermediate: ['BADCERT_NOT_TRUSTED'] });
    });
  });

  describe('key usage (mbedTLS 3.x)', () => {
    it('flags a leaf without serverAuth in its extendedKeyUsage on 3.x only, as a TLS-layer flag', async () => {
      const pki = await makePki({ leaf: { extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'] } });
      const verdict = judge(pki, 'v1.24.1', NOW);
      expect(verdict.flagNames).to.deep.equal(['BADCERT_EXT_KEY_USAGE']);
      expect(verdict.usageFlags).to.equal(0x1000);
      expect(verdict.x509Flags).to.equal(0);
      expect(judge(pki, 'v1.22.2', NOW).flags).to.equal(0);
    });

    it('needs digitalSignature on an RSA leaf for the ECDHE-RSA key exchange every rp2 build has, on 3.x only', async function () {
      this.timeout(60_000);
      const pki = await makePki({ label: 'rsa', rootKey: 'rsa-2048', intermediateKey: 'rsa-2048', leafKey: 'rsa-2048', leaf: { keyUsage: x509.KeyUsageFlags.keyEncipherment } });
      expect(judge(pki, 'v1.23.0', NOW).flagNames).to.deep.equal(['BADCERT_KEY_USAGE']);
      expect(judge(pki, 'v1.24.1', NOW).flagNames).to.deep.equal(['BADCERT_KEY_USAGE']);
      expect(judge(pki, 'v1.22.2', NOW).flags).to.equal(0);
      const signing = await makePki({ label: 'rsa', rootKey: 'rsa-2048', intermediateKey: 'rsa-2048', leafKey: 'rsa-2048' });
      expect(judge(signing, 'v1.23.0', NOW).flags).to.equal(0);
    });
  });

  describe('several faults', () => {
    it('collects every flag of every certificate on the path', async () => {
      const pki = await makePki({
        label: 'late-root',
        root: { notBefore: LATER },
        leaf: { subject: 'CN=elsewhere.example', dns: ['elsewhere.example'], hash: 'SHA-1', notAfter: new Date(Date.UTC(2020, 5, 30)) },
      });
      const verdict = judge(pki);
      expect(verdict.flagNames).to.deep.equal(['BADCERT_EXPIRED', 'BADCERT_CN_MISMATCH', 'BADCERT_FUTURE', 'BADCERT_BAD_MD']);
      expect(flagsByRole(verdict)).to.deep.equal({
        leaf: ['BADCERT_EXPIRED', 'BADCERT_CN_MISMATCH', 'BADCERT_BAD_MD'],
        intermediate: [],
        root: ['BADCERT_FUTURE'],
      });
    });
  });

  describe('bad input', () => {
    it('names the certificate and byte offset of DER it cannot read', () => {
      expect(() => verifyChain({ chain: [new Uint8Array([0x30, 0x82, 0x01])], trusted: [], now: COLD_BOOT, profile: 'v1.24.1' })).to.throw(
        /chain certificate #0 is not a DER X\.509 certificate: .* at byte offset \d+/,
      );
    });

    it('rejects an unknown firmware profile with the known ones listed', () => {
      expect(() => verifyChain({ chain: [], trusted: [], now: COLD_BOOT, profile: 'v9.9' })).to.throw(/unknown firmware profile "v9\.9"; known: v1\.19\.1-88/);
    });
  });
});
