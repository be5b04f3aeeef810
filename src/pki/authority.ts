import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { generatePrivateKey, type KeyAlgorithm } from './keys.js';
import { issueCertificate, type IssuedCertificate } from './issue.js';
import { CA_NOT_BEFORE, INTERMEDIATE_NOT_AFTER, ROOT_NOT_AFTER, BACKDATED_LEAF_NOT_AFTER, BACKDATED_LEAF_NOT_BEFORE } from './sets.js';
import { readStoredPair } from './stored-pair.js';
import type { x509 } from './x509.js';

/**
 * A root and the intermediate it issued; the shared authority also issues the client certificate
 * for mutual TLS. Every set except untrusted-ca and self-signed-leaf chains to the shared root, so a
 * board loads one `ca.der` for all of them.
 */
export interface Authority {
  readonly kind: 'shared' | 'untrusted';
  readonly root: IssuedCertificate;
  readonly intermediate: IssuedCertificate;
  readonly client: IssuedCertificate | undefined;
}

const ORGANISATION = 'picow-harness';

export const AUTHORITY_SUBJECTS = {
  shared: {
    root: `CN=picow-harness test root CA, O=${ORGANISATION}`,
    intermediate: `CN=picow-harness test intermediate CA, O=${ORGANISATION}`,
    client: `CN=picow-harness client, O=${ORGANISATION}`,
  },
  // Different names as well as different keys: the board cannot even find a candidate parent.
  untrusted: {
    root: `CN=picow-harness untrusted root CA, O=${ORGANISATION} untrusted`,
    intermediate: `CN=picow-harness untrusted intermediate CA, O=${ORGANISATION} untrusted`,
  },
} as const;

export function leafSubject(dnsName: string): string {
  return `CN=${dnsName}, O=${ORGANISATION}`;
}

/** Whether `child` was issued by the CA `issuer`: names, key identifiers and usage match, and the signature verifies. */
export function isIssuedBy(child: IssuedCertificate, issuer: IssuedCertificate): boolean {
  const childCertificate = new NodeX509Certificate(new Uint8Array(child.certificate.rawData));
  const issuerCertificate = new NodeX509Certificate(new Uint8Array(issuer.certificate.rawData));
  return childCertificate.checkIssued(issuerCertificate) && childCertificate.verify(issuerCertificate.publicKey);
}

/**
 * Whether a certificate names itself as issuer and its own key verifies its signature. (OpenSSL's
 * checkIssued would also want keyCertSign, which a self-signed *leaf* does not have.)
 */
export function isSelfSigned(certificate: x509.X509Certificate): boolean {
  const node = new NodeX509Certificate(new Uint8Array(certificate.rawData));
  return node.subject === node.issuer && node.verify(node.publicKey);
}

/** A new root (self-signed), intermediate and, for the shared authority, client certificate. */
export async function createAuthority(kind: 'shared' | 'untrusted', algorithm: KeyAlgorithm): Promise<Authority> {
  const [rootKey, intermediateKey, clientKey] = await Promise.all([
    generatePrivateKey(algorithm),
    generatePrivateKey(algorithm),
    kind === 'shared' ? generatePrivateKey(algorithm) : Promise.resolve(undefined),
  ]);
  const subjects = AUTHORITY_SUBJECTS[kind];
  const root = await issueCertificate({ role: 'root', subject: subjects.root, privateKey: rootKey, validity: { notBefore: CA_NOT_BEFORE, notAfter: ROOT_NOT_AFTER } });
  const intermediate = await issueCertificate({
    role: 'intermediate',
    subject: subjects.intermediate,
    privateKey: intermediateKey,
    validity: { notBefore: CA_NOT_BEFORE, notAfter: INTERMEDIATE_NOT_AFTER },
    signer: root,
  });
  const client =
    clientKey === undefined
      ? undefined
      : await issueCertificate({
          role: 'client',
          subject: AUTHORITY_SUBJECTS.shared.client,
          privateKey: clientKey,
          validity: { notBefore: BACKDATED_LEAF_NOT_BEFORE, notAfter: BACKDATED_LEAF_NOT_AFTER },
          signer: intermediate,
        });
  return { kind, root, intermediate, client };
}

/**
 * The authority stored in `dir`: undefined when none of its files exist; a ConfigError naming the
 * file when some are missing, do not parse, or do not chain (intermediate from root, client from
 * intermediate).
 */
export async function readAuthority(dir: string, kind: 'shared' | 'untrusted'): Promise<Authority | undefined> {
  const bases = kind === 'shared' ? ['root', 'intermediate', 'client'] : ['root', 'intermediate'];
  const pairs = await Promise.all(bases.map((base) => readStoredPair(dir, base)));
  const present = pairs.filter((pair) => pair !== undefined).length;
  if (present === 0) return undefined;
  const missing = bases.find((_, index) => pairs[index] === undefined);
  if (missing !== undefined) {
    const file = join(dir, `${missing}.pem`);
    throw new ConfigError(`${file}: missing while other files of ${dir} exist; restore it, or rerun with --force to regenerate everything`, { file });
  }
  const [root, intermediate, client] = pairs as IssuedCertificate[];
  if (root === undefined || intermediate === undefined) throw new Error('unreachable: pairs checked above');
  if (!isIssuedBy(intermediate, root)) {
    const file = join(dir, 'intermediate.pem');
    throw new ConfigError(`${file}: not issued by ${join(dir, 'root.pem')}; rerun with --force to regenerate everything`, { file });
  }
  if (client !== undefined && !isIssuedBy(client, intermediate)) {
    const file = join(dir, 'client.pem');
    throw new ConfigError(`${file}: not issued by ${join(dir, 'intermediate.pem')}; rerun with --force to regenerate everything`, { file });
  }
  return { kind, root, intermediate, client };
}
