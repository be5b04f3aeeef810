import { expect } from 'chai';
import { DEFAULT_WORLD } from '../../../src/sim/world.js';
import type { SimRig } from '../../support/sim-board.js';
import { JOIN_VISIBLE, output, run, startBoard, value, visibleAp } from './support.js';

const LEASE = DEFAULT_WORLD.network.lease.address;

/** Board code: how long (board ms) `expression` took, and its outcome, as JSON. */
function timed(expression: string): string {
  return `
import json, time
t0 = time.ticks_ms()
try:
    r = ${expression}
    outcome = repr(r)
except OSError as e:
    outcome = 'OSError' + repr(e.args)
print(json.dumps({'ms': time.ticks_diff(time.ticks_ms(), t0), 'outcome': outcome, 'status': wlan.status(), 'ip': wlan.ifconfig()[0]}))
`;
}

interface Timed {
  readonly ms: number;
  readonly outcome: string;
  readonly status: number;
  readonly ip: string;
}

describe("WLAN.ifconfig('dhcp') waits for a DHCP lease, up to 10 s of board time (mod_network_nic_ifconfig)", function () {
  this.timeout(60_000);
  let rig: SimRig | undefined;

  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  for (const profile of ['v1.19.1-88', 'v1.24.1']) {
    it(`${profile}: an active interface that never joins raises OSError('timeout waiting for DHCP to get IP address') after more than 10 s`, async () => {
      rig = await startBoard({ profile });
      await output(rig, 'import network\nwlan = network.WLAN(network.STA_IF)\nwlan.active(True)');
      const result = await value<Timed>(rig, timed("wlan.ifconfig('dhcp')"));
      expect(result.outcome).to.equal("OSError('timeout waiting for DHCP to get IP address',)");
      expect(result.ms).to.be.at.least(10_000);
      expect(result.ip).to.equal('0.0.0.0');
    });
  }

  it('returns with the lease kept when the interface already has one (dhcp_renew)', async () => {
    rig = await startBoard({ profile: 'v1.24.1' });
    await output(rig, JOIN_VISIBLE);
    const result = await value<Timed>(rig, timed("wlan.ifconfig('dhcp')"));
    expect(result).to.deep.include({ outcome: 'None', status: 3, ip: LEASE });
  });

  it('waits through a join in progress and returns once the lease is bound', async () => {
    rig = await startBoard({ profile: 'v1.24.1' });
    await output(
      rig,
      `import network
wlan = network.WLAN(network.STA_IF)
wlan.active(True)
wlan.config(pm=0xa11140)
wlan.connect(${JSON.stringify(visibleAp.ssid)}, ${JSON.stringify(visibleAp.password)})`,
    );
    const result = await value<Timed>(rig, timed("wlan.ifconfig('dhcp')"));
    expect(result).to.deep.include({ outcome: 'None', status: 3, ip: LEASE });
  });

  it('gets the lease back after a static address: a static ifconfig stops DHCP, ifconfig("dhcp") starts it again', async () => {
    rig = await startBoard({ profile: 'v1.24.1' });
    await output(rig, JOIN_VISIBLE);
    await output(rig, "wlan.ifconfig(('192.168.4.77', '255.255.255.0', '192.168.4.1', '192.168.4.1'))");
    expect(await value<string>(rig, 'import json\nprint(json.dumps(wlan.ifconfig()[0]))')).to.equal('192.168.4.77');
    const result = await value<Timed>(rig, timed("wlan.ifconfig('dhcp')"));
    expect(result).to.deep.include({ outcome: 'None', status: 3, ip: LEASE });
  });

  it('a value that is neither "dhcp" nor a 4-tuple gives TypeError, after the lease was released', async () => {
    rig = await startBoard({ profile: 'v1.24.1' });
    await output(rig, JOIN_VISIBLE);
    const result = await run(rig, 'wlan.ifconfig(5)');
    expect(result.exception?.type).to.equal('TypeError');
    expect(result.exception?.message).to.equal("object 'int' isn't a tuple or list");
    expect(await value<[string, number]>(rig, 'import json\nprint(json.dumps([wlan.ifconfig()[0], wlan.status()]))')).to.deep.equal(['0.0.0.0', 2]);
  });
});
