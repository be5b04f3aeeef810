import { createHash } from 'node:crypto';
import {
  DerError,
  TAG,
  children,
  content,
  decodeOid,
  decodeTime,
  expectTlv,
  hex,
  integerBitLength,
  readTlv,
  whole,
  type Tlv,
} from './der.js';

/**
 * One X.509 certificate reduced to what mbedTLS's chain verification looks at: raw names (for
 * x509_name_cmp), dates, the signature's hash and key family, the public key's type and size,
 * and the extensions mbedTLS parses (basicConstraints, keyUsage, extendedKeyUsage,
 * subjectAltName).
 */
export interface ParsedCertificate {
  /** The whole DER encoding (what "exact match with a trusted cert" compares). */
  readonly der: Uint8Array;
  /** tbsCertificate, the signed bytes. */
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
  /** X.509 version as mbedTLS stores it: 1, 2 or 3. */
  readonly version: number;
  readonly serialHex: string;
  readonly sha256: string;
  readonly subject: DistinguishedName;
  readonly issuer: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly publicKey: PublicKeyInfo;
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** Present only when the certificate has a keyUsage extension. */
  readonly keyUsage?: KeyUsage;
  /** OIDs of the extendedKeyUsage extension, when present. */
  readonly extendedKeyUsage?: readonly string[];
  /** Entries of the subjectAltName extension, when present (an extension with no usable entry is still "present"). */
  readonly subjectAltNames?: readonly SubjectAltName[];
  /** Critical extensions mbedTLS does not parse: it rejects the certificate when it meets one. */
  readonly unsupportedCriticalExtensions: readonly string[];
}

export interface NameAttribute {
  readonly oid: string;
  /** ASN.1 tag of the value (UTF8String, PrintableString, …): x509_string_cmp looks at it. */
  readonly tag: number;
  readonly value: Uint8Array;
  /** True when the next attribute is in the same RDN (a multi-valued RDN). */
  readonly mergedWithNext: boolean;
}

export interface DistinguishedName {
  readonly attributes: readonly NameAttribute[];
  /** `CN=…, O=…` in encoding order, as mbedtls_x509_dn_gets prints it. */
  readonly text: string;
  readonly commonName?: string;
}

export type HashName = 'MD5' | 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface SignatureAlgorithm {
  readonly oid: string;
  /** `sha256WithRSAEncryption`, `ecdsa-with-SHA256`, …; the OID itself when unknown. */
  readonly name: string;
  /** The hash mbedTLS's profile judges (undefined: an algorithm mbedTLS cannot parse in MicroPython's build). */
  readonly hash?: HashName;
  readonly family?: 'RSA' | 'ECDSA';
}

export type CurveName =
  | 'secp192r1'
  | 'secp224r1'
  | 'secp256r1'
  | 'secp384r1'
  | 'secp521r1'
  | 'secp192k1'
  | 'secp224k1'
  | 'secp256k1'
  | 'brainpoolP256r1'
  | 'brainpoolP384r1'
  | 'brainpoolP512r1';

export type PublicKeyInfo =
  | { readonly type: 'RSA'; readonly bits: number; readonly spki: Uint8Array }
  | { readonly type: 'EC'; readonly curve: CurveName | undefined; readonly curveOid: string; readonly spki: Uint8Array }
  | { readonly type: 'other'; readonly oid: string; readonly name: string; readonly spki: Uint8Array };

export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly keyEncipherment: boolean;
  readonly keyAgreement: boolean;
  readonly keyCertSign: boolean;
}

export type SubjectAltName =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'ip'; readonly value: string; readonly bytes: Uint8Array }
  | { readonly type: 'uri'; readonly value: string }
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'other'; readonly tag: number };

const SIGNATURE_ALGORITHMS: Readonly<Record<string, SignatureAlgorithm>> = {
  '1.2.840.113549.1.1.4': { oid: '1.2.840.113549.1.1.4', name: 'md5WithRSAEncryption', hash: 'MD5', family: 'RSA' },
  '1.2.840.113549.1.1.5': { oid: '1.2.840.113549.1.1.5', name: 'sha1WithRSAEncryption', hash: 'SHA-1', family: 'RSA' },
  '1.3.14.3.2.29': { oid: '1.3.14.3.2.29', name: 'sha-1WithRSAEncryption (OIW)', hash: 'SHA-1', family: 'RSA' },
  '1.2.840.113549.1.1.14': { oid: '1.2.840.113549.1.1.14', name: 'sha224WithRSAEncryption', hash: 'SHA-224', family: 'RSA' },
  '1.2.840.113549.1.1.11': { oid: '1.2.840.113549.1.1.11', name: 'sha256WithRSAEncryption', hash: 'SHA-256', family: 'RSA' },
  '1.2.840.113549.1.1.12': { oid: '1.2.840.113549.1.1.12', name: 'sha384WithRSAEncryption', hash: 'SHA-384', family: 'RSA' },
  '1.2.840.113549.1.1.13': { oid: '1.2.840.113549.1.1.13', name: 'sha512WithRSAEncryption', hash: 'SHA-512', family: 'RSA' },
  '1.2.840.10045.4.1': { oid: '1.2.840.10045.4.1', name: 'ecdsa-with-SHA1', hash: 'SHA-1', family: 'ECDSA' },
  '1.2.840.10045.4.3.1': { oid: '1.2.840.10045.4.3.1', name: 'ecdsa-with-SHA224', hash: 'SHA-224', family: 'ECDSA' },
  '1.2.840.10045.4.3.2': { oid: '1.2.840.10045.4.3.2', name: 'ecdsa-with-SHA256', hash: 'SHA-256', family: 'ECDSA' },
  '1.2.840.10045.4.3.3': { oid: '1.2.840.10045.4.3.3', name: 'ecdsa-with-SHA384', hash: 'SHA-384', family: 'ECDSA' },
  '1.2.840.10045.4.3.4': { oid: '1.2.840.10045.4.3.4', name: 'ecdsa-with-SHA512', hash: 'SHA-512', family: 'ECDSA' },
  // MicroPython's mbedTLS config has no MBEDTLS_X509_RSASSA_PSS_SUPPORT, and mbedTLS has no EdDSA.
  '1.2.840.113549.1.1.10': { oid: '1.2.840.113549.1.1.10', name: 'RSASSA-PSS' },
  '1.3.101.112': { oid: '1.3.101.112', name: 'Ed25519' },
  '1.3.101.113': { oid: '1.3.101.113', name: 'Ed448' },
};

const CURVES: Readonly<Record<string, CurveName>> = {
  '1.2.840.10045.3.1.1': 'secp192r1',
  '1.3.132.0.33': 'secp224r1',
  '1.2.840.10045.3.1.7': 'secp256r1',
  '1.3.132.0.34': 'secp384r1',
  '1.3.132.0.35': 'secp521r1',
  '1.3.132.0.31': 'secp192k1',
  '1.3.132.0.32': 'secp224k1',
  '1.3.132.0.10': 'secp256k1',
  '1.3.36.3.3.2.8.1.1.7': 'brainpoolP256r1',
  '1.3.36.3.3.2.8.1.1.11': 'brainpoolP384r1',
  '1.3.36.3.3.2.8.1.1.13': 'brainpoolP512r1',
};

const KEY_ALGORITHM_NAMES: Readonly<Record<string, string>> = {
  '1.3.101.110': 'X25519',
  '1.3.101.111': 'X448',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.10040.4.1': 'DSA',
};

const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC',
};

/** Extensions mbedTLS's x509_get_crt_ext understands (others are skipped when not critical). */
const PARSED_EXTENSIONS = new Set([
  '2.5.29.19', // basicConstraints
  '2.5.29.15', // keyUsage
  '2.5.29.37', // extKeyUsage
  '2.5.29.17', // subjectAltName
  '2.16.840.1.113730.1.1', // nsCertType
  '2.5.29.32', // certificatePolicies (3.x)
  '2.5.29.14', // subjectKeyIdentifier (3.5+)
  '2.5.29.35', // authorityKeyIdentifier (3.5+)
]);

/** Parses one DER certificate. Throws DerError naming the byte offset of the first fault. */
export function parseCertificate(input: Uint8Array): ParsedCertificate {
  const der = new Uint8Array(input);
  const outer = expectTlv(der, 0, der.length, TAG.SEQUENCE, 'Certificate');
  if (outer.end !== der.length) throw new DerError(`${der.length - outer.end} trailing bytes after the certificate`, outer.end);
  const [tbsTlv, algorithmTlv, signatureTlv] = children(der, outer);
  if (tbsTlv === undefined || algorithmTlv === undefined || signatureTlv === undefined) {
    throw new DerError('Certificate needs tbsCertificate, signatureAlgorithm and signatureValue', outer.start);
  }
  if (signatureTlv.tag !== TAG.BIT_STRING) throw new DerError('signatureValue: expected a BIT STRING', signatureTlv.start);
  const tbsParts = children(der, tbsTlv);
  let index = 0;
  let version = 1;
  if (tbsParts[0]?.tag === 0xa0) {
    const versionTlv = expectTlv(der, tbsParts[0].contentStart, tbsParts[0].end, TAG.INTEGER, 'version');
    version = (content(der, versionTlv)[0] ?? 0) + 1;
    index = 1;
  }
  const [serialTlv, , issuerTlv, validityTlv, subjectTlv, spkiTlv, ...rest] = tbsParts.slice(index);
  if (serialTlv === undefined || issuerTlv === undefined || validityTlv === undefined || subjectTlv === undefined || spkiTlv === undefined) {
    throw new DerError('tbsCertificate is missing fields', tbsTlv.start);
  }
  const [notBeforeTlv, notAfterTlv] = children(der, validityTlv);
  if (notBeforeTlv === undefined || notAfterTlv === undefined) throw new DerError('validity needs notBefore and notAfter', validityTlv.start);
  const extensionsTlv = rest.find((tlv) => tlv.tag === 0xa3);
  const extensions = extensionsTlv === undefined ? {} : parseExtensions(der, extensionsTlv);
  return {
    der,
    tbs: whole(der, tbsTlv),
    signature: content(der, signatureTlv).subarray(1),
    version,
    serialHex: hex(content(der, serialTlv)),
    sha256: createHash('sha256').update(der).digest('hex'),
    subject: parseName(der, subjectTlv),
    issuer: parseName(der, issuerTlv),
    notBefore: decodeTime(der, notBeforeTlv),
    notAfter: decodeTime(der, notAfterTlv),
    signatureAlgorithm: parseSignatureAlgorithm(der, algorithmTlv),
    publicKey: parsePublicKey(der, spkiTlv),
    unsupportedCriticalExtensions: [],
    ...extensions,
  };
}

function parseSignatureAlgorithm(der: Uint8Array, tlv: Tlv): SignatureAlgorithm {
  const [oidTlv] = children(der, tlv);
  if (oidTlv?.tag !== TAG.OID) throw new DerError('AlgorithmIdentifier: expected an OID', tlv.start);
  const oid = decodeOid(der, oidTlv);
  return SIGNATURE_ALGORITHMS[oid] ?? { oid, name: oid };
}

function parsePublicKey(der: Uint8Array, spkiTlv: Tlv): PublicKeyInfo {
  const spki = whole(der, spkiTlv);
  const [algorithmTlv, keyTlv] = children(der, spkiTlv);
  if (algorithmTlv === undefined || keyTlv?.tag !== TAG.BIT_STRING) throw new DerError('SubjectPublicKeyInfo is malformed', spkiTlv.start);
  const [oidTlv, parametersTlv] = children(der, algorithmTlv);
  if (oidTlv?.tag !== TAG.OID) throw new DerError('SubjectPublicKeyInfo algorithm: expected an OID', algorithmTlv.start);
  const oid = decodeOid(der, oidTlv);
  if (oid === '1.2.840.113549.1.1.1') {
    const rsaKey = expectTlv(der, keyTlv.contentStart + 1, keyTlv.end, TAG.SEQUENCE, 'RSAPublicKey');
    const modulus = expectTlv(der, rsaKey.contentStart, rsaKey.end, TAG.INTEGER, 'RSA modulus');
    return { type: 'RSA', bits: integerBitLength(der, modulus), spki };
  }
  if (oid === '1.2.840.10045.2.1') {
    const curveOid = parametersTlv?.tag === TAG.OID ? decodeOid(der, parametersTlv) : 'explicit parameters';
    return { type: 'EC', curve: CURVES[curveOid], curveOid, spki };
  }
  return { type: 'other', oid, name: KEY_ALGORITHM_NAMES[oid] ?? oid, spki };
}

function parseName(der: Uint8Array, nameTlv: Tlv): DistinguishedName {
  if (nameTlv.tag !== TAG.SEQUENCE) throw new DerError('Name: expected a SEQUENCE', nameTlv.start);
  const attributes: NameAttribute[] = [];
  for (const rdn of children(der, nameTlv)) {
    if (rdn.tag !== TAG.SET) throw new DerError('RelativeDistinguishedName: expected a SET', rdn.start);
    const members = children(der, rdn);
    members.forEach((member, position) => {
      const [typeTlv, valueTlv] = children(der, member);
      if (typeTlv?.tag !== TAG.OID || valueTlv === undefined) throw new DerError('AttributeTypeAndValue is malformed', member.start);
      attributes.push({ oid: decodeOid(der, typeTlv), tag: valueTlv.tag, value: content(der, valueTlv), mergedWithNext: position < members.length - 1 });
    });
  }
  const text = attributes.map((attribute) => `${ATTRIBUTE_NAMES[attribute.oid] ?? attribute.oid}=${attributeText(attribute)}`).join(', ');
  const commonName = attributes.find((attribute) => attribute.oid === '2.5.4.3');
  return commonName === undefined ? { attributes, text } : { attributes, text, commonName: attributeText(commonName) };
}

function attributeText(attribute: NameAttribute): string {
  return Buffer.from(attribute.value).toString(attribute.tag === TAG.UTF8_STRING ? 'utf8' : 'latin1');
}

interface ParsedExtensions {
  basicConstraints?: { ca: boolean; pathLength?: number };
  keyUsage?: KeyUsage;
  extendedKeyUsage?: string[];
  subjectAltNames?: SubjectAltName[];
  unsupportedCriticalExtensions: string[];
}

function parseExtensions(der: Uint8Array, wrapper: Tlv): ParsedExtensions {
  const result: ParsedExtensions = { unsupportedCriticalExtensions: [] };
  const list = expectTlv(der, wrapper.contentStart, wrapper.end, TAG.SEQUENCE, 'Extensions');
  for (const extension of children(der, list)) {
    const parts = children(der, extension);
    const [oidTlv] = parts;
    const valueTlv = parts[parts.length - 1];
    if (oidTlv?.tag !== TAG.OID || valueTlv?.tag !== TAG.OCTET_STRING) throw new DerError('Extension is malformed', extension.start);
    const oid = decodeOid(der, oidTlv);
    const critical = parts.length === 3 && parts[1]?.tag === TAG.BOOLEAN && content(der, parts[1])[0] !== 0;
    const value = readTlv(der, valueTlv.contentStart, valueTlv.end);
    switch (oid) {
      case '2.5.29.19':
        result.basicConstraints = parseBasicConstraints(der, value);
        break;
      case '2.5.29.15':
        result.keyUsage = parseKeyUsage(der, value);
        break;
      case '2.5.29.37':
        result.extendedKeyUsage = children(der, value).map((usage) => decodeOid(der, usage));
        break;
      case '2.5.29.17':
        result.subjectAltNames = children(der, value).map((name) => parseGeneralName(der, name));
        break;
      default:
        if (critical && !PARSED_EXTENSIONS.has(oid)) result.unsupportedCriticalExtensions.push(oid);
    }
  }
  return result;
}

function parseBasicConstraints(der: Uint8Array, sequence: Tlv): { ca: boolean; pathLength?: number } {
  let ca = false;
  let pathLength: number | undefined;
  for (const part of children(der, sequence)) {
    if (part.tag === TAG.BOOLEAN) ca = content(der, part)[0] !== 0;
    if (part.tag === TAG.INTEGER) pathLength = content(der, part).reduce((value, byte) => value * 256 + byte, 0);
  }
  return pathLength === undefined ? { ca } : { ca, pathLength };
}

function parseKeyUsage(der: Uint8Array, bitString: Tlv): KeyUsage {
  const bits = content(der, bitString).subarray(1);
  const bit = (position: number): boolean => (((bits[position >> 3] ?? 0) >> (7 - (position & 7))) & 1) === 1;
  return { digitalSignature: bit(0), keyEncipherment: bit(2), keyAgreement: bit(4), keyCertSign: bit(5) };
}

function parseGeneralName(der: Uint8Array, name: Tlv): SubjectAltName {
  const text = (): string => Buffer.from(content(der, name)).toString('latin1');
  switch (name.tag) {
    case 0x81:
      return { type: 'email', value: text() };
    case 0x82:
      return { type: 'dns', value: text() };
    case 0x86:
      return { type: 'uri', value: text() };
    case 0x87: {
      const bytes = content(der, name);
      return { type: 'ip', value: formatIp(bytes), bytes };
    }
    default:
      return { type: 'other', tag: name.tag };
  }
}

function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    return groups.join(':');
  }
  return `<${bytes.length}-byte address ${hex(bytes)}>`;
}

/** `DNS:a, IP:1.2.3.4` for reports. */
export function describeSubjectAltNames(names: readonly SubjectAltName[] | undefined): string {
  if (names === undefined) return '(no subjectAltName)';
  if (names.length === 0) return '(empty subjectAltName)';
  return names.map((name) => (name.type === 'other' ? `other(tag 0x${name.tag.toString(16)})` : `${name.type.toUpperCase()}:${name.value}`)).join(', ');
}

export function describePublicKey(key: PublicKeyInfo): string {
  switch (key.type) {
    case 'RSA':
      return `RSA ${key.bits} bits`;
    case 'EC':
      return `EC ${key.curve ?? key.curveOid}`;
    case 'other':
      return key.name;
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** The DER of every `CERTIFICATE` block of a PEM text (other blocks, e.g. keys, are ignored). */
export function decodePemCertificates(text: string): Uint8Array[] {
  const result: Uint8Array[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    if (match[1] !== 'CERTIFICATE' && match[1] !== 'X509 CERTIFICATE' && match[1] !== 'TRUSTED CERTIFICATE') continue;
    result.push(new Uint8Array(Buffer.from((match[2] ?? '').replace(/\s+/g, ''), 'base64')));
  }
  return result;
}

export function looksLikePem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, Math.min(bytes.length, 65536))).toString('latin1').includes('-----BEGIN ');
}
