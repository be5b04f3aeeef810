import { join } from 'node:path';
import { UsageError } from '../../errors.js';
// Light modules only: the generator (@peculiar/x509) is loaded when the command runs.
import type { CertsEvent } from '../../pki/generate.js';
import { KEY_CHOICES } from '../../pki/key-choices.js';
import { DEFAULT_OUT_DIR, SHARED_CA_DIR } from '../../pki/layout.js';
import type { CertificateSetManifest } from '../../pki/manifest.js';
import { CERTIFICATE_SETS, RP2_BOOT_EPOCH, type ExpectedVerdict } from '../../pki/sets.js';
import { defineCommand } from '../command.js';
import { table } from '../format.js';
import { writeLine } from '../io.js';
import type { GlobalArgs } from '../options.js';

interface CertsArgs extends GlobalArgs {
  readonly out: string;
  readonly key?: string | undefined;
  readonly dns?: string | undefined;
  readonly san?: string[] | undefined;
  readonly 'host-ip'?: string[] | undefined;
  readonly force: boolean;
  readonly json: boolean;
  readonly inspect?: string | undefined;
  readonly at?: string | undefined;
  readonly host?: string | undefined;
  readonly ca?: string | undefined;
}

const GENERATE_GROUP = 'Generating the sets:';
const INSPECT_GROUP = 'Inspecting a certificate (--inspect):';

/** `--at`: an ISO 8601 time, `now`, or `boot` (2021-01-01T00:00:00Z, a cold Pico W's RTC). */
export function parseAt(value: string): Date {
  const text = value.trim();
  if (text === 'now') return new Date();
  if (text === 'boot') return new Date(RP2_BOOT_EPOCH);
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) throw new UsageError(`--at: expected an ISO 8601 time (e.g. 2021-01-01T00:00:05Z), now or boot; got ${JSON.stringify(value)}`);
  return new Date(time);
}

/** `--host-ip none` means no host addresses at all; otherwise the addresses as given. */
function hostIpsOption(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  if (values.length === 1 && values[0] === 'none') return [];
  if (values.includes('none')) throw new UsageError('--host-ip none cannot be combined with addresses');
  return [...values];
}

function verdictText(verdict: ExpectedVerdict): string {
  return verdict.flags.length === 0 ? 'passes' : verdict.flags.map((flag) => flag.replace(/^BADCERT_/, '')).join('+');
}

function summaryLines(manifests: readonly CertificateSetManifest[], events: readonly CertsEvent[], out: string): string {
  const rows: string[][] = [];
  for (const event of events) {
    if (event.type === 'authority') rows.push([event.authority === 'shared' ? 'shared CA' : 'untrusted CA', event.action, event.dir, '']);
    if (event.type === 'set') {
      const expected = event.manifest.expected;
      rows.push([event.name, event.action, event.dir, `synced: ${verdictText(expected.synced)}; cold board: ${verdictText(expected.coldBoot)}`]);
    }
  }
  const first = manifests[0];
  const lines = [table(rows)];
  if (first !== undefined) {
    const request = first.request;
    const ips = request.hostIps.length === 0 ? 'no host IP' : `host IP ${request.hostIps.join(', ')}`;
    lines.push(
      '',
      `keys ${request.key}; leaves for ${request.dnsName} (${ips}${request.extraSans.length === 0 ? '' : `; also ${request.extraSans.join(', ')}`})`,
      `a board loads ${join(out, '<set>', 'ca.der')} (the shared root, SHA-256 ${first.certificates.ca.sha256}) as cadata= and passes server_hostname="${first.serverHostname}"`,
      `CA keys stay in ${join(out, SHARED_CA_DIR)}; private keys are 0600`,
    );
  }
  return lines.join('\n');
}

function rejectMixedOptions(args: CertsArgs): void {
  const given = (names: readonly (keyof CertsArgs)[]): string[] => names.filter((name) => args[name] !== undefined && args[name] !== false).map((name) => `--${name}`);
  if (args.inspect !== undefined) {
    const generation = given(['key', 'dns', 'san', 'host-ip', 'force']);
    if (generation.length > 0) throw new UsageError(`--inspect does not generate anything; drop ${generation.join(', ')}`);
  } else {
    const inspection = given(['at', 'host', 'ca']);
    if (inspection.length > 0) throw new UsageError(`${inspection.join(', ')} only go with --inspect FILE`);
  }
}

export const certsCommand = defineCommand<CertsArgs>({
  command: 'certs',
  describe: 'Generate the certificate sets (certs/<set>/) a board and the TLS server use, or --inspect a certificate as mbedTLS on the board judges it',
  builder: (yargs) =>
    yargs
      .option('out', { type: 'string', requiresArg: true, default: DEFAULT_OUT_DIR, group: GENERATE_GROUP, describe: 'base folder of the sets' })
      .option('key', { type: 'string', requiresArg: true, group: GENERATE_GROUP, describe: `key type: ${KEY_CHOICES.join(' | ')} (default: as before, else ${KEY_CHOICES[0]})` })
      .option('dns', { type: 'string', requiresArg: true, group: GENERATE_GROUP, describe: 'the leaf\'s DNS name and CN, what a board passes as server_hostname (default picow-harness.local)' })
      .option('host-ip', {
        type: 'string',
        array: true,
        requiresArg: true,
        group: GENERATE_GROUP,
        describe: 'an IP address of this host for the leaf, repeatable; "none" for none (default: every non-internal IPv4 address)',
      })
      .option('san', { type: 'string', array: true, requiresArg: true, group: GENERATE_GROUP, describe: 'another DNS name or IP address for the leaf, repeatable' })
      .option('force', { type: 'boolean', default: false, group: GENERATE_GROUP, describe: 'regenerate every key and certificate, the shared CA included (boards then need the new ca.der)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the manifests (or the --inspect report) as JSON' })
      .option('inspect', { type: 'string', requiresArg: true, group: INSPECT_GROUP, describe: 'judge this certificate or chain (PEM or DER) as mbedTLS on the board would; --profile V for one firmware (default: every one)' })
      .option('at', { type: 'string', requiresArg: true, group: INSPECT_GROUP, describe: 'the board clock: an ISO 8601 time, now, or boot (2021-01-01T00:00:00Z, a cold board)' })
      .option('host', { type: 'string', requiresArg: true, group: INSPECT_GROUP, describe: 'the server_hostname the board passes' })
      .option('ca', { type: 'string', requiresArg: true, group: INSPECT_GROUP, describe: 'the CA file the board trusts (cadata=)' })
      .example('$0 certs', `make or reuse every set under ${DEFAULT_OUT_DIR}/`)
      .example('$0 certs --key rsa-2048 --host-ip 192.168.1.10 --force', 'regenerate everything with RSA keys for one host address')
      .example('$0 certs --inspect certs/issued-now/chain.pem --ca certs/issued-now/ca.der --at boot', 'what a cold board says about a chain')
      .epilogue(`Sets: ${CERTIFICATE_SETS.map((spec) => spec.name).join(', ')}. Existing keys are reused; a run asking for something different is refused unless --force.`),
  async run(args, { io }) {
    rejectMixedOptions(args);
    if (args.inspect !== undefined) {
      // Loaded on demand: generating sets does not need the verification model.
      const { inspectCertificate, formatInspectReport } = await import('../../pki/mbedtls/inspect.js');
      const report = await inspectCertificate(args.inspect, {
        ...(args.at === undefined ? {} : { at: parseAt(args.at) }),
        ...(args.host === undefined ? {} : { host: args.host }),
        ...(args.profile === undefined ? {} : { profile: args.profile }),
        ...(args.ca === undefined ? {} : { trusted: args.ca }),
      });
      writeLine(io.stdout, args.json ? JSON.stringify(report, null, 2) : formatInspectReport(report));
      return 0;
    }

    const events: CertsEvent[] = [];
    const hostIps = hostIpsOption(args['host-ip']);
    const { generateCertificateSets } = await import('../../pki/generate.js');
    const manifests = await generateCertificateSets({
      outDir: args.out,
      force: args.force,
      ...(args.key === undefined ? {} : { key: args.key }),
      ...(args.dns === undefined ? {} : { dnsName: args.dns }),
      ...(hostIps === undefined ? {} : { hostIps }),
      ...(args.san === undefined ? {} : { sans: args.san }),
      onEvent: (event) => events.push(event),
    });
    for (const event of events) if (event.type === 'warning') writeLine(io.stderr, `picow-harness: warning: ${event.message}`);
    writeLine(io.stdout, args.json ? JSON.stringify(manifests, null, 2) : summaryLines(manifests, events, args.out));
    return 0;
  },
});
