import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../errors.js';
import { decodePemCertificates, looksLikePem, parseCertificate } from './certificate.js';
import { DerError, outerElement } from './der-checks.js';
import { tlsProfile } from './profiles.js';
import { parseProblem } from './verify.js';

export interface SplitCertificates {
  readonly format: 'PEM' | 'DER';
  /** DER of each certificate: every CERTIFICATE block of a PEM text, or the first element of DER data. */
  readonly certificates: Uint8Array[];
  /** DER only: bytes after the first certificate. */
  readonly trailingBytes: number;
}

/** Splits PEM or DER bytes into certificates, the way MicroPython tells them apart ("-----BEGIN " → PEM). */
export function splitCertificates(bytes: Uint8Array): SplitCertificates {
  if (looksLikePem(bytes)) {
    return { format: 'PEM', certificates: decodePemCertificates(Buffer.from(bytes).toString('latin1')), trailingBytes: 0 };
  }
  const first = outerElement(bytes);
  return { format: 'DER', certificates: [bytes.subarray(0, first.end)], trailingBytes: bytes.length - first.end };
}

/** Reads a certificate file for inspection; a file with no certificate, or bad DER, is a one-line ConfigError naming it. */
export async function readCertificateFile(file: string): Promise<SplitCertificates> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { file });
  }
  try {
    const split = splitCertificates(bytes);
    if (split.certificates.length === 0) throw new ConfigError(`${file}: no CERTIFICATE block in this PEM file`, { file });
    if (split.trailingBytes > 0) throw new DerError(`${split.trailingBytes} bytes after the certificate`, bytes.length - split.trailingBytes);
    split.certificates.forEach((der, index) => {
      try {
        parseCertificate(der);
      } catch (error) {
        if (error instanceof DerError) throw new DerError(`certificate #${index}: ${error.reason}`, error.offset);
        throw error;
      }
    });
    return split;
  } catch (error) {
    if (error instanceof DerError) {
      throw new ConfigError(`${file}: not a PEM or DER certificate: ${error.message}`, { file, ...(error.offset === undefined ? {} : { offset: error.offset }) });
    }
    throw error;
  }
}

export type CadataResult = { readonly certificates: Uint8Array[] } | { readonly error: 'invalid cert'; readonly reason: string };

/**
 * What `load_verify_locations(cadata=…)` / `wrap_socket(cadata=…)` makes of the bytes on this
 * firmware: the trusted certificates, or the reason mbedtls_x509_crt_parse fails (the board then
 * raises ValueError('invalid cert'), facts §5). PEM: every CERTIFICATE block must parse. DER: one
 * certificate; trailing bytes are rejected from v1.23 on (facts §5: mbedTLS ≥ 3.5) and ignored
 * before (mbedTLS 2.x parses the first element — from its source, beyond the facts).
 */
export function parseCadata(bytes: Uint8Array, profile: string): CadataResult {
  const tls = tlsProfile(profile);
  let split: SplitCertificates;
  try {
    split = splitCertificates(bytes);
  } catch (error) {
    return { error: 'invalid cert', reason: `not PEM and not DER (${error instanceof Error ? error.message : String(error)})` };
  }
  if (split.certificates.length === 0) return { error: 'invalid cert', reason: 'PEM data without a CERTIFICATE block' };
  if (split.trailingBytes > 0 && tls.mbedtlsMajor === 3) {
    return { error: 'invalid cert', reason: `${split.trailingBytes} bytes after the DER certificate (mbedTLS ${tls.mbedtlsVersion} allows one certificate per DER blob)` };
  }
  for (const [index, der] of split.certificates.entries()) {
    try {
      const problem = parseProblem(parseCertificate(der), tls);
      if (problem !== undefined) return { error: 'invalid cert', reason: `certificate #${index}: ${problem}` };
    } catch (error) {
      return { error: 'invalid cert', reason: `certificate #${index}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return { certificates: split.certificates };
}
