import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { SimBoard } from '../../src/sim/board.js';
import { exposeBoardOnPty, type BoardPty } from '../../src/sim/pty.js';
import { SerialTransport } from '../../src/transport/serial.js';
import { failure } from '../support/failure.js';
import { requireTool } from '../support/tools.js';

/** Debian's python3 with pyserial (python3-serial), which CI installs. */
function pyserialPython(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(python, ['-c', 'import serial'], { stdio: 'ignore' }).status === 0) return python;
  }
  return undefined;
}

describe('opening a port another program holds', function () {
  let dir: string;
  let board: SimBoard;
  let pty: BoardPty;
  let holder: ChildProcess | undefined;

  before(async function () {
    requireTool(this, 'socat', 'apt-get install socat');
    dir = mkdtempSync(join(tmpdir(), 'picow-holder-'));
    board = new SimBoard({ name: 'held', enumerationDelayMs: 20 });
    await board.powerOn();
    await board.waitForUsb();
    pty = await exposeBoardOnPty(board, { path: join(dir, 'ttyHELD') });
  });

  after(async function () {
    holder?.kill('SIGKILL');
    await pty?.close();
    await board?.dispose();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('fails with PORT_BUSY and names the program and its pid', async function () {
    const python = pyserialPython();
    if (python === undefined) {
      if (process.env.CI === 'true') throw new Error('pyserial is not installed (apt-get install python3-serial); CI must install it, so this fails instead of skipping');
      this.skip();
    }
    // pyserial's exclusive open takes the same flock the native serialport binding takes.
    const child = spawn(python, ['-c', 'import serial, sys, time\ns = serial.Serial(sys.argv[1], exclusive=True)\nprint("held", flush=True)\ntime.sleep(60)', pty.path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    holder = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the holder did not open the port')), 10_000);
      child.stdout?.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => reject(new Error(`the holder exited with ${String(code)}`)));
    });
    const error = await failure(SerialTransport.open({ path: pty.path, binding: autoDetect(), kind: 'serial' }));
    expect(error.code).to.equal('PORT_BUSY');
    expect(error.message).to.match(new RegExp(`held by python3[^ ]* \\(pid ${String(child.pid)}\\)`));
  });
});
