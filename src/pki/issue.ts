import { randomBytes, type KeyObject } from 'node:crypto';
import { defaultHashFor, keyAlgorithmOf, signingKeyFor, spkiOf, type KeyAlgorithm, type SignatureHash } from './keys.js';
import type { SanEntry } from './subject-names.js';
import type { Validity } from './sets.js';
import { nodeWebCrypto, x509 } from './x509.js';

/** A certificate and the private key of its subject. */
export interface IssuedCertificate {
  readonly certificate: x509.X509Certificate;
  readonly privateKey: KeyObject;
}

/** Who signs: the issuer's certificate (for its name and key id) and private key. */
export interface Signer {
  readonly certificate: x509.X509Certificate;
  readonly privateKey: KeyObject;
}

export type CertificateRole = 'root' | 'intermediate' | 'server' | 'client';

export interface IssueRequest {
  readonly role: CertificateRole;
  readonly subject: string;
  readonly privateKey: KeyObject;
  readonly validity: Validity;
  /** Absent: self-signed. */
  readonly signer?: Signer;
  readonly sans?: readonly SanEntry[];
  /** Defaults to the signer's usual hash (SHA-384 for a P-384 signer, else SHA-256). */
  readonly hash?: SignatureHash;
}

/** 16 random bytes, positive and without a leading zero byte (RFC 5280: ≤ 20 octets, positive). */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

async function extensionsFor(request: IssueRequest, spki: Buffer): Promise<x509.Extension[]> {
  const { KeyUsageFlags: Usage } = x509;
  const extensions: x509.Extension[] = [];
  const isCa = request.role === 'root' || request.role === 'intermediate';
  // pathLen 0 on the intermediate: it issues leaves only.
  extensions.push(new x509.BasicConstraintsExtension(isCa, request.role === 'intermediate' ? 0 : undefined, true));
  if (isCa) {
    extensions.push(new x509.KeyUsagesExtension(Usage.keyCertSign | Usage.cRLSign, true));
  } else {
    // RSA leaves also get keyEncipherment, as public CAs issue them, so a TLS_RSA_* suite is not refused for usage.
    const rsa = request.privateKey.asymmetricKeyType === 'rsa';
    extensions.push(new x509.KeyUsagesExtension(rsa ? Usage.digitalSignature | Usage.keyEncipherment : Usage.digitalSignature, true));
    const usage = request.role === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth;
    extensions.push(new x509.ExtendedKeyUsageExtension([usage], false));
  }
  if (request.sans !== undefined && request.sans.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(request.sans.map((entry) => ({ type: entry.type, value: entry.value })), false));
  }
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(spki, false, nodeWebCrypto));
  const issuerSpki = request.signer === undefined ? spki : spkiOf(request.signer.privateKey);
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuerSpki, false, nodeWebCrypto));
  return extensions;
}

/** Issue one certificate for `request.privateKey`, signed by `request.signer` or by itself. */
export async function issueCertificate(request: IssueRequest): Promise<IssuedCertificate> {
  const spki = spkiOf(request.privateKey);
  const signerKey = request.signer?.privateKey ?? request.privateKey;
  const hash = request.hash ?? defaultHashFor(keyAlgorithmOf(signerKey) as KeyAlgorithm);
  const signing = await signingKeyFor(signerKey, hash);
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject: request.subject,
      issuer: request.signer === undefined ? request.subject : request.signer.certificate.subjectName,
      notBefore: request.validity.notBefore,
      notAfter: request.validity.notAfter,
      publicKey: spki,
      signingKey: signing.key,
      signingAlgorithm: signing.algorithm,
      extensions: await extensionsFor(request, spki),
    },
    nodeWebCrypto,
  );
  return { certificate, privateKey: request.privateKey };
}
