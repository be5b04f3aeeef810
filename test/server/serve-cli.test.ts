import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { runCli } from '../../src/cli/main.js';
import { CERTIFICATE_SET_NAMES, generateCertificateSets, loadCertificateSet } from '../../src/pki/index.js';
import { startEchoServer, type ServerLogRecord } from '../../src/server/index.js';
import { plainExchange, RecordCollector, tlsExchange, WAIT_MS } from './support/clients.js';

/** A stdout/stderr stand-in that keeps the text and can wait for a pattern. */
class Collector {
  text = '';

  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }

  async waitFor(pattern: RegExp, timeoutMs = WAIT_MS): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.text);
      if (match !== null) return match;
      if (Date.now() > deadline) throw new Error(`no ${String(pattern)} in output: ${JSON.stringify(this.text)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

interface Running {
  readonly stdout: Collector;
  readonly stderr: Collector;
  readonly stop: () => void;
  readonly exit: Promise<number>;
}

function serve(argv: string[]): Running {
  const stdout = new Collector();
  const stderr = new Collector();
  const controller = new AbortController();
  const exit = runCli(['serve', ...argv], { stdout, stderr, env: {}, signal: controller.signal });
  return { stdout, stderr, stop: () => controller.abort(), exit };
}

describe('picow-harness serve, with the certificate sets', function () {
  let dir: string;
  let certs: string;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'picow-serve-cli-'));
    certs = join(dir, 'certs');
    await generateCertificateSets({ outDir: certs, hostIps: [], detectedHostIps: [] });
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves every certificate set, sending its whole chain; weak-hash needs OpenSSL security level 0', async function () {
    for (const name of CERTIFICATE_SET_NAMES) {
      const set = await loadCertificateSet(certs, name);
      const log = new PassThrough();
      const lines: string[] = [];
      log.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter((line) => line !== '')));
      const server = await startEchoServer({ host: '127.0.0.1', tls: { certChainPem: set.chainPem, keyPem: set.leafKeyPem }, log });
      try {
        const outcome = await tlsExchange(server.port, { servername: set.serverHostname, rejectUnauthorized: false, maxVersion: 'TLSv1.2' }, { send: `${name}\n`, closeAfterBytes: name.length + 1 });
        expect(outcome.received.toString(), name).to.equal(`${name}\n`);
        expect(server.securityLevel, name).to.equal(name === 'weak-hash' ? 0 : 1);
      } finally {
        await server.close();
      }
      const listening = JSON.parse(lines[0] ?? '{}') as ServerLogRecord;
      if (listening.kind !== 'listening') throw new Error(`${name}: no listening line`);
      expect(listening.chain.length, name).to.equal(name === 'self-signed-leaf' ? 1 : 2);
      expect(listening.chain[0]?.fingerprint256.replace(/:/g, '').toLowerCase(), name).to.equal(set.manifest.certificates.leaf.sha256.replace(/:/g, '').toLowerCase());
    }
  });

  it('prints its ports as JSON, echoes on both ports, logs every connection and stops cleanly on the signal', async function () {
    const logPath = join(dir, 'logs', 'json.jsonl');
    const running = serve(['--certs', certs, '--set', 'valid', '--plain-port', '0', '--log', logPath, '--json']);
    const [first] = await running.stdout.waitFor(/^\{.*\}\n/);
    const started = JSON.parse(first) as { tls: { host: string; port: number }; plain: { port: number }; set: string; serverHostname: string; log: string; mtls: boolean };
    expect(started).to.deep.include({ set: 'valid', log: logPath, mtls: false, serverHostname: 'picow-harness.local' });
    expect(started.tls.host).to.equal('127.0.0.1');

    const set = await loadCertificateSet(certs, 'valid');
    const secure = await tlsExchange(started.tls.port, { ca: set.caPem, servername: set.serverHostname, maxVersion: 'TLSv1.2' }, { send: 'cli-1\nping\n', closeAfterBytes: 11 });
    expect(secure.received.toString()).to.equal('cli-1\nping\n');
    const plain = await plainExchange(started.plain.port, { send: 'cli-2\n', closeAfterBytes: 6 });
    expect(plain.received.toString()).to.equal('cli-2\n');
    await running.stdout.waitFor(/"correlationId":"cli-2"/);

    running.stop();
    expect(await running.exit, running.stderr.text).to.equal(0);
    const records = (await readFile(logPath, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ServerLogRecord);
    expect(records.map((record) => record.kind)).to.deep.equal(['listening', 'connection', 'connection', 'closed']);
    const connections = records.filter((record) => record.kind === 'connection');
    expect(connections.map((record) => record.correlationId).sort()).to.deep.equal(['cli-1', 'cli-2']);
    expect(running.stderr.text).to.equal('');
  });

  it('tells a person where to point the board, one line per connection, and where the log went', async function () {
    const logPath = join(dir, 'logs', 'human.jsonl');
    const running = serve(['--certs', certs, '--set', 'expired', '--mtls', '--log', logPath]);
    const [, host, port] = await running.stdout.waitFor(/^TLS echo server on (127\.0\.0\.1):(\d+), certificate set expired \(Ctrl-C to stop\)$/m);
    expect(host).to.equal('127.0.0.1');
    expect(running.stdout.text).to.include(`loads ${join(certs, 'expired', 'ca.der')} as cadata=`);
    expect(running.stdout.text).to.include(`mTLS: clients must send ${join(certs, 'expired', 'client-chain.pem')}`);
    expect(running.stdout.text).to.include(`log ${logPath}`);

    const set = await loadCertificateSet(certs, 'expired');
    const outcome = await tlsExchange(Number(port), { servername: set.serverHostname, rejectUnauthorized: false, cert: set.clientChainPem, key: set.clientKeyPem }, { send: 'human-1\n', closeAfterBytes: 8 });
    expect(outcome.received.toString()).to.equal('human-1\n');
    await running.stdout.waitFor(/^#1 {2}127\.0\.0\.1:\d+ {2}tls {2}TLSv1\.3 \S+ {2}sni picow-harness\.local {2}client CN=[^\n]+? {2}id "human-1" {2}8 B in, 8 B echoed {2}client-closed after \d+ ms$/m);

    running.stop();
    expect(await running.exit).to.equal(0);
    expect(running.stdout.text).to.match(/stopped; log .*human\.jsonl\n$/);
  });

  it('fails with one line saying how to create a set that is not there', async function () {
    const stdout = new Collector();
    const stderr = new Collector();
    const code = await runCli(['serve', '--certs', join(dir, 'nowhere'), '--set', 'valid'], { stdout, stderr, env: {} });
    expect(code).to.equal(2);
    expect(stderr.text).to.match(/^picow-harness: certificate set valid not found in \S+; create the sets with: picow-harness certs --out \S+nowhere\n$/);
  });

  it('rejects an unknown set and a bad port as usage errors', async function () {
    for (const argv of [['--set', 'no-such-set'], ['--tls-port', 'eighty']]) {
      const stdout = new Collector();
      const stderr = new Collector();
      const code = await runCli(['serve', '--certs', certs, ...argv], { stdout, stderr, env: {} });
      expect(code, argv.join(' ')).to.equal(2);
      expect(stderr.text).to.match(/^picow-harness: [^\n]+\n$/);
    }
  });

  it('records the client certificate subject that mTLS verified', async function () {
    const set = await loadCertificateSet(certs, 'valid');
    const server = await startEchoServer({ host: '127.0.0.1', tls: { certChainPem: set.chainPem, keyPem: set.leafKeyPem, clientCaPem: set.caPem }, mtls: true });
    const records = new RecordCollector(server);
    try {
      const outcome = await tlsExchange(server.port, { ca: set.caPem, servername: set.serverHostname, cert: set.clientChainPem, key: set.clientKeyPem }, { send: 'm\n', closeAfterBytes: 2 });
      const record = await records.fromClientPort(outcome.localPort);
      expect(record.tls?.clientCertificate?.subject).to.match(/^CN=/);
      expect(record.tls?.clientCertificateError).to.equal(null);
    } finally {
      await server.close();
    }
  });
});
