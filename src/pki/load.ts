import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { fingerprintSha256 } from './certificate-summary.js';
import { readIfExists } from './files.js';
import { keyMatchesSpki, parsePrivateKeyPem } from './keys.js';
import { SET_FILES } from './layout.js';
import { CertificateSetManifestSchema, parseManifest, type CertificateSetManifest } from './manifest.js';
import { findCertificateSet, type CertificateSetName } from './sets.js';
import { certificateDer, certificatePemBlocks, parseCertificatePem } from './stored-pair.js';
import { x509 } from './x509.js';

/** A set read back from disk: everything a TLS server, a board or the verification model needs. */
export interface CertificateSet {
  readonly name: CertificateSetName;
  readonly dir: string;
  readonly manifest: CertificateSetManifest;
  /** The name the board passes as `server_hostname`. */
  readonly serverHostname: string;
  /** What the server sends: leaf, then intermediate (the leaf alone for self-signed-leaf). */
  readonly chainPem: string;
  /** The same chain as DER, leaf first: the verification model's input. */
  readonly chainDer: readonly Uint8Array[];
  readonly leafPem: string;
  readonly leafDer: Uint8Array;
  /** The server key, PKCS#8 PEM. */
  readonly leafKeyPem: string;
  /** The trust anchor the board loads (`cadata=`): the shared root. */
  readonly caPem: string;
  readonly caDer: Uint8Array;
  /** The root at the top of this set's chain; undefined for self-signed-leaf. */
  readonly rootPem: string | undefined;
  readonly rootDer: Uint8Array | undefined;
  readonly intermediatePem: string | undefined;
  readonly intermediateDer: Uint8Array | undefined;
  /** Mutual TLS: the client certificate (issued by the shared intermediate), its PKCS#8 key, and client + intermediate. */
  readonly clientCertPem: string;
  readonly clientCertDer: Uint8Array;
  readonly clientKeyPem: string;
  readonly clientChainPem: string;
}

async function readRequired(dir: string, file: string): Promise<string> {
  const path = join(dir, file);
  const bytes = await readIfExists(path);
  if (bytes === undefined) throw new ConfigError(`${path}: missing; run picow-harness certs --out ${dirname(dir)} to (re)create the set`, { file: path });
  return bytes.toString('utf8');
}

/** A certificate file that must parse and match the manifest's fingerprint. */
async function readCertificate(dir: string, file: string, expectedSha256: string): Promise<{ pem: string; der: Uint8Array }> {
  const pem = await readRequired(dir, file);
  const path = join(dir, file);
  const der = certificateDer(parseCertificatePem(pem, path));
  const sha256 = fingerprintSha256(der);
  if (sha256 !== expectedSha256) {
    throw new ConfigError(`${path}: SHA-256 ${sha256} is not the ${expectedSha256} that ${join(dir, SET_FILES.manifest)} lists; regenerate the set`, { file: path });
  }
  return { pem, der };
}

async function readKey(dir: string, file: string, certificateDerBytes: Uint8Array, certificateFile: string): Promise<string> {
  const pem = await readRequired(dir, file);
  const path = join(dir, file);
  let key;
  try {
    key = parsePrivateKeyPem(pem);
  } catch (error) {
    throw new ConfigError(`${path}: not a valid private key (${(error as Error).message})`, { file: path });
  }
  const spki = new Uint8Array(new x509.X509Certificate(certificateDerBytes).publicKey.rawData);
  if (!keyMatchesSpki(key, spki)) throw new ConfigError(`${path}: not the key of ${join(dir, certificateFile)}`, { file: path });
  return pem;
}

function chainDerOf(dir: string, file: string, pem: string, expected: readonly Uint8Array[]): Uint8Array[] {
  const path = join(dir, file);
  const blocks = certificatePemBlocks(pem);
  let ders: Uint8Array[];
  try {
    ders = blocks.map((block) => new Uint8Array(new x509.X509Certificate(block).rawData));
  } catch (error) {
    throw new ConfigError(`${path}: a certificate does not parse (${(error as Error).message})`, { file: path });
  }
  const same = ders.length === expected.length && ders.every((der, index) => Buffer.from(der).equals(expected[index] as Uint8Array));
  if (!same) throw new ConfigError(`${path}: does not hold the set's certificates in order (${expected.length} expected, ${ders.length} found); regenerate the set`, { file: path });
  return ders;
}

/**
 * Read the set `setName` under `baseDir` (the CLI's default is `certs`). Every file is checked: it exists, parses,
 * matches the manifest's fingerprint, and each key is its certificate's. Anything missing or
 * corrupt is a ConfigError naming the file; an unknown set name is a UsageError listing the sets.
 */
export async function loadCertificateSet(baseDir: string, setName: string): Promise<CertificateSet> {
  const spec = findCertificateSet(setName);
  const dir = join(baseDir, spec.name);
  const manifestPath = join(dir, SET_FILES.manifest);
  const manifest = parseManifest(CertificateSetManifestSchema, await readRequired(dir, SET_FILES.manifest), manifestPath);
  if (manifest.name !== spec.name) throw new ConfigError(`${manifestPath}: describes set ${manifest.name}, not ${spec.name}`, { file: manifestPath, path: 'name' });
  const { certificates } = manifest;

  const ca = await readCertificate(dir, SET_FILES.ca.pem, certificates.ca.sha256);
  const leaf = await readCertificate(dir, SET_FILES.leaf.pem, certificates.leaf.sha256);
  const root = certificates.root === null ? undefined : await readCertificate(dir, SET_FILES.root.pem, certificates.root.sha256);
  const intermediate = certificates.intermediate === null ? undefined : await readCertificate(dir, SET_FILES.intermediate.pem, certificates.intermediate.sha256);
  const client = await readCertificate(dir, SET_FILES.client.pem, certificates.client.sha256);
  const caDerFile = await readIfExists(join(dir, SET_FILES.ca.der));
  if (caDerFile === undefined || !caDerFile.equals(ca.der)) {
    const path = join(dir, SET_FILES.ca.der);
    throw new ConfigError(`${path}: ${caDerFile === undefined ? 'missing' : `not the DER of ${SET_FILES.ca.pem}`}; regenerate the set`, { file: path });
  }

  const leafKeyPem = await readKey(dir, SET_FILES.leafKey.pkcs8Pem, leaf.der, SET_FILES.leaf.pem);
  const clientKeyPem = await readKey(dir, SET_FILES.clientKey.pkcs8Pem, client.der, SET_FILES.client.pem);
  const chainPem = await readRequired(dir, SET_FILES.chain);
  const chainDer = chainDerOf(dir, SET_FILES.chain, chainPem, intermediate === undefined ? [leaf.der] : [leaf.der, intermediate.der]);
  const clientChainPem = await readRequired(dir, SET_FILES.clientChain);
  const clientChainBlocks = certificatePemBlocks(clientChainPem);
  if (clientChainBlocks.length !== 2 || !Buffer.from(new x509.X509Certificate(clientChainBlocks[0] as string).rawData).equals(client.der)) {
    const path = join(dir, SET_FILES.clientChain);
    throw new ConfigError(`${path}: expected the client certificate, then the shared intermediate; regenerate the set`, { file: path });
  }

  return {
    name: spec.name,
    dir,
    manifest,
    serverHostname: manifest.serverHostname,
    chainPem,
    chainDer,
    leafPem: leaf.pem,
    leafDer: leaf.der,
    leafKeyPem,
    caPem: ca.pem,
    caDer: ca.der,
    rootPem: root?.pem,
    rootDer: root?.der,
    intermediatePem: intermediate?.pem,
    intermediateDer: intermediate?.der,
    clientCertPem: client.pem,
    clientCertDer: client.der,
    clientKeyPem,
    clientChainPem,
  };
}
