import { expect } from 'chai';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PORT_CACHE_FILE } from '../../../src/campaign/power/port-cache.js';
import { UhubctlDriver, type UhubctlDriverOptions } from '../../../src/campaign/power/uhubctl.js';
import { HarnessError } from '../../../src/errors.js';
import type { SimBoard } from '../../../src/sim/board.js';
import { findExecutable } from '../../../src/sim/host/find-executable.js';
import { requireTool } from '../../support/tools.js';
import { recordEvents, startHubRig, type HubRig } from './support.js';

async function rejection(promise: Promise<unknown>): Promise<HarnessError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(HarnessError);
    return error as HarnessError;
  }
  throw new Error('expected a rejection');
}

describe('uhubctl power driver, end to end through the uhubctl stand-in and a simulated hub', function () {
  // One rig for the suite (booting boards is the slow part): boards on ports 2 and 3, port 4 stuck
  // (ignores switch requests). Every test leaves both boards powered and enumerated.
  let rig: HubRig;
  let left: SimBoard;
  let right: SimBoard;
  let calls: number;
  let cacheDirs = 0;

  before(async () => {
    rig = await startHubRig({ boards: 2, hub: { stuckPorts: [4] } });
    [left, right] = rig.boards as [SimBoard, SimBoard];
  });

  after(async () => {
    await rig?.dispose();
  });

  beforeEach(async () => {
    calls = (await rig.invocations()).length;
  });

  afterEach(async () => {
    for (const port of [2, 3]) await rig.hub.setPower(port, true);
    for (const board of rig.boards) await board.waitForUsb(10_000);
  });

  function driver(options: Partial<UhubctlDriverOptions> = {}): UhubctlDriver {
    return new UhubctlDriver({ location: '1-1', port: 2, serialNumber: left.serialNumber, env: rig.env, clock: rig.clock, ...options });
  }

  /** Drives found by serial, each with a cache directory of its own. */
  function bySerial(serialNumber: string, cacheDir = join(rig.dir, `cache-${(cacheDirs += 1)}`)): UhubctlDriver {
    return driver({ location: undefined, port: undefined, serialNumber, cacheDir });
  }

  async function newInvocations(): Promise<string[][]> {
    return (await rig.invocations()).slice(calls);
  }

  function portSwitches(port: number, since: number): { power: string; boardSwitched: boolean; atMs: number }[] {
    return rig.hub.events.slice(since).filter((event) => event.port === port);
  }

  it('off cuts the board’s power and its USB port vanishes; on waits out 2 s, boots it from power-on and it re-enumerates', async () => {
    const events = recordEvents(left);
    const boots = left.counters.hardBoots;
    const since = rig.hub.events.length;
    const power = driver();

    await power.off();
    expect(left.isPowered).to.equal(false);
    expect(rig.onBus(left)).to.equal(false);
    expect(right.isPowered).to.equal(true);
    expect(events).to.deep.equal(['usb-detach']);
    expect(await power.get()).to.equal('off');

    await power.on();
    await left.waitForUsb(10_000);
    expect(left.resetCause).to.equal('power-on');
    expect(left.counters.hardBoots).to.equal(boots + 1);
    expect(rig.onBus(left)).to.equal(true);
    expect(events).to.deep.equal(['usb-detach', 'usb-attach']);
    expect(await power.get()).to.equal('on');

    const [off, on] = portSwitches(2, since);
    expect([off?.power, on?.power]).to.deep.equal(['off', 'on']);
    expect(on!.atMs - off!.atMs).to.be.at.least(2000);
    const invoked = await newInvocations();
    expect(invoked).to.deep.include(['-l', '1-1', '-p', '2', '-a', 'off']);
    expect(invoked).to.deep.include(['-l', '1-1', '-p', '2', '-a', 'on']);
  });

  it('cycle is one uhubctl -a cycle -d 2 that holds the port off ≥ 2 s; the board comes back from power-on', async () => {
    const events = recordEvents(left);
    const boots = left.counters.hardBoots;
    const since = rig.hub.events.length;

    await driver().cycle();
    await left.waitForUsb(10_000);

    const switches = portSwitches(2, since);
    expect(switches.map((event) => [event.power, event.boardSwitched])).to.deep.equal([['off', true], ['on', true]]);
    expect(switches[1]!.atMs - switches[0]!.atMs).to.be.at.least(2000);
    expect(events).to.deep.equal(['usb-detach', 'usb-attach']);
    expect(left.resetCause).to.equal('power-on');
    expect(left.counters.hardBoots).to.equal(boots + 1);
    expect(await newInvocations()).to.deep.equal([['-l', '1-1', '-p', '2', '-a', 'cycle', '-d', '2']]);
  });

  it('refuses an off time under 2 s before touching the hub', async () => {
    expect(() => driver({ offMs: 1500 })).to.throw(HarnessError, /at least 2000 ms/);
    const error = await rejection(driver().cycle({ offMs: 1000 }));
    expect(error.code).to.equal('USAGE');
    expect(left.isPowered).to.equal(true);
    expect(await newInvocations()).to.deep.equal([]);
  });

  it('finds the port by the board’s USB serial while it is enumerated, and caches it for when it is not', async () => {
    const cacheDir = join(rig.dir, 'cache-found');
    const boots = left.counters.hardBoots;
    const power = bySerial(right.serialNumber, cacheDir);

    expect(await power.check()).to.match(/hub 1-1 .* port 3 powered, device \[2e8a:0005 MicroPython Board in FS mode [0-9a-f]{16}\]; port found by serial$/);
    await power.off();
    expect(right.isPowered).to.equal(false);
    expect(left.isPowered).to.equal(true);
    const cached = JSON.parse(await readFile(join(cacheDir, PORT_CACHE_FILE), 'utf8')) as { ports: Record<string, { location: string; port: number }> };
    expect(cached.ports[right.serialNumber]).to.include({ location: '1-1', port: 3 });

    // A later run: the board is off and gone from uhubctl's listing; the cache file still knows its port.
    const later = bySerial(right.serialNumber, cacheDir);
    expect(await later.check()).to.match(/port 3 off, no device enumerated; port cached from an earlier run$/);
    await later.on();
    await right.waitForUsb(10_000);
    expect(right.resetCause).to.equal('power-on');
    expect(left.counters.hardBoots).to.equal(boots);
  });

  it('names the serial and what uhubctl lists when the board is on no switchable port', async () => {
    const error = await rejection(bySerial('0123456789abcdef').off());
    expect(error.code).to.equal('POWER_FAILED');
    expect(error.message).to.match(/^the board with USB serial 0123456789abcdef is on none of the hub ports uhubctl can switch \(it lists: 1-1 \[2109:2817 VIA Labs, Inc\. USB2\.0 Hub, USB 2\.10, 4 ports, ppps\] ports 1,2,3,4\)/);
    expect(left.isPowered && right.isPowered).to.equal(true);
  });

  it('does not trust a cached port that now holds another device', async () => {
    const cacheDir = join(rig.dir, 'cache-stale');
    const missing = 'e6aaaaaaaaaaaaaa';
    await mkdir(cacheDir);
    await writeFile(join(cacheDir, PORT_CACHE_FILE), JSON.stringify({ version: 1, ports: { [missing]: { location: '1-1', port: 2, hub: 'x', seenAt: '2024-01-01T00:00:00.000Z' } } }));
    const error = await rejection(bySerial(missing, cacheDir).off());
    expect(error.message).to.include(`hub 1-1 port 2 (where it was seen at 2024-01-01T00:00:00.000Z) now has another device ([2e8a:0005 MicroPython Board in FS mode ${left.serialNumber}])`);
    expect(left.isPowered).to.equal(true);
  });

  it('fails when the hub keeps reporting power after the off request', async () => {
    const error = await rejection(driver({ port: 4, serialNumber: undefined }).off());
    expect(error.code).to.equal('POWER_FAILED');
    expect(error.message).to.equal("hub 1-1 port 4 still reports power after uhubctl's power-off request (0100 power): the hub ignores per-port power switching");
  });

  it('quotes uhubctl’s output when it cannot parse it', async () => {
    const error = await rejection(driver({ env: { ...rig.env, PICOW_SIM_UHUBCTL_MODE: 'garbage' } }).off());
    expect(error.code).to.equal('POWER_FAILED');
    expect(error.message).to.match(/^cannot parse the output of uhubctl -l 1-1 -p 2 -a off \(line 1: not uhubctl output: .*\); uhubctl printed "uhubctl: hub 1-1 ::: port\[2\] => ON \(status=0x0103\)\\n\*\* libusb transfer stalled, retrying \*\*"$/);
    expect(error.message).not.to.include('\n');
    expect(left.isPowered).to.equal(true);
  });

  it('turns uhubctl’s permission problem into one line pointing at its udev rules', async () => {
    const error = await rejection(driver({ env: { ...rig.env, PICOW_SIM_UHUBCTL_MODE: 'permission' } }).off());
    expect(error.code).to.equal('POWER_FAILED');
    expect(error.message).to.match(/^uhubctl has no permission to access the USB hubs: run the harness as root or install uhubctl's udev rules \(https:\/\/git.io\/JIB2Z\); uhubctl said "There were permission problems while accessing USB\.\\nFollow/);
    expect(error.message).not.to.include('\n');
  });

  it('reports its version and, in preflight, the hub, port and board it will switch', async () => {
    const power = driver();
    expect(await power.version()).to.equal('2.5.0-sim');
    expect(await power.check()).to.match(
      /^uhubctl 2\.5\.0-sim \(.*fixtures\/uhubctl\/uhubctl\): hub 1-1 \[2109:2817 VIA Labs, Inc\. USB2\.0 Hub, USB 2\.10, 4 ports, ppps\] port 2 powered, device \[2e8a:0005 MicroPython Board in FS mode [0-9a-f]{16}\]; port configured$/,
    );
  });

  it('preflight refuses a configured port that holds another board', async () => {
    const error = await rejection(driver({ serialNumber: 'e6bbbbbbbbbbbbbb' }).check());
    expect(error.message).to.match(/^hub 1-1 port 2 has another device \(\[2e8a:0005 MicroPython Board in FS mode [0-9a-f]{16}\]\), not the board with USB serial e6bbbbbbbbbbbbbb$/);
  });
});

describe('uhubctl power driver without a usable uhubctl', function () {
  it('says uhubctl is missing and how to install it', async () => {
    const power = new UhubctlDriver({ location: '1-1', port: 2, binary: 'uhubctl-not-installed-here' });
    const error = await rejection(power.check());
    expect(error.code).to.equal('TOOL_MISSING');
    expect(error.message).to.equal('uhubctl-not-installed-here is not installed; it is needed by the uhubctl power driver (apt-get install uhubctl, or set power.binary)');
  });

  it('needs a location and port, or a serial number to find them', () => {
    expect(() => new UhubctlDriver({})).to.throw(HarnessError, /needs the hub location and port, or the board’s USB serial number/);
    expect(() => new UhubctlDriver({ location: '1-1' })).to.throw(HarnessError, /location and port together/);
  });
});

describe('uhubctl power driver with Debian’s real uhubctl (no hub on this machine)', function () {
  let binary: string;

  before(function () {
    binary = findExecutable('/usr/sbin/uhubctl') ?? requireTool(this, 'uhubctl', 'apt-get install uhubctl');
  });

  it('reports that no hub with per-port power switching is there, quoting uhubctl', async () => {
    const error = await rejection(new UhubctlDriver({ location: '1-1', port: 2, binary }).off());
    expect(error.code).to.equal('POWER_FAILED');
    expect(error.message).to.equal(
      'uhubctl found no USB hub with per-port power switching at location 1-1: is the hub connected, and is it one uhubctl supports (https://github.com/mvp/uhubctl#compatible-usb-hubs)? uhubctl said "No compatible devices detected at location 1-1!\\nRun with -h to get usage info."',
    );
  });

  it('fails preflight when looking for the board by serial finds no hub at all', async () => {
    const power = new UhubctlDriver({ serialNumber: 'e66034f71f7e9136', binary });
    const error = await rejection(power.check());
    expect(error.message).to.match(/^uhubctl found no USB hub with per-port power switching: .* uhubctl said "No compatible devices detected!\\nRun with -h to get usage info\."$/);
  });

  it('reports the installed version for the run manifest', async () => {
    expect(await new UhubctlDriver({ location: '1-1', port: 2, binary }).version()).to.match(/^\d+\.\d+\.\d+/);
  });
});
