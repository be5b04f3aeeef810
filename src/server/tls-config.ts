import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { ConfigError, UsageError } from '../errors.js';
import type { PeerCertificateSummary } from './records.js';
import { certificatePemBlocks } from '../pki/pem.js';

/** PEM text the server loads. Never logged; only the certificates' public summaries are. */
export interface TlsMaterial {
  /** The certificates the server sends: leaf first, then the intermediate(s). */
  readonly certChainPem: string;
  /** The leaf's private key (PKCS#8 or SEC1/PKCS#1 PEM). */
  readonly keyPem: string;
  /** mTLS: the CA certificate(s) a client certificate must chain to. */
  readonly clientCaPem?: string | undefined;
}

/**
 * TLS 1.3 suites, then the TLS 1.2 suites a Pico W's mbedTLS can negotiate (MicroPython's
 * `mbedtls_config_common.h`: key exchanges RSA, ECDHE-RSA, ECDHE-ECDSA; AES in GCM and CBC; no
 * ChaCha20, no CCM). The client's order decides (`honorCipherOrder: false`), so the record shows
 * what the board prefers.
 */
export const SERVER_CIPHERS: readonly string[] = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-SHA256',
  'ECDHE-RSA-AES128-SHA256',
  'ECDHE-ECDSA-AES256-SHA384',
  'ECDHE-RSA-AES256-SHA384',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-SHA256',
  'AES256-SHA256',
  'AES128-SHA',
  'AES256-SHA',
];

/** Key-exchange groups. mbedTLS on the board has no X25519, so it uses P-256/P-384/P-521. */
export const SERVER_ECDH_CURVES = 'X25519:P-256:P-384:P-521';

/**
 * OpenSSL 3 refuses, at its default security level 1, to serve a chain signed with SHA-1 or with
 * too small a key. The test sets `weak-hash` and `rsa-1024` exist to be served and then rejected
 * by the board, so `auto` drops to level 0 for exactly those errors.
 */
const WEAK_MATERIAL_ERRORS = new Set(['ERR_SSL_CA_MD_TOO_WEAK', 'ERR_SSL_EE_KEY_TOO_SMALL', 'ERR_SSL_CA_KEY_TOO_SMALL', 'ERR_SSL_KEY_TOO_SMALL']);
const DEFAULT_SECURITY_LEVEL = 1;

export type SecurityLevelChoice = 'auto' | 0 | 1 | 2;

export interface TlsServerSetup {
  readonly options: tls.TlsOptions;
  readonly securityLevel: number;
  readonly chain: readonly PeerCertificateSummary[];
}

export function summarizeCertificate(certificate: X509Certificate): PeerCertificateSummary {
  return {
    subject: certificate.subject.replace(/\n/g, ', '),
    issuer: certificate.issuer.replace(/\n/g, ', '),
    serialNumber: certificate.serialNumber,
    fingerprint256: certificate.fingerprint256,
    validFrom: new Date(certificate.validFrom).toISOString(),
    validTo: new Date(certificate.validTo).toISOString(),
  };
}

/** Every certificate in a PEM bundle, in order; a one-line ConfigError naming the bad block. */
export function parseCertificateChain(pem: string, what: string): X509Certificate[] {
  const blocks = certificatePemBlocks(pem);
  if (blocks.length === 0) throw new ConfigError(`${what}: no PEM certificate (-----BEGIN CERTIFICATE-----) found`);
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new ConfigError(`${what}: certificate ${index + 1} of ${blocks.length} does not parse (${(error as Error).message})`);
    }
  });
}

function withSecurityLevel(level: number): string {
  return `${SERVER_CIPHERS.join(':')}:@SECLEVEL=${level}`;
}

function optionsAt(material: TlsMaterial, mtls: boolean, level: number): tls.TlsOptions {
  return {
    cert: material.certChainPem,
    key: material.keyPem,
    ...(mtls ? { ca: material.clientCaPem, requestCert: true, rejectUnauthorized: true } : { requestCert: false, rejectUnauthorized: false }),
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ciphers: withSecurityLevel(level),
    ecdhCurve: SERVER_ECDH_CURVES,
    honorCipherOrder: false,
  };
}

/** Builds (and so validates) the secure context; the error names what is wrong, never the key. */
function tryContext(options: tls.TlsOptions): unknown {
  try {
    tls.createSecureContext(options);
    return undefined;
  } catch (error) {
    return error;
  }
}

/**
 * The tls.Server options for this material: TLS 1.2 and 1.3, the suites and curves a Pico W
 * negotiates, the full chain, and for mTLS a required, verified client certificate.
 */
export function tlsServerSetup(material: TlsMaterial, settings: { mtls: boolean; securityLevel: SecurityLevelChoice }): TlsServerSetup {
  if (settings.mtls && (material.clientCaPem === undefined || material.clientCaPem.trim() === '')) {
    throw new UsageError('mTLS needs the CA that issues client certificates (clientCaPem)');
  }
  const chain = parseCertificateChain(material.certChainPem, 'server certificate chain').map(summarizeCertificate);
  if (settings.mtls && material.clientCaPem !== undefined) parseCertificateChain(material.clientCaPem, 'client CA');
  const first = settings.securityLevel === 'auto' ? DEFAULT_SECURITY_LEVEL : settings.securityLevel;
  const failure = tryContext(optionsAt(material, settings.mtls, first));
  if (failure === undefined) return { options: optionsAt(material, settings.mtls, first), securityLevel: first, chain };
  const code = (failure as { code?: unknown }).code;
  if (settings.securityLevel === 'auto' && typeof code === 'string' && WEAK_MATERIAL_ERRORS.has(code)) {
    const retry = tryContext(optionsAt(material, settings.mtls, 0));
    if (retry === undefined) return { options: optionsAt(material, settings.mtls, 0), securityLevel: 0, chain };
  }
  const reason = failure instanceof Error ? failure.message : String(failure);
  throw new ConfigError(`TLS certificate or key rejected by OpenSSL: ${reason}${typeof code === 'string' ? ` (${code})` : ''}`);
}
