import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { nodeWebCrypto } from './x509.js';

export { DEFAULT_KEY, KEY_CHOICES, parseKeyChoice, type KeyAlgorithm, type KeyChoice, type SignatureHash } from './key-choices.js';
import type { KeyAlgorithm, SignatureHash } from './key-choices.js';

const generate = promisify(generateKeyPair);

export async function generatePrivateKey(algorithm: KeyAlgorithm): Promise<KeyObject> {
  switch (algorithm) {
    case 'ec-p256':
      return (await generate('ec', { namedCurve: 'P-256' })).privateKey;
    case 'ec-p384':
      return (await generate('ec', { namedCurve: 'P-384' })).privateKey;
    case 'rsa-2048':
      return (await generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 })).privateKey;
    case 'rsa-1024':
      return (await generate('rsa', { modulusLength: 1024, publicExponent: 0x10001 })).privateKey;
  }
}

/** The algorithm of a key (private or public), or a description of what it is when it is none of ours. */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm | string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1') return 'ec-p256';
    if (details.namedCurve === 'secp384r1') return 'ec-p384';
    return `ec-${details.namedCurve ?? 'unknown-curve'}`;
  }
  if (key.asymmetricKeyType === 'rsa') {
    if (details.modulusLength === 2048) return 'rsa-2048';
    if (details.modulusLength === 1024) return 'rsa-1024';
    return `rsa-${details.modulusLength ?? 'unknown'}`;
  }
  return key.asymmetricKeyType ?? key.type;
}

export function isEcAlgorithm(algorithm: KeyAlgorithm): boolean {
  return algorithm === 'ec-p256' || algorithm === 'ec-p384';
}

/** The hash a CA with this key signs with: SHA-384 for P-384 (matching strength), else SHA-256. */
export function defaultHashFor(algorithm: KeyAlgorithm): SignatureHash {
  return algorithm === 'ec-p384' ? 'SHA-384' : 'SHA-256';
}

/** The SubjectPublicKeyInfo (DER) of a private key. */
export function spkiOf(privateKey: KeyObject): Buffer {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
}

/**
 * The WebCrypto signing key @peculiar/x509 needs. RSA keys carry their hash in WebCrypto, so the
 * key is imported once per hash (that is how the weak-hash set gets sha1WithRSAEncryption).
 */
export async function signingKeyFor(privateKey: KeyObject, hash: SignatureHash): Promise<{ key: CryptoKeyLike; algorithm: { name: string; hash: SignatureHash } }> {
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  const algorithm = keyAlgorithmOf(privateKey);
  if (privateKey.asymmetricKeyType === 'ec') {
    const namedCurve = algorithm === 'ec-p384' ? 'P-384' : 'P-256';
    const key = await nodeWebCrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve }, false, ['sign']);
    return { key, algorithm: { name: 'ECDSA', hash } };
  }
  const key = await nodeWebCrypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['sign']);
  return { key, algorithm: { name: 'RSASSA-PKCS1-v1_5', hash } };
}

/** WebCrypto's CryptoKey as @peculiar/x509 types it (no DOM lib here). */
export type CryptoKeyLike = Awaited<ReturnType<typeof nodeWebCrypto.subtle.importKey>>;

/** The encodings written for a private key. SEC1 exists for EC keys only. */
export interface EncodedPrivateKey {
  readonly pkcs8Pem: string;
  readonly pkcs8Der: Buffer;
  readonly sec1Pem: string | undefined;
  readonly sec1Der: Buffer | undefined;
}

export function encodePrivateKey(privateKey: KeyObject): EncodedPrivateKey {
  const ec = privateKey.asymmetricKeyType === 'ec';
  return {
    pkcs8Pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    pkcs8Der: privateKey.export({ type: 'pkcs8', format: 'der' }),
    sec1Pem: ec ? (privateKey.export({ type: 'sec1', format: 'pem' }) as string) : undefined,
    sec1Der: ec ? privateKey.export({ type: 'sec1', format: 'der' }) : undefined,
  };
}

/** A private key from PEM (PKCS#8, SEC1 or PKCS#1); throws Node's error when it is not one. */
export function parsePrivateKeyPem(pem: string): KeyObject {
  const key = createPrivateKey({ key: pem, format: 'pem' });
  if (key.type !== 'private') throw new Error('not a private key');
  return key;
}

/** Whether a private key and a certificate's public key (SPKI DER) belong together. */
export function keyMatchesSpki(privateKey: KeyObject, spki: Uint8Array): boolean {
  return spkiOf(privateKey).equals(spki);
}
