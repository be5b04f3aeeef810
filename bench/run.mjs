#!/usr/bin/env node
// `npm run bench`: measured figures for the raw-REPL client against the simulated Pico W, from the
// built dist/ on plain node. Nothing here is hard-coded except the sample counts; a row that could
// not be measured says why instead of showing a number.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { arch, cpus, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimBoard } from '../dist/sim/board.js';
import { SimBinding, SimUsbBus } from '../dist/sim/usb-bus.js';
import { RawRepl } from '../dist/transport/raw-repl.js';
import { SerialTransport } from '../dist/transport/serial.js';
import { sample, summarize, table } from './stats.mjs';
import { benchEchoServer } from './echo-server.mjs';
import { benchCampaign } from './campaign.mjs';
import { benchReport } from './report.mjs';

const ROUND_TRIPS = 500;
const ROUND_TRIP_WARMUP = 10;
const UPLOADS = 30;
const UPLOAD_WARMUP = 2;
const UPLOAD_BYTES = 20 * 1024;
const RESETS = 8;
const EXTERNAL_RUNS = 10;
const EXTERNAL_PROCESS_TIMEOUT_MS = 30_000;
const CLASSIC_CHUNK_SIZE = 256; // RawRepl's default, written out so the output can state it

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const rows = [];
const notes = [];

function note(text) {
  notes.push(text);
}

function progress(text) {
  process.stderr.write(`bench: ${text}\n`);
}

/** A ~20 KB program: one long string literal and a check of its length, like uploading a module. */
function uploadProgram() {
  const head = "data = '";
  const tail = "'\nprint(len(data))\n";
  const body = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(UPLOAD_BYTES / 36)).slice(0, UPLOAD_BYTES - head.length - tail.length);
  return { code: head + body + tail, expected: `${body.length}\r\n` };
}

async function execChecked(repl, code, expectedStdout, expectedMode) {
  const result = await repl.exec(code);
  if (result.exception !== undefined) throw new Error(`bench program raised ${result.exception.text}`);
  if (result.stdout !== expectedStdout) throw new Error(`bench program printed ${JSON.stringify(result.stdout)}, expected ${JSON.stringify(expectedStdout)}`);
  if (result.mode !== expectedMode) throw new Error(`exec went ${result.mode}, expected ${expectedMode}`);
}

/**
 * Exec round trip and 20 KB upload, raw-paste vs classic, over one way of reaching the board.
 * `open` returns a fresh Transport; each mode gets its own connection (the mode is per connection).
 */
async function measureTransport(label, open) {
  const upload = uploadProgram();
  for (const mode of ['raw-paste', 'classic']) {
    const transport = await open();
    const repl = new RawRepl(transport, { rawPaste: mode === 'raw-paste' ? 'always' : 'never', classicChunkSize: CLASSIC_CHUNK_SIZE });
    try {
      await repl.enter();
      progress(`${label} ${mode}: ${ROUND_TRIPS} × print(1)`);
      const trips = await sample(ROUND_TRIPS, ROUND_TRIP_WARMUP, () => execChecked(repl, 'print(1)', '1\r\n', mode));
      rows.push({ scenario: 'exec print(1)', transport: label, mode, stats: summarize(trips) });
      progress(`${label} ${mode}: ${UPLOADS} × ${upload.code.length}-byte upload + exec`);
      const uploads = await sample(UPLOADS, UPLOAD_WARMUP, () => execChecked(repl, upload.code, upload.expected, mode));
      rows.push({ scenario: `upload+exec ${(upload.code.length / 1024).toFixed(0)} KB`, transport: label, mode, stats: summarize(uploads) });
    } finally {
      await repl.close();
    }
  }
}

function inProcessRig() {
  const bus = new SimUsbBus();
  const board = new SimBoard({ name: 'bench' });
  bus.add(board);
  const open = () => SerialTransport.open({ path: bus.pathOf(board), binding: new SimBinding(bus), kind: 'sim', serialNumber: board.serialNumber });
  return { bus, board, open };
}

/**
 * Hard reset → raw REPL ready, minus the re-enumeration delay the sim applied. The sim starts its
 * enumeration timer when the CPU reports USB up (after boot.py); the CPU's next phase event is
 * posted right behind that report, so the time from that phase event to `usb-attach` is the
 * enumeration delay as applied, measured on the same clock. `reappeared` resolves when the port
 * can be opened again (in-process: at usb-attach; PTY: when the bridge has re-created the link).
 */
async function measureHardReset(label, board, open, reappeared) {
  const totals = [];
  const enumerations = [];
  const readies = [];
  for (let i = 0; i < RESETS; i += 1) {
    let usbUpAt;
    let sawBootPy = false;
    const onPhase = (phase) => {
      if (phase.kind === 'exec' && phase.context === 'boot.py') sawBootPy = true;
      else if (sawBootPy && usbUpAt === undefined) usbUpAt = performance.now();
    };
    board.on('phase', onPhase);
    const attached = new Promise((resolve) => board.once('usb-attach', () => resolve(performance.now())));
    const back = reappeared();
    const started = performance.now();
    try {
      await board.hardReset('watchdog');
      await withTimeout(back, 10_000, `${label}: the port coming back after a hard reset`);
    } finally {
      board.off('phase', onPhase);
    }
    const attachedAt = await attached;
    const repl = new RawRepl(await open());
    try {
      await repl.enter();
    } finally {
      await repl.close();
    }
    const readyAt = performance.now();
    if (usbUpAt === undefined) throw new Error('the sim reported no CPU phase after boot.py; cannot measure its enumeration delay');
    const enumeration = attachedAt - usbUpAt;
    totals.push(readyAt - started);
    enumerations.push(enumeration);
    readies.push(readyAt - started - enumeration);
  }
  rows.push({ scenario: 'hard reset → raw REPL (total)', transport: label, mode: '-', stats: summarize(totals) });
  rows.push({ scenario: '  sim re-enumeration delay', transport: label, mode: 'measured', stats: summarize(enumerations) });
  rows.push({ scenario: 'hard reset → raw REPL − enum.', transport: label, mode: '-', stats: summarize(readies) });
}

function commandExists(command) {
  return spawnSync('sh', ['-c', `command -v "$1"`, 'sh', command], { encoding: 'utf8' }).status === 0;
}

/** Expose a board on a PTY through src/sim/pty.ts, or explain why not. */
async function ptyRig() {
  if (platform() === 'win32') return { why: 'PTYs need Linux or macOS' };
  if (!commandExists('socat')) return { why: 'socat is not installed (apt-get install socat)' };
  let ptyModule;
  try {
    ptyModule = await import('../dist/sim/pty.js');
  } catch (error) {
    return { why: `dist/sim/pty.js could not be loaded (${error.code ?? error.message})` };
  }
  if (typeof ptyModule.exposeBoardOnPty !== 'function') return { why: 'dist/sim/pty.js has no exposeBoardOnPty export' };
  let bindings;
  try {
    bindings = await import('@serialport/bindings-cpp');
  } catch (error) {
    return { why: `the native serial binding could not be loaded (${error.message})` };
  }
  const board = new SimBoard({ name: 'bench-pty' });
  await board.powerOn();
  await board.waitForUsb();
  const ptyDir = mkdtempSync(join(tmpdir(), 'picow-bench-'));
  const exposed = await ptyModule.exposeBoardOnPty(board, { path: join(ptyDir, 'ttyBench') });
  const path = exposed.path;
  const binding = bindings.autoDetect();
  const open = () => SerialTransport.open({ path, binding, kind: 'serial', serialNumber: board.serialNumber });
  const dispose = async () => {
    await exposed.close();
    await board.dispose();
    rmSync(ptyDir, { recursive: true, force: true });
  };
  return { board, exposed, path, open, dispose };
}

function externalCommand() {
  const fromEnv = process.env.PICOW_BENCH_MPREMOTE;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const [command, ...args] = fromEnv.trim().split(/\s+/);
    return { command, args, origin: `PICOW_BENCH_MPREMOTE=${fromEnv}` };
  }
  if (commandExists('mpremote')) return { command: 'mpremote', args: [], origin: 'mpremote on PATH' };
  return undefined;
}

/**
 * Wall time of one client process run; checks it printed 1. Asynchronous on purpose: the board it
 * talks to is served from this process's event loop, which a synchronous spawn would block.
 */
function timeProcess(command, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), EXTERNAL_PROCESS_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const elapsed = performance.now() - started;
      if (code === 0 && stdout.trim() === '1') resolve(elapsed);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}: ${JSON.stringify(output).slice(0, 300)}`));
    });
  });
}

/** mpremote (or a compatible command) vs picow-harness, each as a fresh process against the same PTY. */
async function compareExternalClient(pty) {
  const external = externalCommand();
  if (external === undefined) {
    note('mpremote comparison not measured: mpremote is not installed (not on PATH, PICOW_BENCH_MPREMOTE unset).');
    return;
  }
  const externalArgs = [...external.args, 'connect', pty.path, 'resume', 'exec', 'print(1)'];
  progress(`${external.command} ${externalArgs.join(' ')} × ${EXTERNAL_RUNS} (${external.origin})`);
  const theirs = [];
  try {
    for (let i = 0; i < EXTERNAL_RUNS; i += 1) theirs.push(await timeProcess(external.command, externalArgs));
  } catch (error) {
    note(`mpremote comparison not measured: ${error.message}`);
    return;
  }
  rows.push({ scenario: 'process: exec print(1)', transport: 'pty', mode: 'mpremote', stats: summarize(theirs) });
  note(`mpremote row: \`${external.command} ${externalArgs.join(' ')}\` (${external.origin}); \`resume\` skips mpremote's automatic soft reset, as picow-harness exec does not soft-reset.`);
  const cliEntry = `${projectRoot}dist/cli/bin.js`;
  if (!existsSync(cliEntry)) {
    note('picow-harness process rows not measured: dist/cli/bin.js is missing (CLI not built).');
    return;
  }
  const ours = [];
  const ourArgs = [`${projectRoot}bin/picow-harness.js`, 'exec', '--port', pty.path, 'print(1)'];
  try {
    for (let i = 0; i < EXTERNAL_RUNS; i += 1) ours.push(await timeProcess(process.execPath, ourArgs));
  } catch (error) {
    note(`picow-harness process rows not measured: ${error.message}`);
    return;
  }
  const oursStats = summarize(ours);
  rows.push({ scenario: 'process: exec print(1)', transport: 'pty', mode: 'picow-harness', stats: oursStats });
  const ratio = summarize(theirs).median / oursStats.median;
  note(`ratio (median process wall time, mpremote ÷ picow-harness): ${ratio.toFixed(2)}× — both start a process, open the PTY, enter raw REPL, run print(1).`);
}

/** Resolves with `promise`, or rejects after `ms` saying what did not finish. */
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const started = performance.now();
  process.stdout.write(
    `picow-harness bench — node ${process.version}, ${platform()}/${arch()}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'})\n`,
  );

  const inProcess = inProcessRig();
  try {
    await inProcess.board.powerOn();
    await inProcess.board.waitForUsb();
    await measureTransport('in-process', inProcess.open);
    progress(`in-process: hard reset × ${RESETS}`);
    await measureHardReset('in-process', inProcess.board, inProcess.open, () => once(inProcess.board, 'usb-attach'));
  } finally {
    await inProcess.board.dispose();
  }

  const pty = await ptyRig();
  if (pty.why !== undefined) {
    note(`PTY rows not measured: ${pty.why}.`);
  } else {
    try {
      progress(`board exposed on ${pty.path}`);
      await measureTransport('pty', pty.open);
      await compareExternalClient(pty);
      progress(`pty: hard reset × ${RESETS}`);
      await measureHardReset('pty', pty.board, pty.open, () => once(pty.exposed, 'present'));
    } finally {
      await pty.dispose();
    }
  }
  if (pty.why !== undefined) {
    const installed = externalCommand() === undefined ? 'mpremote is not installed, and ' : '';
    note(`mpremote comparison not measured: ${installed}it needs the PTY, which is not available.`);
  }

  process.stdout.write('\n' + table(rows) + '\n\n');
  process.stdout.write(
    [
      'Method:',
      '- Times are wall clock (performance.now) per call on the host, after warm-up runs; each exec is checked for the expected output.',
      `- exec print(1): RawRepl.exec on an open connection already in raw REPL (warm-up ${ROUND_TRIP_WARMUP}).`,
      `- upload+exec: a ${UPLOAD_BYTES}-byte program (one string literal + print(len)); raw-paste uses the board's flow-control window, classic writes ${CLASSIC_CHUNK_SIZE}-byte chunks with no pause.`,
      '- in-process: node-serialport stream over the simulator\'s SimBinding. pty: the native serialport binding on a socat PTY (exposeBoardOnPty).',
      '- hard reset: from SimBoard.hardReset() to RawRepl.enter() resolving on the port opened again once it is back (pty: once the bridge has re-created the link). The sim\'s own re-enumeration delay is measured per reset as the time from the CPU\'s first phase event after boot.py (posted right behind its USB-up report, which starts the enumeration timer) to usb-attach, shown as its own row and subtracted from the total.',
      ...notes.map((text) => `- ${text}`),
      `Total bench time: ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    ].join('\n') + '\n',
  );
  process.stdout.write(`\n${await benchEchoServer({ progress })}\n`);
  process.stdout.write(`\n${await benchCampaign({ progress })}\n`);
  process.stdout.write(`\n${await benchReport({ progress })}\n`);
  process.stdout.write(`\n${await (await import('./history.mjs')).benchHistory({ progress })}\n`);
  process.stdout.write(`\n${await (await import('./rack.mjs')).benchRack({ progress })}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench: failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
