import { readDeviceInfo } from '../../device/info.js';
import { SimError } from '../../errors.js';
import { bannerLine } from '../../sim/profiles.js';
import { startSimSession, type SimSession } from '../../sim/session.js';
import { chooseSimProfile, connectDevice, type DeviceConnection } from '../../transport/connect.js';
import { RawRepl, type ExecResult } from '../../transport/raw-repl.js';
import { defineCommand } from '../command.js';
import { writeLine, type CliIo } from '../io.js';
import { simulatorChoice, simulatorProfileFromPort, type GlobalArgs } from '../options.js';

interface SmokeArgs extends GlobalArgs {
  readonly json: boolean;
}

interface StepRecord {
  readonly step: string;
  readonly detail: string;
  readonly durationMs: number;
}

const UPLOAD_BYTES = 8 * 1024;
const ROUND_TRIPS = 9;
const MARKER_FILE = 'picow_smoke.txt';

/** Runs checks in order, timing each; prints each as it finishes. A failed check stops the run. */
class SmokeRun {
  readonly steps: StepRecord[] = [];

  constructor(private readonly io: CliIo, private readonly json: boolean) {}

  async step(name: string, run: () => Promise<string>): Promise<void> {
    const started = performance.now();
    let detail: string;
    try {
      detail = await run();
    } catch (error) {
      const message = (error as Error).message;
      throw new SimError(`smoke: ${name}: ${message}`, error);
    }
    const record = { step: name, detail, durationMs: Math.round((performance.now() - started) * 10) / 10 };
    this.steps.push(record);
    if (!this.json) writeLine(this.io.stdout, `  ${name.padEnd(34)} ${`${record.durationMs.toFixed(1)} ms`.padStart(10)}  ${detail}`);
  }
}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

function expectOutput(result: ExecResult, stdout: string, mode: ExecResult['mode']): void {
  expect(result.exception === undefined, `unexpected exception: ${result.stderr.trim()}`);
  expect(result.stdout === stdout, `expected output ${JSON.stringify(stdout)}, got ${JSON.stringify(result.stdout)}`);
  expect(result.mode === mode, `expected ${mode} mode, the exec used ${result.mode}`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** A program of about `bytes` bytes that proves it arrived whole by printing its payload's length. */
function uploadProgram(bytes: number): { code: string; expected: string } {
  const payload = 'x'.repeat(bytes);
  return { code: `s = '${payload}'\nprint(len(s))\n`, expected: `${payload.length}\r\n` };
}

async function runChecks(run: SmokeRun, session: SimSession, connection: DeviceConnection): Promise<void> {
  const { board } = session;
  let repl = new RawRepl(connection.transport);

  await run.step('enter raw REPL', async () => {
    await repl.enter();
    return connection.describe();
  });
  await run.step('info', async () => {
    const info = await readDeviceInfo(repl);
    expect(info.version?.includes(board.profile.gitTag) === true, `sys.version ${JSON.stringify(info.version)} does not name ${board.profile.gitTag}`);
    expect(info.machine === `${board.profile.board} with ${board.profile.mcu}`, `sys.implementation._machine is ${JSON.stringify(info.machine)}`);
    expect(info.platform === 'rp2', `sys.platform is ${JSON.stringify(info.platform)}`);
    const unreadable = Object.keys(info.errors);
    return `${info.version}; ${info.mem_free} bytes free${unreadable.length === 0 ? '' : `; not readable on this board: ${unreadable.join(', ')}`}`;
  });
  await run.step('exec (raw-paste)', async () => {
    expectOutput(await repl.exec('print(sum(range(10)))'), '45\r\n', 'raw-paste');
    return 'print(sum(range(10))) → 45';
  });
  await run.step(`exec round trip (median of ${ROUND_TRIPS})`, async () => {
    const times: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i += 1) {
      const result = await repl.exec(`print(${i})`);
      expectOutput(result, `${i}\r\n`, 'raw-paste');
      times.push(result.durationMs);
    }
    return `${median(times).toFixed(2)} ms per exec`;
  });
  await run.step(`upload ${UPLOAD_BYTES / 1024} KB (raw-paste)`, async () => {
    const { code, expected } = uploadProgram(UPLOAD_BYTES);
    const result = await repl.exec(code);
    expectOutput(result, expected, 'raw-paste');
    return `${((code.length / 1024) / (result.durationMs / 1000)).toFixed(0)} KB/s`;
  });
  await run.step('exception is parsed', async () => {
    const result = await repl.exec("def f():\n    raise ValueError('smoke', 42)\nf()\n");
    const exception = result.exception;
    expect(exception?.type === 'ValueError', `expected a ValueError, got ${JSON.stringify(result.stderr)}`);
    expect(exception?.line === 2, `expected the error on line 2, got line ${String(exception?.line)}`);
    return `${exception?.type}: ${exception?.message} (line ${exception?.line})`;
  });

  const classic = new RawRepl(connection.transport, { rawPaste: 'never' });
  await run.step('exec (classic raw mode)', async () => {
    expectOutput(await classic.exec('print(6 * 7)'), '42\r\n', 'classic');
    return 'print(6 * 7) → 42';
  });
  await run.step(`upload ${UPLOAD_BYTES / 1024} KB (classic)`, async () => {
    const { code, expected } = uploadProgram(UPLOAD_BYTES);
    const result = await classic.exec(code);
    expectOutput(result, expected, 'classic');
    return `${((code.length / 1024) / (result.durationMs / 1000)).toFixed(0)} KB/s`;
  });

  repl = new RawRepl(connection.transport);
  await run.step('soft reset', async () => {
    await repl.execOrThrow(`smoke_state = 1\nwith open('${MARKER_FILE}', 'w') as f:\n    f.write('kept')\n`);
    await repl.softReset();
    const after = await repl.exec(`import os\nprint('smoke_state' in globals(), '${MARKER_FILE}' in os.listdir())`);
    expectOutput(after, 'False True\r\n', 'raw-paste');
    return 'fresh interpreter, flash kept';
  });
  await run.step('hard reset, re-find by USB serial', async () => {
    const before = connection.transport.info.port;
    const started = performance.now();
    await board.hardReset();
    await connection.reconnect({ timeoutMs: 15_000 });
    repl = new RawRepl(connection.transport);
    await repl.enter();
    const readyMs = performance.now() - started;
    expect(connection.transport.info.serialNumber === board.serialNumber, `came back as ${String(connection.transport.info.serialNumber)}`);
    const after = await repl.exec(`import os\nprint(open('${MARKER_FILE}').read())\nos.remove('${MARKER_FILE}')`);
    expectOutput(after, 'kept\r\n', 'raw-paste');
    return `${before} → ${connection.transport.info.port}; raw REPL ready ${readyMs.toFixed(0)} ms after the reset (board re-enumeration ${session.world.board.enumerationDelayMs / session.world.timeScale} ms)`;
  });
}

export const smokeCommand = defineCommand<SmokeArgs>({
  command: 'smoke',
  describe: 'A smoke session on a simulated board: connect, info, execs, soft and hard reset (what npm start runs)',
  builder: (yargs) => yargs.option('json', { type: 'boolean', default: false, describe: 'print the measurements as JSON' }),
  async run(args, { io }) {
    const choice = await simulatorChoice(args);
    const profile = chooseSimProfile(simulatorProfileFromPort(args, 'smoke'), choice.profile);
    const run = new SmokeRun(io, args.json);
    const started = performance.now();
    const session = await startSimSession({ world: choice.world, seed: choice.seed, profile });
    const bootMs = performance.now() - started;
    const { board } = session;
    if (!args.json) {
      writeLine(io.stdout, `smoke: ${bannerLine(board.profile)}, serial ${board.serialNumber}`);
      writeLine(io.stdout, `  ${'power-on → USB port'.padEnd(34)} ${`${bootMs.toFixed(1)} ms`.padStart(10)}  ${session.bus.pathOf(board) ?? '?'}`);
    }
    try {
      const connection = await connectDevice({ kind: 'auto' }, { backend: session });
      try {
        await runChecks(run, session, connection);
      } finally {
        await connection.close();
      }
    } finally {
      await session.dispose();
    }
    const totalMs = performance.now() - started;
    if (args.json) {
      const summary = { profile: board.profile.name, serialNumber: board.serialNumber, bootMs, steps: run.steps, totalMs, passed: true };
      writeLine(io.stdout, JSON.stringify(summary, null, 2));
    } else {
      writeLine(io.stdout, `smoke passed: ${run.steps.length} checks in ${(totalMs / 1000).toFixed(1)} s`);
    }
    return 0;
  },
});
