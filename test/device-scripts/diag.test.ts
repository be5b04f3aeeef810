import { expect } from 'chai';
import { findProfile } from '../../src/sim/profiles.js';
import type { SimRig } from '../support/sim-board.js';
import { JOIN_VISIBLE, output, startBoard, testWorld } from '../sim/hardware/support.js';
import { NEWEST_PROFILE, OLDEST_PROFILE, runScript } from './support.js';

const PM_PERFORMANCE = 0xa11142;

describe('device script: diag on the simulated Pico W', function () {
  this.timeout(60_000);
  let rig: SimRig | undefined;

  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  for (const profile of [OLDEST_PROFILE, NEWEST_PROFILE]) {
    it(`on a cold ${profile} board reports firmware, identity, power-on reset, the boot-epoch RTC, memory and an idle radio`, async () => {
      rig = await startBoard({ profile, world: testWorld({ timeScale: 50 }) });
      const { result } = await runScript(rig, 'diag');
      expect(result.version).to.equal(`3.4.0; MicroPython ${findProfile(profile).gitTag} on ${findProfile(profile).buildDate}`);
      expect(result.machine).to.equal('Raspberry Pi Pico W with RP2040');
      expect(result.uniqueId).to.equal(rig.board.serialNumber);
      expect(result.resetCause).to.deep.equal({ value: 1, name: 'PWRON_RESET' });
      expect(result.rtc!.slice(0, 4)).to.deep.equal([2021, 1, 1, 4]);
      expect(result.ticksMs).to.be.a('number');
      expect(result.memFree).to.be.above(0);
      expect(result.memAlloc).to.be.above(0);
      expect(result.wifi).to.include({ active: false, status: 0, isconnected: false, country: 'XX' });
      if (profile === NEWEST_PROFILE) {
        expect(result.wifi!.pm).to.equal(PM_PERFORMANCE);
        expect(result.errors).to.deep.equal({});
      } else {
        // config('pm') cannot be read on this firmware: null, with the board's error under its key.
        expect(result.wifi!.pm).to.equal(null);
        expect(Object.keys(result.errors)).to.deep.equal(['wifi.pm']);
        expect(result.errors['wifi.pm']).to.match(/^ValueError: /);
      }
    });
  }

  it('after a join, a set clock and a machine.reset(): the link is gone, the reset cause is WDT_RESET, the RTC is back at the boot epoch', async () => {
    rig = await startBoard({ world: testWorld({ timeScale: 50 }) });
    await output(rig, JOIN_VISIBLE);
    await output(rig, 'import machine\nmachine.RTC().datetime((2030, 6, 1, 5, 12, 0, 0, 0))');
    const joined = (await runScript(rig, 'diag')).result;
    expect(joined.wifi).to.include({ active: true, status: 3, isconnected: true });
    expect(joined.wifi!.ifconfig).to.have.length(4);
    expect(joined.rtc![0]).to.equal(2030);
    await rig.repl.exec('import machine\nmachine.reset()').catch(() => undefined);
    await rig.reconnect();
    const after = (await runScript(rig, 'diag')).result;
    expect(after.resetCause).to.deep.equal({ value: 3, name: 'WDT_RESET' });
    expect(after.wifi).to.include({ active: false, isconnected: false });
    expect(after.rtc!.slice(0, 3)).to.deep.equal([2021, 1, 1]);
  });
});
