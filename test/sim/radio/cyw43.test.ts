import { pbkdf2Sync } from 'node:crypto';
import { expect } from 'chai';
import { PyRaise } from '../../../src/sim/hw/py-raise.js';
import { Cyw43 } from '../../../src/sim/radio/cyw43.js';
import { PM_NONE, PM_PERFORMANCE, PM_POWERSAVE } from '../../../src/sim/radio/pm.js';
import { DEFAULT_WORLD, parseWorld, type World } from '../../../src/sim/world.js';
import { FakeBoard } from './fake-board.js';

const STA = 0;
const AP = 1;
const CHANNEL_NONE = 0xffffffff;
const HIDDEN = { ssid: 'picow-lab-hidden', key: 'lab-hidden-pass' };
const VISIBLE = { ssid: 'picow-lab', key: 'lab-visible-pass' };

function raised(run: () => unknown): PyRaise {
  try {
    run();
  } catch (error) {
    if (error instanceof PyRaise) return error;
    throw error;
  }
  throw new Error('nothing was raised');
}

/** Poll status() like a script's loop; the distinct values in the order they appeared. */
function statusesUntil(board: FakeBoard, radio: Cyw43, forMs: number, stepMs = 20): number[] {
  const seen: number[] = [radio.status(STA) as number];
  for (let waited = 0; waited < forMs; waited += stepMs) {
    board.advance(stepMs);
    const status = radio.status(STA) as number;
    if (status !== seen[seen.length - 1]) seen.push(status);
  }
  return seen;
}

function connect(radio: Cyw43, target: { ssid: string; key?: string }, extra: { bssid?: Buffer; channel?: number; security?: number } = {}): void {
  radio.connect(STA, { ssid: target.ssid, key: target.key ?? null, security: extra.security ?? -1, bssid: extra.bssid ?? null, channel: extra.channel ?? CHANNEL_NONE });
}

function upRadio(options: { profile?: string; attempt?: number; world?: World; pm?: number } = {}): { board: FakeBoard; radio: Cyw43 } {
  const board = new FakeBoard(options.attempt ?? 0, options.profile ?? 'v1.24.1');
  const radio = new Cyw43(board, options.world ?? DEFAULT_WORLD);
  radio.active(STA, true);
  if (options.pm !== undefined) radio.configure(STA, { pm: options.pm });
  return { board, radio };
}

describe('cyw43 radio model', () => {
  describe('join status', () => {
    it('reaches GOT_IP on a visible WPA2 network through JOIN (1) and NOIP (2), then serves the lease', () => {
      const { board, radio } = upRadio({ pm: PM_NONE });
      connect(radio, VISIBLE);
      expect(statusesUntil(board, radio, 10_000)).to.deep.equal([1, 2, 3]);
      expect(radio.isconnected(STA)).to.equal(true);
      expect(radio.describe(STA)).to.equal('<CYW43 STA up 192.168.4.23>');
      expect(radio.ifconfig(STA)).to.deep.equal(['192.168.4.23', '255.255.255.0', '192.168.4.1', '192.168.4.1']);
      expect(radio.ipconfig(STA, 'addr4')).to.deep.equal(['192.168.4.23', '255.255.255.0']);
      expect(radio.ipconfig(STA, 'has_dhcp4')).to.equal(true);
      expect(radio.link()).to.deep.equal({ address: '192.168.4.23', netmask: '255.255.255.0', gateway: '192.168.4.1', dns: '192.168.4.1', lossProbability: 0 });
      expect(radio.config(STA, 'ssid')).to.equal('picow-lab');
      expect(radio.config(STA, 'channel')).to.equal(6);
      expect(radio.status(STA, 'rssi')).to.be.within(-55, -41);
    });

    it('prints join while the link waits for DHCP, and has no link for the network stack until status 3', () => {
      const { board, radio } = upRadio({ pm: PM_NONE });
      connect(radio, VISIBLE);
      for (let waited = 0; waited < 10_000 && radio.status(STA) !== 2; waited += 5) board.advance(5);
      expect(radio.status(STA)).to.equal(2);
      expect(radio.describe(STA)).to.equal('<CYW43 STA join 0.0.0.0>');
      expect(radio.link()).to.equal(undefined);
    });

    it('ends in WRONG_PASSWORD (-3) with a wrong key, after the AP gives up its handshake, and stays there', () => {
      const { board, radio } = upRadio({ pm: PM_NONE });
      connect(radio, { ssid: 'picow-lab', key: 'not-the-password' });
      expect(statusesUntil(board, radio, 30_000)).to.deep.equal([1, -3]);
      expect(radio.describe(STA)).to.equal('<CYW43 STA badauth 0.0.0.0>');
      expect(radio.snapshot().lastJoin?.finalStatus).to.equal(-3);
    });

    it('accepts the WPA PMK (64 hex digits) in place of the passphrase', () => {
      const pmk = pbkdf2Sync(VISIBLE.key, VISIBLE.ssid, 4096, 32, 'sha1').toString('hex');
      const right = upRadio({ pm: PM_NONE });
      connect(right.radio, { ssid: VISIBLE.ssid, key: pmk });
      expect(statusesUntil(right.board, right.radio, 10_000).at(-1)).to.equal(3);
      const wrong = upRadio({ pm: PM_NONE });
      connect(wrong.radio, { ssid: VISIBLE.ssid, key: pmk.replace(/^./, (digit) => (digit === '0' ? '1' : '0')) });
      expect(statusesUntil(wrong.board, wrong.radio, 10_000).at(-1)).to.equal(-3);
    });

    it('ends in NO_AP_FOUND (-2) for an SSID nobody broadcasts, after the join scan', () => {
      const { board, radio } = upRadio({ pm: PM_NONE });
      connect(radio, { ssid: 'nobody-here', key: 'whatever-pass' });
      board.advance(1000);
      expect(radio.status(STA)).to.equal(1);
      expect(statusesUntil(board, radio, 10_000)).to.deep.equal([1, -2]);
      expect(radio.describe(STA)).to.equal('<CYW43 STA nonet 0.0.0.0>');
    });

    it('joins an open network with connect(ssid) alone, and treats a security mismatch as no network', () => {
      const open = upRadio({ pm: PM_NONE });
      connect(open.radio, { ssid: 'picow-open' });
      expect(statusesUntil(open.board, open.radio, 10_000).at(-1)).to.equal(3);
      const mismatch = upRadio({ pm: PM_NONE });
      connect(mismatch.radio, { ssid: 'picow-lab' });
      expect(statusesUntil(mismatch.board, mismatch.radio, 10_000).at(-1)).to.equal(-2);
    });

    it('checks a WPA3 password during authentication, and needs security= to join a WPA3-only AP', () => {
      const world = parseWorld('accessPoints:\n  - {ssid: lab3, bssid: "02:00:00:00:00:03", channel: 1, security: wpa3, password: wpa3-lab-pass}\nfaults: []\n', 'w.yaml');
      const plain = upRadio({ world });
      connect(plain.radio, { ssid: 'lab3', key: 'wpa3-lab-pass' });
      expect(statusesUntil(plain.board, plain.radio, 10_000).at(-1)).to.equal(-2);
      const right = upRadio({ world });
      connect(right.radio, { ssid: 'lab3', key: 'wpa3-lab-pass' }, { security: 0x01000004 });
      expect(statusesUntil(right.board, right.radio, 10_000).at(-1)).to.equal(3);
      const wrong = upRadio({ world });
      connect(wrong.radio, { ssid: 'lab3', key: 'not-the-pass' }, { security: 0x01000004 });
      expect(statusesUntil(wrong.board, wrong.radio, 10_000)).to.deep.equal([1, -3]);
      expect(wrong.radio.snapshot().lastJoin?.steps.at(-1)?.atMs).to.be.below(3000);
    });

    it('has no DHCP timeout: without DHCP the link stays at 2 until the script gives up', () => {
      const { board, radio } = upRadio({ pm: PM_NONE });
      radio.ipconfig(STA, undefined, { dhcp4: false });
      connect(radio, VISIBLE);
      board.advance(600_000);
      expect(radio.status(STA)).to.equal(2);
    });

    it('goes back to STAT_IDLE on disconnect(), keeping the address lwIP had', () => {
      const { board, radio } = upRadio({ pm: PM_NONE });
      connect(radio, VISIBLE);
      board.advance(10_000);
      radio.disconnect(STA);
      expect(radio.status(STA)).to.equal(0);
      expect(radio.describe(STA)).to.equal('<CYW43 STA down 192.168.4.23>');
      expect(radio.link()).to.equal(undefined);
    });

    it('reports 3 at once when the board rejoins after disconnect(), because lwIP keeps the old address', () => {
      const { board, radio } = upRadio({ pm: PM_NONE });
      connect(radio, VISIBLE);
      board.advance(10_000);
      radio.disconnect(STA);
      connect(radio, VISIBLE);
      expect(statusesUntil(board, radio, 10_000)).to.deep.equal([1, 3]);
    });
  });

  describe('argument checks', () => {
    it('raises OSError(EPERM) for connect() and scan() while no interface is up, and after deinit()', () => {
      const board = new FakeBoard();
      const radio = new Cyw43(board, DEFAULT_WORLD);
      expect(raised(() => connect(radio, VISIBLE))).to.include({ type: 'OSError' }).and.have.deep.property('args', [1]);
      expect(raised(() => radio.scan(STA))).to.have.deep.property('args', [1]);
      radio.active(STA, true);
      radio.deinit(STA);
      expect(raised(() => connect(radio, VISIBLE))).to.have.deep.property('args', [1]);
    });

    it('raises a bare ValueError for a bssid that is not 6 bytes', () => {
      const { radio } = upRadio();
      const error = raised(() => connect(radio, VISIBLE, { bssid: Buffer.alloc(5) }));
      expect(error.type).to.equal('ValueError');
      expect(error.args).to.deep.equal([]);
    });

    it('raises ValueError("unknown config param") for unknown keys, hidden included', () => {
      const { radio } = upRadio();
      for (const run of [() => radio.config(STA, 'hidden'), () => radio.configure(AP, { hidden: true }), () => radio.config(STA, 'nonsense')]) {
        const error = raised(run);
        expect(error.type).to.equal('ValueError');
        expect(error.args).to.deep.equal(['unknown config param']);
      }
    });

    it('checks status() parameters per interface', () => {
      const { radio } = upRadio();
      expect(raised(() => radio.status(AP, 'rssi')).args).to.deep.equal(['STA required']);
      expect(raised(() => radio.status(STA, 'stations')).args).to.deep.equal(['AP required']);
      expect(raised(() => radio.status(STA, 'bogus')).args).to.deep.equal(['unknown status param']);
      expect(radio.status(AP, 'stations')).to.deep.equal([]);
      const old = upRadio({ profile: 'v1.19.1-88' });
      expect(raised(() => old.radio.status(STA, 'rssi')).args).to.deep.equal(['unknown status param']);
    });

    it('raises TypeError for a config value of the wrong type, as mp_obj_get_int does', () => {
      const { radio } = upRadio();
      const error = raised(() => radio.configure(STA, { pm: 'fast' }));
      expect(error.type).to.equal('TypeError');
      expect(error.args).to.deep.equal(["can't convert str to int"]);
    });

    it('limits the hostname as each firmware does, with a bare ValueError', () => {
      const current = new Cyw43(new FakeBoard(), DEFAULT_WORLD);
      expect(current.hostname()).to.equal('PicoW');
      expect(current.hostname('x'.repeat(32))).to.equal(null);
      expect(raised(() => current.hostname('x'.repeat(33))).args).to.deep.equal([]);
      const v120 = new Cyw43(new FakeBoard(0, 'v1.20.0'), DEFAULT_WORLD);
      expect(raised(() => v120.hostname('x'.repeat(16))).type).to.equal('ValueError');
      expect(raised(() => current.country('DEU')).args).to.deep.equal([]);
    });

    it('rejects every keyless join with EPERM before v1.20 (micropython#9016)', () => {
      const { radio } = upRadio({ profile: 'v1.19.1-88' });
      expect(raised(() => connect(radio, { ssid: 'picow-open' })).args).to.deep.equal([1]);
    });
  });

  describe('country and power management', () => {
    it('applies the country and the default PM only when the first interface comes up, until deinit()', () => {
      const board = new FakeBoard();
      const radio = new Cyw43(board, DEFAULT_WORLD);
      radio.configure(STA, { pm: 0xa11140 });
      expect(radio.config(STA, 'pm')).to.equal(0xa11140);
      radio.active(STA, true);
      expect(radio.config(STA, 'pm')).to.equal(PM_PERFORMANCE);
      expect(radio.snapshot().country).to.deep.equal({ configured: 'XX', applied: 'XX' });
      radio.country('DE');
      radio.configure(STA, { pm: PM_NONE });
      radio.active(AP, true);
      expect(radio.snapshot().country).to.deep.equal({ configured: 'DE', applied: 'XX' });
      expect(radio.snapshot().pm).to.deep.equal({ value: PM_NONE, mode: 0, powerSave: false });
      radio.deinit(STA);
      expect(radio.snapshot().pm.value).to.equal(null);
      radio.active(STA, true);
      expect(radio.snapshot().country.applied).to.equal('DE');
      expect(radio.snapshot().pm).to.deep.equal({ value: PM_PERFORMANCE, mode: 2, powerSave: true });
    });

    it('makes a hidden channel-13 AP unreachable under the applied "XX" whatever network.country() says later', () => {
      const { board, radio } = upRadio({ pm: PM_NONE });
      radio.country('DE');
      connect(radio, { ssid: 'picow-lab-13-hidden', key: 'lab-hidden-pass' });
      expect(statusesUntil(board, radio, 10_000).at(-1)).to.equal(-2);
      expect(radio.snapshot().lastJoin?.rules).to.deep.equal(['worldwide-passive-channels']);
    });
  });

  describe('interfaces', () => {
    it('answers active() from the last request on v1.24.1 and from the link status before', () => {
      const current = upRadio();
      expect(current.radio.active(STA)).to.equal(true);
      const older = upRadio({ profile: 'v1.22.2', pm: PM_NONE });
      expect(older.radio.active(STA)).to.equal(false);
      connect(older.radio, VISIBLE);
      expect(older.radio.active(STA)).to.equal(true);
    });

    it('keeps the association when STA is made inactive (the driver ignores it)', () => {
      const { board, radio } = upRadio({ pm: PM_NONE });
      connect(radio, VISIBLE);
      board.advance(10_000);
      radio.active(STA, false);
      expect(radio.active(STA)).to.equal(false);
      expect(radio.isconnected(STA)).to.equal(true);
    });

    it('brings the AP up as PICO + 4 hex digits of the unique id with WPA2-AES', () => {
      const board = new FakeBoard();
      const radio = new Cyw43(board, DEFAULT_WORLD);
      radio.active(AP, true);
      // unique id e6 61 4c 31 1b 7e 6a 35: id[7]>>4 = 3, id[6]&15 = a, id[5]>>4 = 7, id[4]&15 = b
      expect(radio.config(AP, 'ssid')).to.equal('PICO3A7B');
      expect(radio.config(AP, 'security')).to.equal(0x00400004);
      expect(radio.ifconfig(AP)).to.deep.equal(['192.168.4.1', '255.255.255.0', '192.168.4.1', '0.0.0.0']);
      expect(radio.status(AP)).to.equal(3);
      expect(radio.isconnected(AP)).to.equal(false);
      expect(radio.describe(AP)).to.equal('<CYW43 AP up 192.168.4.1>');
      const older = new Cyw43(new FakeBoard(0, 'v1.22.2'), DEFAULT_WORLD);
      older.active(AP, true);
      expect(older.isconnected(AP)).to.equal(true);
    });

    it('reads the MAC from the chip (zeros until it first powers up) under the Raspberry Pi OUI', () => {
      const radio = new Cyw43(new FakeBoard(), DEFAULT_WORLD);
      expect([...(radio.config(STA, 'mac') as Buffer)]).to.deep.equal([0, 0, 0, 0, 0, 0]);
      radio.active(STA, true);
      const mac = radio.config(STA, 'mac') as Buffer;
      expect(mac).to.have.length(6);
      expect([...mac.subarray(0, 3)]).to.deep.equal([0x28, 0xcd, 0xc1]);
    });

    it('sets a static address with ifconfig() and through ipconfig()', () => {
      const { board, radio } = upRadio({ pm: PM_NONE });
      radio.ifconfig(STA, ['192.168.4.50', '255.255.255.0', '192.168.4.1', '1.1.1.1']);
      expect(radio.ipconfig(STA, 'dhcp4')).to.equal(false);
      connect(radio, VISIBLE);
      expect(statusesUntil(board, radio, 10_000)).to.deep.equal([1, 3]);
      expect(radio.link()?.address).to.equal('192.168.4.50');
      radio.ipconfig(STA, undefined, { addr4: '192.168.4.60/16', gw4: '192.168.0.1' });
      expect(radio.ifconfig(STA)).to.deep.equal(['192.168.4.60', '255.255.0.0', '192.168.0.1', '1.1.1.1']);
      expect(raised(() => radio.ipconfig(STA, 'nonsense')).args).to.deep.equal(['unexpected key']);
      expect(raised(() => radio.ifconfig(STA, ['1.2.3', '255.255.255.0', '1.2.3.1', '1.2.3.1'])).args).to.deep.equal(['invalid arguments']);
    });
  });

  describe('scan', () => {
    it('returns cyw43 tuples: security bitfield, seen-count, hidden APs with an empty SSID', () => {
      const { radio } = upRadio();
      const { results, durationMs } = radio.scan(STA);
      expect(durationMs).to.be.within(1000, 10_000);
      expect(results).to.have.length(DEFAULT_WORLD.accessPoints.length);
      for (const entry of results) {
        expect(entry.bssid).to.have.length(6);
        expect(entry.count).to.be.at.least(1);
        expect(Number.isInteger(entry.rssi)).to.equal(true);
      }
      const byBssid = new Map(results.map((entry) => [entry.bssid.toString('hex'), entry]));
      expect(byBssid.get('025043570601')).to.include({ channel: 6, security: 5 });
      expect(byBssid.get('025043570601')?.ssid.toString()).to.equal('picow-lab');
      expect(byBssid.get('025043570602')?.ssid).to.have.length(0);
      expect(byBssid.get('025043570b01')?.security).to.equal(7);
      expect(byBssid.get('025043570101')?.security).to.equal(0);
      expect(results.map((entry) => entry.channel)).to.deep.equal([...results.map((entry) => entry.channel)].sort((a, b) => a - b));
    });

    it('reveals a hidden SSID only to a scan directed at it on a channel the board may probe', () => {
      const { radio } = upRadio();
      const directed = radio.scan(STA, { ssid: 'picow-lab-hidden' }).results;
      expect(directed.map((entry) => entry.ssid.toString())).to.deep.equal(['picow-lab-hidden']);
      expect(radio.scan(STA, { ssid: 'picow-lab-13-hidden' }).results).to.deep.equal([]);
      expect(radio.scan(STA, { ssid: 'picow-lab-hidden', passive: true }).results).to.deep.equal([]);
    });
  });

  describe('after the join', () => {
    it('drops an idle PM_POWERSAVE link after the world\u2019s idle time; status then reads 1', () => {
      const { board, radio } = upRadio({ pm: PM_POWERSAVE });
      connect(radio, VISIBLE);
      for (let waited = 0; waited < 60_000 && radio.status(STA) !== 3; waited += 100) board.advance(100);
      expect(radio.status(STA)).to.equal(3);
      for (let minute = 0; minute < 10; minute++) {
        board.advance(60_000);
        radio.noteTraffic();
      }
      expect(radio.status(STA)).to.equal(3);
      board.advance(300_000);
      expect(radio.status(STA)).to.equal(1);
      expect(radio.link()).to.equal(undefined);
      expect(radio.snapshot().linkEvents.map((event) => event.rule)).to.deep.equal(['idle-disassociation']);
    });

    it('keeps an idle link up without power saving', () => {
      const { board, radio } = upRadio({ pm: PM_NONE });
      connect(radio, VISIBLE);
      board.advance(3_600_000);
      expect(radio.status(STA)).to.equal(3);
    });

    it('loses datagrams on a hidden join under power saving, not on a visible one', () => {
      let hidden = upRadio();
      for (let attempt = 1; attempt < 20; attempt++) {
        connect(hidden.radio, HIDDEN);
        hidden.board.advance(30_000);
        if (hidden.radio.status(STA) === 3) break;
        hidden = upRadio({ attempt });
      }
      expect(hidden.radio.status(STA)).to.equal(3);
      expect(hidden.radio.link()?.lossProbability).to.equal(0.55);
      hidden.radio.configure(STA, { pm: PM_NONE });
      expect(hidden.radio.link()?.lossProbability).to.equal(0);
      const visible = upRadio();
      connect(visible.radio, VISIBLE);
      visible.board.advance(30_000);
      expect(visible.radio.link()?.lossProbability).to.equal(0);
    });
  });

  describe('records', () => {
    it('replays the same timeline for the same seed, board and attempt', () => {
      const timeline = (attempt: number): unknown => {
        const { radio } = upRadio({ attempt });
        connect(radio, HIDDEN);
        return radio.snapshot().lastJoin?.steps;
      };
      expect(timeline(3)).to.deep.equal(timeline(3));
      const distinct = new Set([0, 1, 2, 3, 4, 5].map((attempt) => JSON.stringify(timeline(attempt))));
      expect(distinct.size).to.be.greaterThan(1);
    });

    it('keeps the key out of the snapshot and names the rules that shaped a failed join', () => {
      const { board, radio } = upRadio();
      connect(radio, HIDDEN);
      board.advance(30_000);
      const snapshot = radio.snapshot();
      expect(JSON.stringify(snapshot)).to.not.include(HIDDEN.key);
      expect(snapshot.lastJoin?.steps[0]).to.deep.equal({ atMs: 0, what: 'connect()', status: 1 });
      expect(snapshot.lastJoin?.finalStatus).to.be.below(0);
      expect(snapshot.lastJoin?.rules).to.deep.equal(['pm-during-join']);
      expect(snapshot.lastJoin?.steps.filter((step) => step.rule === 'pm-during-join')).to.not.be.empty;
      expect(snapshot.pm.powerSave).to.equal(true);
    });
  });
});
