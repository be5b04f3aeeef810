import { expect } from 'chai';
import { SimBoard } from '../../src/sim/board.js';
import { serveBoardOverTcp, type ServedBoard } from '../../src/sim/serve-tcp.js';
import { SimBinding, SimUsbBus, type SimPortHandle } from '../../src/sim/usb-bus.js';
import { parseWorld } from '../../src/sim/world.js';
import { connectDevice, type DeviceConnection, type SerialBackend } from '../../src/transport/connect.js';
import { parsePortSpec } from '../../src/transport/port-spec.js';
import { RawRepl } from '../../src/transport/raw-repl.js';

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

async function run(connection: DeviceConnection, code: string): Promise<string> {
  return new RawRepl(connection.transport).execOrThrow(code);
}

describe('connectDevice', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup.length = 0;
  });

  function track(connection: DeviceConnection): DeviceConnection {
    cleanup.push(() => connection.close());
    return connection;
  }

  describe('sim', () => {
    it('starts a simulated board, opens it through the serial code path and stops it on close', async () => {
      const connection = await connectDevice(parsePortSpec('sim:v1.22.2', {}), { seed: 3, world: parseWorld('board:\n  enumerationDelayMs: 20\n', 'fast.yaml') });
      track(connection);
      expect(connection.transport.info.kind).to.equal('sim');
      expect(connection.serialNumber).to.match(/^[0-9a-f]{16}$/);
      expect(connection.describe()).to.include('simulated Pico W (v1.22.2)');
      expect(connection.describe()).to.include(connection.serialNumber as string);
      expect(await run(connection, 'import sys; print(sys.implementation.version[:3])')).to.equal('(1, 22, 2)\r\n');
      await connection.close();
      expect(connection.transport.isOpen).to.equal(false);
      await connection.close(); // idempotent
    });

    it('refuses --port sim:A together with a different --profile', async () => {
      const error = await rejection(connectDevice(parsePortSpec('sim:v1.20.0', {}), { profile: 'v1.24.1' }));
      expect(error.code).to.equal('USAGE');
      expect(error.message).to.include('disagree');
    });
  });

  describe('serial ports from a lister and a binding', () => {
    let bus: SimUsbBus;
    let boards: SimBoard[];
    let backend: SerialBackend;

    beforeEach(async () => {
      bus = new SimUsbBus();
      boards = [new SimBoard({ name: 'a', enumerationDelayMs: 100 }), new SimBoard({ name: 'b', enumerationDelayMs: 20 })];
      for (const board of boards) bus.add(board);
      await Promise.all(boards.map(async (board) => {
        await board.powerOn();
        await board.waitForUsb();
      }));
      const binding = new SimBinding(bus);
      backend = { lister: binding, binding, transportKind: 'sim', watchPath: false };
      cleanup.push(async () => {
        for (const board of boards) await board.dispose();
      });
    });

    it('refuses auto with two boards', async () => {
      const error = await rejection(connectDevice({ kind: 'auto' }, { backend }));
      expect(error.code).to.equal('DEVICE_AMBIGUOUS');
    });

    it('opens a board by id:SERIAL in any case', async () => {
      const [, b] = boards as [SimBoard, SimBoard];
      const connection = track(await connectDevice(parsePortSpec(`id:${b.serialNumber.toUpperCase()}`, {}), { backend }));
      expect(connection.transport.info.port).to.equal(bus.pathOf(b));
      expect(connection.serialNumber).to.equal(b.serialNumber);
    });

    it('reports an unknown serial number with the boards that are present', async () => {
      const error = await rejection(connectDevice(parsePortSpec('id:0000000000000000', {}), { backend }));
      expect(error.code).to.equal('DEVICE_NOT_FOUND');
      for (const board of boards) expect(error.message).to.include(board.serialNumber);
    });

    it('learns the serial number behind a path from the lister', async () => {
      const [a] = boards as [SimBoard];
      const connection = track(await connectDevice({ kind: 'path', path: bus.pathOf(a) as string }, { backend }));
      expect(connection.serialNumber).to.equal(a.serialNumber);
    });

    it('reports a port another program holds as PORT_BUSY', async () => {
      const [a] = boards as [SimBoard];
      const holder = await new SimBinding(bus).open({ path: bus.pathOf(a) as string, baudRate: 115200 });
      cleanup.push(() => holder.close());
      const error = await rejection(connectDevice({ kind: 'path', path: bus.pathOf(a) as string }, { backend }));
      expect(error.code).to.equal('PORT_BUSY');
    });

    it('reconnects after a hard reset by USB serial when the board comes back on a different path', async () => {
      const [a, b] = boards as [SimBoard, SimBoard];
      // A program holds a's first port, so a re-enumerates above b and the held number.
      let stale: SimPortHandle | undefined = await new SimBinding(bus).open({ path: bus.pathOf(a) as string, baudRate: 115200 });
      cleanup.push(async () => stale?.close());
      await a.hardReset();
      await a.waitForUsb();
      const connection = track(await connectDevice(parsePortSpec(`id:${a.serialNumber}`, {}), { backend }));
      const firstPath = connection.transport.info.port;
      expect(firstPath).to.not.equal(bus.pathOf(b));
      expect(await run(connection, 'print("before")')).to.equal('before\r\n');
      // That program lets go; after the next reset a takes the lowest free number again.
      await stale.close();
      stale = undefined;
      const moves: { from: string; to: string; durationMs: number }[] = [];
      connection.on('reconnect', (event) => moves.push(event));

      await a.hardReset();
      const transport = await connection.reconnect({ timeoutMs: 10_000, pollIntervalMs: 20 });

      expect(transport.info.port).to.not.equal(firstPath);
      expect(transport.info.port).to.equal(bus.pathOf(a));
      expect(transport.info.serialNumber).to.equal(a.serialNumber);
      expect(connection.transport).to.equal(transport);
      expect(moves.map(({ from, to }) => ({ from, to }))).to.deep.equal([{ from: firstPath, to: transport.info.port }]);
      expect(await run(connection, 'print("after")')).to.equal('after\r\n');
    });

    it('gives up reconnecting after the timeout when the board stays away, naming what is present', async () => {
      const [a, b] = boards as [SimBoard, SimBoard];
      const connection = track(await connectDevice(parsePortSpec(`id:${a.serialNumber}`, {}), { backend }));
      await a.powerOff();
      const error = await rejection(connection.reconnect({ timeoutMs: 100, pollIntervalMs: 20 }));
      expect(error.code).to.equal('DEVICE_NOT_FOUND');
      expect(error.message).to.include(a.serialNumber);
      expect(error.message).to.include(b.serialNumber);
    });
  });

  describe('tcp', () => {
    it('reports a refused connection as TRANSPORT_OPEN_FAILED', async () => {
      const error = await rejection(connectDevice(parsePortSpec('tcp://127.0.0.1:1', {})));
      expect(error.code).to.equal('TRANSPORT_OPEN_FAILED');
      expect(error.message).to.include('tcp://127.0.0.1:1');
    });

    describe('to a served board', () => {
      let board: SimBoard;
      let served: ServedBoard;

      beforeEach(async () => {
        board = new SimBoard({ name: 'tcp', enumerationDelayMs: 200 });
        await board.powerOn();
        await board.waitForUsb();
        served = await serveBoardOverTcp(board);
        cleanup.push(async () => {
          await served.close();
          await board.dispose();
        });
      });

      it('reopens the same address after a hard reset, retrying while the board is away', async () => {
        const connection = track(await connectDevice(parsePortSpec(`tcp://127.0.0.1:${served.port}`, {})));
        expect(connection.describe()).to.equal(`tcp://127.0.0.1:${served.port}`);
        expect(await run(connection, 'print(1)')).to.equal('1\r\n');
        await board.hardReset();
        await connection.reconnect({ timeoutMs: 10_000, pollIntervalMs: 20 });
        expect(await run(connection, 'print(2)')).to.equal('2\r\n');
      });

      it('says what the server said when it hangs up at once', async () => {
        await board.powerOff();
        const error = await rejection(connectDevice(parsePortSpec(`tcp://127.0.0.1:${served.port}`, {})));
        expect(error.code).to.equal('TRANSPORT_OPEN_FAILED');
        expect(error.message).to.include('closed the connection at once');
        expect(error.message).to.include('is off or resetting');
      });
    });
  });
});
