// @peculiar/x509 needs the Reflect metadata polyfill before it loads.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPublicKey, generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';

/** Builds certificates for the verification-model tests: any dates, keys, hashes, names and extensions. */

type WebCrypto = Parameters<typeof x509.X509CertificateGenerator.create>[1];
type SigningKey = x509.X509CertificateCreateWithKeyParams['signingKey'];
const crypto = webcrypto as unknown as NonNullable<WebCrypto>;
x509.cryptoProvider.set(crypto);

export { x509 };

export type KeyKind = 'P-256' | 'P-384' | 'secp256k1' | 'brainpoolP256r1' | 'ed25519' | 'rsa-1024' | 'rsa-2048';
export type Hash = 'SHA-1' | 'SHA-256' | 'SHA-384';

export const DAY = 24 * 60 * 60 * 1000;
export const COLD_BOOT = new Date(Date.UTC(2021, 0, 1));
export const PAST = new Date(Date.UTC(2020, 0, 1));
export const FAR = new Date(Date.UTC(2045, 0, 1));

const keyPool = new Map<string, KeyObject>();

/** A private key; the same `label` gives the same key (RSA generation is slow), a new label a new key. */
export function keyOf(kind: KeyKind, label = 'default'): KeyObject {
  const id = `${kind}/${label}`;
  let key = keyPool.get(id);
  if (key === undefined) {
    key = generate(kind);
    keyPool.set(id, key);
  }
  return key;
}

function generate(kind: KeyKind): KeyObject {
  switch (kind) {
    case 'P-256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    case 'P-384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    case 'secp256k1':
    case 'brainpoolP256r1':
      return generateKeyPairSync('ec', { namedCurve: kind }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey;
    case 'rsa-1024':
      return generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    case 'rsa-2048':
      return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  }
}

export interface Issued {
  readonly der: Uint8Array;
  readonly pem: string;
  readonly key: KeyObject;
  readonly subject: string;
}

export interface IssueOptions {
  /** `CN=…` (RFC 4514 text as @peculiar/x509 takes it). */
  readonly subject: string;
  readonly key: KeyObject;
  /** Absent: self-signed. */
  readonly signer?: Issued;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** basicConstraints cA; undefined = no basicConstraints extension. */
  readonly ca?: boolean;
  readonly pathLength?: number;
  readonly dns?: readonly string[];
  readonly ips?: readonly string[];
  readonly hash?: Hash;
  /** keyUsage bits (x509.KeyUsageFlags); null = no extension; default: keyCertSign|cRLSign for a CA, digitalSignature otherwise. */
  readonly keyUsage?: number | null;
  /** extendedKeyUsage OIDs; null = no extension (the default). */
  readonly extendedKeyUsage?: readonly string[] | null;
}

export async function issue(options: IssueOptions): Promise<Issued> {
  const signerKey = options.signer?.key ?? options.key;
  const hash = options.hash ?? 'SHA-256';
  const { key: signingKey, algorithm } = await webCryptoSigningKey(signerKey, hash);
  const extensions: x509.Extension[] = [];
  if (options.ca !== undefined) extensions.push(new x509.BasicConstraintsExtension(options.ca, options.pathLength, true));
  const usage = options.keyUsage === undefined ? (options.ca === true ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature) : options.keyUsage;
  if (usage !== null) extensions.push(new x509.KeyUsagesExtension(usage, true));
  if (options.extendedKeyUsage !== undefined && options.extendedKeyUsage !== null) extensions.push(new x509.ExtendedKeyUsageExtension([...options.extendedKeyUsage], false));
  const names = [...(options.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(options.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const certificate = await x509.X509CertificateGenerator.create(
    {
      subject: options.subject,
      issuer: options.signer?.subject ?? options.subject,
      notBefore: options.notBefore ?? PAST,
      notAfter: options.notAfter ?? FAR,
      publicKey: createPublicKey(options.key).export({ type: 'spki', format: 'der' }),
      signingKey,
      signingAlgorithm: algorithm,
      extensions,
    },
    crypto,
  );
  const der = new Uint8Array(certificate.rawData);
  return { der, pem: `${certificate.toString('pem').trimEnd()}\n`, key: options.key, subject: options.subject };
}

async function webCryptoSigningKey(key: KeyObject, hash: Hash): Promise<{ key: SigningKey; algorithm: { name: string; hash: Hash } }> {
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const ec = key.asymmetricKeyType === 'ec';
  const name = ec ? 'ECDSA' : 'RSASSA-PKCS1-v1_5';
  const parameters = ec ? { name, namedCurve: key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256' } : { name, hash };
  const imported = await webcrypto.subtle.importKey('pkcs8', pkcs8, parameters, false, ['sign']);
  return { key: imported as unknown as SigningKey, algorithm: { name, hash } };
}

export interface Pki {
  readonly root: Issued;
  readonly intermediate: Issued;
  readonly leaf: Issued;
  /** What the server sends: leaf, intermediate. */
  readonly chain: Uint8Array[];
  /** What the board loads as cadata: the root. */
  readonly trusted: Uint8Array[];
}

export interface PkiOptions {
  readonly rootKey?: KeyKind;
  readonly intermediateKey?: KeyKind;
  readonly leafKey?: KeyKind;
  readonly root?: Partial<IssueOptions>;
  readonly intermediate?: Partial<IssueOptions>;
  readonly leaf?: Partial<IssueOptions>;
  /** Key labels: a new label gives a new key (an unrelated CA). */
  readonly label?: string;
}

export const HOST = 'picow-harness.local';
export const ROOT_NAME = 'CN=picow-harness test root';
export const INTERMEDIATE_NAME = 'CN=picow-harness test intermediate';

/** root → intermediate → leaf, all valid from 2020 to 2045 unless overridden; leaf for picow-harness.local. */
export async function makePki(options: PkiOptions = {}): Promise<Pki> {
  const label = options.label ?? 'default';
  const root = await issue({ subject: ROOT_NAME, key: keyOf(options.rootKey ?? 'P-256', `root/${label}`), ca: true, ...options.root });
  const intermediate = await issue({
    subject: INTERMEDIATE_NAME,
    key: keyOf(options.intermediateKey ?? 'P-256', `intermediate/${label}`),
    signer: root,
    ca: true,
    pathLength: 0,
    ...options.intermediate,
  });
  const leaf = await issue({
    subject: `CN=${HOST}`,
    key: keyOf(options.leafKey ?? 'P-256', `leaf/${label}`),
    signer: intermediate,
    dns: [HOST],
    extendedKeyUsage: ['1.3.6.1.5.5.7.3.1'],
    ...options.leaf,
  });
  return { root, intermediate, leaf, chain: [leaf.der, intermediate.der], trusted: [root.der] };
}
