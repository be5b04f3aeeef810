import { SimBoard, type SimBoardOptions } from '../../src/sim/board.js';
import { SimBinding, SimUsbBus } from '../../src/sim/usb-bus.js';
import { RawRepl, type RawReplOptions } from '../../src/transport/raw-repl.js';
import { ReplReader } from '../../src/transport/repl-reader.js';
import { SerialTransport } from '../../src/transport/serial.js';
import { utf8 } from '../../src/util/bytes.js';

export interface SimRig {
  readonly bus: SimUsbBus;
  readonly board: SimBoard;
  transport: SerialTransport;
  repl: RawRepl;
  /** Reopen the port after a reset (same serial, the bus may give another path). */
  reconnect(): Promise<void>;
  dispose(): Promise<void>;
}

/** A powered simulated board on an in-process bus, with the port open and a raw-REPL client on it. */
export async function startSimRig(options: SimBoardOptions = {}, replOptions: RawReplOptions = {}): Promise<SimRig> {
  const bus = new SimUsbBus();
  const board = new SimBoard({ name: 'test', enumerationDelayMs: 50, ...options });
  bus.add(board);
  await board.powerOn();
  await board.waitForUsb();
  const open = async (): Promise<SerialTransport> => {
    const path = bus.pathOf(board);
    if (path === undefined) throw new Error('board not on the bus');
    return SerialTransport.open({ path, binding: new SimBinding(bus), kind: 'sim', serialNumber: board.serialNumber });
  };
  const rig: SimRig = {
    bus,
    board,
    transport: await open(),
    repl: undefined as unknown as RawRepl,
    async reconnect() {
      await rig.transport.close();
      await board.waitForUsb();
      rig.transport = await open();
      rig.repl = new RawRepl(rig.transport, replOptions);
    },
    async dispose() {
      await rig.transport.close();
      await board.dispose();
    },
  };
  rig.repl = new RawRepl(rig.transport, replOptions);
  return rig;
}

/** Byte-level conversation with a board: send keys, wait for what it prints. */
export class Conversation {
  private readonly reader: ReplReader;

  constructor(private readonly transport: SerialTransport) {
    this.reader = new ReplReader(transport);
  }

  async send(text: string | Uint8Array): Promise<void> {
    await this.transport.write(typeof text === 'string' ? utf8(text) : text);
  }

  /** Everything up to and including `needle`, as text. */
  async expect(needle: string, timeoutMs = 5000): Promise<string> {
    const bytes = await this.reader.readUntil(needle, { phase: 'exec-idle', deadline: performance.now() + timeoutMs });
    return new TextDecoder().decode(bytes);
  }

  /** Whatever arrives until the line is quiet. */
  async settle(quietMs = 100, maxMs = 3000): Promise<string> {
    const bytes = await this.reader.discardUntilQuiet(quietMs, performance.now() + maxMs);
    return new TextDecoder().decode(bytes);
  }
}
