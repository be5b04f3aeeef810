import { createHash } from 'node:crypto';
import { AsnParser } from '@peculiar/asn1-schema';
import { id_ecPublicKey, ECParameters } from '@peculiar/asn1-ecc';
import { id_rsaEncryption, RSAPublicKey } from '@peculiar/asn1-rsa';
import {
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  KeyUsage as KeyUsageBits,
  type Extension,
  type SubjectPublicKeyInfo,
} from '@peculiar/asn1-x509';
import { DerError, decodeDer, libraryError, outerElement, type Asn1Block } from './der-checks.js';
import { CertificateView, RawGeneralNames, type RawElement, type RawName } from './raw-views.js';

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

/** Identifier octets of the name string types x509_string_cmp treats alike (ASCII case folded). */
export const STRING_TAG = { UTF8_STRING: 0x0c, PRINTABLE_STRING: 0x13 } as const;
const SEQUENCE = 0x30;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;

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

/** Parses one DER certificate. Throws DerError naming what is wrong, with the byte offset where it is known. */
export function parseCertificate(input: Uint8Array): ParsedCertificate {
  const der = new Uint8Array(input);
  const outer = outerElement(der);
  if (outer.tag !== SEQUENCE) throw new DerError(`Certificate: expected tag 0x30, found 0x${outer.tag.toString(16)}`, 0);
  if (outer.end !== der.length) throw new DerError(`${der.length - outer.end} trailing bytes after the certificate`, outer.end);
  const decoded = decodeDer(der, 'Certificate', true);
  // The raw view first: its faults (names, times) come with byte offsets.
  const view = fromDecoded(decoded, CertificateView, 'Certificate').tbsCertificate;
  const subject = distinguishedName(view.subject);
  const issuer = distinguishedName(view.issuer);
  const notBefore = decodeTime(view.validity.notBefore);
  const notAfter = decodeTime(view.validity.notAfter);
  const certificate = fromDecoded(decoded, Certificate, 'Certificate');
  const tbs = certificate.tbsCertificate;
  if (certificate.tbsCertificateRaw === undefined) throw new DerError('Certificate: tbsCertificate has no encoding');
  const signatureOid = certificate.signatureAlgorithm.algorithm;
  return {
    der,
    tbs: new Uint8Array(certificate.tbsCertificateRaw),
    signature: new Uint8Array(certificate.signatureValue),
    version: Number(tbs.version) + 1,
    serialHex: Buffer.from(tbs.serialNumber).toString('hex'),
    sha256: createHash('sha256').update(der).digest('hex'),
    subject,
    issuer,
    notBefore,
    notAfter,
    signatureAlgorithm: SIGNATURE_ALGORITHMS[signatureOid] ?? { oid: signatureOid, name: signatureOid },
    publicKey: publicKeyInfo(tbs.subjectPublicKeyInfo, new Uint8Array(view.subjectPublicKeyInfo)),
    ...parseExtensions(tbs.extensions ?? []),
  };
}

/** Decodes DER that is part of an already decoded element (no offsets of its own). */
function decodeAs<T>(bytes: ArrayBuffer | Uint8Array, schema: new () => T, what: string): T {
  return fromDecoded(decodeDer(new Uint8Array(bytes), what, false), schema, what);
}

function fromDecoded<T>(block: Asn1Block, schema: new () => T, what: string): T {
  try {
    return AsnParser.fromASN(block, schema);
  } catch (error) {
    throw libraryError(what, error);
  }
}

function publicKeyInfo(info: SubjectPublicKeyInfo, spki: Uint8Array): PublicKeyInfo {
  const oid = info.algorithm.algorithm;
  if (oid === id_rsaEncryption) {
    const key = decodeAs(info.subjectPublicKey, RSAPublicKey, 'RSAPublicKey');
    return { type: 'RSA', bits: unsignedBitLength(new Uint8Array(key.modulus)), spki };
  }
  if (oid === id_ecPublicKey) {
    const curveOid = namedCurveOf(info.algorithm.parameters) ?? 'explicit parameters';
    return { type: 'EC', curve: CURVES[curveOid], curveOid, spki };
  }
  return { type: 'other', oid, name: KEY_ALGORITHM_NAMES[oid] ?? oid, spki };
}

/** The namedCurve of EC key parameters; undefined for explicit or missing parameters (mbedTLS's build parses named curves only). */
function namedCurveOf(parameters: ArrayBuffer | null | undefined): string | undefined {
  if (parameters === null || parameters === undefined) return undefined;
  try {
    return AsnParser.parse(parameters, ECParameters).namedCurve;
  } catch {
    return undefined;
  }
}

/** Significant bits of a non-negative big-endian integer (the RSA modulus length). */
function unsignedBitLength(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length && bytes[index] === 0) index++;
  if (index === bytes.length) return 0;
  return (bytes.length - index - 1) * 8 + (32 - Math.clz32(bytes[index]!));
}

function distinguishedName(name: RawName): DistinguishedName {
  // Array.from: plain arrays, not instances of the schema's array classes.
  const attributes: NameAttribute[] = Array.from(name).flatMap((rdn) =>
    Array.from(rdn, (member, position) => ({ oid: member.type, tag: member.value.identifier, value: member.value.content, mergedWithNext: position < rdn.length - 1 })),
  );
  const text = attributes.map((attribute) => `${ATTRIBUTE_NAMES[attribute.oid] ?? attribute.oid}=${attributeText(attribute)}`).join(', ');
  const commonName = attributes.find((attribute) => attribute.oid === '2.5.4.3');
  return commonName === undefined ? { attributes, text } : { attributes, text, commonName: attributeText(commonName) };
}

function attributeText(attribute: NameAttribute): string {
  return Buffer.from(attribute.value).toString(attribute.tag === STRING_TAG.UTF8_STRING ? 'utf8' : 'latin1');
}

/** UTCTime (YYMMDDHHMM[SS]Z) or GeneralizedTime (YYYYMMDDHHMM[SS]Z), as X.509 profiles them and mbedTLS reads them. */
function decodeTime(time: RawElement): Date {
  if (time.identifier !== UTC_TIME && time.identifier !== GENERALIZED_TIME) throw new DerError('expected a UTCTime or GeneralizedTime', time.offset);
  const text = Buffer.from(time.content).toString('latin1');
  const pattern = time.identifier === UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/;
  const match = pattern.exec(text);
  if (match === null) throw new DerError(`unsupported time "${text}"`, time.offset);
  let year = Number(match[1]);
  // RFC 5280 4.1.2.5.1: two-digit years 50..99 are 19xx, 00..49 are 20xx (mbedTLS does the same).
  if (time.identifier === UTC_TIME) year += year >= 50 ? 1900 : 2000;
  return new Date(Date.UTC(year, Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6] ?? '0')));
}

interface ParsedExtensions {
  basicConstraints?: { ca: boolean; pathLength?: number };
  keyUsage?: KeyUsage;
  extendedKeyUsage?: string[];
  subjectAltNames?: SubjectAltName[];
  unsupportedCriticalExtensions: string[];
}

function parseExtensions(extensions: readonly Extension[]): ParsedExtensions {
  const result: ParsedExtensions = { unsupportedCriticalExtensions: [] };
  for (const { extnID: oid, critical, extnValue } of extensions) {
    const value = new Uint8Array(extnValue.buffer);
    const what = `extension ${oid}`;
    switch (oid) {
      case id_ce_basicConstraints: {
        const constraints = decodeAs(value, BasicConstraints, what);
        result.basicConstraints =
          constraints.pathLenConstraint === undefined ? { ca: constraints.cA } : { ca: constraints.cA, pathLength: Number(constraints.pathLenConstraint) };
        break;
      }
      case id_ce_keyUsage:
        result.keyUsage = keyUsageOf(decodeAs(value, KeyUsageBits, what));
        break;
      case id_ce_extKeyUsage:
        result.extendedKeyUsage = Array.from(decodeAs(value, ExtendedKeyUsage, what));
        break;
      case id_ce_subjectAltName:
        result.subjectAltNames = Array.from(decodeAs(value, RawGeneralNames, what), generalName);
        break;
      default:
        // As the model always has: the value must start with a readable DER header (mbedTLS itself skips it unread).
        try {
          outerElement(value);
        } catch (error) {
          throw new DerError(`${what}: ${error instanceof DerError ? error.reason : String(error)}`);
        }
        if (critical && !PARSED_EXTENSIONS.has(oid)) result.unsupportedCriticalExtensions.push(oid);
    }
  }
  return result;
}

/** mbedTLS reads the keyUsage bytes as they are (x509_get_key_usage), unused-bit count or not. */
function keyUsageOf(bits: KeyUsageBits): KeyUsage {
  const bytes = new Uint8Array(bits.value);
  const bit = (position: number): boolean => (((bytes[position >> 3] ?? 0) >> (7 - (position & 7))) & 1) === 1;
  return { digitalSignature: bit(0), keyEncipherment: bit(2), keyAgreement: bit(4), keyCertSign: bit(5) };
}

function generalName(name: RawElement): SubjectAltName {
  const text = (): string => Buffer.from(name.content).toString('latin1');
  switch (name.identifier) {
    case 0x81:
      return { type: 'email', value: text() };
    case 0x82:
      return { type: 'dns', value: text() };
    case 0x86:
      return { type: 'uri', value: text() };
    case 0x87:
      return { type: 'ip', value: formatIp(name.content), bytes: name.content };
    default:
      return { type: 'other', tag: name.identifier };
  }
}

function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    return groups.join(':');
  }
  return `<${bytes.length}-byte address ${Buffer.from(bytes).toString('hex')}>`;
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
