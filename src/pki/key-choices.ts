import { UsageError } from '../errors.js';

/** The key types `--key` offers. ECDSA P-256 is the default: what mbedTLS on a Pico W handles fastest. */
export const KEY_CHOICES = ['ec-p256', 'ec-p384', 'rsa-2048'] as const;
export type KeyChoice = (typeof KEY_CHOICES)[number];
export const DEFAULT_KEY: KeyChoice = 'ec-p256';

/** Every key type the sets use: the choices plus the deliberately weak RSA-1024 leaf. */
export type KeyAlgorithm = KeyChoice | 'rsa-1024';

/** The hash a certificate signature uses; SHA-1 only for the weak-hash set. */
export type SignatureHash = 'SHA-1' | 'SHA-256' | 'SHA-384';

export function parseKeyChoice(value: string, option = '--key'): KeyChoice {
  const found = KEY_CHOICES.find((choice) => choice === value);
  if (found === undefined) throw new UsageError(`${option}: expected ${KEY_CHOICES.join(', ')}; got ${JSON.stringify(value)}`);
  return found;
}
