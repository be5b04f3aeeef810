import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { encodePrivateKey, keyMatchesSpki, parsePrivateKeyPem } from './keys.js';
import type { IssuedCertificate } from './issue.js';
import { certificateFiles, keyFiles, type CertificateFiles, type KeyFiles } from './layout.js';
import { KEY_FILE_MODE, PUBLIC_FILE_MODE, readIfExists, removeIfExists, writeFileIfChanged } from './files.js';
import { x509 } from './x509.js';
import { certificatePemBlocks } from './pem.js';

/** A certificate file parsed, or a ConfigError naming the file. */
export function parseCertificatePem(text: string, file: string): x509.X509Certificate {
  const blocks = certificatePemBlocks(text);
  if (blocks.length !== 1) throw new ConfigError(`${file}: expected one PEM certificate, found ${blocks.length}`, { file });
  try {
    return new x509.X509Certificate(blocks[0] as string);
  } catch (error) {
    throw new ConfigError(`${file}: not a valid certificate (${(error as Error).message})`, { file });
  }
}

export { certificatePemBlocks };

/** Every certificate of a PEM text (a chain or a bundle) as DER, in order. */
export function pemToDerCertificates(text: string): Uint8Array[] {
  return certificatePemBlocks(text).map((block) => new Uint8Array(new x509.X509Certificate(block).rawData));
}

/** One certificate's PEM, `\n` line ends and a final newline. */
export function certificatePem(certificate: x509.X509Certificate): string {
  return `${certificate.toString('pem').replace(/\r\n/g, '\n').trimEnd()}\n`;
}

export function certificateDer(certificate: x509.X509Certificate): Uint8Array {
  return new Uint8Array(certificate.rawData);
}

/**
 * A certificate and its key stored under `base` in `dir` (`base.pem`, `base-key.pem`): undefined when
 * neither exists; a ConfigError naming the file when only one exists, a file does not parse, or the
 * key is not the certificate's. The PEM files are the originals; DER and SEC1 files are derived.
 */
export async function readStoredPair(dir: string, base: string): Promise<IssuedCertificate | undefined> {
  const certificatePath = join(dir, certificateFiles(base).pem);
  const keyPath = join(dir, keyFiles(base).pkcs8Pem);
  const [certificateText, keyText] = await Promise.all([readIfExists(certificatePath), readIfExists(keyPath)]);
  if (certificateText === undefined && keyText === undefined) return undefined;
  if (certificateText === undefined) throw new ConfigError(`${certificatePath}: missing, but its key ${keyPath} exists; restore it or rerun with --force`, { file: certificatePath });
  if (keyText === undefined) throw new ConfigError(`${keyPath}: missing, but its certificate ${certificatePath} exists; restore it or rerun with --force`, { file: keyPath });
  const certificate = parseCertificatePem(certificateText.toString('utf8'), certificatePath);
  let privateKey;
  try {
    privateKey = parsePrivateKeyPem(keyText.toString('utf8'));
  } catch (error) {
    throw new ConfigError(`${keyPath}: not a valid private key (${(error as Error).message})`, { file: keyPath });
  }
  if (!keyMatchesSpki(privateKey, new Uint8Array(certificate.publicKey.rawData))) {
    throw new ConfigError(`${keyPath}: not the key of ${certificatePath}; restore the pair or rerun with --force`, { file: keyPath });
  }
  return { certificate, privateKey };
}

/** Write a certificate (PEM, DER; 0644) and its key (PKCS#8 PEM/DER, SEC1 PEM/DER for EC; 0600). */
export async function writeStoredPair(dir: string, base: string, pair: IssuedCertificate): Promise<{ certificate: CertificateFiles; key: KeyFiles }> {
  const certificate = certificateFiles(base);
  const key = keyFiles(base);
  await writeCertificate(dir, base, pair.certificate);
  await writeKey(dir, key, pair);
  return { certificate, key };
}

export async function writeCertificate(dir: string, base: string, certificate: x509.X509Certificate): Promise<CertificateFiles> {
  const files = certificateFiles(base);
  await writeFileIfChanged(join(dir, files.pem), certificatePem(certificate), PUBLIC_FILE_MODE);
  await writeFileIfChanged(join(dir, files.der), certificateDer(certificate), PUBLIC_FILE_MODE);
  return files;
}

async function writeKey(dir: string, files: KeyFiles, pair: IssuedCertificate): Promise<void> {
  const encoded = encodePrivateKey(pair.privateKey);
  await writeFileIfChanged(join(dir, files.pkcs8Pem), encoded.pkcs8Pem, KEY_FILE_MODE);
  await writeFileIfChanged(join(dir, files.pkcs8Der), encoded.pkcs8Der, KEY_FILE_MODE);
  if (encoded.sec1Pem !== undefined && encoded.sec1Der !== undefined) {
    await writeFileIfChanged(join(dir, files.sec1Pem), encoded.sec1Pem, KEY_FILE_MODE);
    await writeFileIfChanged(join(dir, files.sec1Der), encoded.sec1Der, KEY_FILE_MODE);
  } else {
    await removeIfExists(join(dir, files.sec1Pem));
    await removeIfExists(join(dir, files.sec1Der));
  }
}

/** The key file names a pair has, for the manifest (no SEC1 for RSA). */
export function keyFileNames(base: string, isEc: boolean): Partial<KeyFiles> & Pick<KeyFiles, 'pkcs8Pem' | 'pkcs8Der'> {
  const files = keyFiles(base);
  return isEc ? files : { pkcs8Pem: files.pkcs8Pem, pkcs8Der: files.pkcs8Der };
}
