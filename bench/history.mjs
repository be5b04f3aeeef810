// History queries at scale: 1000 synthetic runs stored in a fresh SQLite history (dist/history, the
// node-sqlite3-wasm binding), then the queries `picow-harness history` and `picow-harness gate`
// make, each timed as the median of repeats. Runs are written one transaction each, as `run` does
// after every campaign. Nothing printed is hard-coded except the synthetic history's shape.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { summarize } from './stats.mjs';
import { prng } from './support.mjs';

const RUNS = 1000;
const REPEATS = 15;
const WARMUP = 2;
const IMPORT_FOLDERS = 10;
const COLD_PROCESSES = 5;

const SERIES = [
  { kind: 'sim', campaign: 'nightly', worldHash: 'sha256:11aa22bb33cc44dd', cells: 24, boards: ['sim-a'] },
  { kind: 'real', campaign: 'nightly', worldHash: null, cells: 24, boards: ['rig-1', 'rig-2', 'rig-3'] },
  { kind: 'real', campaign: 'tls-smoke', worldHash: null, cells: 6, boards: ['rig-1'] },
  { kind: 'sim', campaign: 'pm-sweep', worldHash: 'sha256:55ee66ff77aa88bb', cells: 12, boards: ['sim-a', 'sim-b'] },
];
const FIRMWARE = ['3.4.0; MicroPython v1.23.0 on 2024-06-02', '3.4.0; MicroPython v1.24.1 on 2024-11-29', '3.4.0; MicroPython v1.25.0 on 2025-04-15'];
const CLASSES = ['wifi.connect-fail', 'tls.verify.future', 'net.dns', 'wifi.timeout'];

function cellIds(count) {
  const resets = ['hard', 'soft', 'power-cycle'];
  const wifi = ['lab-pm-default', 'lab-pm-0xa11140', 'hidden-pm-default', 'hidden-pm-0xa11140'];
  const certs = ['valid', 'issued-now'];
  const ids = [];
  for (const reset of resets) for (const w of wifi) for (const c of certs) ids.push(`${reset}/${w}/${c}`);
  return ids.slice(0, count);
}

/** The rows one run folder would give (RunRows, as readRunRows returns them). */
function syntheticRun(index, random, seriesKeyOf) {
  const series = SERIES[index % SERIES.length];
  const night = Math.floor(index / SERIES.length);
  const started = new Date(Date.UTC(2024, 0, 1) + night * 86_400_000 + (index % SERIES.length) * 3_600_000).toISOString();
  const runId = `${started.slice(0, 10).replace(/-/g, '')}-${started.slice(11, 19).replace(/:/g, '')}-b${String(index).padStart(3, '0')}`;
  const firmware = FIRMWARE[Math.min(FIRMWARE.length - 1, Math.floor((night / (RUNS / SERIES.length)) * FIRMWARE.length))];
  const iterations = 20;
  const cells = cellIds(series.cells);
  const outcomes = [];
  const timings = [];
  let attempts = 0;
  let ok = 0;
  for (const [cellIndex, cell] of cells.entries()) {
    const rate = cell.endsWith('issued-now') ? 0.02 : 0.7 + ((cellIndex * 7) % 30) / 100;
    for (const label of series.boards) {
      let cellOk = 0;
      const classes = {};
      for (let i = 0; i < iterations; i += 1) {
        if (random() < rate) cellOk += 1;
        else {
          const name = CLASSES[Math.floor(random() * CLASSES.length)];
          classes[name] = (classes[name] ?? 0) + 1;
        }
      }
      if (cellOk > 0) classes['tls.ok'] = cellOk;
      outcomes.push({ cell, board: { label, serial: `e661${label}`, uniqueId: `e661${label}` }, firmware, okClass: 'tls.ok', attempts: iterations, ok: cellOk, classes });
      attempts += iterations;
      ok += cellOk;
    }
    timings.push({ cell, timeToIpMs: Array.from({ length: 12 }, () => 1500 + random() * 2000), handshakeMs: Array.from({ length: 10 }, () => 300 + random() * 400) });
  }
  const run = {
    id: runId,
    dir: `/bench/reports/${runId}`,
    campaign: series.campaign,
    configHash: 'sha256:bench',
    seriesKey: seriesKeyOf({ kind: series.kind, campaign: series.campaign, worldHash: series.worldHash }),
    kind: series.kind,
    sim: series.kind === 'sim' ? { worldHash: series.worldHash, seed: String(index), timeScale: 50 } : null,
    startedAt: started,
    finishedAt: started,
    exitCode: random() < 0.1 ? 1 : 0,
    exitReason: 'completed',
    planned: attempts,
    attempts,
    ok,
    harnessVersion: '0.1.0',
    gateVerdict: null,
  };
  return { run, cells: new Map(cells.map((cell) => [cell, JSON.stringify({ id: cell })])), outcomes, timings, notes: [] };
}

/** Run folders as a campaign leaves them (manifest.json, attempts.jsonl, summary.json), for importRun. */
async function writeRunFolders(reports, count) {
  const cells = cellIds(24);
  const random = prng(11);
  const folders = [];
  for (let index = 0; index < count; index += 1) {
    const startedAt = new Date(Date.UTC(2030, 0, 1 + index, 2)).toISOString();
    const runId = `${startedAt.slice(0, 10).replace(/-/g, '')}-020000-imp${index}`;
    const dir = join(reports, runId);
    mkdirSync(dir, { recursive: true });
    const manifest = {
      v: 1,
      runId,
      createdAt: startedAt,
      harness: { name: 'picow-harness', version: '0.1.0' },
      board: { kind: 'real', identity: { port: '/dev/ttyACM0', serialNumber: 'e6614103e7000001', uniqueId: 'e6614103e7000001' }, firmware: { version: FIRMWARE[1] } },
      config: { redacted: { config: { name: 'imported' } }, hash: 'sha256:bench' },
      extra: {
        cells: cells.map((id) => ({ id, reset: 'hard', wifi: null, certs: 'valid', tlsApi: 'SSLContext', rtc: 'cold', successClass: 'tls.ok' })),
        plan: { cells, iterations: 20, attempts: cells.length * 20 },
      },
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const lines = [];
    let seq = 0;
    for (let iteration = 1; iteration <= 20; iteration += 1) {
      for (const cell of cells) {
        const ok = random() < 0.8;
        lines.push(JSON.stringify({
          v: 1, runId, seq: seq++, cell, iteration, startedAt, durationMs: 1200, boardMs: 1100, reset: null, rtc: null,
          wifi: { timeToIpMs: 1500 + Math.round(random() * 2000) }, tls: ok ? { handshakeMs: 300 + Math.round(random() * 400) } : null, server: null,
          class: ok ? 'tls.ok' : 'wifi.connect-fail', classes: [ok ? 'tls.ok' : 'wifi.connect-fail'], detail: '', transcript: null, harnessError: null,
          board: { label: 'rig-1', serialNumber: 'e6614103e7000001', uniqueId: 'e6614103e7000001' }, firmware: FIRMWARE[1],
        }));
      }
    }
    writeFileSync(join(dir, 'attempts.jsonl'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ runId, startedAt, finishedAt: startedAt, exit: { code: 0, reason: 'completed', message: 'completed' } }));
    folders.push(dir);
  }
  return folders;
}

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

function ms(value) {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

async function timed(fn) {
  for (let i = 0; i < WARMUP; i += 1) await fn();
  const samples = [];
  for (let i = 0; i < REPEATS; i += 1) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return summarize(samples);
}

export async function benchHistory({ progress }) {
  const distDir = fileURLToPath(new URL('../dist/', import.meta.url));
  const load = (path) => import(pathToFileURL(join(distDir, path)).href);
  let api;
  try {
    api = {
      ...(await load('history/index.js')),
      ...(await load('history/trend.js')),
      ...(await load('history/trend-text.js')),
      ...(await load('history/trend-html.js')),
    };
  } catch (error) {
    return `History queries not measured: dist/history could not be loaded (${error.message}).`;
  }
  const { History, resolveBaseline, seriesKeyOf, buildTrend, formatTrendText, formatTrendHtml } = api;
  const dir = mkdtempSync(join(tmpdir(), 'picow-bench-history-'));
  try {
    const file = join(dir, 'history.sqlite');
    const history = History.open(file);
    const random = prng(7);
    progress(`history: storing ${RUNS} synthetic runs, one transaction each`);
    const storeSamples = [];
    let outcomes = 0;
    for (let index = 0; index < RUNS; index += 1) {
      const rows = syntheticRun(index, random, seriesKeyOf);
      outcomes += rows.outcomes.length;
      const started = performance.now();
      history.storeRun(rows);
      storeSamples.push(performance.now() - started);
    }
    const store = summarize(storeSamples);
    const size = statSync(file).size;

    progress(`history: importing ${IMPORT_FOLDERS} run folders (24 cells × 20 iterations) from records`);
    const folders = await writeRunFolders(join(dir, 'reports'), IMPORT_FOLDERS);
    const importSamples = [];
    for (const folder of folders) {
      const started = performance.now();
      await history.importRun(folder);
      importSamples.push(performance.now() - started);
    }
    const imports = summarize(importSamples);

    const nightly = history.series().find((entry) => entry.key.startsWith('real:nightly'));
    const newest = history.runs({ series: nightly.key, limit: 1 })[0];
    progress(`history: timing queries (median of ${REPEATS} after ${WARMUP} warm-ups)`);
    const rows = [];
    rows.push(['history table, every series, last 30 runs (buildTrend + text)', await timed(() => formatTrendText(buildTrend(history, { last: 30 })))]);
    rows.push(['history --html, every series, last 30 runs', await timed(() => formatTrendHtml(buildTrend(history, { last: 30 })))]);
    rows.push(['per-board view: --board rig-2, last 30', await timed(() => formatTrendText(buildTrend(history, { last: 30, board: 'rig-2' })))]);
    rows.push(['per-firmware view: --firmware v1.24.1, last 30', await timed(() => formatTrendText(buildTrend(history, { last: 30, firmware: 'v1.24.1' })))]);
    rows.push([
      'gate: rolling:7 baseline + counts of 8 runs',
      await timed(async () => {
        const baseline = await resolveBaseline(history, newest.id, 'rolling:7');
        history.cellCountsOf([newest.id, ...baseline.runs.map((run) => run.id)]);
      }),
    ]);
    rows.push([
      'gate: last-good baseline + counts of 2 runs',
      await timed(async () => {
        const baseline = await resolveBaseline(history, newest.id, 'last-good');
        history.cellCountsOf([newest.id, ...baseline.runs.map((run) => run.id)]);
      }),
    ]);
    rows.push(['open + schema check (History.open, close)', await timed(() => History.open(file).close())]);
    history.close();
    progress(`history: the table query as a CLI process makes it: first query in a fresh node process, ${COLD_PROCESSES} processes`);
    const coldScript = `
      const started = performance.now();
      const { History } = await import(${JSON.stringify(pathToFileURL(join(distDir, 'history/index.js')).href)});
      const { buildTrend } = await import(${JSON.stringify(pathToFileURL(join(distDir, 'history/trend.js')).href)});
      const { formatTrendText } = await import(${JSON.stringify(pathToFileURL(join(distDir, 'history/trend-text.js')).href)});
      const loaded = performance.now();
      const h = History.open(${JSON.stringify(file)});
      formatTrendText(buildTrend(h, { last: 30 }));
      h.close();
      process.stdout.write(JSON.stringify({ load: loaded - started, query: performance.now() - loaded }));`;
    const cold = [];
    for (let index = 0; index < COLD_PROCESSES; index += 1) {
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', coldScript], { encoding: 'utf8', timeout: 60_000 });
      if (child.status !== 0) return `History queries: the cold-process check failed (${child.stderr.slice(0, 300)}).`;
      cold.push(JSON.parse(child.stdout));
    }
    const coldLoad = summarize(cold.map((entry) => entry.load));
    const coldQuery = summarize(cold.map((entry) => entry.query));

    const width = Math.max(...rows.map(([name]) => name.length));
    return [
      `History (SQLite via node-sqlite3-wasm, dist/history): ${RUNS} synthetic runs in ${SERIES.length} series (${SERIES.map((s) => `${s.kind} ${s.campaign}: ${s.cells} cells × ${s.boards.length} board(s)`).join('; ')}), 20 iterations per cell, ${FIRMWARE.length} firmware versions; ${outcomes} outcome rows.`,
      `- store one run (one transaction, as after every campaign): median ${ms(store.median)} ms, p90 ${ms(store.p90)} ms, max ${ms(store.max)} ms over ${RUNS} runs.`,
      `- importRun from a run folder (24 cells × 20 iterations = 480 records, streamed): median ${ms(imports.median)} ms over ${IMPORT_FOLDERS} folders.`,
      `- database file at ${RUNS} runs: ${mb(size)}.`,
      `  ${'query'.padEnd(width)}  median ms  p90 ms  max ms`,
      ...rows.map(([name, stats]) => `  ${name.padEnd(width)}  ${ms(stats.median).padStart(9)}  ${ms(stats.p90).padStart(6)}  ${ms(stats.max).padStart(6)}`),
      `- the rows above are warm (same process, after ${WARMUP} warm-ups). In a fresh process, as \`picow-harness history\` runs, the same table query took median ${ms(coldQuery.median)} ms (max ${ms(coldQuery.max)}) over ${COLD_PROCESSES} processes, after ${ms(coldLoad.median)} ms loading the modules (SQLite's WebAssembly is compiled on load and tiers up while the first queries run).`,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
