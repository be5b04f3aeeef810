import { UsageError } from '../errors.js';
import { WRONG_HOST_DNS_NAME } from './subject-names.js';
import { RP2_BOOT_EPOCH_MS } from '../sim/profiles.js';

/**
 * What the RTC of a Pico W says right after power-on or a hard reset (facts §3): mbedTLS compares
 * every certificate's dates with this until the board sets its clock (ntptime).
 */
export const RP2_BOOT_EPOCH = new Date(RP2_BOOT_EPOCH_MS);

/** The shared root and intermediate are backdated so that a cold board accepts them (mbedTLS checks the root's dates too). */
export const CA_NOT_BEFORE = new Date(Date.UTC(2020, 0, 1));
export const ROOT_NOT_AFTER = new Date(Date.UTC(2045, 0, 1));
export const INTERMEDIATE_NOT_AFTER = new Date(Date.UTC(2044, 0, 1));

/** Dates of every certificate meant to pass on a cold board: the valid leaf, the client, and the one-fault sets. */
export const BACKDATED_LEAF_NOT_BEFORE = new Date(Date.UTC(2020, 5, 1));
export const BACKDATED_LEAF_NOT_AFTER = new Date(Date.UTC(2040, 0, 1));

const DAY_MS = 24 * 60 * 60 * 1000;

export const CERTIFICATE_SET_NAMES = [
  'valid',
  'issued-now',
  'boot-epoch-edge',
  'not-yet-valid',
  'expired',
  'wrong-host',
  'untrusted-ca',
  'self-signed-leaf',
  'weak-hash',
  'rsa-1024',
] as const;
export type CertificateSetName = (typeof CERTIFICATE_SET_NAMES)[number];

/** The set `certs` consumers use when none is named: a leaf issued the way a public CA issues one today. */
export const DEFAULT_CERTIFICATE_SET: CertificateSetName = 'issued-now';

/** mbedTLS verify flags (x509.h `MBEDTLS_X509_BADCERT_*`) a set is built to raise. */
export type BadCertFlag =
  | 'BADCERT_EXPIRED'
  | 'BADCERT_CN_MISMATCH'
  | 'BADCERT_NOT_TRUSTED'
  | 'BADCERT_FUTURE'
  | 'BADCERT_BAD_MD'
  | 'BADCERT_BAD_KEY';

/**
 * The verdict a board gives the set's chain when it loads the set's `ca.der` with `CERT_REQUIRED` and
 * passes the DNS name (`manifest.serverHostname`) as `server_hostname`: no flags = the handshake passes.
 * These are mbedTLS's flags; how a firmware raises them (OSError -9984 up to v1.21, ValueError with the
 * verify-info lines from v1.22) and which alert it sends is the verification model's business
 * (`src/pki/mbedtls`). Firmware without date checks (before v1.19.1-236) passes the date-only sets.
 */
export interface ExpectedVerdict {
  readonly flags: readonly BadCertFlag[];
  readonly note: string;
}

export interface ExpectedVerdicts {
  /** The board's clock is right (NTP done): "now" is the real time. */
  readonly synced: ExpectedVerdict;
  /** Straight after power-on: the RTC says 2021-01-01T00:00:00Z plus the uptime. */
  readonly coldBoot: ExpectedVerdict;
}

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface LeafPlan {
  /** Who signs the leaf: the shared intermediate, the unrelated intermediate, or the leaf itself. */
  readonly issuer: 'shared' | 'untrusted' | 'self';
  validity(now: Date): Validity;
  /** A fixed DNS name instead of the requested one, without the host's IPs or `--san` (wrong-host). */
  readonly fixedDnsName?: string;
  /** A key type other than `--key` (rsa-1024). */
  readonly keyAlgorithm?: 'rsa-1024';
  /** A signature hash other than the issuer's usual one (weak-hash). */
  readonly hash?: 'SHA-1';
}

export interface CertificateSetSpec {
  readonly name: CertificateSetName;
  /** One line, for tables. */
  readonly summary: string;
  /** What the set is and why it fails or passes: README text. */
  readonly describe: string;
  readonly expected: ExpectedVerdicts;
  readonly leaf: LeafPlan;
}

const backdated = (): Validity => ({ notBefore: BACKDATED_LEAF_NOT_BEFORE, notAfter: BACKDATED_LEAF_NOT_AFTER });
const passes = (note: string): ExpectedVerdict => ({ flags: [], note });
const fails = (flag: BadCertFlag, note: string): ExpectedVerdict => ({ flags: [flag], note });
/** Whole seconds: X.509 times have no fractions, and the manifest should show what the certificate says. */
const seconds = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000);

export const CERTIFICATE_SETS: readonly CertificateSetSpec[] = [
  {
    name: 'valid',
    summary: 'root, intermediate and leaf all valid from 2020: passes even on a cold board (the control group)',
    describe:
      'Root and intermediate from 2020-01-01, leaf from 2020-06-01, all valid until 2040 or later. Every notBefore is before the ' +
      'rp2 boot epoch 2021-01-01, so the chain verifies whatever the board clock says; if this set fails, the fault is not the clock.',
    expected: { synced: passes('passes'), coldBoot: passes('passes: every notBefore is before 2021-01-01') },
    leaf: { issuer: 'shared', validity: backdated },
  },
  {
    name: 'issued-now',
    summary: 'leaf issued now, like a public CA today: passes once the board has set its clock, fails on a cold board',
    describe:
      'The leaf is valid from the moment it was generated (minus one minute) for 365 days, as a certificate from a public CA ' +
      'would be. A board that has not run ntptime still believes it is 2021-01-01 and rejects it with BADCERT_FUTURE ' +
      '("The certificate validity starts in the future"): the cold-boot bug this harness exists to show.',
    expected: {
      synced: passes('passes'),
      coldBoot: fails('BADCERT_FUTURE', 'the leaf starts after 2021-01-01'),
    },
    leaf: { issuer: 'shared', validity: (now) => ({ notBefore: seconds(now.getTime() - 60_000), notAfter: seconds(now.getTime() + 365 * DAY_MS) }) },
  },
  {
    name: 'boot-epoch-edge',
    summary: 'leaf valid from 2021-01-01T01:00:00Z: fails right after a cold boot, passes once the board has been up an hour',
    describe:
      'The leaf starts one hour after the rp2 boot epoch. A cold board rejects it with BADCERT_FUTURE until its uptime passes ' +
      'one hour (its RTC counts up from 2021-01-01T00:00:00Z), then accepts it: shows that the board clock, not the certificate, decides.',
    expected: {
      synced: passes('passes'),
      coldBoot: fails('BADCERT_FUTURE', 'until the board has been up for one hour; passes after that'),
    },
    leaf: { issuer: 'shared', validity: () => ({ notBefore: new Date(RP2_BOOT_EPOCH.getTime() + 60 * 60 * 1000), notAfter: BACKDATED_LEAF_NOT_AFTER }) },
  },
  {
    name: 'not-yet-valid',
    summary: 'leaf valid from one year after generation: fails on every clock',
    describe:
      'The leaf starts 365 days after it was generated, so every board rejects it with BADCERT_FUTURE, synced or not. ' +
      'Once that date has passed the set no longer shows the fault; `certs` warns and `--force` regenerates it.',
    expected: {
      synced: fails('BADCERT_FUTURE', 'the leaf starts in the future'),
      coldBoot: fails('BADCERT_FUTURE', 'the leaf starts in the future'),
    },
    leaf: { issuer: 'shared', validity: (now) => ({ notBefore: seconds(now.getTime() + 365 * DAY_MS), notAfter: seconds(now.getTime() + 2 * 365 * DAY_MS) }) },
  },
  {
    name: 'expired',
    summary: 'leaf expired on 2020-06-30: fails on every clock, the cold-boot one included',
    describe:
      'The leaf was valid from 2020-01-02 to 2020-06-30, before the rp2 boot epoch, so it is expired whatever the board clock ' +
      'says (BADCERT_EXPIRED, "The certificate validity has expired").',
    expected: {
      synced: fails('BADCERT_EXPIRED', 'the leaf expired in 2020'),
      coldBoot: fails('BADCERT_EXPIRED', 'the leaf expired before 2021-01-01'),
    },
    leaf: { issuer: 'shared', validity: () => ({ notBefore: new Date(Date.UTC(2020, 0, 2)), notAfter: new Date(Date.UTC(2020, 5, 30)) }) },
  },
  {
    name: 'wrong-host',
    summary: `leaf for ${WRONG_HOST_DNS_NAME} only: fails the host name check`,
    describe:
      `The leaf names only ${WRONG_HOST_DNS_NAME} (CN and DNS SAN, no IP addresses), otherwise like valid. A board that passes ` +
      'the usual server_hostname rejects it with BADCERT_CN_MISMATCH on every clock.',
    expected: {
      synced: fails('BADCERT_CN_MISMATCH', 'the leaf names another host'),
      coldBoot: fails('BADCERT_CN_MISMATCH', 'the leaf names another host'),
    },
    leaf: { issuer: 'shared', validity: backdated, fixedDnsName: WRONG_HOST_DNS_NAME },
  },
  {
    name: 'untrusted-ca',
    summary: 'chain from an unrelated root: the board\'s ca.der does not issue it',
    describe:
      'The leaf and intermediate come from a second, unrelated root (in `_untrusted-ca/`, dates like valid). The set\'s `ca.der` ' +
      'is still the shared root the board trusts, so the chain does not lead to it: BADCERT_NOT_TRUSTED on every clock.',
    expected: {
      synced: fails('BADCERT_NOT_TRUSTED', 'the chain ends at a root the board does not trust'),
      coldBoot: fails('BADCERT_NOT_TRUSTED', 'the chain ends at a root the board does not trust'),
    },
    leaf: { issuer: 'untrusted', validity: backdated },
  },
  {
    name: 'self-signed-leaf',
    summary: 'self-signed leaf, no chain: not trusted',
    describe:
      'The server sends a single self-signed certificate (dates like valid). It is not the trusted root, so the board rejects it ' +
      'with BADCERT_NOT_TRUSTED on every clock.',
    expected: {
      synced: fails('BADCERT_NOT_TRUSTED', 'a self-signed leaf is not the trusted root'),
      coldBoot: fails('BADCERT_NOT_TRUSTED', 'a self-signed leaf is not the trusted root'),
    },
    leaf: { issuer: 'self', validity: backdated },
  },
  {
    name: 'weak-hash',
    summary: 'leaf signed with SHA-1 by the intermediate: mbedTLS rejects the hash',
    describe:
      'Like valid, but the intermediate signs the leaf with SHA-1 (ecdsa-with-SHA1, or sha1WithRSAEncryption with --key rsa-2048). ' +
      'mbedTLS\'s default profile refuses SHA-1 (BADCERT_BAD_MD) on every clock; plain `openssl verify` accepts it, while Node\'s client and `openssl verify -auth_level 1` or higher reject it too.',
    expected: {
      synced: fails('BADCERT_BAD_MD', 'SHA-1 signature on the leaf'),
      coldBoot: fails('BADCERT_BAD_MD', 'SHA-1 signature on the leaf'),
    },
    leaf: { issuer: 'shared', validity: backdated, hash: 'SHA-1' },
  },
  {
    name: 'rsa-1024',
    summary: 'leaf key RSA-1024, signed by the intermediate: mbedTLS rejects the key size',
    describe:
      'Like valid, but the leaf key is RSA with a 1024-bit modulus. mbedTLS\'s default profile wants RSA keys of 2048 bits or more ' +
      '(BADCERT_BAD_KEY) on every clock; `openssl verify -auth_level 2` rejects it too, OpenSSL\'s and Node\'s defaults do not.',
    expected: {
      synced: fails('BADCERT_BAD_KEY', 'the leaf key is RSA-1024'),
      coldBoot: fails('BADCERT_BAD_KEY', 'the leaf key is RSA-1024'),
    },
    leaf: { issuer: 'shared', validity: backdated, keyAlgorithm: 'rsa-1024' },
  },
];

export function isCertificateSetName(value: string): value is CertificateSetName {
  return (CERTIFICATE_SET_NAMES as readonly string[]).includes(value);
}

export function findCertificateSet(name: string): CertificateSetSpec {
  const found = CERTIFICATE_SETS.find((spec) => spec.name === name);
  if (found === undefined) throw new UsageError(`unknown certificate set ${JSON.stringify(name)}; known: ${CERTIFICATE_SET_NAMES.join(', ')}`);
  return found;
}

function verdictCell(verdict: ExpectedVerdict): string {
  return verdict.flags.length === 0 ? 'passes' : `fails: ${verdict.flags.join(', ')}`;
}

/** The sets as a Markdown table (name, what it is, verdict on a synced and on a cold board): README text. */
export function describeCertificateSets(): string {
  const rows = CERTIFICATE_SETS.map(
    (spec) => `| \`${spec.name}\` | ${spec.summary} | ${verdictCell(spec.expected.synced)} | ${verdictCell(spec.expected.coldBoot)}${spec.name === 'boot-epoch-edge' ? ' (first hour of uptime)' : ''} |`,
  );
  return ['| set | what it is | board clock synced | cold board (RTC 2021-01-01) |', '|---|---|---|---|', ...rows].join('\n');
}
