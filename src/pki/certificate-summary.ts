import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { keyAlgorithmOf } from './keys.js';
import { formatSan } from './subject-names.js';
import { x509 } from './x509.js';

/** What the manifest says about one certificate. Never any key material. */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  /** Lower-case hex, as in the DER INTEGER (no sign byte). */
  readonly serialNumber: string;
  /** SHA-256 of the DER, `AB:CD:…` like `openssl x509 -fingerprint -sha256`. */
  readonly sha256: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** `ec-p256`, `ec-p384`, `rsa-2048`, `rsa-1024`. */
  readonly keyAlgorithm: string;
  /** OpenSSL's name: `ecdsa-with-SHA256`, `sha256WithRSAEncryption`, `ecdsa-with-SHA1`, … */
  readonly signatureAlgorithm: string;
  readonly isCa: boolean;
  readonly selfSigned: boolean;
  /** `DNS:name`, `IP:address`. */
  readonly subjectAltNames: string[];
  /** `serverAuth`, `clientAuth`. */
  readonly extendedKeyUsage: string[];
  readonly keyUsage: string[];
}

const EKU_NAMES: Readonly<Record<string, string>> = {
  [x509.ExtendedKeyUsage.serverAuth]: 'serverAuth',
  [x509.ExtendedKeyUsage.clientAuth]: 'clientAuth',
};

const KEY_USAGE_NAMES: readonly [number, string][] = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
];

/** `{ name: 'ECDSA', hash: { name: 'SHA-1' } }` → `ecdsa-with-SHA1`. */
export function signatureAlgorithmName(certificate: x509.X509Certificate): string {
  // The DOM `Algorithm` type is not in this project's libs, so @peculiar/x509's HashedAlgorithm lacks `name` here.
  const algorithm = certificate.signatureAlgorithm as unknown as { name: string; hash: { name: string } };
  const hash = algorithm.hash.name.replace('-', '');
  if (algorithm.name === 'ECDSA') return `ecdsa-with-${hash}`;
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') return `${hash.toLowerCase()}WithRSAEncryption`;
  return `${algorithm.name}/${algorithm.hash.name}`;
}

export function subjectAltNamesOf(certificate: x509.X509Certificate): string[] {
  const extension = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  if (extension === null) return [];
  return extension.names.items.flatMap((item) => (item.type === 'dns' || item.type === 'ip' ? [formatSan({ type: item.type, value: item.value })] : [`${item.type}:${item.value}`]));
}

export function fingerprintSha256(der: Uint8Array): string {
  return new NodeX509Certificate(der).fingerprint256;
}

export function summariseCertificate(certificate: x509.X509Certificate): CertificateSummary {
  const der = new Uint8Array(certificate.rawData);
  const node = new NodeX509Certificate(der);
  const keyUsage = certificate.getExtension(x509.KeyUsagesExtension)?.usages ?? 0;
  const eku = certificate.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
  return {
    subject: certificate.subject,
    issuer: certificate.issuer,
    serialNumber: certificate.serialNumber.toLowerCase(),
    sha256: node.fingerprint256,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    keyAlgorithm: keyAlgorithmOf(node.publicKey),
    signatureAlgorithm: signatureAlgorithmName(certificate),
    isCa: certificate.getExtension(x509.BasicConstraintsExtension)?.ca ?? false,
    selfSigned: node.subject === node.issuer && node.verify(node.publicKey),
    subjectAltNames: subjectAltNamesOf(certificate),
    extendedKeyUsage: eku.map((usage) => EKU_NAMES[String(usage)] ?? String(usage)),
    keyUsage: KEY_USAGE_NAMES.filter(([flag]) => (keyUsage & flag) !== 0).map(([, name]) => name),
  };
}
