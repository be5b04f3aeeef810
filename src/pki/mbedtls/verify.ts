import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from '../../errors.js';
import {
  describePublicKey,
  describeSubjectAltNames,
  parseCertificate,
  STRING_TAG,
  type DistinguishedName,
  type ParsedCertificate,
  type PublicKeyInfo,
} from './certificate.js';
import { DerError } from './der-checks.js';
import { FLAG, flagNames, type VerifyFlagName } from './flags.js';
import { tlsProfile, type TlsVerificationProfile } from './profiles.js';

/**
 * mbedTLS's verdict on a server chain, as a Pico W running a given firmware reaches it with
 * `cert_reqs=CERT_REQUIRED`, `cadata=` the trusted roots and `server_hostname=` the hostname.
 *
 * The algorithm follows mbedTLS's `x509_crt_verify_restartable_ca_cb` → `x509_crt_verify_chain`
 * (library/x509_crt.c, same structure in 2.16, 2.28 and 3.x) plus the usage check of ssl_tls.c:
 *  1. name check of the leaf (CN_MISMATCH), the leaf's own key against the profile (BAD_KEY);
 *  2. walk up from the leaf: dates of every certificate including the trusted root (when the
 *     firmware checks dates), signature hash of every non-root (BAD_MD), then find a parent
 *     among the trusted CAs first, then among the certificates sent after the child (subject =
 *     issuer, CA bit, keyCertSign on 3.x, path length, signature; a trusted candidate whose
 *     signature fails is skipped; a time-valid candidate is preferred); no parent → NOT_TRUSTED;
 *     a bad signature from an untrusted parent → NOT_TRUSTED; a weak parent key → BAD_KEY;
 *     a trusted parent ends the walk after its date check;
 *  3. mbedTLS 3.x only: the leaf's keyUsage/extendedKeyUsage against the key exchange.
 * Modelled beyond the fact sheet (from the mbedTLS source): the parent search order and
 * fallback, the locally-trusted end-entity case, path length, the wildcard and IP matching
 * rules, keyUsage checks, per-version hash/curve lists. CRLs are not modelled (MicroPython
 * loads none).
 */
export interface VerifyChainInput {
  /** DER certificates as the server sends them: leaf first, then intermediates. */
  readonly chain: readonly Uint8Array[];
  /** DER roots loaded with `cadata`. */
  readonly trusted: readonly Uint8Array[];
  /** `server_hostname`; omitted = no name check (possible only on firmware ≤ v1.21). */
  readonly hostname?: string;
  /** The BOARD's clock. */
  readonly now: Date;
  /** Firmware profile name (src/sim/profiles.ts). */
  readonly profile: string;
}

export type CertificateRole = 'leaf' | 'intermediate' | 'root';

export interface FlagReason {
  readonly flag: VerifyFlagName;
  /** Why, in words a user can act on: which date, which name, which key. */
  readonly detail: string;
}

export interface CertificateVerdict {
  readonly subject: string;
  readonly issuer: string;
  readonly role: CertificateRole;
  /** Where the certificate came from: the presented chain or the trusted list (`cadata`). */
  readonly source: 'chain' | 'trusted';
  /** Index in that list. */
  readonly index: number;
  /** A trusted root, or a leaf that is itself in the trusted list. */
  readonly trusted: boolean;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly flags: number;
  readonly flagNames: VerifyFlagName[];
  readonly reasons: FlagReason[];
}

export interface UnusableCertificate {
  readonly source: 'chain' | 'trusted';
  readonly index: number;
  readonly subject: string;
  readonly reason: string;
}

export interface ChainVerdict {
  readonly profile: string;
  readonly mbedtlsVersion: string;
  /** The board clock the dates were compared with (whole seconds), ISO 8601. */
  readonly now: string;
  readonly hostname?: string;
  /** All flags: what `mbedtls_ssl_get_verify_result` returns after the handshake. */
  readonly flags: number;
  readonly flagNames: VerifyFlagName[];
  /** Flags from mbedtls_x509_crt_verify (the chain); nonzero = MBEDTLS_ERR_X509_CERT_VERIFY_FAILED. */
  readonly x509Flags: number;
  /** Flags from the TLS layer's keyUsage/extendedKeyUsage check of the leaf (mbedTLS 3.x). */
  readonly usageFlags: number;
  /** The verification path, leaf first. */
  readonly perCertificate: CertificateVerdict[];
  /** A path from the leaf to a trusted certificate was built with good signatures. */
  readonly chainFound: boolean;
  /** Certificates mbedTLS in this firmware cannot parse; they were left out (see notes). */
  readonly unusable: UnusableCertificate[];
  readonly notes: string[];
}

/** Flags the TLS layer adds after chain verification (ssl_tls.c mbedtls_ssl_check_cert_usage). */
export const USAGE_FLAGS = FLAG.BADCERT_KEY_USAGE | FLAG.BADCERT_EXT_KEY_USAGE | FLAG.BADCERT_NS_CERT_TYPE;

/** MBEDTLS_X509_MAX_INTERMEDIATE_CA (x509.h default; MicroPython does not change it). */
const MAX_INTERMEDIATE_CA = 8;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

interface Candidate {
  readonly certificate: ParsedCertificate;
  readonly source: 'chain' | 'trusted';
  /** Index in its source list. */
  readonly index: number;
  /** Position among the usable presented certificates (chain only): candidates of a child are those after it. */
  readonly position: number;
}

interface Item {
  readonly candidate: Candidate;
  trusted: boolean;
  flags: number;
  readonly reasons: FlagReason[];
}

export function verifyChain(input: VerifyChainInput): ChainVerdict {
  const profile = tlsProfile(input.profile);
  const now = new Date(Math.floor(input.now.getTime() / 1000) * 1000);
  if (Number.isNaN(now.getTime())) throw new ConfigError('the board clock (now) is not a valid date');
  const notes: string[] = [];
  const unusable: UnusableCertificate[] = [];
  const presented = usableCertificates(input.chain, 'chain', profile, unusable);
  const trusted = usableCertificates(input.trusted, 'trusted', profile, unusable);
  for (const entry of unusable) {
    notes.push(
      entry.source === 'trusted'
        ? `trusted certificate #${entry.index} (${entry.subject}) cannot be parsed by mbedTLS ${profile.mbedtlsVersion}: ${entry.reason}; the board raises ValueError('invalid cert') when loading cadata`
        : `chain certificate #${entry.index} (${entry.subject}) cannot be parsed by mbedTLS ${profile.mbedtlsVersion}: ${entry.reason}; left out of the chain (mbedTLS skips a certificate with an unknown signature algorithm; an unparsable key fails the handshake instead — not modelled)`,
    );
  }
  const unusableLeaf = unusable.find((entry) => entry.source === 'chain' && entry.index === 0);
  if (unusableLeaf !== undefined) {
    throw new ConfigError(
      `the leaf (${unusableLeaf.subject}) cannot be parsed by mbedTLS ${profile.mbedtlsVersion}: ${unusableLeaf.reason}; the board fails the handshake while parsing the chain, before any verify flag (not modelled)`,
    );
  }
  const leaf = presented[0];
  if (leaf === undefined) throw new ConfigError('the chain is empty: the server must send at least its own certificate');
  if (!profile.canRequireCertificate) {
    notes.push(`firmware ${profile.profile} cannot request verification (${profile.sources.canRequireCertificate}): the board accepts any chain; the flags show what its mbedTLS would say`);
  }
  if (!profile.checksDates) notes.push(`firmware ${profile.profile} does not check dates (${profile.sources.checksDates})`);

  const context: WalkContext = { profile, now, presented, trusted, keyCache: new Map() };
  const eeReasons: FlagReason[] = [];
  if (input.hostname !== undefined) checkName(leaf.certificate, input.hostname, profile, eeReasons);
  const ownKeyProblem = keyProblem(leaf.certificate.publicKey, profile);
  if (ownKeyProblem !== undefined) eeReasons.push({ flag: 'BADCERT_BAD_KEY', detail: `its own key is ${ownKeyProblem}` });

  const walk = walkChain(leaf, context);
  notes.push(...walk.notes);
  const first = walk.items[0]!;
  for (const reason of eeReasons) addFlag(first, reason);

  let usageFlags = 0;
  if (profile.checksKeyUsage) {
    for (const reason of usageProblems(leaf.certificate, profile)) {
      addFlag(first, reason);
      usageFlags |= FLAG[reason.flag];
    }
  }
  const flags = walk.items.reduce((bits, item) => bits | item.flags, 0);
  const last = walk.items[walk.items.length - 1]!;
  const perCertificate = walk.items.map((item, position) => toVerdict(item, position));
  const onPath = new Set(walk.items.filter((item) => item.candidate.source === 'chain').map((item) => item.candidate.index));
  for (const extra of presented.filter((candidate) => !onPath.has(candidate.index))) {
    notes.push(`chain certificate #${extra.index} (${extra.certificate.subject.text}) is not on the verification path`);
  }
  return {
    profile: profile.profile,
    mbedtlsVersion: profile.mbedtlsVersion,
    now: iso(now),
    ...(input.hostname === undefined ? {} : { hostname: input.hostname }),
    flags,
    flagNames: flagNames(flags),
    x509Flags: flags & ~usageFlags,
    usageFlags,
    perCertificate,
    chainFound: last.trusted && !walk.badSignature,
    unusable,
    notes,
  };
}

interface WalkContext {
  readonly profile: TlsVerificationProfile;
  readonly now: Date;
  readonly presented: readonly Candidate[];
  readonly trusted: readonly Candidate[];
  readonly keyCache: Map<ParsedCertificate, KeyObject | null>;
}

interface Walk {
  readonly items: Item[];
  readonly badSignature: boolean;
  readonly notes: string[];
}

function walkChain(leaf: Candidate, context: WalkContext): Walk {
  const { profile, now } = context;
  const items: Item[] = [];
  const notes: string[] = [];
  let badSignature = false;
  let child = leaf;
  let childTrusted = false;
  let selfIssued = 0;
  for (;;) {
    const item: Item = { candidate: child, trusted: childTrusted, flags: 0, reasons: [] };
    items.push(item);
    const certificate = child.certificate;
    if (profile.checksDates) {
      if (certificate.notAfter.getTime() < now.getTime()) {
        addFlag(item, { flag: 'BADCERT_EXPIRED', detail: `notAfter ${iso(certificate.notAfter)} is before the board clock ${iso(now)}` });
      }
      if (certificate.notBefore.getTime() > now.getTime()) {
        addFlag(item, { flag: 'BADCERT_FUTURE', detail: `notBefore ${iso(certificate.notBefore)} is after the board clock ${iso(now)}` });
      }
    }
    if (childTrusted) break;
    const hash = certificate.signatureAlgorithm.hash;
    if (hash !== undefined && !profile.allowedHashes.includes(hash)) {
      addFlag(item, {
        flag: 'BADCERT_BAD_MD',
        detail: `signed with ${hash} (${certificate.signatureAlgorithm.name}); mbedTLS ${profile.mbedtlsVersion}'s default profile accepts ${profile.allowedHashes.join(', ')}`,
      });
    }
    if (items.length === 1 && isLocallyTrustedEndEntity(certificate, context.trusted)) {
      item.trusted = true;
      notes.push('the leaf is itself in the trusted list (a locally trusted self-signed certificate)');
      break;
    }
    const found = findParent(child, items.length - 1, selfIssued, context);
    if (found === undefined) {
      addFlag(item, { flag: 'BADCERT_NOT_TRUSTED', detail: `no trusted CA and no later certificate of the chain issued it (issuer ${certificate.issuer.text})` });
      break;
    }
    if (items.length !== 1 && namesEqual(certificate.issuer, certificate.subject)) selfIssued++;
    if (found.candidate.source === 'chain' && items.length > MAX_INTERMEDIATE_CA) {
      throw new ConfigError(
        `the chain has more than ${MAX_INTERMEDIATE_CA} intermediates: mbedTLS stops with MBEDTLS_ERR_X509_FATAL_ERROR instead of verify flags (not modelled)`,
      );
    }
    if (!found.signatureGood) {
      badSignature = true;
      addFlag(item, { flag: 'BADCERT_NOT_TRUSTED', detail: `its signature does not verify with the key of ${found.candidate.certificate.subject.text}` });
    }
    const parentKeyProblem = keyProblem(found.candidate.certificate.publicKey, profile);
    if (parentKeyProblem !== undefined) {
      addFlag(item, { flag: 'BADCERT_BAD_KEY', detail: `signed by ${found.candidate.certificate.subject.text} whose key is ${parentKeyProblem}` });
    }
    child = found.candidate;
    childTrusted = found.candidate.source === 'trusted';
  }
  return { items, badSignature, notes };
}

interface FoundParent {
  readonly candidate: Candidate;
  readonly signatureGood: boolean;
}

/** x509_crt_find_parent: trusted CAs first, then the certificates sent after the child. */
function findParent(child: Candidate, pathCount: number, selfIssued: number, context: WalkContext): FoundParent | undefined {
  const fromTrusted = findParentIn(child, context.trusted, true, pathCount, selfIssued, context);
  if (fromTrusted !== undefined) return fromTrusted;
  const after = child.source === 'chain' ? context.presented.filter((candidate) => candidate.position > child.position) : [];
  return findParentIn(child, after, false, pathCount, selfIssued, context);
}

/** x509_crt_find_parent_in: the first suitable, time-valid candidate, else the first suitable one. */
function findParentIn(
  child: Candidate,
  candidates: readonly Candidate[],
  top: boolean,
  pathCount: number,
  selfIssued: number,
  context: WalkContext,
): FoundParent | undefined {
  let fallback: FoundParent | undefined;
  for (const candidate of candidates) {
    const parent = candidate.certificate;
    if (!isSuitableParent(child.certificate, parent, top, context.profile)) continue;
    // mbedTLS stores max_pathlen as pathLenConstraint + 1 (0 = unlimited).
    const maxPathlen = parent.basicConstraints?.pathLength === undefined ? 0 : parent.basicConstraints.pathLength + 1;
    if (maxPathlen > 0 && maxPathlen < 1 + pathCount - selfIssued) continue;
    const signatureGood = signatureVerifies(child.certificate, parent, context);
    if (top && !signatureGood) continue;
    if (context.profile.checksDates && !isTimeValid(parent, context.now)) {
      fallback ??= { candidate, signatureGood };
      continue;
    }
    return { candidate, signatureGood };
  }
  return fallback;
}

/** x509_crt_check_parent: issuer = subject, CA bit (not needed for a v1/v2 trusted root), keyCertSign on 3.x. */
function isSuitableParent(child: ParsedCertificate, parent: ParsedCertificate, top: boolean, profile: TlsVerificationProfile): boolean {
  if (!namesEqual(child.issuer, parent.subject)) return false;
  const needCaBit = !(top && parent.version < 3);
  if (!needCaBit) return true;
  if (parent.basicConstraints?.ca !== true) return false;
  if (profile.mbedtlsMajor === 3 && parent.keyUsage !== undefined && !parent.keyUsage.keyCertSign) return false;
  return true;
}

function isTimeValid(certificate: ParsedCertificate, now: Date): boolean {
  return certificate.notAfter.getTime() >= now.getTime() && certificate.notBefore.getTime() <= now.getTime();
}

/** x509_crt_check_ee_locally_trusted: self-issued and byte-identical to a trusted certificate. */
function isLocallyTrustedEndEntity(certificate: ParsedCertificate, trusted: readonly Candidate[]): boolean {
  if (!namesEqual(certificate.issuer, certificate.subject)) return false;
  return trusted.some((candidate) => Buffer.from(candidate.certificate.der).equals(certificate.der));
}

const NODE_HASH: Readonly<Record<string, string>> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** x509_crt_check_signature: the key type must fit the signature family, then the signature must verify. */
function signatureVerifies(child: ParsedCertificate, parent: ParsedCertificate, context: WalkContext): boolean {
  const { family, hash } = child.signatureAlgorithm;
  if (family === undefined || hash === undefined) return false;
  if ((family === 'RSA' && parent.publicKey.type !== 'RSA') || (family === 'ECDSA' && parent.publicKey.type !== 'EC')) return false;
  let key = context.keyCache.get(parent);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.from(parent.publicKey.spki), format: 'der', type: 'spki' });
    } catch {
      key = null;
    }
    context.keyCache.set(parent, key);
  }
  if (key === null) return false;
  try {
    return verifySignature(NODE_HASH[hash]!, child.tbs, key, child.signature);
  } catch {
    return false;
  }
}

/** x509_profile_check_key: RSA ≥ rsa_min_bitlen, EC on an allowed curve. Undefined = acceptable. */
function keyProblem(key: PublicKeyInfo, profile: TlsVerificationProfile): string | undefined {
  if (key.type === 'RSA') {
    return key.bits >= profile.rsaMinBits ? undefined : `RSA ${key.bits} bits (mbedTLS's default profile needs at least ${profile.rsaMinBits})`;
  }
  if (key.type === 'EC') {
    if (key.curve !== undefined && profile.allowedCurves.includes(key.curve)) return undefined;
    return `${describePublicKey(key)}, a curve mbedTLS ${profile.mbedtlsVersion}'s default profile does not accept (${profile.allowedCurves.join(', ')})`;
  }
  return describePublicKey(key);
}

/** x509_name_cmp: same attributes in the same order, same RDN grouping, values equal by x509_string_cmp. */
export function namesEqual(a: DistinguishedName, b: DistinguishedName): boolean {
  if (a.attributes.length !== b.attributes.length) return false;
  return a.attributes.every((left, index) => {
    const right = b.attributes[index]!;
    return left.oid === right.oid && left.mergedWithNext === right.mergedWithNext && stringsEqual(left.tag, left.value, right.tag, right.value);
  });
}

const CASE_FOLDED_TAGS: readonly number[] = [STRING_TAG.UTF8_STRING, STRING_TAG.PRINTABLE_STRING];

/** x509_string_cmp: byte-equal with the same tag, or ASCII-case-insensitive between UTF8String and PrintableString. */
function stringsEqual(tagA: number, a: Uint8Array, tagB: number, b: Uint8Array): boolean {
  if (tagA === tagB && Buffer.from(a).equals(b)) return true;
  return CASE_FOLDED_TAGS.includes(tagA) && CASE_FOLDED_TAGS.includes(tagB) && a.length === b.length && bytesEqualIgnoringCase(a, b);
}

/** x509_memcasecmp: bytes differing only in ASCII letter case are equal. */
function bytesEqualIgnoringCase(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const difference = x ^ b[i]!;
    if (difference === 0) continue;
    const isLetter = (x >= 0x41 && x <= 0x5a) || (x >= 0x61 && x <= 0x7a);
    if (difference === 0x20 && isLetter) continue;
    return false;
  }
  return true;
}

/**
 * x509_crt_verify_name: with a subjectAltName extension only its entries count (dNSName always;
 * iPAddress, and URI by exact match, from mbedTLS 3.5 on); without one, each CN of the subject.
 * Modelled beyond the facts from mbedTLS's x509_crt_check_cn / x509_check_wildcard: exact
 * ASCII-case-insensitive match, or a name `*.rest` matching a hostname whose part from its first
 * dot equals `.rest` — one label only, no partial-label wildcards, no public-suffix rule.
 */
function checkName(leaf: ParsedCertificate, hostname: string, profile: TlsVerificationProfile, reasons: FlagReason[]): void {
  const host = new Uint8Array(Buffer.from(hostname, 'utf8'));
  const sans = leaf.subjectAltNames;
  if (sans !== undefined) {
    if (sans.some((name) => name.type === 'dns' && cnMatches(new Uint8Array(Buffer.from(name.value, 'latin1')), host))) return;
    const address = ipBytes(hostname);
    const ipSans = sans.filter((name) => name.type === 'ip');
    if (profile.ipSanMatch) {
      if (address !== undefined && ipSans.some((name) => Buffer.from(name.bytes).equals(address))) return;
      if (sans.some((name) => name.type === 'uri' && name.value === hostname)) return;
    }
    const wouldMatchIp = !profile.ipSanMatch && address !== undefined && ipSans.some((name) => Buffer.from(name.bytes).equals(address));
    reasons.push({
      flag: 'BADCERT_CN_MISMATCH',
      detail:
        `server_hostname '${hostname}' matches none of its subjectAltNames (${describeSubjectAltNames(sans)})` +
        (wouldMatchIp ? `; the IP SAN would match, but mbedTLS ${profile.mbedtlsVersion} matches DNS names only (IP SANs need ≥ 3.5.1, MicroPython ≥ v1.23)` : ''),
    });
    return;
  }
  const commonNames = leaf.subject.attributes.filter((attribute) => attribute.oid === '2.5.4.3');
  if (commonNames.some((attribute) => cnMatches(attribute.value, host))) return;
  reasons.push({
    flag: 'BADCERT_CN_MISMATCH',
    detail: `server_hostname '${hostname}' does not match its subject CN (${leaf.subject.commonName ?? 'none'}) and it has no subjectAltName`,
  });
}

function cnMatches(name: Uint8Array, host: Uint8Array): boolean {
  if (name.length === host.length && bytesEqualIgnoringCase(name, host)) return true;
  if (name.length < 3 || name[0] !== 0x2a || name[1] !== 0x2e) return false;
  const firstDot = host.indexOf(0x2e);
  if (firstDot <= 0) return false;
  return bytesEqualIgnoringCase(name.subarray(1), host.subarray(firstDot));
}

/** mbedtls_x509_crt_parse_cn_inet_pton: 4 bytes for dotted IPv4 (no leading zeros), 16 for IPv6, else undefined. */
export function ipBytes(text: string): Uint8Array | undefined {
  if (!text.includes(':')) {
    if (!isIPv4(text) || text.split('.').some((part) => part.length > 1 && part.startsWith('0'))) return undefined;
    return new Uint8Array(text.split('.').map(Number));
  }
  if (!isIPv6(text)) return undefined;
  let head = text;
  let tail = '';
  const doubleColon = text.indexOf('::');
  if (doubleColon >= 0) {
    head = text.slice(0, doubleColon);
    tail = text.slice(doubleColon + 2);
  }
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const result: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const octets = piece.split('.').map(Number);
        result.push(((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0));
      } else {
        result.push(parseInt(piece, 16));
      }
    }
    return result;
  };
  const first = groups(head);
  const last = groups(tail);
  const all = [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
  const bytes = new Uint8Array(16);
  all.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/**
 * mbedtls_ssl_check_cert_usage for a server certificate (mbedTLS 3.x): keyUsage must allow the
 * key exchange (digitalSignature for ECDHE-ECDSA/ECDHE-RSA, keyEncipherment for plain RSA key
 * exchange, which firmware without ECDHE-RSA uses with an RSA leaf); extendedKeyUsage must allow
 * serverAuth. Absent extensions allow everything. Modelled beyond the facts.
 */
function usageProblems(leaf: ParsedCertificate, profile: TlsVerificationProfile): FlagReason[] {
  const problems: FlagReason[] = [];
  const needsKeyEncipherment = leaf.publicKey.type === 'RSA' && !profile.ecdheRsa;
  if (leaf.keyUsage !== undefined) {
    const allowed = needsKeyEncipherment ? leaf.keyUsage.keyEncipherment : leaf.keyUsage.digitalSignature;
    if (!allowed) {
      problems.push({
        flag: 'BADCERT_KEY_USAGE',
        detail: needsKeyEncipherment
          ? `its keyUsage lacks keyEncipherment, needed for the RSA key exchange this firmware uses with an RSA key (no ECDHE-RSA)`
          : `its keyUsage lacks digitalSignature, needed for an ECDHE key exchange`,
      });
    }
  }
  if (leaf.extendedKeyUsage !== undefined && !leaf.extendedKeyUsage.includes(SERVER_AUTH) && !leaf.extendedKeyUsage.includes(ANY_EXTENDED_KEY_USAGE)) {
    problems.push({ flag: 'BADCERT_EXT_KEY_USAGE', detail: `its extendedKeyUsage (${leaf.extendedKeyUsage.join(', ')}) lacks serverAuth` });
  }
  return problems;
}

function usableCertificates(
  list: readonly Uint8Array[],
  source: 'chain' | 'trusted',
  profile: TlsVerificationProfile,
  unusable: UnusableCertificate[],
): Candidate[] {
  const result: Candidate[] = [];
  list.forEach((der, index) => {
    let certificate: ParsedCertificate;
    try {
      certificate = parseCertificate(der);
    } catch (error) {
      const detail = error instanceof DerError ? error.message : String(error);
      throw new ConfigError(`${source === 'chain' ? 'chain' : 'trusted'} certificate #${index} is not a DER X.509 certificate: ${detail}`, {
        ...(error instanceof DerError && error.offset !== undefined ? { offset: error.offset } : {}),
      });
    }
    const problem = parseProblem(certificate, profile);
    if (problem === undefined) result.push({ certificate, source, index, position: result.length });
    else unusable.push({ source, index, subject: certificate.subject.text, reason: problem });
  });
  return result;
}

/** Why mbedTLS in this firmware could not parse the certificate at all (undefined = it can). */
export function parseProblem(certificate: ParsedCertificate, profile: TlsVerificationProfile): string | undefined {
  if (certificate.signatureAlgorithm.family === undefined) {
    return `signature algorithm ${certificate.signatureAlgorithm.name} is not supported by MicroPython's mbedTLS build`;
  }
  const key = certificate.publicKey;
  if (key.type === 'other') return `public key type ${key.name} is not supported by mbedTLS`;
  if (key.type === 'EC' && (key.curve === undefined || !profile.compiledCurves.includes(key.curve))) {
    return `EC curve ${key.curve ?? key.curveOid} is not compiled into this firmware`;
  }
  if (certificate.unsupportedCriticalExtensions.length > 0) {
    return `critical extension(s) ${certificate.unsupportedCriticalExtensions.join(', ')} that mbedTLS does not parse`;
  }
  return undefined;
}

function addFlag(item: Item, reason: FlagReason): void {
  item.flags |= FLAG[reason.flag];
  item.reasons.push(reason);
}

function toVerdict(item: Item, position: number): CertificateVerdict {
  const certificate = item.candidate.certificate;
  const role: CertificateRole = position === 0 ? 'leaf' : item.trusted ? 'root' : 'intermediate';
  return {
    subject: certificate.subject.text,
    issuer: certificate.issuer.text,
    role,
    source: item.candidate.source,
    index: item.candidate.index,
    trusted: item.trusted,
    notBefore: iso(certificate.notBefore),
    notAfter: iso(certificate.notAfter),
    flags: item.flags,
    flagNames: flagNames(item.flags),
    reasons: item.reasons,
  };
}

function iso(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}
