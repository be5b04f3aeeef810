import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import { parseCertificate, verifyChain } from '../../../src/pki/mbedtls/index.js';
import { COLD_BOOT, issue, keyOf, makePki } from './support.js';

const COMMON_NAME_OID = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]);

/** verifyChain's error for a one-certificate chain, or undefined when it judges it. */
function chainError(der: Uint8Array): ConfigError | undefined {
  try {
    verifyChain({ chain: [der], trusted: [], now: COLD_BOOT, profile: 'v1.24.1' });
    return undefined;
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
}

/** Offset of the first RDN `SET { SEQUENCE { OID 2.5.4.3, value } }` (the issuer's CN). */
function firstCommonNameSet(der: Uint8Array): number {
  const oid = Buffer.from(der).indexOf(COMMON_NAME_OID);
  expect(der[oid - 4], 'SET').to.equal(0x31);
  expect(der[oid - 2], 'SEQUENCE').to.equal(0x30);
  return oid - 4;
}

describe('mbedTLS verification model: parseCertificate', () => {
  it('keeps what mbedTLS compares as bytes: name values with their string tag, IP SANs, and reads keys and extensions', async () => {
    const pki = await makePki({ leaf: { ips: ['192.168.1.20', 'fe80::1'] } });
    const leaf = parseCertificate(pki.leaf.der);
    expect(leaf.subject.attributes).to.deep.equal([{ oid: '2.5.4.3', tag: 0x13, value: new Uint8Array(Buffer.from('picow-harness.local')), mergedWithNext: false }]);
    expect(leaf.subject.text).to.equal('CN=picow-harness.local');
    expect(leaf.issuer.commonName).to.equal('picow-harness test intermediate');
    expect(leaf.subjectAltNames).to.deep.equal([
      { type: 'dns', value: 'picow-harness.local' },
      { type: 'ip', value: '192.168.1.20', bytes: new Uint8Array([192, 168, 1, 20]) },
      { type: 'ip', value: 'fe80:0:0:0:0:0:0:1', bytes: new Uint8Array([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) },
    ]);
    expect(leaf.version).to.equal(3);
    expect(leaf.notBefore.toISOString()).to.equal('2020-01-01T00:00:00.000Z');
    expect(leaf.notAfter.toISOString()).to.equal('2045-01-01T00:00:00.000Z');
    expect(leaf.signatureAlgorithm).to.deep.equal({ oid: '1.2.840.10045.4.3.2', name: 'ecdsa-with-SHA256', hash: 'SHA-256', family: 'ECDSA' });
    expect(leaf.publicKey).to.include({ type: 'EC', curve: 'secp256r1', curveOid: '1.2.840.10045.3.1.7' });
    expect(leaf.keyUsage).to.deep.equal({ digitalSignature: true, keyEncipherment: false, keyAgreement: false, keyCertSign: false });
    expect(leaf.extendedKeyUsage).to.deep.equal(['1.3.6.1.5.5.7.3.1']);
    expect(leaf.basicConstraints).to.be.undefined;
    expect(parseCertificate(pki.intermediate.der).basicConstraints).to.deep.equal({ ca: true, pathLength: 0 });
  });

  it('reads an RSA key\'s modulus length', async function () {
    this.timeout(60_000);
    const rsa = await issue({ subject: 'CN=rsa', key: keyOf('rsa-1024') });
    expect(parseCertificate(rsa.der).publicKey).to.include({ type: 'RSA', bits: 1024 });
  });

  it('refuses an element that runs past its container and names its byte offset', async () => {
    const der = new Uint8Array((await makePki()).leaf.der);
    const set = firstCommonNameSet(der);
    der[set + 1]! -= 1;
    const error = chainError(der);
    expect(error?.message).to.equal(
      `chain certificate #0 is not a DER X.509 certificate: DER element of ${der[set + 3]} bytes runs past the end of its container at byte offset ${set + 2}`,
    );
    expect(error?.context.offset).to.equal(set + 2);
  });

  it('refuses an indefinite length inside the certificate (BER, not DER) and names its byte offset', async () => {
    const der = new Uint8Array((await makePki()).leaf.der);
    const set = firstCommonNameSet(der);
    // SEQUENCE { OID, string } → SEQUENCE (indefinite) { OID, string two bytes shorter, end-of-contents }: same size.
    const sequenceEnd = set + 4 + der[set + 3]!;
    der[set + 3] = 0x80;
    der[set + 10]! -= 2;
    der[sequenceEnd - 2] = 0;
    der[sequenceEnd - 1] = 0;
    const error = chainError(der);
    expect(error?.message).to.equal(`chain certificate #0 is not a DER X.509 certificate: indefinite length is not DER at byte offset ${set + 3}`);
  });

  it('refuses a certificate whose structure is not X.509 and names the structure', async () => {
    const der = new Uint8Array((await makePki()).leaf.der);
    // Certificate ::= SEQUENCE (4-byte header) { tbsCertificate SEQUENCE (4-byte header), signatureAlgorithm, … }
    expect([der[0], der[1], der[4], der[5]]).to.deep.equal([0x30, 0x82, 0x30, 0x82]);
    const signatureAlgorithm = 8 + ((der[6]! << 8) | der[7]!);
    der[signatureAlgorithm] = 0x31;
    expect(chainError(der)?.message).to.match(/^chain certificate #0 is not a DER X\.509 certificate: malformed Certificate\.AlgorithmIdentifier/);
  });

  it('refuses bytes after the certificate in a DER blob, naming where they start', async () => {
    const der = (await makePki()).leaf.der;
    expect(() => parseCertificate(new Uint8Array([...der, 0x00]))).to.throw(`1 trailing bytes after the certificate at byte offset ${der.length}`);
  });
});
