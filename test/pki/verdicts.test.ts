import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { expect } from 'chai';
import {
  CERTIFICATE_SET_NAMES,
  CERTIFICATE_SETS,
  SET_FILES,
  generateCertificateSets,
  loadCertificateSet,
  type CertificateSet,
  type CertificateSetName,
} from '../../src/pki/index.js';
import { FLAG, TLS_VERIFICATION_PROFILES, alertFor, boardError, verifyChain, verifyInfoText } from '../../src/pki/mbedtls/index.js';
import { requireTool } from '../support/tools.js';

/*
 * THE verdict table of issue 2/9: every certificate set × board clock × verifier.
 *
 * Verifiers:
 *   model   — src/pki/mbedtls, firmware v1.24.1 (mbedTLS 3.5.1): the flags, and the alert the board sends.
 *   openssl — `openssl verify -auth_level 2 [-attime T] -CAfile ca.pem -untrusted intermediate.pem
 *             -verify_hostname <dns> leaf.pem`: its first error (code, depth, text).
 *   node    — Node's own TLS client (`tls.connect` with ca = the root, servername = the DNS name,
 *             default security level) against a local `tls.createServer` sending the set's chain.
 *             Node has no clock to fake: its verdict exists for "now" only (n/a at 2021).
 * Clocks: now (the real time) and 2021-01-01T00:00:00Z (a cold Pico W).
 *
 * set              clock  model (v1.24.1)                       openssl -auth_level 2                               node
 * valid            now    pass                                  OK                                                  OK
 * valid            2021   pass                                  OK                                                  n/a
 * issued-now       now    pass                                  OK                                                  OK
 * issued-now       2021   FUTURE → certificate_unknown          error 9 at depth 0: certificate is not yet valid    n/a
 * boot-epoch-edge  now    pass                                  OK                                                  OK
 * boot-epoch-edge  2021   FUTURE → certificate_unknown          error 9 at depth 0: certificate is not yet valid    n/a
 * not-yet-valid    now    FUTURE → certificate_unknown          error 9 at depth 0: certificate is not yet valid    CERT_NOT_YET_VALID
 * not-yet-valid    2021   FUTURE → certificate_unknown          error 9 at depth 0: certificate is not yet valid    n/a
 * expired          now    EXPIRED → certificate_expired         error 10 at depth 0: certificate has expired        CERT_HAS_EXPIRED
 * expired          2021   EXPIRED → certificate_expired         error 10 at depth 0: certificate has expired        n/a
 * wrong-host       now    CN_MISMATCH → bad_certificate         error 62 at depth 0: hostname mismatch              ERR_TLS_CERT_ALTNAME_INVALID
 * wrong-host       2021   CN_MISMATCH → bad_certificate         error 62 at depth 0: hostname mismatch              n/a
 * untrusted-ca     now    NOT_TRUSTED → unknown_ca              error 20 at depth 1: unable to get local issuer certificate  UNABLE_TO_GET_ISSUER_CERT_LOCALLY
 * untrusted-ca     2021   NOT_TRUSTED → unknown_ca              error 20 at depth 1: unable to get local issuer certificate  n/a
 * self-signed-leaf now    NOT_TRUSTED → unknown_ca              error 18 at depth 0: self-signed certificate        DEPTH_ZERO_SELF_SIGNED_CERT
 * self-signed-leaf 2021   NOT_TRUSTED → unknown_ca              error 18 at depth 0: self-signed certificate        n/a
 * weak-hash        now    BAD_MD → certificate_unknown          error 68 at depth 0: CA signature digest algorithm too weak  UNSPECIFIED
 * weak-hash        2021   BAD_MD → certificate_unknown          error 68 at depth 0: CA signature digest algorithm too weak  n/a
 * rsa-1024         now    BAD_KEY → unsupported_certificate     error 66 at depth 0: EE certificate key too weak    OK
 * rsa-1024         2021   BAD_KEY → unsupported_certificate     error 66 at depth 0: EE certificate key too weak    n/a
 *
 * Expected differences between the verifiers (EXPECTED_DIFFERENCES below, as data):
 *  - rsa-1024: mbedTLS's default profile needs RSA ≥ 2048 (BAD_KEY) and `openssl verify -auth_level 2`
 *    agrees (112-bit minimum), but Node's client runs at OpenSSL's default security level 1, where a
 *    1024-bit RSA key (80 bits) is enough: Node accepts the chain. (Plain `openssl verify`, without
 *    -auth_level, accepts it too.)
 *  - weak-hash: all three reject the SHA-1-signed leaf, for different reasons: mbedTLS's profile
 *    (BAD_MD), -auth_level 2 (error 68), and Node's security level 1, which reports it as the
 *    unhelpful UNSPECIFIED. Plain `openssl verify` accepts it. (The fact sheet says Node accepts
 *    SHA-1 by default; Node 20 with OpenSSL 3.0 does not.) The test server runs at SECLEVEL=0 so
 *    that it can serve the SHA-1 and RSA-1024 certificates at all.
 *  - Every cold-boot cell: Node cannot be given a clock, so it has no verdict at 2021.
 *  - mbedTLS reports every flag of every certificate; openssl and Node only their first error.
 *    No set here has two faults, so the table shows no difference from that.
 */

const COLD_BOOT = new Date(Date.UTC(2021, 0, 1));
const MODEL_PROFILE = 'v1.24.1';

type Clock = 'now' | '2021';

interface Row {
  readonly set: CertificateSetName;
  readonly clock: Clock;
  readonly model: string;
  readonly openssl: string;
  readonly node: string;
}

const FUTURE = 'FUTURE → certificate_unknown';
const NOT_YET_VALID = 'error 9 at depth 0: certificate is not yet valid';
const EXPIRED = 'EXPIRED → certificate_expired';
const HAS_EXPIRED = 'error 10 at depth 0: certificate has expired';
const NOT_TRUSTED = 'NOT_TRUSTED → unknown_ca';

const row = (set: CertificateSetName, clock: Clock, model: string, openssl: string, node: string): Row => ({ set, clock, model, openssl, node });

/** The table above, as data: what each verifier says. */
export const VERDICTS: readonly Row[] = [
  row('valid', 'now', 'pass', 'OK', 'OK'),
  row('valid', '2021', 'pass', 'OK', 'n/a'),
  row('issued-now', 'now', 'pass', 'OK', 'OK'),
  row('issued-now', '2021', FUTURE, NOT_YET_VALID, 'n/a'),
  row('boot-epoch-edge', 'now', 'pass', 'OK', 'OK'),
  row('boot-epoch-edge', '2021', FUTURE, NOT_YET_VALID, 'n/a'),
  row('not-yet-valid', 'now', FUTURE, NOT_YET_VALID, 'CERT_NOT_YET_VALID'),
  row('not-yet-valid', '2021', FUTURE, NOT_YET_VALID, 'n/a'),
  row('expired', 'now', EXPIRED, HAS_EXPIRED, 'CERT_HAS_EXPIRED'),
  row('expired', '2021', EXPIRED, HAS_EXPIRED, 'n/a'),
  row('wrong-host', 'now', 'CN_MISMATCH → bad_certificate', 'error 62 at depth 0: hostname mismatch', 'ERR_TLS_CERT_ALTNAME_INVALID'),
  row('wrong-host', '2021', 'CN_MISMATCH → bad_certificate', 'error 62 at depth 0: hostname mismatch', 'n/a'),
  row('untrusted-ca', 'now', NOT_TRUSTED, 'error 20 at depth 1: unable to get local issuer certificate', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'),
  row('untrusted-ca', '2021', NOT_TRUSTED, 'error 20 at depth 1: unable to get local issuer certificate', 'n/a'),
  row('self-signed-leaf', 'now', NOT_TRUSTED, 'error 18 at depth 0: self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
  row('self-signed-leaf', '2021', NOT_TRUSTED, 'error 18 at depth 0: self-signed certificate', 'n/a'),
  row('weak-hash', 'now', 'BAD_MD → certificate_unknown', 'error 68 at depth 0: CA signature digest algorithm too weak', 'UNSPECIFIED'),
  row('weak-hash', '2021', 'BAD_MD → certificate_unknown', 'error 68 at depth 0: CA signature digest algorithm too weak', 'n/a'),
  row('rsa-1024', 'now', 'BAD_KEY → unsupported_certificate', 'error 66 at depth 0: EE certificate key too weak', 'OK'),
  row('rsa-1024', '2021', 'BAD_KEY → unsupported_certificate', 'error 66 at depth 0: EE certificate key too weak', 'n/a'),
];

/** Cells where a verifier deliberately disagrees with the model, and why. */
export const EXPECTED_DIFFERENCES: readonly { readonly set: CertificateSetName; readonly clock: Clock | 'both'; readonly verifier: 'openssl' | 'node'; readonly why: string }[] = [
  { set: 'rsa-1024', clock: 'now', verifier: 'node', why: 'Node verifies at OpenSSL security level 1: RSA-1024 (80 bits) is enough there; mbedTLS needs 2048 bits' },
  ...CERTIFICATE_SET_NAMES.map((set) => ({ set, clock: '2021' as const, verifier: 'node' as const, why: 'Node cannot verify with a fake clock' })),
];

function renderTable(rows: readonly Row[]): string {
  return rows.map((entry) => [entry.set.padEnd(16), entry.clock.padEnd(5), entry.model.padEnd(36), entry.openssl.padEnd(62), entry.node].join(' ')).join('\n');
}

function modelCell(set: CertificateSet, now: Date): string {
  const verdict = verifyChain({ chain: set.chainDer, trusted: [set.caDer], hostname: set.serverHostname, now, profile: MODEL_PROFILE });
  if (verdict.flags === 0) return 'pass';
  return `${verdict.flagNames.map((name) => name.replace(/^BADCERT_/, '')).join('+')} → ${alertFor(verdict.flags)!.name}`;
}

function runOpenssl(openssl: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(openssl, args, { timeout: 10_000 }, (error, stdout, stderr) => {
      // A failed verification exits 2 with its report: only a missing or killed openssl is a test failure.
      if (error !== null && (error.killed === true || typeof error.code !== 'number')) reject(new Error(`openssl ${args.join(' ')}: ${error.message}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

async function opensslCell(openssl: string, set: CertificateSet, now: Date): Promise<string> {
  const args = ['verify', '-auth_level', '2', '-attime', String(Math.floor(now.getTime() / 1000)), '-CAfile', join(set.dir, SET_FILES.ca.pem)];
  if (set.intermediatePem !== undefined) args.push('-untrusted', join(set.dir, SET_FILES.intermediate.pem));
  args.push('-verify_hostname', set.serverHostname, join(set.dir, SET_FILES.leaf.pem));
  const output = await runOpenssl(openssl, args);
  if (/: OK\s*$/.test(output)) return 'OK';
  const first = /error (\d+) at (\d+) depth lookup: (.*)/.exec(output);
  if (first === null) throw new Error(`unexpected openssl output: ${output}`);
  return `error ${first[1]} at depth ${first[2]}: ${first[3]!.trim()}`;
}

/** Node's TLS client against a local server sending the set's chain; the authorization error, or OK. */
async function nodeCell(set: CertificateSet): Promise<string> {
  // SECLEVEL=0 on the server only, so that it can serve SHA-1 and RSA-1024 certificates at all.
  const server = tls.createServer({ cert: set.chainPem, key: set.leafKeyPem, ciphers: 'DEFAULT@SECLEVEL=0' }, (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: set.serverHostname, ca: set.caPem, rejectUnauthorized: false, timeout: 10_000 });
      socket.once('secureConnect', () => {
        resolve(socket.authorized ? 'OK' : String(socket.authorizationError));
        socket.destroy();
      });
      socket.once('timeout', () => {
        socket.destroy();
        reject(new Error(`no TLS handshake with the ${set.name} server in 10 s`));
      });
      socket.once('error', (error: Error) => reject(error));
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('certificate sets: the verdict table (model × openssl × Node)', function () {
  this.timeout(60_000);
  let base: string;
  let openssl: string;
  const sets = new Map<CertificateSetName, CertificateSet>();
  const now = new Date();

  before(async function () {
    openssl = requireTool(this, 'openssl', 'apt-get install openssl');
    base = await mkdtemp(join(tmpdir(), 'picow-verdicts-'));
    await generateCertificateSets({ outDir: base, hostIps: [], detectedHostIps: [], now });
    for (const name of CERTIFICATE_SET_NAMES) sets.set(name, await loadCertificateSet(base, name));
  });

  after(async () => {
    if (base !== undefined) await rm(base, { recursive: true, force: true });
  });

  it('covers every set at both clocks', () => {
    expect(VERDICTS.map((entry) => `${entry.set}@${entry.clock}`)).to.deep.equal(CERTIFICATE_SET_NAMES.flatMap((name) => [`${name}@now`, `${name}@2021`]));
  });

  it('gives the verdicts of the table', async () => {
    const observed: Row[] = [];
    for (const expected of VERDICTS) {
      const set = sets.get(expected.set)!;
      const clock = expected.clock === 'now' ? now : COLD_BOOT;
      observed.push({
        set: expected.set,
        clock: expected.clock,
        model: modelCell(set, clock),
        openssl: await opensslCell(openssl, set, clock),
        node: expected.clock === 'now' ? await nodeCell(set) : 'n/a',
      });
    }
    expect(renderTable(observed)).to.equal(renderTable(VERDICTS));
  });

  it('agrees with the verdict each set documents for itself (src/pki/sets.ts)', () => {
    for (const spec of CERTIFICATE_SETS) {
      const set = sets.get(spec.name)!;
      for (const [clock, expected] of [
        [now, spec.expected.synced],
        [COLD_BOOT, spec.expected.coldBoot],
      ] as const) {
        const verdict = verifyChain({ chain: set.chainDer, trusted: [set.caDer], hostname: set.serverHostname, now: clock, profile: MODEL_PROFILE });
        expect(verdict.flagNames, `${spec.name} at ${clock.toISOString()}`).to.deep.equal([...expected.flags]);
      }
    }
  });

  it('lets a board that has been up an hour accept boot-epoch-edge: the clock decides, not the certificate', () => {
    const set = sets.get('boot-epoch-edge')!;
    const anHourLater = new Date(COLD_BOOT.getTime() + 60 * 60 * 1000);
    expect(verifyChain({ chain: set.chainDer, trusted: [set.caDer], hostname: set.serverHostname, now: anHourLater, profile: MODEL_PROFILE }).flags).to.equal(0);
  });

  it('gives the same flags on every firmware that verifies, and no date flags on v1.19.1-88', () => {
    const dateFlags = FLAG.BADCERT_FUTURE | FLAG.BADCERT_EXPIRED;
    for (const name of CERTIFICATE_SET_NAMES) {
      const set = sets.get(name)!;
      for (const clock of [now, COLD_BOOT]) {
        const judge = (profile: string): number => verifyChain({ chain: set.chainDer, trusted: [set.caDer], hostname: set.serverHostname, now: clock, profile }).flags;
        const reference = judge(MODEL_PROFILE);
        for (const profile of TLS_VERIFICATION_PROFILES) {
          const expected = profile.checksDates ? reference : reference & ~dateFlags;
          expect(judge(profile.profile), `${name} on ${profile.profile} at ${clock.toISOString()}`).to.equal(expected);
        }
      }
    }
  });

  it('raises OSError -9984 on v1.21.0 and the verify-info ValueError on v1.22.2 for every failing cell', () => {
    for (const entry of VERDICTS.filter((candidate) => candidate.model !== 'pass')) {
      const set = sets.get(entry.set)!;
      const flags = verifyChain({ chain: set.chainDer, trusted: [set.caDer], hostname: set.serverHostname, now: entry.clock === 'now' ? now : COLD_BOOT, profile: 'v1.22.2' }).flags;
      expect(boardError(flags, 'v1.21.0')!.printed).to.equal("OSError: (-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED')");
      expect(boardError(flags, 'v1.22.2')!.printed).to.equal(`ValueError: ${verifyInfoText(flags)}`);
    }
  });

  it('documents every disagreement with the model', () => {
    const passes = (cell: string): boolean => cell === 'pass' || cell === 'OK';
    const undocumented = VERDICTS.flatMap((entry) =>
      (['openssl', 'node'] as const)
        .filter((verifier) => passes(entry[verifier]) !== passes(entry.model) || entry[verifier] === 'n/a')
        .filter((verifier) => !EXPECTED_DIFFERENCES.some((difference) => difference.set === entry.set && difference.verifier === verifier && (difference.clock === entry.clock || difference.clock === 'both')))
        .map((verifier) => `${entry.set}@${entry.clock} ${verifier}`),
    );
    expect(undocumented).to.deep.equal([]);
  });
});
