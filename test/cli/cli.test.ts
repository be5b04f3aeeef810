import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { COMMANDS, runCli } from '../../src/cli/main.js';

/** A stdout/stderr stand-in that keeps the text and can wait for a line to appear. */
class Collector {
  text = '';
  private waiters: (() => void)[] = [];

  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    for (const wake of this.waiters.splice(0)) wake();
    return true;
  }

  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.text);
      if (match !== null) return match;
      if (Date.now() > deadline) throw new Error(`no ${String(pattern)} in output: ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100).unref();
      });
    }
  }
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const stdout = new Collector();
  const stderr = new Collector();
  const code = await runCli(argv, { stdout, stderr, env });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function expectOneErrorLine(run: CliRun, code: number, pattern: RegExp): void {
  expect(run.code, run.stderr).to.equal(code);
  expect(run.stderr).to.match(/^picow-harness: [^\n]+\n$/);
  expect(run.stderr).to.match(pattern);
}

describe('CLI', () => {
  let directory: string;
  /** A world whose board enumerates in 20 ms instead of 800, to keep the file fast. */
  let fast: string[];

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'picow-cli-'));
    const world = join(directory, 'fast.yaml');
    await writeFile(world, 'board:\n  enumerationDelayMs: 20\n');
    fast = ['--world', world];
  });

  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  describe('exec', () => {
    it('prints the board output and exits 0', async () => {
      const run = await cli(['exec', '--port', 'sim', ...fast, 'print(1)']);
      expect(run).to.deep.equal({ code: 0, stdout: '1\n', stderr: '' });
    });

    it('exits 1 on a Python exception, with the output so far on stdout and the traceback on stderr', async () => {
      const run = await cli(['exec', '--port', 'sim', ...fast, 'print("partial")\nraise OSError(110)']);
      expect(run.code).to.equal(1);
      expect(run.stdout).to.equal('partial\n');
      expect(run.stderr).to.equal('Traceback (most recent call last):\n  File "<stdin>", line 2, in <module>\nOSError: [Errno 110] ETIMEDOUT\n');
    });

    it('runs a file with -f', async () => {
      const file = join(directory, 'prog.py');
      await writeFile(file, 'for i in range(3):\n    print(i)\n');
      expect(await cli(['exec', '--port', 'sim', ...fast, '-f', file])).to.deep.equal({ code: 0, stdout: '0\n1\n2\n', stderr: '' });
    });

    it('takes the port from PICOW_PORT', async () => {
      expect((await cli(['exec', ...fast, 'print(2)'], { PICOW_PORT: 'sim' })).stdout).to.equal('2\n');
    });

    it('gives up after --timeout, interrupts the board and exits 3', async () => {
      const run = await cli(['exec', '--port', 'sim', ...fast, '--timeout', '300', 'import time\nwhile True: time.sleep(1)']);
      expectOneErrorLine(run, 3, /exec-(idle|total) timeout after/);
    });

    it('exits 2 with one line for a bad flag, a missing program or both CODE and -f', async () => {
      expectOneErrorLine(await cli(['exec', '--bogus', 'print(1)']), 2, /Unknown argument: bogus \(see picow-harness exec --help\)/);
      expectOneErrorLine(await cli(['exec', '--port', 'sim']), 2, /exec needs CODE or -f FILE/);
      expectOneErrorLine(await cli(['exec', '--port', 'sim', '-f', 'x.py', 'print(1)']), 2, /not both/);
      expectOneErrorLine(await cli(['exec', '--port', 'sim', '-f', join(directory, 'missing.py')]), 2, /missing\.py: no such file/);
      expectOneErrorLine(await cli(['exec', '--port', 'sim', '--timeout', 'soon', 'print(1)']), 2, /--timeout: expected a whole number/);
      expectOneErrorLine(await cli(['exec', '--port', 'rfc2217://lab', 'print(1)']), 2, /rfc2217:\/\/ needs a port number/);
      expectOneErrorLine(await cli(['exec', '--port', 'sim', '--seed', '-1', 'print(1)']), 2, /--seed: expected a whole number/);
      expectOneErrorLine(await cli(['exec', '--port', 'sim', '--profile', 'v0', 'print(1)']), 2, /unknown firmware profile "v0"; known: .*v1\.24\.1/);
      expectOneErrorLine(await cli(['frobnicate']), 2, /picow-harness --help/);
    });

    it('exits 2 naming the file and key of an invalid world', async () => {
      const world = join(directory, 'world.yaml');
      await writeFile(world, 'board:\n  enumerationDelayMs: 9000\n');
      expectOneErrorLine(await cli(['exec', '--port', 'sim', '--world', world, 'print(1)']), 2, new RegExp(`${world}:2:23: board\\.enumerationDelayMs: must be ≤ 5000`));
    });

    it('exits 3 when the TCP server refuses the connection', async () => {
      expectOneErrorLine(await cli(['exec', '--port', 'tcp://127.0.0.1:1', 'print(1)']), 3, /cannot open tcp:\/\/127\.0\.0\.1:1: connection refused/);
    });
  });

  describe('info', () => {
    it('prints the board facts as JSON with --json', async () => {
      const run = await cli(['info', '--port', 'sim', ...fast, '--json']);
      expect(run.code, run.stderr).to.equal(0);
      const info = JSON.parse(run.stdout) as Record<string, unknown>;
      expect(info.port).to.equal('/sim/ttyACM0');
      expect(info.version).to.equal('3.4.0; MicroPython v1.24.1 on 2024-11-29');
      expect(info.machine).to.equal('Raspberry Pi Pico W with RP2040');
      expect(info.unique_id).to.match(/^[0-9a-f]{16}$/);
      expect(info.reset_cause).to.deep.equal({ value: 1, name: 'PWRON_RESET' });
      expect(info.errors).to.deep.equal({});
    });

    it('prints a human summary with the machine and Wi-Fi facts', async () => {
      const run = await cli(['info', '--port', 'sim:v1.23.0', ...fast]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^firmware +3\.4\.0; MicroPython v1\.23\.0 on 2024-06-02$/m);
      expect(run.stdout).to.match(/^wi-fi status +0 \(STAT_IDLE\)$/m);
      expect(run.stdout).to.match(/^reset cause +1 \(PWRON_RESET\)$/m);
    });
  });

  describe('devices', () => {
    it('lists the machine\'s boards as JSON through the native port lister', async () => {
      const run = await cli(['devices', '--json']);
      expect(run.code, run.stderr).to.equal(0);
      expect(JSON.parse(run.stdout)).to.be.an('array');
    });

    it('probes a simulated board for its firmware version', async () => {
      const run = await cli(['devices', '--port', 'sim:v1.22.2', ...fast, '--probe', '--json']);
      expect(run.code, run.stderr).to.equal(0);
      const [board, ...rest] = JSON.parse(run.stdout) as { path: string; mode: string; firmware: { version: string } }[];
      expect(rest).to.deep.equal([]);
      expect(board?.path).to.equal('/sim/ttyACM0');
      expect(board?.mode).to.equal('micropython');
      expect(board?.firmware.version).to.equal('3.4.0; MicroPython v1.22.2 on 2024-02-22');
    });

    it('prints a table', async () => {
      const run = await cli(['devices', '--port', 'sim', ...fast, '--seed', '5']);
      expect(run.stdout).to.match(/^PATH +SERIAL +MODE\n\/sim\/ttyACM0 +[0-9a-f]{16} +MicroPython\n$/);
    });
  });

  describe('sim', () => {
    it('serves a board over TCP until stopped, for exec --port tcp://', async () => {
      const stdout = new Collector();
      const stderr = new Collector();
      const stop = new AbortController();
      const running = runCli(['sim', ...fast, '--tcp', '0', '--json'], { stdout, stderr, signal: stop.signal, env: {} });
      try {
        const [line] = await stdout.waitFor(/^\{.*\}\n/);
        const { tcp, serialNumber } = JSON.parse(line) as { tcp: string; serialNumber: string };
        expect(serialNumber).to.match(/^[0-9a-f]{16}$/);
        expect(tcp).to.match(/^127\.0\.0\.1:\d+$/);
        const run = await cli(['exec', '--port', `tcp://${tcp}`, 'import sys; print(sys.platform)']);
        expect(run).to.deep.equal({ code: 0, stdout: 'rp2\n', stderr: '' });
      } finally {
        stop.abort();
      }
      expect(await running, stderr.text).to.equal(0);
    });

    it('exposes a board on a pseudo-terminal that the native serial binding opens', async () => {
      const stdout = new Collector();
      const stderr = new Collector();
      const stop = new AbortController();
      const path = join(directory, 'pico-pty');
      const running = runCli(['sim', ...fast, '--pty', path], { stdout, stderr, signal: stop.signal, env: {} });
      try {
        const [, printed] = await stdout.waitFor(/^pty (.+)$/m);
        expect(printed).to.equal(path);
        const run = await cli(['exec', '--port', path, 'print(6 * 7)']);
        expect(run).to.deep.equal({ code: 0, stdout: '42\n', stderr: '' });
      } finally {
        stop.abort();
      }
      expect(await running, stderr.text).to.equal(0);
    });

    it('needs --pty or --tcp', async () => {
      expectOneErrorLine(await cli(['sim']), 2, /sim needs --pty \[PATH\] and\/or --tcp PORT/);
      expectOneErrorLine(await cli(['sim', '--tcp', '0', '--port', '/dev/ttyACM0']), 2, /--port may only be sim or sim:PROFILE/);
    });
  });

  describe('smoke', () => {
    it('runs the smoke session on a simulated board and reports what it measured', async () => {
      const run = await cli(['smoke', ...fast, '--json', '--profile', 'v1.20.0']);
      expect(run.code, run.stderr).to.equal(0);
      const summary = JSON.parse(run.stdout) as { passed: boolean; profile: string; steps: { step: string; durationMs: number }[] };
      expect(summary.passed).to.equal(true);
      expect(summary.profile).to.equal('v1.20.0');
      expect(summary.steps.map((s) => s.step)).to.include.members(['info', 'exec (raw-paste)', 'exec (classic raw mode)', 'soft reset', 'hard reset, re-find by USB serial']);
      for (const step of summary.steps) expect(step.durationMs).to.be.a('number');
    });
  });

  describe('--help', () => {
    it('prints the command list', async () => {
      const run = await cli(['--help']);
      expect(run.code).to.equal(0);
      for (const command of COMMANDS) expect(run.stdout).to.include(`picow-harness ${command.command}`);
      expect(run.stdout).to.include('Exit codes');
    });

    for (const command of COMMANDS) {
      const name = command.command.split(' ')[0] as string;
      it(`prints help for ${name}, including the global options`, async () => {
        const run = await cli([name, '--help']);
        expect(run.code).to.equal(0);
        expect(run.stderr).to.equal('');
        expect(run.stdout).to.include(`picow-harness ${command.command}`);
        expect(run.stdout).to.include('--port');
        expect(run.stdout).to.include('--world');
      });
    }
  });
});
