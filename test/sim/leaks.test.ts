import { autoDetect } from '@serialport/bindings-cpp';
import { expect } from 'chai';
import type { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimBoard } from '../../src/sim/board.js';
import { exposeBoardOnPty, type BoardPty } from '../../src/sim/pty.js';
import { SimBinding, SimUsbBus } from '../../src/sim/usb-bus.js';
import { RawRepl } from '../../src/transport/raw-repl.js';
import { SerialTransport, type SerialOpenOptions } from '../../src/transport/serial.js';
import { requireTool } from '../support/tools.js';

const CYCLES = 1000;
const EXEC_EVERY = 100;
/** Descriptors the runtime may open lazily during the run (libuv, the thread pool, an inotify...). */
const FD_SLACK = 8;

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

function listenerCounts(emitters: Record<string, EventEmitter>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [label, emitter] of Object.entries(emitters)) {
    for (const name of emitter.eventNames()) counts[`${label}:${String(name)}`] = emitter.listenerCount(name);
  }
  return counts;
}

/** Open and close the port `cycles` times, running code every `EXEC_EVERY` cycles to prove it still works. */
async function cycle(options: SerialOpenOptions, cycles = CYCLES): Promise<void> {
  for (let index = 1; index <= cycles; index += 1) {
    const transport = await SerialTransport.open(options);
    try {
      if (index % EXEC_EVERY === 0) {
        const result = await new RawRepl(transport).exec(`print(${index})`);
        expect(result.stdout).to.equal(`${index}\r\n`);
      }
    } finally {
      await transport.close();
    }
  }
}

describe(`${CYCLES} port open/close cycles`, function () {
  this.timeout(120_000);
  let board: SimBoard;

  beforeEach(async function () {
    board = new SimBoard({ name: 'leaks', enumerationDelayMs: 50 });
    await board.powerOn();
    await board.waitForUsb();
  });

  afterEach(async function () {
    await board.dispose();
  });

  it('leak no file descriptor or listener through the in-process simulator binding', async function () {
    const bus = new SimUsbBus();
    bus.add(board);
    const path = bus.pathOf(board) as string;
    const binding = new SimBinding(bus);
    const options: SerialOpenOptions = { path, binding, kind: 'sim', serialNumber: board.serialNumber };
    await cycle(options, EXEC_EVERY); // warm up: first use loads modules and may open descriptors for good

    const descriptors = openDescriptors();
    const listeners = listenerCounts({ board, process });
    await cycle(options);

    expect(openDescriptors()).to.be.at.most(descriptors + FD_SLACK);
    expect(listenerCounts({ board, process })).to.deep.equal(listeners);
    expect(board.cdc.hostAttached).to.equal(false);
  });

  describe('over a pseudo-terminal with the native binding', function () {
    let dir: string;
    let pty: BoardPty | undefined;

    before(function () {
      requireTool(this, 'socat', 'apt-get install socat');
    });

    beforeEach(function () {
      dir = mkdtempSync(join(tmpdir(), 'picow-leaks-'));
    });

    afterEach(async function () {
      await pty?.close();
      pty = undefined;
      rmSync(dir, { recursive: true, force: true });
    });

    it('leak no file descriptor or listener, and keep the same bridge throughout', async function () {
      pty = await exposeBoardOnPty(board, { path: join(dir, 'ttyPICO') });
      const options: SerialOpenOptions = { path: pty.path, binding: autoDetect(), kind: 'serial', watchPath: true };
      await cycle(options, EXEC_EVERY);

      const descriptors = openDescriptors();
      const listeners = listenerCounts({ board, process, pty });
      const bridge = pty.bridgePid;
      await cycle(options);

      expect(openDescriptors()).to.be.at.most(descriptors + FD_SLACK);
      expect(listenerCounts({ board, process, pty })).to.deep.equal(listeners);
      expect(pty.bridgePid).to.equal(bridge);
    });
  });
});
