import { once } from 'node:events';
import { autoDetect } from '@serialport/bindings-cpp';
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimBoard } from '../../src/sim/board.js';
import { defaultPtyPath, exposeBoardOnPty, type BoardPty } from '../../src/sim/pty.js';
import { RawRepl } from '../../src/transport/raw-repl.js';
import { ReplReader } from '../../src/transport/repl-reader.js';
import { SerialTransport } from '../../src/transport/serial.js';
import { fromUtf8, utf8 } from '../../src/util/bytes.js';
import { requireTool } from '../support/tools.js';

const WAIT_MS = 5000;

function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Child processes of this process named `comm` (zombies included), from /proc. */
function childProcessesNamed(comm: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (name === comm && Number(ppid) === process.pid) found.push(`${pid} (${state})`);
    } catch {
      // gone
    }
  }
  return found;
}

/** The error a promise rejects with (undefined when it resolves), observed from the start. */
function settle(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('a simulated board on a pseudo-terminal (socat, native serialport binding)', function () {
  let dir: string;
  let board: SimBoard;
  let pty: BoardPty | undefined;
  let transports: SerialTransport[] = [];

  const openPort = async (path: string): Promise<SerialTransport> => {
    const transport = await SerialTransport.open({ path, binding: autoDetect(), kind: 'serial', watchPath: true, watchIntervalMs: 50 });
    transports.push(transport);
    return transport;
  };

  before(function () {
    requireTool(this, 'socat', 'apt-get install socat');
  });

  beforeEach(async function () {
    dir = mkdtempSync(join(tmpdir(), 'picow-pty-test-'));
    board = new SimBoard({ name: 'pty-board', enumerationDelayMs: 50 });
    await board.powerOn();
    await board.waitForUsb();
  });

  afterEach(async function () {
    for (const transport of transports) await transport.close();
    transports = [];
    await pty?.close();
    pty = undefined;
    await board.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appears at the requested path as a link to a /dev/pts terminal', async function () {
    const path = join(dir, 'ttyPICO');
    pty = await exposeBoardOnPty(board, { path });
    expect(pty.path).to.equal(path);
    expect(lstatSync(path).isSymbolicLink()).to.equal(true);
    expect(realpathSync(path)).to.match(/^\/dev\/pts\/\d+$/);
    expect(pty.device).to.equal(realpathSync(path));
  });

  it('defaults to a path in the temp directory named after the serial number', async function () {
    pty = await exposeBoardOnPty(board);
    expect(pty.path).to.equal(defaultPtyPath(board));
    expect(pty.path.startsWith(tmpdir())).to.equal(true);
    expect(pty.path).to.include(board.serialNumber);
    expect(realpathSync(pty.path)).to.match(/^\/dev\/pts\/\d+$/);
  });

  it('runs code through the raw REPL with the native serialport binding, raw-paste and classic', async function () {
    pty = await exposeBoardOnPty(board, { path: join(dir, 'ttyPICO') });
    const transport = await openPort(pty.path);
    const pasted = await new RawRepl(transport).exec('print(6*7)');
    expect(pasted).to.include({ stdout: '42\r\n', stderr: '', mode: 'raw-paste' });
    await transport.close();

    const classicPort = await openPort(pty.path);
    const classic = await new RawRepl(classicPort, { rawPaste: 'never' }).exec('import sys\nprint(sys.platform)');
    expect(classic).to.include({ stdout: 'rp2\r\n', mode: 'classic' });
  });

  it('hands the board\'s bytes over untranslated and echoes nothing back', async function () {
    pty = await exposeBoardOnPty(board, { path: join(dir, 'ttyPICO') });
    const transport = await openPort(pty.path);
    const reader = new ReplReader(transport);
    const deadline = (): number => performance.now() + WAIT_MS;
    await transport.write(utf8('\r\x03'));
    await reader.discardUntilQuiet(100, deadline());
    await transport.write(utf8('\x01'));
    await reader.readUntil('raw REPL; CTRL-B to exit\r\n>', { phase: 'enter', deadline: deadline() });

    // Classic raw mode: the board echoes nothing, so every byte read is the board's own answer.
    await transport.write(utf8('print("x\\ry\\tz")\x04'));
    const answer = await reader.readUntil('\x04>', { phase: 'exec-idle', deadline: deadline() });
    expect(fromUtf8(answer)).to.equal('OKx\ry\tz\r\n\x04\x04>');
  });

  it('sets the terminal raw (no echo, no CR/LF translation) for clients that do not set it', async function () {
    requireTool(this, 'stty', 'coreutils');
    pty = await exposeBoardOnPty(board, { path: join(dir, 'ttyPICO') });
    const settings = execFileSync('stty', ['-F', pty.path, '-a'], { encoding: 'utf8' }).split(/\s+/);
    expect(settings).to.include.members(['-echo', '-icanon', '-icrnl', '-inlcr', '-opost', '-isig']);
  });

  it('is absent while the board is off and comes back at the same path after power-on', async function () {
    const path = join(dir, 'ttyPICO');
    pty = await exposeBoardOnPty(board, { path });
    await board.powerOff();
    expect(pathExists(path)).to.equal(false);
    await pty.waitUntilAbsent(WAIT_MS);
    expect(pty.isPresent).to.equal(false);
    expect(pathExists(path)).to.equal(false);

    await board.powerOn();
    await board.waitForUsb();
    await pty.waitUntilPresent(WAIT_MS);
    expect(pty.path).to.equal(path);
    expect(realpathSync(path)).to.match(/^\/dev\/pts\/\d+$/);
    const transport = await openPort(path);
    expect((await new RawRepl(transport).exec('print("back")')).stdout).to.equal('back\r\n');
  });

  it('comes back at the same path after a hard reset', async function () {
    const path = join(dir, 'ttyPICO');
    pty = await exposeBoardOnPty(board, { path });
    await board.hardReset();
    expect(pathExists(path)).to.equal(false);
    await board.waitForUsb();
    await pty.waitUntilPresent(WAIT_MS);
    const transport = await openPort(path);
    expect((await new RawRepl(transport).exec('print(2)')).stdout).to.equal('2\r\n');
  });

  it('appears only once a board that was off has come up', async function () {
    await board.powerOff();
    const path = join(dir, 'ttyPICO');
    pty = await exposeBoardOnPty(board, { path });
    expect(pty.isPresent).to.equal(false);
    expect(pathExists(path)).to.equal(false);
    await board.powerOn();
    await board.waitForUsb();
    await pty.waitUntilPresent(WAIT_MS);
    expect(realpathSync(path)).to.match(/^\/dev\/pts\/\d+$/);
  });

  it('survives many client open/close cycles without restarting the bridge', async function () {
    pty = await exposeBoardOnPty(board, { path: join(dir, 'ttyPICO') });
    const bridge = pty.bridgePid;
    for (let cycle = 0; cycle < 50; cycle += 1) {
      const transport = await SerialTransport.open({ path: pty.path, binding: autoDetect(), kind: 'serial' });
      await transport.close();
    }
    expect(pty.bridgePid).to.equal(bridge);
    const transport = await openPort(pty.path);
    expect((await new RawRepl(transport).exec('print(1)')).stdout).to.equal('1\r\n');
  });

  it('fails a pending read with TRANSPORT_LOST when the board powers off', async function () {
    pty = await exposeBoardOnPty(board, { path: join(dir, 'ttyPICO') });
    const transport = await openPort(pty.path);
    await new RawRepl(transport).exec('pass');
    const pending = settle(transport.read(AbortSignal.timeout(WAIT_MS)));
    await board.powerOff();
    const error = await pending;
    expect(error).to.have.property('code', 'TRANSPORT_LOST');
  });

  it('fails a pending read with TRANSPORT_LOST when the bridge is killed, and restores the PTY at the same path', async function () {
    const path = join(dir, 'ttyPICO');
    pty = await exposeBoardOnPty(board, { path });
    const transport = await openPort(path);
    await new RawRepl(transport).exec('pass');
    const pending = settle(transport.read(AbortSignal.timeout(WAIT_MS)));
    const killed = pty.bridgePid;
    const gone = once(pty, 'absent');
    process.kill(killed as number, 'SIGKILL');
    const error = await pending;
    // Often the OS reports nothing on the orphaned terminal and only the path watch sees it go.
    expect(error).to.have.property('code', 'TRANSPORT_LOST');

    // The port may report the loss before the supervisor has seen socat die: wait for both.
    await gone;
    await pty.waitUntilPresent(WAIT_MS);
    expect(pty.bridgePid).to.not.equal(killed);
    const again = await openPort(path);
    expect((await new RawRepl(again).exec('print(3)')).stdout).to.equal('3\r\n');
  });

  it('removes the PTY, stops socat and leaves no listener behind on close', async function () {
    const boardListeners = board.eventNames().map((name) => [name, board.listenerCount(name)]);
    const exitListeners = process.listenerCount('exit');
    const path = join(dir, 'ttyPICO');
    pty = await exposeBoardOnPty(board, { path });
    const transport = await openPort(path);
    await new RawRepl(transport).exec('pass');
    await pty.close();

    expect(pathExists(path)).to.equal(false);
    expect(pty.isPresent).to.equal(false);
    expect(childProcessesNamed('socat')).to.deep.equal([]);
    expect(board.cdc.hostAttached).to.equal(false);
    expect(board.eventNames().map((name) => [name, board.listenerCount(name)])).to.deep.equal(boardListeners);
    expect(process.listenerCount('exit')).to.equal(exitListeners);
  });

  it('reports a bridge that cannot start as SIM_FAILURE with what socat said', async function () {
    const brokenSocat = join(dir, 'socat');
    writeFileSync(brokenSocat, '#!/bin/sh\necho "E cannot open /dev/ptmx: simulated breakage" >&2\nexit 1\n', { mode: 0o755 });
    const error = await settle(exposeBoardOnPty(board, { path: join(dir, 'ttyPICO'), socat: brokenSocat }));
    expect(error).to.have.property('code', 'SIM_FAILURE');
    expect((error as Error).message).to.include('simulated breakage');
    expect(pathExists(join(dir, 'ttyPICO'))).to.equal(false);
    expect(childProcessesNamed('socat')).to.deep.equal([]);
  });

  it('refuses to replace a file that is not a symlink', async function () {
    const path = join(dir, 'precious.txt');
    writeFileSync(path, 'keep me');
    const error = await settle(exposeBoardOnPty(board, { path }));
    expect(error).to.have.property('code', 'USAGE');
    expect(readFileSync(path, 'utf8')).to.equal('keep me');
  });

  it('refuses a path socat cannot take in an address', async function () {
    const error = await settle(exposeBoardOnPty(board, { path: join(dir, 'a,b:c') }));
    expect(error).to.have.property('code', 'USAGE');
  });
});

describe('exposing a board on a pseudo-terminal without socat', function () {
  it('fails with TOOL_MISSING naming the package to install', async function () {
    const board = new SimBoard({ name: 'no-socat' });
    try {
      const error = await settle(exposeBoardOnPty(board, { socat: 'socat-is-not-installed-here' }));
      expect(error).to.have.property('code', 'TOOL_MISSING');
      expect((error as Error).message).to.include('apt-get install socat');
    } finally {
      await board.dispose();
    }
  });
});
