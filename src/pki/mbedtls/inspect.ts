import { access, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../errors.js';
import { alertFor, type TlsAlert } from './alert.js';
import { boardError, invalidCertError, verificationUnavailableError, type BoardError } from './board-error.js';
import { describePublicKey, describeSubjectAltNames, parseCertificate, type ParsedCertificate } from './certificate.js';
import { parseCadata, readCertificateFile, splitCertificates } from './files.js';
import { TLS_VERIFICATION_PROFILES, tlsProfile } from './profiles.js';
import { verifyChain, type ChainVerdict } from './verify.js';
import { RP2_BOOT_EPOCH_MS } from '../../sim/profiles.js';

/** A cold Pico W's RTC right after power-on or a hard reset (facts §3): the default board clock. */
export const COLD_BOOT_CLOCK = new Date(RP2_BOOT_EPOCH_MS);
export const DEFAULT_INSPECT_HOST = 'picow-harness.local';

export interface InspectOptions {
  /** The board clock; default 2021-01-01T00:00:00Z (a cold board). */
  readonly at?: Date;
  /** server_hostname; default picow-harness.local. */
  readonly host?: string;
  /** One firmware profile; default all of them. */
  readonly profile?: string;
  /** The file the board loads as cadata (PEM or DER); default `ca.der` next to the inspected file. */
  readonly trusted?: string;
}

export interface InspectedCertificate {
  readonly index: number;
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly sha256: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly key: string;
  readonly signature: string;
  readonly ca: boolean;
  readonly subjectAltNames: string;
}

export interface ProfileInspection {
  readonly profile: string;
  readonly mbedtlsVersion: string;
  /** passes / fails verification / cannot ask for verification at all (v1.19.1-88) / rejects the cadata file before connecting. */
  readonly outcome: 'passes' | 'fails' | 'cannot-verify' | 'cadata-rejected';
  /** What the board raises: at cadata load (invalid cert), for lack of cert_reqs, or from the handshake; undefined = it passes. */
  readonly error?: BoardError;
  readonly alert?: TlsAlert;
  /** Undefined when the board never reaches verification (cadata rejected). */
  readonly verdict?: ChainVerdict;
  /** One line per flagged certificate: "root 'CN=…': notBefore … is after the board clock … → BADCERT_FUTURE". */
  readonly why: string[];
}

export interface InspectReport {
  readonly file: string;
  readonly format: 'PEM' | 'DER';
  readonly certificates: InspectedCertificate[];
  readonly trustedFile?: string;
  readonly trustedCertificates: InspectedCertificate[];
  readonly at: string;
  /** True when `at` was not given: the report then says it assumed a cold board. */
  readonly atIsDefault: boolean;
  readonly host: string;
  readonly profiles: ProfileInspection[];
  readonly notes: string[];
}

/**
 * Reads a certificate or chain file (PEM with one or more certificates, or one DER certificate)
 * and the trusted root file, and judges the chain for each firmware profile as the board would.
 */
export async function inspectCertificate(file: string, options: InspectOptions = {}): Promise<InspectReport> {
  const subject = await readCertificateFile(file);
  const notes: string[] = [];
  const trustedFile = options.trusted ?? (await defaultTrustedFile(file));
  let trustedBytes: Uint8Array | undefined;
  if (trustedFile === undefined) {
    notes.push(`no trusted root: give --ca FILE (no ca.der next to ${file}); every chain is then BADCERT_NOT_TRUSTED`);
  } else {
    try {
      trustedBytes = new Uint8Array(await readFile(trustedFile));
    } catch (error) {
      throw new ConfigError(`cannot read the trusted root file ${trustedFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { file: trustedFile });
    }
  }
  const at = wholeSeconds(options.at ?? COLD_BOOT_CLOCK);
  const host = options.host ?? DEFAULT_INSPECT_HOST;
  const profiles = options.profile === undefined ? TLS_VERIFICATION_PROFILES.map((entry) => entry.profile) : [tlsProfile(options.profile).profile];
  const trustedList = trustedBytes === undefined ? [] : readableCertificates(trustedBytes, trustedFile ?? '');
  return {
    file,
    format: subject.format,
    certificates: subject.certificates.map((der, index) => describe(parseCertificate(der), index)),
    ...(trustedFile === undefined ? {} : { trustedFile }),
    trustedCertificates: trustedList.map((certificate, index) => describe(certificate, index)),
    at: iso(at),
    atIsDefault: options.at === undefined,
    host,
    profiles: profiles.map((profile) => inspectForProfile(subject.certificates, trustedBytes, { at, host, profile })),
    notes,
  };
}

function inspectForProfile(chain: readonly Uint8Array[], trustedBytes: Uint8Array | undefined, context: { at: Date; host: string; profile: string }): ProfileInspection {
  const tls = tlsProfile(context.profile);
  const base = { profile: tls.profile, mbedtlsVersion: tls.mbedtlsVersion };
  const cadata = trustedBytes === undefined ? { certificates: [] } : parseCadata(trustedBytes, tls.profile);
  if ('error' in cadata) {
    return { ...base, outcome: 'cadata-rejected', error: invalidCertError(), why: [`cadata: ${cadata.reason}`] };
  }
  const verdict = verifyChain({ chain, trusted: cadata.certificates, hostname: context.host, now: context.at, profile: tls.profile });
  const why = verdict.perCertificate.flatMap((certificate) =>
    certificate.reasons.map((reason) => `${certificate.role} '${certificate.subject}': ${reason.detail} → ${reason.flag}`),
  );
  const unavailable = verificationUnavailableError(tls.profile);
  if (unavailable !== undefined) {
    return { ...base, outcome: 'cannot-verify', error: unavailable, verdict, why };
  }
  const error = boardError(verdict.flags, tls.profile);
  const alert = alertFor(verdict.flags);
  return { ...base, outcome: error === undefined ? 'passes' : 'fails', ...(error === undefined ? {} : { error }), ...(alert === undefined ? {} : { alert }), verdict, why };
}

async function defaultTrustedFile(file: string): Promise<string | undefined> {
  const candidate = join(dirname(file), 'ca.der');
  try {
    await access(candidate);
    return candidate;
  } catch {
    return undefined;
  }
}

/** The trusted file's certificates for the report (whether each firmware accepts them is parseCadata's business). */
function readableCertificates(bytes: Uint8Array, file: string): ParsedCertificate[] {
  try {
    return splitCertificates(bytes).certificates.map((der) => parseCertificate(der));
  } catch (error) {
    throw new ConfigError(`${file}: not a PEM or DER certificate: ${error instanceof Error ? error.message : String(error)}`, { file });
  }
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** ISO 8601 without the milliseconds X.509 times never have. */
function iso(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

function describe(certificate: ParsedCertificate, index: number): InspectedCertificate {
  return {
    index,
    subject: certificate.subject.text,
    issuer: certificate.issuer.text,
    serial: certificate.serialHex,
    sha256: certificate.sha256,
    notBefore: iso(certificate.notBefore),
    notAfter: iso(certificate.notAfter),
    key: describePublicKey(certificate.publicKey),
    signature: certificate.signatureAlgorithm.name,
    ca: certificate.basicConstraints?.ca === true,
    subjectAltNames: describeSubjectAltNames(certificate.subjectAltNames),
  };
}

/** The report as text for a terminal. */
export function formatInspectReport(report: InspectReport): string {
  const lines: string[] = [];
  lines.push(`${report.file}: ${report.certificates.length} certificate${report.certificates.length === 1 ? '' : 's'} (${report.format}), leaf first`);
  for (const certificate of report.certificates) lines.push(...certificateLines(certificate));
  if (report.trustedFile !== undefined) {
    lines.push(`trusted (cadata): ${report.trustedFile}${report.trustedCertificates.length === 0 ? ': no certificate' : ''}`);
    for (const certificate of report.trustedCertificates) lines.push(`  ${certificate.subject}${certificate.ca ? ' (CA)' : ''}: valid ${certificate.notBefore} → ${certificate.notAfter}, ${certificate.key}`);
  }
  lines.push(
    report.atIsDefault
      ? `board clock: ${report.at} (assumed: a cold board's RTC right after power-on; --at now or --at TIME for another clock)`
      : `board clock: ${report.at}`,
  );
  lines.push(`server_hostname: ${report.host}`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  lines.push('');
  for (const group of groupProfiles(report.profiles)) {
    const first = group[0]!;
    const names = group.map((entry) => `${entry.profile}`).join(', ');
    const versions = [...new Set(group.map((entry) => entry.mbedtlsVersion))].join(', ');
    lines.push(`${names} (mbedTLS ${versions}): ${outcomeText(first)}`);
    if (first.error !== undefined) {
      const when = first.outcome === 'cannot-verify' ? ' (when given cert_reqs= or cadata=)' : '';
      lines.push(`  raises  ${first.error.printed.replace(/\n/g, '\\n')}${when}`);
    }
    if (first.error?.note !== undefined) lines.push(`          (${first.error.note})`);
    if (first.alert !== undefined) lines.push(`  alert   ${first.alert.name} (${first.alert.code}), sent to the server`);
    for (const reason of first.why) lines.push(`  why     ${reason}`);
    for (const note of first.verdict?.notes ?? []) lines.push(`  note    ${note}`);
  }
  return lines.join('\n');
}

function outcomeText(entry: ProfileInspection): string {
  const flags = entry.verdict?.flagNames ?? [];
  switch (entry.outcome) {
    case 'passes':
      return 'passes';
    case 'fails':
      return `fails: ${flags.join(' + ')}`;
    case 'cannot-verify':
      return `cannot verify (no cert_reqs/cadata); its mbedTLS would say ${flags.length === 0 ? 'nothing' : flags.join(' + ')}`;
    case 'cadata-rejected':
      return 'rejects the cadata file';
  }
}

function certificateLines(certificate: InspectedCertificate): string[] {
  return [
    `  #${certificate.index} ${certificate.subject}${certificate.ca ? ' (CA)' : ''}`,
    `     issuer ${certificate.issuer}`,
    `     valid  ${certificate.notBefore} → ${certificate.notAfter}`,
    `     key    ${certificate.key}; signature ${certificate.signature}`,
    `     names  ${certificate.subjectAltNames}`,
    `     sha256 ${certificate.sha256}`,
  ];
}

/** Profiles with the same outcome and the same reasons, in profile order. */
function groupProfiles(profiles: readonly ProfileInspection[]): ProfileInspection[][] {
  const groups: ProfileInspection[][] = [];
  const key = (entry: ProfileInspection): string =>
    JSON.stringify([entry.outcome, entry.error?.printed, entry.error?.note, entry.alert?.name, entry.why, entry.verdict?.flags, entry.verdict?.notes]);
  for (const entry of profiles) {
    const last = groups[groups.length - 1];
    if (last !== undefined && key(last[0]!) === key(entry)) last.push(entry);
    else groups.push([entry]);
  }
  return groups;
}

