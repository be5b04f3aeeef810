import { expect } from 'chai';
import { scaledClock } from '../../../src/campaign/power/driver.js';
import { createPowerDriver } from '../../../src/campaign/power/index.js';
import { SimDriver } from '../../../src/campaign/power/sim.js';
import { HarnessError } from '../../../src/errors.js';
import { SimBoard } from '../../../src/sim/board.js';
import { SimUsbBus } from '../../../src/sim/usb-bus.js';
import { recordingClock } from './clock.js';
import { recordEvents, TIME_SCALE } from './support.js';

describe('sim power driver', function () {
  let bus: SimUsbBus;
  let board: SimBoard;

  before(async () => {
    bus = new SimUsbBus();
    board = new SimBoard({ name: 'sim-power', seed: 3, timeScale: TIME_SCALE, enumerationDelayMs: 200 });
    bus.add(board);
    await board.powerOn();
    await board.waitForUsb(10_000);
  });

  after(async () => {
    await board?.dispose();
  });

  afterEach(async () => {
    if (!board.isPowered) await board.powerOn();
    await board.waitForUsb(10_000);
  });

  const listed = (): boolean => bus.list().some((port) => port.serialNumber === board.serialNumber);

  it('off cuts the simulated supply and the port leaves the bus; on boots the board from power-on', async () => {
    const driver = createPowerDriver({ driver: 'sim', offMs: 2000 }, { board });
    const boots = board.counters.hardBoots;
    await driver.off();
    expect(board.isPowered).to.equal(false);
    expect(listed()).to.equal(false);
    expect(await driver.get?.()).to.equal('off');
    await driver.on();
    await board.waitForUsb(10_000);
    expect(board.resetCause).to.equal('power-on');
    expect(board.counters.hardBoots).to.equal(boots + 1);
    expect(listed()).to.equal(true);
    expect(await driver.get?.()).to.equal('on');
  });

  it('a cycle keeps the board off for the off time in board time, then it boots again', async () => {
    const clock = recordingClock(scaledClock(board.timeScale));
    const driver = new SimDriver(board, { clock });
    const events = recordEvents(board);
    await driver.cycle({ offMs: 2500 });
    await board.waitForUsb(10_000);
    expect(clock.sleeps).to.deep.equal([2500]);
    expect(events).to.deep.equal(['usb-detach', 'usb-attach']);
    expect(board.resetCause).to.equal('power-on');
  });

  it('refuses an off time under 2 s and describes what it switches', async () => {
    const driver = new SimDriver(board);
    let error: unknown;
    await driver.cycle({ offMs: 100 }).catch((caught: unknown) => (error = caught));
    expect(error).to.be.instanceOf(HarnessError);
    expect((error as HarnessError).code).to.equal('USAGE');
    expect(board.isPowered).to.equal(true);
    expect(await driver.check()).to.equal(`simulated power switch of board sim-power (${board.serialNumber}), now on`);
  });
});
