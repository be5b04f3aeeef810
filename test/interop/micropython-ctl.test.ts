import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import micropythonCtl from 'micropython-ctl-cont';
import { SimBoard } from '../../src/sim/board.js';
import { exposeBoardOnPty, type BoardPty } from '../../src/sim/pty.js';
import { requireTool } from '../support/tools.js';

// A third-party raw-REPL client, unmodified: it opens the port with serialport 10 (its own copy of
// the native binding), enters the raw REPL through the friendly prompt (`\r\x03\x03`, waits for
// `>>>`, then Ctrl-A) and executes in classic raw mode.
const { MicroPythonDevice } = micropythonCtl;
type Device = InstanceType<typeof MicroPythonDevice>;

const WAIT_MS = 5000;

/*
 * Not covered here: runScript's result. The client clears its buffer and returns when a read starts
 * with "OK" (node_modules/micropython-ctl-cont/src/main.ts, handleProtocolData), so output that
 * arrives in the same read as the classic raw mode's "OK" is lost. Whether it arrives apart depends
 * on how fast the board compiles the code and on host scheduling, on a board as on the simulator;
 * Thonny's back-end (test/interop/thonny.test.ts) follows the protocol and is the reference client.
 */

/** Bounded wait on a promise from the client, which has no timeouts of its own. */
function within<T>(promise: Promise<T>, what: string, device: Device): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const state = device.getState();
      reject(new Error(`${what} did not finish within ${WAIT_MS} ms (client state ${state.replMode}/${state.rawReplState}, output so far ${JSON.stringify(state.inputBuffer)})`));
    }, WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function waitForFile(board: SimBoard, path: string): Promise<Uint8Array> {
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    const data = board.flash.readFile(path);
    if (data !== undefined) return data;
    if (performance.now() > deadline) throw new Error(`${path} did not appear on the board's flash within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function disconnect(device: Device): Promise<void> {
  const port = device.getState().port as { isOpen?: boolean; once(event: 'close', listener: () => void): void } | null;
  if (port?.isOpen !== true) return;
  const closed = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, WAIT_MS);
    port.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await device.disconnect();
  await closed;
}

describe('micropython-ctl-cont (third-party raw-REPL client) against a simulated board on a PTY', function () {
  let dir: string;
  let board: SimBoard;
  let pty: BoardPty | undefined;
  let device: Device | undefined;

  const connect = async (): Promise<Device> => {
    const connected = new MicroPythonDevice();
    device = connected;
    await within(connected.connectSerial((pty as BoardPty).path), 'connectSerial', connected);
    return connected;
  };

  before(function () {
    requireTool(this, 'socat', 'apt-get install socat');
  });

  beforeEach(async function () {
    dir = mkdtempSync(join(tmpdir(), 'picow-interop-'));
    board = new SimBoard({ name: 'interop', enumerationDelayMs: 50 });
    await board.powerOn();
    await board.waitForUsb();
    pty = await exposeBoardOnPty(board, { path: join(dir, 'ttyPICO') });
  });

  afterEach(async function () {
    if (device !== undefined) await disconnect(device);
    device = undefined;
    await pty?.close();
    pty = undefined;
    await board.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the PTY with connectSerial', async function () {
    const connected = await connect();
    expect(connected.isConnected()).to.equal(true);
  });

  it('enters the raw REPL through the friendly prompt and has its script executed', async function () {
    const connected = await connect();
    // Resolves once the client has seen `>>>` and the raw REPL banner and has sent the script with Ctrl-D.
    await within(connected.runScript("f = open('interop.txt', 'w')\nf.write(str(6*7))\nf.close()", { resolveBeforeResult: true }), 'runScript', connected);
    expect(new TextDecoder().decode(await waitForFile(board, 'interop.txt'))).to.equal('42');
  });
});
