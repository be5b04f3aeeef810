import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** The DNS name every test leaf carries (the board uses a DNS name for server_hostname). */
export const TEST_HOST = 'picow-harness.local';

const ECDSA: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const DAY_MS = 86_400_000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

interface Issued {
  readonly cert: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

const RSA: webcrypto.RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };

async function keyPair(kind: 'ec' | 'rsa' = 'ec'): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(kind === 'ec' ? ECDSA : RSA, true, ['sign', 'verify']);
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

async function selfSignedCa(name: string, window: { notBefore: Date; notAfter: Date }): Promise<Issued> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: SIGNING,
    ...window,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

async function issue(
  issuer: Issued,
  subject: string,
  options: { ca?: boolean; usage?: string; dns?: string[]; notBefore: Date; notAfter: Date; rsa?: boolean },
): Promise<Issued> {
  const keys = await keyPair(options.rsa === true ? 'rsa' : 'ec');
  const extensions: x509.Extension[] = [
    await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (options.ca === true) {
    extensions.push(new x509.BasicConstraintsExtension(true, 0, true));
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true));
  } else {
    extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
    const usage = options.rsa === true ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature;
    extensions.push(new x509.KeyUsagesExtension(usage, true));
    if (options.usage !== undefined) extensions.push(new x509.ExtendedKeyUsageExtension([options.usage]));
  }
  if (options.dns !== undefined) extensions.push(new x509.SubjectAlternativeNameExtension(options.dns.map((value) => ({ type: 'dns' as const, value }))));
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${subject}`,
    issuer: issuer.cert.subject,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: SIGNING,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    extensions,
  });
  return { cert, keys };
}

/** What a server (or a client) loads: PEM text, never files. */
export interface ServerMaterial {
  /** Leaf then intermediate. */
  readonly certChainPem: string;
  readonly keyPem: string;
}

export interface TestPki {
  readonly caPem: string;
  readonly intermediatePem: string;
  /** A valid leaf for TEST_HOST, chained to caPem through the intermediate. */
  readonly valid: ServerMaterial;
  /** Same CA, an RSA-2048 leaf (for the ECDHE-RSA and RSA key exchanges). */
  readonly rsa: ServerMaterial;
  /** Same CA, but the leaf expired a day ago. */
  readonly expired: ServerMaterial;
  /** Same CA, leaf for another host only. */
  readonly wrongHost: ServerMaterial;
  /** A client certificate for mutual TLS, chained to caPem (leaf + intermediate). */
  readonly client: { readonly certPem: string; readonly keyPem: string };
  /** A CA nobody trusts, and a client certificate it issued. */
  readonly otherCaPem: string;
  readonly otherClient: { readonly certPem: string; readonly keyPem: string };
}

/** A throwaway CA, intermediate, server leaves and client certificates for the server tests. */
export async function makeTestPki(now = new Date()): Promise<TestPki> {
  const current = { notBefore: new Date(now.getTime() - DAY_MS), notAfter: new Date(now.getTime() + 30 * DAY_MS) };
  const root = await selfSignedCa('picow-harness test root', { notBefore: new Date(now.getTime() - 10 * DAY_MS), notAfter: new Date(now.getTime() + 365 * DAY_MS) });
  const intermediate = await issue(root, 'picow-harness test intermediate', { ca: true, ...current });
  const leaf = (dns: string[], window = current, rsa = false): Promise<Issued> => issue(intermediate, dns[0] ?? 'leaf', { usage: SERVER_AUTH, dns, ...window, rsa });
  const material = async (issued: Issued): Promise<ServerMaterial> => ({
    certChainPem: `${issued.cert.toString('pem')}\n${intermediate.cert.toString('pem')}\n`,
    keyPem: await keyPem(issued.keys),
  });
  const valid = await leaf([TEST_HOST]);
  const rsa = await leaf([TEST_HOST], current, true);
  const expired = await leaf([TEST_HOST], { notBefore: new Date(now.getTime() - 20 * DAY_MS), notAfter: new Date(now.getTime() - DAY_MS) });
  const wrongHost = await leaf(['somewhere-else.example']);
  const client = await issue(intermediate, 'picow-test-client', { usage: CLIENT_AUTH, ...current });
  const other = await selfSignedCa('untrusted test root', current);
  const otherClient = await issue(other, 'untrusted-client', { usage: CLIENT_AUTH, ...current });
  return {
    caPem: `${root.cert.toString('pem')}\n`,
    intermediatePem: `${intermediate.cert.toString('pem')}\n`,
    valid: await material(valid),
    rsa: await material(rsa),
    expired: await material(expired),
    wrongHost: await material(wrongHost),
    client: { certPem: (await material(client)).certChainPem, keyPem: await keyPem(client.keys) },
    otherCaPem: `${other.cert.toString('pem')}\n`,
    otherClient: { certPem: `${otherClient.cert.toString('pem')}\n`, keyPem: await keyPem(otherClient.keys) },
  };
}
