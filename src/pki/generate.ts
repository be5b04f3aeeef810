import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { createAuthority, isIssuedBy, isSelfSigned, leafSubject, readAuthority, type Authority } from './authority.js';
import { summariseCertificate, subjectAltNamesOf } from './certificate-summary.js';
import { ensureKeyDirectory, PUBLIC_FILE_MODE, readIfExists, removeIfExists, writeFileIfChanged } from './files.js';
import { issueCertificate, type IssuedCertificate } from './issue.js';
import { DEFAULT_KEY, generatePrivateKey, isEcAlgorithm, keyAlgorithmOf, parseKeyChoice, type KeyAlgorithm, type KeyChoice } from './keys.js';
import { certificateFiles, DEFAULT_OUT_DIR, SET_FILES, SHARED_CA_DIR, UNTRUSTED_CA_DIR, MANIFEST_FILE } from './layout.js';
import {
  AuthorityManifestSchema,
  CertificateSetManifestSchema,
  manifestJson,
  MANIFEST_SCHEMA_VERSION,
  parseManifest,
  type AuthorityManifest,
  type CertificateEntry,
  type CertificateSetManifest,
  type KeyEntry,
  type LeafRequest,
} from './manifest.js';
import { CERTIFICATE_SETS, type CertificateSetName, type CertificateSetSpec } from './sets.js';
import { certificatePem, keyFileNames, readStoredPair, writeCertificate, writeStoredPair } from './stored-pair.js';
import { DEFAULT_DNS_NAME, formatSan, hostIpv4Addresses, parseDnsName, parseIpAddress, parseSan, uniqueSans, type SanEntry } from './subject-names.js';
import type { x509 } from './x509.js';

export interface GenerateCertificateSetsOptions {
  /** Base folder (default `certs`). */
  readonly outDir?: string;
  /** Key type of every key but the rsa-1024 leaf. Default: what the folder already holds, else ec-p256. */
  readonly key?: string;
  /** The leaf's CN and first DNS SAN. Default: what the folder already holds, else `picow-harness.local`. */
  readonly dnsName?: string;
  /** IP SANs for the host (an empty list: none). Default: as chosen before, else the host's non-internal IPv4 addresses. */
  readonly hostIps?: readonly string[];
  /** Extra SANs, DNS names or IP addresses. Default: what the folder already holds, else none. */
  readonly sans?: readonly string[];
  /** Regenerate every key and certificate, the shared CA included. */
  readonly force?: boolean;
  /** The clock for issued-now and not-yet-valid (default: the real time). */
  readonly now?: Date;
  /** The host's IPv4 addresses, for the default SANs and the coverage warning (default: detected). */
  readonly detectedHostIps?: readonly string[];
  /** What happened, as it happens (the library never prints). */
  readonly onEvent?: (event: CertsEvent) => void;
}

export type CertsEvent =
  | { readonly type: 'authority'; readonly authority: 'shared' | 'untrusted'; readonly action: 'generated' | 'reused'; readonly dir: string }
  | { readonly type: 'set'; readonly name: CertificateSetName; readonly action: 'generated' | 'reused'; readonly dir: string; readonly manifest: CertificateSetManifest }
  | { readonly type: 'warning'; readonly code: 'host-ips-not-covered' | 'dates-stale'; readonly message: string };

interface ExistingSet {
  readonly leaf: IssuedCertificate;
  readonly manifest: CertificateSetManifest;
}

interface ExistingTree {
  readonly shared: Authority | undefined;
  readonly untrusted: Authority | undefined;
  readonly sets: ReadonlyMap<CertificateSetName, ExistingSet>;
}

interface Conflict {
  readonly kind: 'key' | 'issuer' | 'dns' | 'sans' | 'host-ips';
  /** Groups the sets that differ the same way. */
  readonly detail: string;
  /** A folder or file under the base folder. */
  readonly where: string;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().every((value, index) => value === [...b].sort()[index]);

async function readTreeRequest(base: string, force: boolean): Promise<LeafRequest | undefined> {
  const file = join(base, SHARED_CA_DIR, MANIFEST_FILE);
  const text = await readIfExists(file);
  if (text === undefined) return undefined;
  try {
    return parseManifest(AuthorityManifestSchema, text.toString('utf8'), file).request;
  } catch (error) {
    if (force) return undefined;
    throw error;
  }
}

/** What this run asks for: each option as given, else as the folder was last made (`_ca/manifest.json`), else the default. */
function effectiveRequest(options: GenerateCertificateSetsOptions, stored: LeafRequest | undefined, detected: readonly string[]): LeafRequest {
  const key: KeyChoice = options.key === undefined ? (stored?.key ?? DEFAULT_KEY) : parseKeyChoice(options.key);
  const dnsName = options.dnsName === undefined ? (stored?.dnsName ?? DEFAULT_DNS_NAME) : parseDnsName(options.dnsName, '--dns');
  const extraSans = options.sans === undefined ? (stored?.extraSans ?? []) : uniqueSans(options.sans.map((san) => parseSan(san))).map(formatSan);
  let hostIps: string[];
  let hostIpsFrom: LeafRequest['hostIpsFrom'];
  if (options.hostIps !== undefined) {
    hostIps = [...new Set(options.hostIps.map((ip) => parseIpAddress(ip, '--host-ip')))];
    hostIpsFrom = 'option';
  } else if (stored?.hostIpsFrom === 'option') {
    hostIps = stored.hostIps;
    hostIpsFrom = 'option';
  } else {
    hostIps = [...detected];
    hostIpsFrom = 'detected';
  }
  return { key, dnsName, hostIps, hostIpsFrom, extraSans };
}

async function readExistingTree(base: string): Promise<ExistingTree> {
  const [shared, untrusted] = await Promise.all([readAuthority(join(base, SHARED_CA_DIR), 'shared'), readAuthority(join(base, UNTRUSTED_CA_DIR), 'untrusted')]);
  const sets = new Map<CertificateSetName, ExistingSet>();
  for (const spec of CERTIFICATE_SETS) {
    const dir = join(base, spec.name);
    const leaf = await readStoredPair(dir, 'leaf');
    if (leaf === undefined) continue;
    const file = join(dir, MANIFEST_FILE);
    const text = await readIfExists(file);
    if (text === undefined) throw new ConfigError(`${file}: missing; it records how ${join(dir, 'leaf.pem')} was made. Rerun with --force, or delete ${dir} to regenerate that set`, { file });
    sets.set(spec.name, { leaf, manifest: parseManifest(CertificateSetManifestSchema, text.toString('utf8'), file) });
  }
  return { shared, untrusted, sets };
}

function issuerOf(spec: CertificateSetSpec, tree: { shared: Authority | undefined; untrusted: Authority | undefined }): Authority | undefined {
  return spec.leaf.issuer === 'shared' ? tree.shared : spec.leaf.issuer === 'untrusted' ? tree.untrusted : undefined;
}

function findConflicts(tree: ExistingTree, request: LeafRequest): Conflict[] {
  const conflicts: Conflict[] = [];
  for (const authority of [tree.shared, tree.untrusted]) {
    if (authority === undefined) continue;
    const existing = keyAlgorithmOf(authority.root.privateKey);
    if (existing !== request.key) {
      conflicts.push({ kind: 'key', detail: `--key ${request.key} differs from the existing ${existing} keys`, where: authority.kind === 'shared' ? SHARED_CA_DIR : UNTRUSTED_CA_DIR });
    }
  }
  for (const spec of CERTIFICATE_SETS) {
    const existing = tree.sets.get(spec.name);
    if (existing === undefined) continue;
    const dir = spec.name;
    const stored = existing.manifest.request;
    if (stored.key !== request.key) conflicts.push({ kind: 'key', detail: `--key ${request.key} differs from the existing ${stored.key} keys`, where: dir });
    const issuer = issuerOf(spec, tree);
    const issuedByIt = spec.leaf.issuer === 'self' ? isSelfSigned(existing.leaf.certificate) : issuer !== undefined && isIssuedBy(existing.leaf, issuer.intermediate);
    if (!issuedByIt) {
      const issuerDir = spec.leaf.issuer === 'untrusted' ? UNTRUSTED_CA_DIR : SHARED_CA_DIR;
      const detail = spec.leaf.issuer === 'self' ? 'is not self-signed' : `was not issued by ${issuerDir}/intermediate.pem`;
      conflicts.push({ kind: 'issuer', detail, where: `${dir}/leaf.pem` });
    }
    if (spec.leaf.fixedDnsName !== undefined) continue; // its leaf does not depend on the name options
    if (stored.dnsName !== request.dnsName) conflicts.push({ kind: 'dns', detail: `--dns ${request.dnsName} differs from ${stored.dnsName}`, where: dir });
    if (!sameList(stored.extraSans, request.extraSans)) {
      const list = (sans: readonly string[]): string => (sans.length === 0 ? 'none' : sans.join(','));
      conflicts.push({ kind: 'sans', detail: `--san ${list(request.extraSans)} differs from ${list(stored.extraSans)}`, where: dir });
    }
    if (request.hostIpsFrom === 'option' && !sameList(stored.hostIps, request.hostIps)) {
      const list = (ips: readonly string[]): string => (ips.length === 0 ? 'none' : ips.join(','));
      conflicts.push({ kind: 'host-ips', detail: `--host-ip ${list(request.hostIps)} differs from ${list(stored.hostIps)}`, where: dir });
    }
  }
  return conflicts;
}

function listShort(items: readonly string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function conflictError(base: string, conflicts: readonly Conflict[]): ConfigError {
  // Sets that differ the same way are named together: "--dns x differs from y in valid, issued-now and 7 more".
  const groups = new Map<string, { conflict: Conflict; where: string[] }>();
  for (const conflict of conflicts) {
    const key = `${conflict.kind} ${conflict.detail}`;
    const group = groups.get(key) ?? { conflict, where: [] };
    group.where.push(conflict.where);
    groups.set(key, group);
  }
  const reasons = [...groups.values()].map(({ conflict, where }) =>
    conflict.kind === 'issuer' ? `${listShort(where)} ${conflict.detail}` : `${conflict.detail} in ${listShort(where)}`,
  );
  const needsNewCa = conflicts.some((conflict) => conflict.kind === 'key' || conflict.kind === 'issuer');
  const hint = needsNewCa
    ? 'rerun with --force to regenerate everything (boards then need the new ca.der)'
    : 'delete those set folders to regenerate only their leaves, or rerun with --force to regenerate everything (boards then need the new ca.der)';
  return new ConfigError(`${base.replace(/\/+$/, '')}/ holds certificates made differently: ${reasons.join('; ')}. Nothing was changed; ${hint}`, { file: base });
}

/** The SANs of a set's leaf: the DNS name, then the host's addresses, then the extra SANs. */
export function leafSans(spec: CertificateSetSpec, request: LeafRequest): SanEntry[] {
  if (spec.leaf.fixedDnsName !== undefined) return [{ type: 'dns', value: spec.leaf.fixedDnsName }];
  return uniqueSans([
    { type: 'dns', value: request.dnsName },
    ...request.hostIps.map((value): SanEntry => ({ type: 'ip', value })),
    ...request.extraSans.map((san) => parseSan(san.replace(/^(DNS|IP):/, ''))),
  ]);
}

async function issueLeaf(spec: CertificateSetSpec, request: LeafRequest, issuer: Authority | undefined, now: Date): Promise<IssuedCertificate> {
  const algorithm: KeyAlgorithm = spec.leaf.keyAlgorithm ?? request.key;
  const privateKey = await generatePrivateKey(algorithm);
  const dnsName = spec.leaf.fixedDnsName ?? request.dnsName;
  return issueCertificate({
    role: 'server',
    subject: leafSubject(dnsName),
    privateKey,
    validity: spec.leaf.validity(now),
    sans: leafSans(spec, request),
    ...(issuer === undefined ? {} : { signer: issuer.intermediate }),
    ...(spec.leaf.hash === undefined ? {} : { hash: spec.leaf.hash }),
  });
}

function certificateEntry(certificate: x509.X509Certificate, base: string): CertificateEntry {
  return { ...summariseCertificate(certificate), files: certificateFiles(base) };
}

function keyEntry(pair: IssuedCertificate, base: string): KeyEntry {
  const algorithm = keyAlgorithmOf(pair.privateKey);
  return { algorithm, mode: '0600', files: keyFileNames(base, isEcAlgorithm(algorithm as KeyAlgorithm)) };
}

function keyFileDescriptions(entry: KeyEntry, what: string): Record<string, string> {
  const files: Record<string, string> = {
    [entry.files.pkcs8Pem]: `${what} private key, PKCS#8 PEM (0600)`,
    [entry.files.pkcs8Der]: `${what} private key, PKCS#8 DER (0600)`,
  };
  if (entry.files.sec1Pem !== undefined) files[entry.files.sec1Pem] = `${what} private key, SEC1 PEM (0600)`;
  if (entry.files.sec1Der !== undefined) files[entry.files.sec1Der] = `${what} private key, SEC1 DER (0600)`;
  return files;
}

function setManifest(spec: CertificateSetSpec, request: LeafRequest, shared: Authority, issuer: Authority | undefined, leaf: IssuedCertificate): CertificateSetManifest {
  const client = shared.client as IssuedCertificate;
  const leafKey = keyEntry(leaf, 'leaf');
  const clientKey = keyEntry(client, 'client');
  const rootNote = spec.leaf.issuer === 'untrusted' ? "the unrelated root that issued this chain (NOT the board's ca.der)" : 'the root of this chain (the same as ca)';
  const files: Record<string, string> = {
    [SET_FILES.ca.der]: 'the shared root, DER: what the board loads with cadata= (the same in every set)',
    [SET_FILES.ca.pem]: 'the shared root, PEM',
    ...(issuer === undefined
      ? {}
      : {
          [SET_FILES.root.pem]: `${rootNote}, PEM`,
          [SET_FILES.root.der]: `${rootNote}, DER`,
          [SET_FILES.intermediate.pem]: 'the intermediate that issued the leaf, PEM',
          [SET_FILES.intermediate.der]: 'the intermediate that issued the leaf, DER',
        }),
    [SET_FILES.leaf.pem]: 'the server certificate, PEM',
    [SET_FILES.leaf.der]: 'the server certificate, DER',
    ...keyFileDescriptions(leafKey, 'the server'),
    [SET_FILES.chain]: issuer === undefined ? 'what the server sends: the self-signed leaf alone' : 'what the server sends: leaf, then intermediate',
    [SET_FILES.client.pem]: 'the client certificate for mutual TLS (shared intermediate), PEM',
    [SET_FILES.client.der]: 'the client certificate, DER',
    ...keyFileDescriptions(clientKey, 'the client'),
    [SET_FILES.clientChain]: 'what a client sends for mutual TLS: client certificate, then the shared intermediate',
    [SET_FILES.manifest]: 'this file',
  };
  return {
    schema: MANIFEST_SCHEMA_VERSION,
    name: spec.name,
    summary: spec.summary,
    describe: spec.describe,
    expected: { synced: { flags: [...spec.expected.synced.flags], note: spec.expected.synced.note }, coldBoot: { flags: [...spec.expected.coldBoot.flags], note: spec.expected.coldBoot.note } },
    serverHostname: request.dnsName,
    request,
    trustAnchor: SET_FILES.ca.der,
    certificates: {
      ca: certificateEntry(shared.root.certificate, 'ca'),
      root: issuer === undefined ? null : certificateEntry(issuer.root.certificate, 'root'),
      intermediate: issuer === undefined ? null : certificateEntry(issuer.intermediate.certificate, 'intermediate'),
      leaf: certificateEntry(leaf.certificate, 'leaf'),
      client: certificateEntry(client.certificate, 'client'),
    },
    keys: { leaf: leafKey, client: clientKey },
    chain: { file: SET_FILES.chain, certificates: issuer === undefined ? ['leaf'] : ['leaf', 'intermediate'] },
    clientChain: { file: SET_FILES.clientChain, certificates: ['client', 'intermediate'] },
    files,
  };
}

function authorityManifest(authority: Authority, request: LeafRequest): AuthorityManifest {
  const rootKey = keyEntry(authority.root, 'root');
  const intermediateKey = keyEntry(authority.intermediate, 'intermediate');
  const clientKey = authority.client === undefined ? null : keyEntry(authority.client, 'client');
  const files: Record<string, string> = {
    'root.pem': 'the root CA certificate, PEM',
    'root.der': 'the root CA certificate, DER',
    ...keyFileDescriptions(rootKey, 'the root CA'),
    'intermediate.pem': 'the intermediate CA certificate, PEM',
    'intermediate.der': 'the intermediate CA certificate, DER',
    ...keyFileDescriptions(intermediateKey, 'the intermediate CA'),
    ...(clientKey === null ? {} : { 'client.pem': 'the client certificate for mutual TLS, PEM', 'client.der': 'the client certificate, DER', ...keyFileDescriptions(clientKey, 'the client') }),
    [MANIFEST_FILE]: 'this file',
  };
  return {
    schema: MANIFEST_SCHEMA_VERSION,
    authority: authority.kind,
    describe:
      authority.kind === 'shared'
        ? 'The root and intermediate every set but untrusted-ca and self-signed-leaf chains to (backdated to 2020-01-01 so a cold board accepts them), and the client certificate for mutual TLS.'
        : 'The unrelated root and intermediate of the untrusted-ca set.',
    request,
    certificates: {
      root: certificateEntry(authority.root.certificate, 'root'),
      intermediate: certificateEntry(authority.intermediate.certificate, 'intermediate'),
      client: authority.client === undefined ? null : certificateEntry(authority.client.certificate, 'client'),
    },
    keys: { root: rootKey, intermediate: intermediateKey, client: clientKey },
    files,
  };
}

async function writeAuthority(dir: string, authority: Authority, request: LeafRequest): Promise<void> {
  await ensureKeyDirectory(dir);
  await writeStoredPair(dir, 'root', authority.root);
  await writeStoredPair(dir, 'intermediate', authority.intermediate);
  if (authority.client !== undefined) await writeStoredPair(dir, 'client', authority.client);
  await writeFileIfChanged(join(dir, MANIFEST_FILE), manifestJson(authorityManifest(authority, request)), PUBLIC_FILE_MODE);
}

async function writeSet(dir: string, manifest: CertificateSetManifest, shared: Authority, issuer: Authority | undefined, leaf: IssuedCertificate): Promise<void> {
  const client = shared.client as IssuedCertificate;
  await ensureKeyDirectory(dir);
  await writeCertificate(dir, 'ca', shared.root.certificate);
  if (issuer === undefined) {
    for (const file of [SET_FILES.root.pem, SET_FILES.root.der, SET_FILES.intermediate.pem, SET_FILES.intermediate.der]) await removeIfExists(join(dir, file));
  } else {
    await writeCertificate(dir, 'root', issuer.root.certificate);
    await writeCertificate(dir, 'intermediate', issuer.intermediate.certificate);
  }
  await writeStoredPair(dir, 'leaf', leaf);
  await writeStoredPair(dir, 'client', client);
  const chain = issuer === undefined ? [leaf] : [leaf, issuer.intermediate];
  await writeFileIfChanged(join(dir, SET_FILES.chain), chain.map((pair) => certificatePem(pair.certificate)).join(''), PUBLIC_FILE_MODE);
  await writeFileIfChanged(join(dir, SET_FILES.clientChain), certificatePem(client.certificate) + certificatePem(shared.intermediate.certificate), PUBLIC_FILE_MODE);
  await writeFileIfChanged(join(dir, SET_FILES.manifest), manifestJson(manifest), PUBLIC_FILE_MODE);
}

/** Whether the leaf's dates still give the verdict its set promises on a synced board at `now`. */
function datesStillHold(spec: CertificateSetSpec, leaf: x509.X509Certificate, now: Date): boolean {
  const flags = spec.expected.synced.flags;
  const time = now.getTime();
  if (flags.includes('BADCERT_FUTURE')) return leaf.notBefore.getTime() > time;
  if (flags.includes('BADCERT_EXPIRED')) return leaf.notAfter.getTime() < time;
  return leaf.notBefore.getTime() <= time && time <= leaf.notAfter.getTime();
}

function ipSansOf(certificate: x509.X509Certificate): string[] {
  return subjectAltNamesOf(certificate)
    .filter((san) => san.startsWith('IP:'))
    .map((san) => san.slice(3));
}

/**
 * Make (or reuse) the shared CA, the untrusted CA and every set under `outDir`, and return the sets'
 * manifests in set order. Existing keys and certificates are reused; asking for something different
 * from what exists (another key type, DNS name, SANs or host IPs) is refused with a ConfigError
 * saying what differs, unless `force`, which regenerates everything.
 */
export async function generateCertificateSets(options: GenerateCertificateSetsOptions = {}): Promise<CertificateSetManifest[]> {
  const base = options.outDir ?? DEFAULT_OUT_DIR;
  const force = options.force ?? false;
  const now = options.now ?? new Date();
  const emit = options.onEvent ?? ((): void => undefined);
  const detected = options.detectedHostIps ?? hostIpv4Addresses();

  const request = effectiveRequest(options, await readTreeRequest(base, force), detected);
  const existing: ExistingTree = force ? { shared: undefined, untrusted: undefined, sets: new Map() } : await readExistingTree(base);
  const conflicts = findConflicts(existing, request);
  if (conflicts.length > 0) throw conflictError(base, conflicts);

  const shared = existing.shared ?? (await createAuthority('shared', request.key));
  const untrusted = existing.untrusted ?? (await createAuthority('untrusted', request.key));
  const leaves = await Promise.all(
    CERTIFICATE_SETS.map(async (spec) => {
      const reused = existing.sets.get(spec.name);
      if (reused !== undefined) return { spec, leaf: reused.leaf, reused };
      return { spec, leaf: await issueLeaf(spec, request, issuerOf(spec, { shared, untrusted }), now), reused: undefined };
    }),
  );

  await mkdir(base, { recursive: true });
  await writeAuthority(join(base, SHARED_CA_DIR), shared, request);
  emit({ type: 'authority', authority: 'shared', action: existing.shared === undefined ? 'generated' : 'reused', dir: join(base, SHARED_CA_DIR) });
  await writeAuthority(join(base, UNTRUSTED_CA_DIR), untrusted, request);
  emit({ type: 'authority', authority: 'untrusted', action: existing.untrusted === undefined ? 'generated' : 'reused', dir: join(base, UNTRUSTED_CA_DIR) });

  const manifests: CertificateSetManifest[] = [];
  const uncovered: { name: string; names: string[] }[] = [];
  const stale: string[] = [];
  for (const { spec, leaf, reused } of leaves) {
    const dir = join(base, spec.name);
    const issuer = issuerOf(spec, { shared, untrusted });
    // A reused leaf keeps the request it was made with; the name options do not shape wrong-host's leaf, so its manifest follows this run.
    const setRequest = reused === undefined || spec.leaf.fixedDnsName !== undefined ? request : reused.manifest.request;
    const manifest = setManifest(spec, setRequest, shared, issuer, leaf);
    await writeSet(dir, manifest, shared, issuer, leaf);
    manifests.push(manifest);
    emit({ type: 'set', name: spec.name, action: reused === undefined ? 'generated' : 'reused', dir, manifest });
    if (reused !== undefined && request.hostIpsFrom === 'detected' && spec.leaf.fixedDnsName === undefined) {
      const named = ipSansOf(leaf.certificate);
      if (detected.some((ip) => !named.includes(ip))) uncovered.push({ name: spec.name, names: named });
    }
    if (!datesStillHold(spec, leaf.certificate, now)) stale.push(spec.name);
  }

  if (uncovered.length > 0) {
    const named = [...new Set(uncovered.flatMap((entry) => entry.names))];
    const missing = detected.filter((ip) => uncovered.some((entry) => !entry.names.includes(ip)));
    emit({
      type: 'warning',
      code: 'host-ips-not-covered',
      message:
        `the leaves of ${listShort(uncovered.map((entry) => entry.name))} name ${named.length === 0 ? 'no IP address' : named.join(', ')}, ` +
        `not this host's ${missing.join(', ')}; a board that connects by IP fails the name check. Regenerate with --force (or delete those set folders), or pick addresses with --host-ip`,
    });
  }
  if (stale.length > 0) {
    emit({
      type: 'warning',
      code: 'dates-stale',
      message: `the leaf dates of ${listShort(stale)} no longer give the verdict their set is for at ${now.toISOString()}; regenerate with --force (or delete those set folders)`,
    });
  }
  return manifests;
}
