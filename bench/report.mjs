// Report generation at scale: `picow-harness report` (rebuildReports from dist/) over 100 000
// synthetic attempt records. Each rebuild runs in a fresh node process so its peak memory is its
// own: the OS high-water mark (getrusage maxRSS) is the headline figure, not a sample. A second
// check reruns it with the V8 heap capped below the size of attempts.jsonl, which only a streaming
// implementation survives. Nothing printed is hard-coded except the synthetic run's shape.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { prng } from './support.mjs';

const RECORDS = 100_000;
const RUNS = 3;
const HEAP_CAP_MB = 64;
const CHILD_TIMEOUT_MS = 300_000;
const RUN_ID = '20250101-000000-bench';

const RESETS = ['hard', 'soft', 'power-cycle'];
const WIFI = [
  { variant: 'lab-pm-default', ap: 'lab', ssid: 'picow-lab', hidden: false, pm: 'default', pmValue: null },
  { variant: 'lab-pm-0xa11140', ap: 'lab', ssid: 'picow-lab', hidden: false, pm: 0xa11140, pmValue: 0xa11140 },
  { variant: 'hidden-pm-default', ap: 'hidden', ssid: 'picow-lab-hidden', hidden: true, pm: 'default', pmValue: null },
  { variant: 'hidden-pm-0xa11140', ap: 'hidden', ssid: 'picow-lab-hidden', hidden: true, pm: 0xa11140, pmValue: 0xa11140 },
];
const CERTS = ['valid', 'issued-now'];

function cells() {
  const list = [];
  for (const reset of RESETS) {
    for (const wifi of WIFI) {
      for (const certs of CERTS) {
        list.push({
          id: `${reset}/${wifi.variant}/${certs}`,
          reset,
          wifi: { ...wifi, channel: 6, country: 'XX', pinBssid: false, pinChannel: false, connect: 'fresh' },
          certs,
          tlsApi: 'SSLContext',
          rtc: 'cold',
          successClass: 'tls.ok',
        });
      }
    }
  }
  return list;
}

function manifest(cellList, iterations) {
  return {
    v: 1,
    runId: RUN_ID,
    createdAt: '2025-01-01T00:00:00.000Z',
    harness: { name: 'picow-harness', version: 'bench' },
    board: {
      kind: 'sim',
      identity: { port: '/sim/ttyACM0', serialNumber: 'e6614c311b7a8c2d' },
      firmware: { version: '3.4.0; MicroPython v1.24.1 on 2024-11-29' },
      sim: { worldHash: 'sha256:bench', seed: 1, timeScale: 20 },
    },
    config: { redacted: { config: { expect: [{ cell: '**/issued-now', rule: 'fails' }] } }, hash: 'sha256:bench' },
    certificates: {},
    uhubctl: { version: null },
    extra: { cells: cellList, certificateSets: [], seed: 1, plan: { cells: cellList.map((cell) => cell.id), iterations, attempts: cellList.length * iterations } },
  };
}

const rtcAt = (seconds) => [2021, 1, 1, 4, 0, 0, seconds, 0];

/** One record shaped like a real campaign's: power-saving hidden joins fail often, cold boots fail issued-now chains. */
function record(seq, cell, iteration, random) {
  const hiddenPs = cell.wifi.hidden && cell.wifi.pmValue === null;
  const cold = cell.reset !== 'soft';
  const startedAt = new Date(Date.UTC(2025, 0, 1) + seq * 1500).toISOString();
  const base = {
    v: 1,
    runId: RUN_ID,
    seq,
    cell: cell.id,
    iteration,
    startedAt,
    durationMs: 900 + Math.round(random() * 600),
    boardMs: 3000 + Math.round(random() * 2000),
    reset: { mode: cell.reset, verified: true, evidence: { resetCause: cold ? 'WDT_RESET' : 'SOFT_RESET', ticksMsAfter: 8000 }, escalations: [], durationMs: 400 },
    rtc: { mode: 'cold', before: rtcAt(8), after: rtcAt(8) },
    server: null,
    transcript: null,
    harnessError: null,
  };
  const joinFails = random() < (hiddenPs ? 0.55 : 0.02);
  const connectAt = 1200 + Math.round(random() * 900);
  const wifi = {
    kind: 'result',
    script: 'wifi_connect',
    mode: 'fresh',
    ssid: cell.wifi.ssid,
    linkUpBefore: false,
    statusBefore: 0,
    timeline: joinFails ? [[0, 1], [connectAt * 3, -1]] : [[0, 1], [connectAt, 2], [connectAt + 500, 3]],
    timeToIpMs: joinFails ? null : connectAt + 500,
    finalStatus: joinFails ? -1 : 3,
    rssi: joinFails ? null : -50 - Math.round(random() * 10),
    ifconfig: joinFails ? null : ['192.168.4.23', '255.255.255.0', '192.168.4.1', '192.168.4.1'],
    firstNegative: joinFails ? -1 : null,
    recovered: false,
    timeoutMs: 20000,
    pm: cell.wifi.pmValue ?? 0xa11142,
    country: 'XX',
    error: null,
  };
  if (joinFails) {
    const transcript = `transcripts/${String(seq).padStart(6, '0')}.log`;
    return { ...base, wifi, tls: null, class: 'wifi.connect-fail', classes: ['wifi.connect-fail'], detail: `STAT_CONNECT_FAIL (-1) at ${connectAt * 3} ms, never recovered`, transcript };
  }
  const future = cold && cell.certs === 'issued-now';
  const tls = {
    kind: 'result',
    script: 'tls_probe',
    api: 'SSLContext',
    apiAvailable: true,
    verifyMode: 'CERT_REQUIRED',
    verifyModeValue: 2,
    host: 'picow-harness.local',
    port: 8443,
    serverHostname: 'picow-harness.local',
    correlationId: `c-${seq}`,
    stage: future ? 'handshake' : 'done',
    rtcAtStart: rtcAt(10),
    rtcAtFailure: future ? rtcAt(11) : null,
    memFreeBefore: 150000,
    memFreeAtEnd: 140000,
    handshakeMs: future ? null : 350 + Math.round(random() * 200),
    cipher: future ? null : ['TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256', 'TLSv1.2', 128],
    echoOk: future ? null : true,
    echoMismatchAt: null,
    error: future ? { type: 'ValueError', args: ['The certificate validity starts in the future'], errno: null, text: 'The certificate validity starts in the future' } : null,
  };
  return future
    ? { ...base, wifi, tls, class: 'tls.verify.future', classes: ['wifi.ok', 'tls.verify.future'], detail: 'ValueError: The certificate validity starts in the future at handshake [BADCERT_FUTURE]', transcript: `transcripts/${String(seq).padStart(6, '0')}.log` }
    : { ...base, wifi, tls, class: 'tls.ok', classes: ['wifi.ok', 'tls.ok'], detail: 'echo ok' };
}

/** Writes the run directory with the records streamed to disk (never all in memory). */
async function writeSyntheticRun(dir) {
  const cellList = cells();
  const iterations = Math.ceil(RECORDS / cellList.length);
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest(cellList, iterations), null, 2)}\n`);
  const random = prng(1);
  const out = createWriteStream(join(dir, 'attempts.jsonl'));
  for (let seq = 0; seq < RECORDS; seq += 1) {
    const cell = cellList[seq % cellList.length];
    const line = `${JSON.stringify(record(seq, cell, Math.floor(seq / cellList.length) + 1, random))}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { cells: cellList.length, bytes: statSync(join(dir, 'attempts.jsonl')).size };
}

/** The child: load the module, note the memory high-water mark, time one rebuild, print JSON. */
const CHILD = `
const [moduleUrl, dir] = process.argv.slice(1);
const { rebuildReports } = await import(moduleUrl);
const loadedMaxRssKb = process.resourceUsage().maxRSS;
let peakHeap = process.memoryUsage().heapUsed;
const sampler = setInterval(() => { peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed); }, 5);
const started = performance.now();
const result = await rebuildReports(dir);
const wallMs = performance.now() - started;
clearInterval(sampler);
peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
process.stdout.write(JSON.stringify({ wallMs, loadedMaxRssKb, maxRssKb: process.resourceUsage().maxRSS, peakHeap, attempts: result.tally.totals.attempts, cells: result.tally.totals.cells, findings: result.findings.length, paths: result.paths }));
`;

function runChild(moduleUrl, dir, nodeArgs = []) {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [...nodeArgs, '--input-type=module', '-e', CHILD, moduleUrl, dir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        try {
          resolve({ ok: true, ...JSON.parse(stdout) });
          return;
        } catch {
          // fall through: report what it printed
        }
      }
      const why = signal !== null ? `killed by ${signal}` : `exit ${code}`;
      resolve({ ok: false, why: `${why}: ${(stderr.trim().split('\n').find((line) => /heap|memory|Error/i.test(line)) ?? stderr.trim().split('\n').at(-1) ?? '').slice(0, 200)}` });
    });
  });
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const size = (bytes) => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : mb(bytes));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Returns the text `npm run bench` prints for report generation. `distDir` defaults to the built dist/. */
export async function benchReport({ progress, distDir = fileURLToPath(new URL('../dist/', import.meta.url)) }) {
  const moduleUrl = pathToFileURL(join(distDir, 'report', 'rebuild.js')).href;
  const dir = mkdtempSync(join(tmpdir(), 'picow-bench-report-'));
  try {
    progress(`report: writing ${RECORDS} synthetic records`);
    const writeStarted = performance.now();
    const input = await writeSyntheticRun(dir);
    const writeMs = performance.now() - writeStarted;
    const runs = [];
    for (let run = 1; run <= RUNS; run += 1) {
      progress(`report: rebuildReports over ${RECORDS} records, run ${run} of ${RUNS}`);
      const result = await runChild(moduleUrl, dir);
      if (!result.ok) return `Report generation not measured: the rebuild failed (${result.why}).`;
      runs.push(result);
    }
    progress(`report: again with the V8 heap capped at ${HEAP_CAP_MB} MB`);
    const capped = await runChild(moduleUrl, dir, [`--max-old-space-size=${HEAP_CAP_MB}`]);
    const last = runs.at(-1);
    const walls = runs.map((run) => run.wallMs);
    const wall = median(walls);
    const outputs = ['summaryJson', 'resultsCsv', 'junitXml', 'summaryMd', 'reportHtml']
      .map((key) => `${last.paths[key].split('/').at(-1)} ${size(statSync(last.paths[key]).size)}`)
      .join(', ');
    return [
      `Report generation (picow-harness report = rebuildReports from dist/, ${RECORDS} synthetic records, ${input.cells} cells):`,
      `- input: attempts.jsonl ${mb(input.bytes)} (written streamed in ${(writeMs / 1000).toFixed(1)} s); outputs: ${outputs}.`,
      `- wall time: median ${(wall / 1000).toFixed(2)} s over ${RUNS} runs (min ${(Math.min(...walls) / 1000).toFixed(2)}, max ${(Math.max(...walls) / 1000).toFixed(2)}), ≈ ${Math.round(RECORDS / (wall / 1000))} records/s; ${last.attempts} attempts tallied, ${last.findings} finding(s).`,
      `- peak memory: RSS high-water mark ${mb(Math.max(...runs.map((run) => run.maxRssKb)) * 1024)} for the whole process (getrusage maxRSS, exact, not sampled); ${mb(Math.max(...runs.map((run) => run.loadedMaxRssKb)) * 1024)} of that was reached before the rebuild began (node + modules loaded).`,
      `- peak V8 heap used during the rebuild: ${mb(Math.max(...runs.map((run) => run.peakHeap)))} (process.memoryUsage().heapUsed sampled every 5 ms: a lower bound).`,
      capped.ok
        ? `- streaming check: with --max-old-space-size=${HEAP_CAP_MB} (a V8 heap smaller than the ${mb(input.bytes)} input) the rebuild completed in ${(capped.wallMs / 1000).toFixed(2)} s, RSS high-water mark ${mb(capped.maxRssKb * 1024)}.`
        : `- streaming check: with --max-old-space-size=${HEAP_CAP_MB} the rebuild FAILED (${capped.why}).`,
      '- Each run is a fresh node process (plain node, no tsx) reading the same run directory; attempts.jsonl is read twice, line by line (tally + findings + chart samples, then results.csv). State that grows with records: the tally keeps each measured time to IP and handshake (for exact percentiles) and each cell\'s iteration numbers (its duplicate check), and the rebuild one bit per iteration for its own; everything else is per cell.',
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node bench/report.mjs` runs this part alone (after `npm run build`).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const distArg = process.argv[2];
  benchReport({ progress: (text) => process.stderr.write(`bench: ${text}\n`), ...(distArg === undefined ? {} : { distDir: distArg }) })
    .then((text) => process.stdout.write(`${text}\n`))
    .catch((error) => {
      process.stderr.write(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    });
}
