import { expect } from 'chai';
import { SimBoard } from '../../src/sim/board.js';
import { SimBinding, SimUsbBus } from '../../src/sim/usb-bus.js';
import { DETACHED_TX_FIFO_BYTES } from '../../src/sim/usb-cdc.js';
import { SerialTransport } from '../../src/transport/serial.js';
import type { Transport } from '../../src/transport/transport.js';

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  for (const started = Date.now(); !check(); ) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('host silence evidence on the simulated board', function () {
  this.timeout(30_000);
  let board: SimBoard | undefined;
  let transport: Transport | undefined;

  afterEach(async () => {
    await transport?.close();
    transport = undefined;
    await board?.dispose();
    board = undefined;
  });

  it('counts host writes, DTR changes and opens per board phase, and keeps only the newest 256 bytes printed while no host was attached', async () => {
    const bus = new SimUsbBus();
    board = new SimBoard({ name: 'silent', timeScale: 20 });
    bus.add(board);
    board.flash.writeFile('main.py', 'for i in range(100):\n    print("line-%03d" % i)\n');
    const mark = board.cdc.currentPhaseIndex + 1;
    await board.powerOn();
    const sim = board;
    await until(() => sim.phase.kind === 'idle', 'main.py to finish');

    const silent = board.cdc.phaseActivity(mark);
    expect(silent.map((phase) => phase.phase)).to.include.members(['power-on', 'exec:main.py', 'idle:friendly']);
    for (const phase of silent) expect({ phase: phase.phase, writes: phase.writes, dtr: phase.dtrChanges, opens: phase.opens }).to.deep.equal({ phase: phase.phase, writes: 0, dtr: 0, opens: 0 });

    await board.waitForUsb(10_000);
    transport = await SerialTransport.open({ path: bus.pathOf(board)!, binding: new SimBinding(bus), kind: 'sim', serialNumber: board.serialNumber });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const kept = Buffer.from(transport.drain()).toString('latin1');
    expect(kept.length).to.equal(DETACHED_TX_FIFO_BYTES);
    expect(kept).to.include('line-099');
    expect(kept).to.not.include('line-000');
    expect(kept.endsWith('>>> ')).to.equal(true);

    await transport.write(Uint8Array.of(0x0d));
    const now = board.cdc.phaseActivity(board.cdc.currentPhaseIndex)[0]!;
    expect({ opens: now.opens, dtrChanges: now.dtrChanges, writes: now.writes }).to.deep.equal({ opens: 1, dtrChanges: 1, writes: 1 });
  });
});
