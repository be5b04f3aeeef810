import { expect } from 'chai';
import type { SimRig } from '../../support/sim-board.js';
import { JOIN_VISIBLE, output, startBoard, testWorld, value } from './support.js';

const BOOT_EPOCH_S = Date.UTC(2021, 0, 1) / 1000;

describe('simulated board state across resets (facts §3, §10)', function () {
  this.timeout(60_000);
  let rig: SimRig | undefined;

  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  async function join(board: SimRig): Promise<void> {
    await output(board, JOIN_VISIBLE);
  }

  it('starts a cold board at RTC 2021-01-01 with reset cause PWRON_RESET, Wi-Fi down and ticks from zero', async () => {
    rig = await startBoard();
    const state = await value<[number, number, boolean, number, number[]]>(
      rig,
      'import machine, network, time, json\nprint(json.dumps([time.time(), machine.reset_cause(), network.WLAN(network.STA_IF).active(), time.ticks_ms(), list(machine.RTC().datetime())]))',
    );
    expect(state[0] - BOOT_EPOCH_S).to.be.within(0, 120);
    expect(state[1]).to.equal(1);
    expect(state[2]).to.equal(false);
    expect(state[3]).to.be.below(120_000);
    expect(state[4].slice(0, 4)).to.deep.equal([2021, 1, 1, 4]); // weekday 4 = Friday
  });

  it('keeps RTC, ticks, reset cause and the Wi-Fi association across a soft reset, with a fresh interpreter', async () => {
    rig = await startBoard();
    await join(rig);
    await output(rig, 'import machine\nmachine.RTC().datetime((2030, 6, 1, 0, 12, 0, 0, 0))\nsentinel = 42');
    const before = await value<number>(rig, 'import time\nprint(time.ticks_ms())');
    await rig.repl.softReset();
    const after = await value<[number, number, boolean, number, boolean]>(
      rig,
      "import machine, network, time, json\nw = network.WLAN(network.STA_IF)\nprint(json.dumps([time.gmtime()[0], time.ticks_ms(), w.isconnected(), machine.reset_cause(), 'sentinel' in globals()]))",
    );
    expect(after[0]).to.equal(2030);
    expect(after[1]).to.be.at.least(before);
    expect(after[2], 'association survives a soft reset').to.equal(true);
    expect(after[3]).to.equal(1);
    expect(after[4], 'the interpreter is fresh').to.equal(false);
  });

  it('keeps network.country() and the pm in effect across a soft reset', async () => {
    rig = await startBoard();
    await output(rig, "import network\nnetwork.country('DE')\nw = network.WLAN(network.STA_IF)\nw.active(True)\nw.config(pm=0x11)");
    await rig.repl.softReset();
    const after = await value<[string, number]>(rig, "import network, json\nprint(json.dumps([network.country(), network.WLAN(network.STA_IF).config('pm')]))");
    expect(after).to.deep.equal(['DE', 0x11]);
  });

  it('machine.reset() reboots: the port goes and comes back, WDT_RESET, RTC back at 2021-01-01, Wi-Fi down, ticks restart', async () => {
    rig = await startBoard();
    await join(rig);
    await output(rig, 'import machine\nmachine.RTC().datetime((2030, 6, 1, 0, 12, 0, 0, 0))');
    const bootsBefore = rig.board.counters.hardBoots;
    await rig.repl.exec('import machine\nmachine.reset()', { timeouts: { execIdleMs: 300 } }).catch(() => undefined);
    await rig.reconnect();
    expect(rig.board.counters.hardBoots).to.equal(bootsBefore + 1);
    const state = await value<[number, number, boolean, number]>(
      rig,
      'import machine, network, time, json\nprint(json.dumps([time.time(), machine.reset_cause(), network.WLAN(network.STA_IF).isconnected(), time.ticks_ms()]))',
    );
    expect(state[0] - BOOT_EPOCH_S).to.be.within(0, 120);
    expect(state[1]).to.equal(3);
    expect(state[2]).to.equal(false);
    expect(state[3]).to.be.below(120_000);
  });

  it('a power cycle gives PWRON_RESET and forgets the country', async () => {
    rig = await startBoard();
    await output(rig, "import network\nnetwork.country('DE')\nnetwork.WLAN(network.STA_IF).active(True)");
    await rig.transport.close();
    await rig.board.powerOff();
    await rig.board.powerOn();
    await rig.reconnect();
    const state = await value<[number, string]>(rig, 'import machine, network, json\nprint(json.dumps([machine.reset_cause(), network.country()]))');
    expect(state).to.deep.equal([1, 'XX']);
  });

  it('a watchdog nobody feeds reboots the board with WDT_RESET, and it keeps running across a soft reset', async () => {
    // Board time at twice host speed: the 8 s watchdog leaves the soft reset 4 host seconds, even on a loaded machine.
    rig = await startBoard({ world: testWorld({ timeScale: 2 }) });
    const bootsBefore = rig.board.counters.hardBoots;
    const rebooted = new Promise<void>((resolve) => rig!.board.once('usb-detach', () => resolve()));
    await output(rig, 'from machine import WDT\nwdt = WDT(timeout=8000)\nwdt.feed()');
    await rig.repl.softReset();
    expect(rig.board.counters.hardBoots).to.equal(bootsBefore);
    await rebooted;
    await rig.reconnect();
    expect(rig.board.counters.hardBoots).to.equal(bootsBefore + 1);
    expect(await value<number>(rig, 'import machine\nprint(machine.reset_cause())')).to.equal(3);
  });

  it('rejects a watchdog timeout above 8388 ms as rp2 does', async () => {
    rig = await startBoard();
    const result = await rig.repl.exec('from machine import WDT\nWDT(timeout=9000)');
    expect(result.exception?.type).to.equal('ValueError');
    expect(result.exception?.message).to.equal('timeout exceeds 8388');
  });

  it('machine.deepsleep() ends in a reset (lightsleep then machine.reset on rp2)', async () => {
    rig = await startBoard();
    const bootsBefore = rig.board.counters.hardBoots;
    await rig.repl.exec('import machine\nmachine.deepsleep(200)', { timeouts: { execIdleMs: 300 } }).catch(() => undefined);
    await rig.reconnect();
    expect(rig.board.counters.hardBoots).to.equal(bootsBefore + 1);
    expect(await value<number>(rig, 'import machine\nprint(machine.reset_cause())')).to.equal(3);
  });

  it('machine.bootloader() leaves the serial port gone until the board is reset', async () => {
    rig = await startBoard();
    await rig.repl.exec('import machine\nmachine.bootloader()', { timeouts: { execIdleMs: 300 } }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(rig.board.inBootloader).to.equal(true);
    expect(rig.board.isUsbPresent).to.equal(false);
    await rig.board.hardReset('power-on');
    await rig.reconnect();
    expect(rig.board.inBootloader).to.equal(false);
  });

  it('drives the LED through Pin("LED") and reports unique_id and freq like rp2', async () => {
    rig = await startBoard();
    const state = await value<[string, number, string]>(
      rig,
      "from machine import Pin\nimport machine, json, binascii\nled = Pin('LED', Pin.OUT)\nled.on()\nprint(json.dumps([binascii.hexlify(machine.unique_id()).decode(), machine.freq(), repr(led)]))",
    );
    expect(state[0]).to.equal(rig.board.serialNumber);
    expect(state[1]).to.equal(125_000_000);
    expect(rig.board.hardware.machine.led).to.equal(1);
    await output(rig, 'led.toggle()');
    expect(rig.board.hardware.machine.led).to.equal(0);
  });

  it('runs time at the world time scale: a 2 s board sleep advances ticks and the RTC by 2 s', async () => {
    rig = await startBoard({ world: testWorld({ timeScale: 50 }) });
    const [ticks, rtc] = await value<[number, number]>(
      rig,
      'import time, json\nt0 = time.ticks_ms(); r0 = time.time()\ntime.sleep(2)\nprint(json.dumps([time.ticks_diff(time.ticks_ms(), t0), time.time() - r0]))',
    );
    expect(ticks).to.be.within(2000, 2600);
    expect(rtc).to.be.within(1, 3);
  });
});
