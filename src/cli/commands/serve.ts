import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
// Light modules only: loading a set (@peculiar/x509) happens when the command runs.
import { DEFAULT_OUT_DIR, SET_FILES } from '../../pki/layout.js';
import type { CertificateSet } from '../../pki/load.js';
import { DEFAULT_CERTIFICATE_SET, findCertificateSet } from '../../pki/sets.js';
import { hostIpv4Addresses } from '../../pki/subject-names.js';
import { ECHO_SERVER_DEFAULTS, startEchoServer, type ConnectionRecord, type EchoServer } from '../../server/index.js';
import { defineCommand } from '../command.js';
import { writeLine, type WritableLike } from '../io.js';
import { parseWholeNumber, type GlobalArgs } from '../options.js';

interface ServeArgs extends GlobalArgs {
  readonly set: string;
  readonly certs: string;
  readonly bind: string;
  readonly 'tls-port'?: string | undefined;
  readonly 'plain-port'?: string | undefined;
  readonly mtls: boolean;
  readonly log?: string | undefined;
  readonly 'max-connections'?: string | undefined;
  readonly 'handshake-timeout'?: string | undefined;
  readonly 'idle-timeout'?: string | undefined;
  readonly 'max-line'?: string | undefined;
  readonly json: boolean;
}

const SERVER_GROUP = 'Server:';

/** `reports/serve-2026-01-31T12-00-00Z.jsonl`: a new file per run, sortable, safe on every filesystem. */
function defaultLogPath(now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return join('reports', `serve-${stamp}.jsonl`);
}

/** The set, or a one-line error saying how to create it (generating is `picow-harness certs`' job). */
async function loadSet(certsDir: string, name: string): Promise<CertificateSet> {
  const spec = findCertificateSet(name);
  const dir = join(certsDir, spec.name);
  const present = await stat(dir).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!present) {
    const create = certsDir === DEFAULT_OUT_DIR ? 'picow-harness certs' : `picow-harness certs --out ${certsDir}`;
    throw new ConfigError(`certificate set ${spec.name} not found in ${dir}; create the sets with: ${create}`, { file: dir });
  }
  const { loadCertificateSet } = await import('../../pki/load.js');
  return loadCertificateSet(certsDir, spec.name);
}

function endpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** One human line per finished connection. */
export function describeConnection(record: ConnectionRecord): string {
  const remote = record.remote.address === null ? 'unknown peer' : endpoint(record.remote.address, record.remote.port ?? 0);
  const parts = [`#${record.id}`, remote, record.listener];
  if (record.handshake === 'ok') parts.push(`${record.tls?.version ?? '?'} ${record.tls?.cipher ?? '?'}`);
  if (record.handshake === 'failed') parts.push('handshake failed');
  if (record.alert !== null) parts.push(`alert ${record.alert.name} (${record.alert.number}) ${record.alert.direction}`);
  else if (record.handshake === 'failed' && record.error?.code !== null && record.error?.code !== undefined) parts.push(record.error.code);
  if (record.tls?.sni !== null && record.tls?.sni !== undefined) parts.push(`sni ${record.tls.sni}`);
  if (record.tls?.clientCertificate !== null && record.tls?.clientCertificate !== undefined) parts.push(`client ${record.tls.clientCertificate.subject}`);
  if (record.tls?.clientCertificateError !== null && record.tls?.clientCertificateError !== undefined) parts.push(`client certificate ${record.tls.clientCertificateError}`);
  if (record.correlationId !== null) parts.push(`id "${record.correlationId}"`);
  if (record.bytesIn > 0 || record.bytesOut > 0) parts.push(`${record.bytesIn} B in, ${record.bytesOut} B echoed`);
  parts.push(`${record.endReason} after ${Math.round(record.durationMs)} ms`);
  return parts.join('  ');
}

function printStartup(out: WritableLike, server: EchoServer, set: CertificateSet, logPath: string, json: boolean): void {
  if (json) {
    writeLine(
      out,
      JSON.stringify({
        tls: { host: server.host, port: server.port },
        plain: server.plainPort === undefined ? null : { host: server.host, port: server.plainPort },
        set: set.name,
        serverHostname: set.serverHostname,
        mtls: server.mtls,
        securityLevel: server.securityLevel,
        log: logPath,
      }),
    );
    return;
  }
  writeLine(out, `TLS echo server on ${endpoint(server.host, server.port)}, certificate set ${set.name} (Ctrl-C to stop)`);
  if (server.plainPort !== undefined) writeLine(out, `plain echo on ${endpoint(server.host, server.plainPort)}`);
  if (server.host === '0.0.0.0' || server.host === '::') {
    const addresses = hostIpv4Addresses();
    if (addresses.length > 0) writeLine(out, `this host's addresses: ${addresses.join(', ')}`);
  }
  writeLine(out, `a board passes server_hostname="${set.serverHostname}" and loads ${join(set.dir, SET_FILES.ca.der)} as cadata=`);
  if (server.mtls) writeLine(out, `mTLS: clients must send ${join(set.dir, SET_FILES.clientChain)} with ${join(set.dir, SET_FILES.clientKey.pkcs8Pem)}`);
  if (server.securityLevel === 0) writeLine(out, 'OpenSSL security level 0: this set\'s chain is too weak for the default level (that is what the set tests)');
  writeLine(out, `log ${logPath}`);
}

export const serveCommand = defineCommand<ServeArgs>({
  command: 'serve',
  describe: 'Run the TLS echo server a Pico W connects to (JSON Lines log per connection) until Ctrl-C',
  builder: (yargs) =>
    yargs
      .option('set', { type: 'string', requiresArg: true, default: DEFAULT_CERTIFICATE_SET, group: SERVER_GROUP, describe: 'certificate set to serve' })
      .option('certs', { type: 'string', requiresArg: true, default: DEFAULT_OUT_DIR, group: SERVER_GROUP, describe: 'base folder of the certificate sets' })
      .option('bind', { type: 'string', requiresArg: true, default: ECHO_SERVER_DEFAULTS.host, group: SERVER_GROUP, describe: 'address to listen on (0.0.0.0 for boards on the LAN)' })
      .option('tls-port', { type: 'string', requiresArg: true, group: SERVER_GROUP, describe: 'TLS port (default 0: a free port, printed)' })
      .option('plain-port', { type: 'string', requiresArg: true, group: SERVER_GROUP, describe: 'also echo without TLS on this port (0: a free one)' })
      .option('mtls', { type: 'boolean', default: false, group: SERVER_GROUP, describe: 'require a client certificate issued by the set\'s CA' })
      .option('log', { type: 'string', requiresArg: true, group: SERVER_GROUP, describe: 'JSON Lines log file (default reports/serve-<time>.jsonl)' })
      .option('max-connections', { type: 'string', requiresArg: true, group: SERVER_GROUP, describe: `open connections beyond which new ones are closed (default ${ECHO_SERVER_DEFAULTS.maxConnections})` })
      .option('handshake-timeout', { type: 'string', requiresArg: true, group: SERVER_GROUP, describe: `MS from accept to the end of the TLS handshake (default ${ECHO_SERVER_DEFAULTS.handshakeTimeoutMs})` })
      .option('idle-timeout', { type: 'string', requiresArg: true, group: SERVER_GROUP, describe: `MS without traffic before a connection is closed (default ${ECHO_SERVER_DEFAULTS.idleTimeoutMs})` })
      .option('max-line', { type: 'string', requiresArg: true, group: SERVER_GROUP, describe: `longest first line (correlation id) in bytes (default ${ECHO_SERVER_DEFAULTS.maxLineBytes})` })
      .option('json', { type: 'boolean', default: false, describe: 'print the addresses, then each connection record, as JSON lines' })
      .example('$0 serve --set valid --bind 0.0.0.0 --tls-port 8443', 'serve the control set to boards on the LAN')
      .example('$0 serve --set expired --plain-port 0 --mtls', 'serve an expired chain, require client certificates, and also echo without TLS'),
  async run(args, { io, signal }) {
    const port = parseWholeNumber('tls-port', args['tls-port'], { min: 0, max: 65535 }) ?? 0;
    const plainPort = parseWholeNumber('plain-port', args['plain-port'], { min: 0, max: 65535 });
    const maxConnections = parseWholeNumber('max-connections', args['max-connections'], { min: 1 });
    const handshakeTimeoutMs = parseWholeNumber('handshake-timeout', args['handshake-timeout'], { min: 1 });
    const idleTimeoutMs = parseWholeNumber('idle-timeout', args['idle-timeout'], { min: 1 });
    const maxLineBytes = parseWholeNumber('max-line', args['max-line'], { min: 1 });
    const set = await loadSet(args.certs, args.set);
    const logPath = args.log ?? defaultLogPath();
    const server = await startEchoServer({
      host: args.bind,
      port,
      plainPort,
      tls: { certChainPem: set.chainPem, keyPem: set.leafKeyPem, clientCaPem: set.caPem },
      mtls: args.mtls,
      maxConnections,
      handshakeTimeoutMs,
      idleTimeoutMs,
      maxLineBytes,
      log: logPath,
    });
    server.events.on('error', (error) => writeLine(io.stderr, `picow-harness: serve: ${error.message}`));
    server.events.on('connection', (record) => writeLine(io.stdout, args.json ? JSON.stringify(record) : describeConnection(record)));
    printStartup(io.stdout, server, set, logPath, args.json);
    if (!signal.aborted) await once(signal, 'abort');
    await server.close();
    if (!args.json) writeLine(io.stdout, `stopped; log ${logPath}`);
    return 0;
  },
});
