/**
 * Where everything lands under the output folder (default `certs/`):
 *
 *   _ca/            0700  the shared root, intermediate and client certificate, with their keys
 *   _untrusted-ca/  0700  the unrelated root and intermediate of the untrusted-ca set, with their keys
 *   <set>/          0700  one folder per set: certificates, the leaf and client keys, chain, manifest
 *
 * CA keys never leave `_ca/` and `_untrusted-ca/`; a set folder holds only what a server and a board
 * need. Private keys are 0600.
 */
export const DEFAULT_OUT_DIR = 'certs';
export const SHARED_CA_DIR = '_ca';
export const UNTRUSTED_CA_DIR = '_untrusted-ca';
export const MANIFEST_FILE = 'manifest.json';

/** A certificate stored as PEM and DER under one base name. */
export interface CertificateFiles {
  readonly pem: string;
  readonly der: string;
}

/** A private key as PKCS#8 PEM and DER, plus SEC1 PEM and DER when it is an EC key. */
export interface KeyFiles {
  readonly pkcs8Pem: string;
  readonly pkcs8Der: string;
  readonly sec1Pem: string;
  readonly sec1Der: string;
}

export function certificateFiles(base: string): CertificateFiles {
  return { pem: `${base}.pem`, der: `${base}.der` };
}

export function keyFiles(base: string): KeyFiles {
  return { pkcs8Pem: `${base}-key.pem`, pkcs8Der: `${base}-key.der`, sec1Pem: `${base}-key.sec1.pem`, sec1Der: `${base}-key.sec1.der` };
}

/** The files of a set folder. */
export const SET_FILES = {
  /** The trust anchor the board loads (`cadata=`): the shared root in every set. */
  ca: certificateFiles('ca'),
  /** The root at the top of this set's chain (the unrelated one in untrusted-ca; absent in self-signed-leaf). */
  root: certificateFiles('root'),
  intermediate: certificateFiles('intermediate'),
  leaf: certificateFiles('leaf'),
  leafKey: keyFiles('leaf'),
  client: certificateFiles('client'),
  clientKey: keyFiles('client'),
  /** What the server sends: leaf, then intermediate (leaf only for self-signed-leaf). */
  chain: 'chain.pem',
  /** What a client sends for mutual TLS: client certificate, then the shared intermediate. */
  clientChain: 'client-chain.pem',
  manifest: MANIFEST_FILE,
} as const;
