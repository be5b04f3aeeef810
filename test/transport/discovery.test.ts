import type { PortInfo } from '@serialport/bindings-interface';
import { expect } from 'chai';
import { SimBoard } from '../../src/sim/board.js';
import { SimBinding, SimUsbBus, type SimPortHandle } from '../../src/sim/usb-bus.js';
import { listBoards, nativePortLister, requireBoardBySerial, resolveAuto, waitForBoard, type PortLister } from '../../src/transport/discovery.js';

function port(path: string, fields: Partial<PortInfo> = {}): PortInfo {
  return { path, manufacturer: undefined, serialNumber: undefined, pnpId: undefined, locationId: undefined, vendorId: undefined, productId: undefined, ...fields };
}

function pico(path: string, serialNumber: string, productId = '0005'): PortInfo {
  return port(path, { vendorId: '2e8a', productId, serialNumber, manufacturer: 'MicroPython' });
}

function fakeLister(ports: PortInfo[]): PortLister & { calls: number } {
  const lister = {
    calls: 0,
    async list(): Promise<PortInfo[]> {
      lister.calls += 1;
      return ports;
    },
  };
  return lister;
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; context?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

const OTHER_PORTS = [
  port('/dev/ttyS0'),
  port('/dev/ttyUSB0', { vendorId: '10c4', productId: 'ea60', serialNumber: '0001' }),
  port('/dev/ttyACM5', { vendorId: '2e8a', productId: '1234', serialNumber: 'not-a-pico-mode' }),
];

describe('discovery', () => {
  describe('listBoards', () => {
    it('lists Raspberry Pi boards by VID 2e8a and names their mode, ignoring other ports', async () => {
      const boards = await listBoards(fakeLister([
        ...OTHER_PORTS,
        pico('/dev/ttyACM0', 'e6614c311b7e6a35'),
        pico('/dev/ttyACM1', 'E6614C311B7E0001', '0003'),
        pico('/dev/ttyACM2', 'E6614C311B7E0002', '000f'),
      ]));
      expect(boards.map((b) => [b.path, b.mode])).to.deep.equal([
        ['/dev/ttyACM0', 'micropython'],
        ['/dev/ttyACM1', 'bootsel-rp2040'],
        ['/dev/ttyACM2', 'bootsel-rp2350'],
      ]);
    });

    it('matches vendor and product IDs in any hex case', async () => {
      const boards = await listBoards(fakeLister([port('COM4', { vendorId: '2E8A', productId: '000F', serialNumber: 'X' })]));
      expect(boards.map((b) => b.mode)).to.deep.equal(['bootsel-rp2350']);
    });

    it('reports a macOS board seen as tty.* and cu.* once, on its cu.* node', async () => {
      const boards = await listBoards(fakeLister([
        pico('/dev/tty.usbmodem1101', 'e6614c311b7e6a35'),
        pico('/dev/cu.usbmodem1101', 'e6614c311b7e6a35'),
        pico('/dev/cu.usbmodem1201', 'e6614c311b7e0002'),
        pico('/dev/tty.usbmodem1201', 'e6614c311b7e0002'),
      ]));
      expect(boards.map((b) => ({ path: b.path, aliases: b.aliases }))).to.deep.equal([
        { path: '/dev/cu.usbmodem1101', aliases: ['/dev/tty.usbmodem1101'] },
        { path: '/dev/cu.usbmodem1201', aliases: ['/dev/tty.usbmodem1201'] },
      ]);
    });
  });

  describe('resolveAuto', () => {
    it('picks the one MicroPython board', async () => {
      const board = await resolveAuto(fakeLister([...OTHER_PORTS, pico('/dev/ttyACM3', 'e6614c311b7e6a35')]));
      expect(board.path).to.equal('/dev/ttyACM3');
      expect(board.serialNumber).to.equal('e6614c311b7e6a35');
    });

    it('reports no board found, and points at a board in BOOTSEL mode', async () => {
      const none = await rejection(resolveAuto(fakeLister(OTHER_PORTS)));
      expect(none.code).to.equal('DEVICE_NOT_FOUND');
      const bootsel = await rejection(resolveAuto(fakeLister([pico('/dev/ttyACM0', 'E661', '0003')])));
      expect(bootsel.code).to.equal('DEVICE_NOT_FOUND');
      expect(bootsel.message).to.include('BOOTSEL');
    });

    it('refuses with two boards and lists the path and serial of each', async () => {
      const error = await rejection(resolveAuto(fakeLister([pico('/dev/ttyACM0', 'e6614c311b7e0001'), pico('/dev/ttyACM1', 'e6614c311b7e0002')])));
      expect(error.code).to.equal('DEVICE_AMBIGUOUS');
      for (const text of ['/dev/ttyACM0', '/dev/ttyACM1', 'e6614c311b7e0001', 'e6614c311b7e0002']) expect(error.message).to.include(text);
      expect(error.context?.candidates).to.have.length(2);
    });
  });

  describe('requireBoardBySerial', () => {
    it('finds a MicroPython board by serial number in any case', async () => {
      const board = await requireBoardBySerial(fakeLister([pico('/dev/ttyACM0', 'E6614C311B7E6A35')]), 'e6614c311b7e6a35');
      expect(board.path).to.equal('/dev/ttyACM0');
    });

    it('says when the board with that serial number is in BOOTSEL mode', async () => {
      const error = await rejection(requireBoardBySerial(fakeLister([pico('/dev/ttyACM0', 'E6614C311B7E6A35', '0003')]), 'e6614c311b7e6a35'));
      expect(error.code).to.equal('DEVICE_NOT_FOUND');
      expect(error.message).to.include('BOOTSEL');
    });
  });

  describe('native lister', () => {
    it('turns a missing udevadm into TOOL_MISSING with the package to install', async () => {
      const missing = Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT', syscall: 'spawn udevadm', path: 'udevadm' });
      const error = await rejection(nativePortLister(() => Promise.reject(missing)).list());
      expect(error.code).to.equal('TOOL_MISSING');
      expect(error.message).to.include('udevadm');
      expect(error.message).to.include('apt-get install udev');
    });

    it('reports TOOL_MISSING when udevadm is not on PATH (Linux)', async function () {
      if (process.platform !== 'linux') this.skip(); // only Linux lists ports through udevadm
      const saved = process.env.PATH;
      process.env.PATH = '/nonexistent';
      try {
        const error = await rejection(nativePortLister().list());
        expect(error.code).to.equal('TOOL_MISSING');
      } finally {
        process.env.PATH = saved;
      }
    });

    it('passes other failures through unchanged', async () => {
      const error = await rejection(nativePortLister(() => Promise.reject(new Error('udevadm exited with error code: 1'))).list());
      expect(error.message).to.equal('udevadm exited with error code: 1');
    });
  });

  describe('waitForBoard', () => {
    it('matches the serial number case-insensitively', async () => {
      const board = await waitForBoard(fakeLister([pico('COM3', 'E6614C311B7E6A35')]), 'e6614c311b7e6a35', { timeoutMs: 1000 });
      expect(board.path).to.equal('COM3');
    });

    it('gives up after the timeout and lists what is present', async () => {
      const lister = fakeLister([pico('/dev/ttyACM1', 'e6614c311b7e0002')]);
      const error = await rejection(waitForBoard(lister, 'e6614c311b7e0001', { timeoutMs: 60, pollIntervalMs: 10 }));
      expect(error.code).to.equal('DEVICE_NOT_FOUND');
      expect(error.message).to.include('e6614c311b7e0001');
      expect(error.message).to.include('/dev/ttyACM1 (serial e6614c311b7e0002)');
      expect(lister.calls).to.be.greaterThan(1);
    });

    it('stops when its signal aborts', async () => {
      const controller = new AbortController();
      const waiting = waitForBoard(fakeLister([]), 'e6614c311b7e0001', { timeoutMs: 60_000, pollIntervalMs: 10, signal: controller.signal });
      controller.abort();
      expect((await rejection(waiting)).code).to.equal('ABORTED');
    });

    describe('after a hard reset, with a second board on the bus', () => {
      let bus: SimUsbBus;
      let boards: SimBoard[];
      let stale: SimPortHandle | undefined;

      beforeEach(async () => {
        bus = new SimUsbBus();
        boards = [new SimBoard({ name: 'a', enumerationDelayMs: 300 }), new SimBoard({ name: 'b', enumerationDelayMs: 50 })];
        for (const board of boards) {
          bus.add(board);
          await board.powerOn();
          await board.waitForUsb();
        }
      });

      afterEach(async () => {
        await stale?.close();
        stale = undefined;
        for (const board of boards) await board.dispose();
      });

      it('re-finds the board by USB serial when it comes back on a different path', async () => {
        const [a, b] = boards as [SimBoard, SimBoard];
        const binding = new SimBinding(bus);
        const oldPath = bus.pathOf(a) as string;
        // A program still holds the vanished port, so (as on Linux) its number stays taken.
        stale = await binding.open({ path: oldPath, baudRate: 115200 });
        let polls = 0;
        const lister: PortLister = { list: () => ((polls += 1), binding.list()) };

        await a.hardReset();
        const found = await waitForBoard(lister, a.serialNumber.toUpperCase(), { timeoutMs: 10_000, pollIntervalMs: 20 });

        expect(found.serialNumber).to.equal(a.serialNumber);
        expect(found.path).to.not.equal(oldPath);
        expect(found.path).to.not.equal(bus.pathOf(b));
        expect(found.path).to.equal(bus.pathOf(a));
        expect(polls, 'the board was not back at the first poll').to.be.greaterThan(1);
      });
    });
  });
});
