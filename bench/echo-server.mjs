#!/usr/bin/env node
// TLS echo server figures, from the built dist/ on plain node: round trips under the load the tests
// use (200 concurrent TLS 1.2 clients × 50 echoes) and bulk echo throughput. The server runs on this
// thread; the clients run in a worker thread (their own event loop), so client crypto does not
// queue behind the server's. Every echo is checked; a run with a lost or corrupted byte fails.
//
//   node bench/echo-server.mjs          (after npm run build)
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const CLIENTS = 200;
const ECHOES_PER_CLIENT = 50;
const PAYLOAD_BYTES = 64;
const BULK_BYTES = 64 * 1024 * 1024;
const BULK_CHUNK_BYTES = 16 * 1024;
const BULK_RUNS = 3;
const CLIENT_TIMEOUT_MS = 60_000;
const SERVER_NAME = 'picow-harness.local';

// ---------------------------------------------------------------- clients (worker thread)

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One client: handshake, correlation line, then ECHOES_PER_CLIENT timed round trips of PAYLOAD_BYTES. */
function roundTripClient(port, ca, id) {
  return new Promise((resolve, reject) => {
    const connectStarted = performance.now();
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: SERVER_NAME, maxVersion: 'TLSv1.2', ecdhCurve: 'P-256:P-384' });
    const trips = [];
    let handshakeMs;
    let expected = Buffer.from(`${id}\n`);
    let got = [];
    let gotBytes = 0;
    let sentAt = 0;
    let round = -1; // -1: the correlation line
    const sendNext = () => {
      round += 1;
      if (round === ECHOES_PER_CLIENT) {
        socket.end();
        return;
      }
      expected = randomBytes(PAYLOAD_BYTES);
      sentAt = performance.now();
      socket.write(expected);
    };
    socket.on('secureConnect', () => {
      handshakeMs = performance.now() - connectStarted;
      socket.write(expected);
    });
    socket.on('data', (chunk) => {
      got.push(chunk);
      gotBytes += chunk.length;
      if (gotBytes < expected.length) return;
      const echoed = Buffer.concat(got);
      if (!echoed.equals(expected)) {
        socket.destroy();
        reject(new Error(`${id}: echo ${round} differs from what was sent`));
        return;
      }
      if (round >= 0) trips.push(performance.now() - sentAt);
      got = [];
      gotBytes = 0;
      sendNext();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      if (round !== ECHOES_PER_CLIENT) reject(new Error(`${id}: closed after ${Math.max(round, 0)} of ${ECHOES_PER_CLIENT} echoes`));
      else resolve({ handshakeMs, trips });
    });
  });
}

/** One connection pushing BULK_BYTES through the echo as fast as flow control allows; checks a digest. */
function bulkClient(connect) {
  return new Promise((resolve, reject) => {
    const socket = connect();
    const sentHash = createHash('sha256');
    const receivedHash = createHash('sha256');
    let sent = 0;
    let received = 0;
    let started = 0;
    const block = randomBytes(BULK_CHUNK_BYTES);
    const pump = () => {
      while (sent < BULK_BYTES) {
        const chunk = sent === 0 ? Buffer.concat([Buffer.from('bulk\n'), block.subarray(5)]) : block;
        sent += chunk.length;
        sentHash.update(chunk);
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => {
      started = performance.now();
      pump();
    });
    socket.on('data', (chunk) => {
      received += chunk.length;
      receivedHash.update(chunk);
      if (received >= BULK_BYTES) {
        const elapsedMs = performance.now() - started;
        socket.end();
        const intact = received === sent && receivedHash.digest('hex') === sentHash.digest('hex');
        if (!intact) reject(new Error(`bulk echo corrupted: sent ${sent} B, received ${received} B`));
        else resolve({ bytes: received, elapsedMs });
      }
    });
    socket.on('error', reject);
  });
}

async function runClients({ tlsPort, plainPort, ca }) {
  const loadStarted = performance.now();
  const results = await withTimeout(
    Promise.all(Array.from({ length: CLIENTS }, (_, index) => roundTripClient(tlsPort, ca, `bench-${index}`))),
    CLIENT_TIMEOUT_MS,
    `${CLIENTS} clients × ${ECHOES_PER_CLIENT} echoes`,
  );
  const loadMs = performance.now() - loadStarted;
  const tlsBulk = [];
  const plainBulk = [];
  for (let run = 0; run < BULK_RUNS; run += 1) {
    const tlsConnect = () => tls.connect({ host: '127.0.0.1', port: tlsPort, ca, servername: SERVER_NAME, maxVersion: 'TLSv1.2' });
    tlsBulk.push(await withTimeout(bulkClient(tlsConnect), CLIENT_TIMEOUT_MS, 'TLS bulk echo'));
    plainBulk.push(await withTimeout(bulkClient(() => net.connect({ host: '127.0.0.1', port: plainPort })), CLIENT_TIMEOUT_MS, 'plain bulk echo'));
  }
  return {
    loadMs,
    handshakes: results.map((result) => result.handshakeMs),
    trips: results.flatMap((result) => result.trips),
    tlsBulk,
    plainBulk,
  };
}

if (!isMainThread && workerData?.role === 'echo-clients') {
  runClients(workerData).then(
    (result) => parentPort.postMessage({ result }),
    (error) => parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
}

// ---------------------------------------------------------------- server and report (main thread)

/** Nearest-rank quantile of ascending-sorted samples. */
function quantile(sorted, q) {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

function distribution(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] };
}

function ms(value) {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function mbPerSecond(bytes, elapsedMs) {
  return (bytes / (1024 * 1024) / (elapsedMs / 1000)).toFixed(1);
}

function alignedTable(header, rows) {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((cells) => cells[column].length)));
  const line = (cells) => cells.map((cell, column) => (column >= 1 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

function runClientWorker(data) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { role: 'echo-clients', ...data } });
    worker.once('message', (message) => {
      void worker.terminate();
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.result);
    });
    worker.once('error', reject);
  });
}

/**
 * Runs the echo-server bench and returns its text (a table and the method), for bench/run.mjs or
 * for printing on its own.
 */
export async function benchEchoServer({ progress = () => undefined } = {}) {
  const { generateCertificateSets, loadCertificateSet } = await import('../dist/pki/index.js');
  const { startEchoServer } = await import('../dist/server/index.js');
  const dir = await mkdtemp(join(tmpdir(), 'picow-bench-serve-'));
  try {
    progress('echo server: generating a certificate set');
    await generateCertificateSets({ outDir: dir, hostIps: [], detectedHostIps: [] });
    const set = await loadCertificateSet(dir, 'valid');
    const server = await startEchoServer({
      host: '127.0.0.1',
      plainPort: 0,
      maxConnections: CLIENTS + 16,
      tls: { certChainPem: set.chainPem, keyPem: set.leafKeyPem },
    });
    const records = [];
    server.events.on('connection', (record) => records.push(record));
    let result;
    try {
      progress(`echo server: ${CLIENTS} TLS clients × ${ECHOES_PER_CLIENT} echoes of ${PAYLOAD_BYTES} B, then ${BULK_BYTES / 1024 / 1024} MiB bulk over TLS and plain`);
      result = await runClientWorker({ tlsPort: server.port, plainPort: server.plainPort, ca: set.caPem });
    } finally {
      await server.close();
    }
    const expectedConnections = CLIENTS + 2 * BULK_RUNS;
    const clean = records.filter((record) => record.handshake !== 'failed' && record.bytesIn === record.bytesOut).length;
    if (records.length !== expectedConnections || clean !== expectedConnections) {
      throw new Error(`the server recorded ${records.length} connections (${clean} clean), expected ${expectedConnections}`);
    }
    const trips = distribution(result.trips);
    const handshakes = distribution(result.handshakes);
    const echoedBytes = CLIENTS * ECHOES_PER_CLIENT * PAYLOAD_BYTES;
    const bulkRow = (label, runs) => {
      const times = distribution(runs.map((run) => run.elapsedMs));
      return [label, String(times.n), ms(times.p50), '-', '-', ms(times.max), `${mbPerSecond(BULK_BYTES, times.p50)} MB/s (median run)`];
    };
    const rows = [
      [`round trip, ${CLIENTS} concurrent clients`, String(trips.n), ms(trips.p50), ms(trips.p90), ms(trips.p99), ms(trips.max), `${Math.round(trips.n / (result.loadMs / 1000))} echoes/s, ${mbPerSecond(echoedBytes, result.loadMs)} MB/s`],
      [`TLS 1.2 handshake, ${CLIENTS} at once`, String(handshakes.n), ms(handshakes.p50), ms(handshakes.p90), ms(handshakes.p99), ms(handshakes.max), '-'],
      bulkRow(`bulk echo ${BULK_BYTES / 1024 / 1024} MiB, 1 TLS conn.`, result.tlsBulk),
      bulkRow(`bulk echo ${BULK_BYTES / 1024 / 1024} MiB, 1 plain conn.`, result.plainBulk),
    ];
    const header = ['echo server', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'throughput'];
    return [
      alignedTable(header, rows),
      '',
      'Echo server method:',
      `- Server (dist/server, certificate set "valid", ECDSA P-256) on this thread; clients in a worker thread on loopback; ${cpus().length} CPU(s) shared by both.`,
      `- Round trip: ${CLIENTS} TLS 1.2 clients (P-256/P-384 only, like mbedTLS) connect at once; each sends its correlation line, then ${ECHOES_PER_CLIENT} × ${PAYLOAD_BYTES} random bytes, one at a time, timing write → complete echo and checking every byte. Throughput there is payload echoed over the whole load phase (handshakes included).`,
      `- Bulk (${BULK_RUNS} runs each, one connection at a time; the p50 column is the median run's time): ${BULK_BYTES / 1024 / 1024} MiB written in ${BULK_CHUNK_BYTES / 1024} KiB chunks with flow control while the echo is read back; MB/s = MiB echoed ÷ time from first write to last byte back; SHA-256 of both directions compared.`,
      `- The server recorded ${records.length} connections, each with bytes in = bytes out.`,
    ].join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (isMainThread && process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchEchoServer({ progress: (text) => process.stderr.write(`bench: ${text}\n`) }).then(
    (text) => process.stdout.write(`${text}\n`),
    (error) => {
      process.stderr.write(`bench: echo server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
