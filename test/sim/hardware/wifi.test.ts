import { expect } from 'chai';
import type { SimRig } from '../../support/sim-board.js';
import { accessPoint, output, startBoard, testWorld, value, visibleAp } from './support.js';

const hiddenAp = accessPoint((ap) => ap.hidden && ap.channel <= 11);

/** Seed 000's connect code, unmodified (micropython#11381). */
const SEED_000 = `
import network
from secrets import secrets
from time import sleep
from rp2 import country

status_map = {
    network.STAT_IDLE: ('STAT_IDLE', 'no connection and no activity'),
    network.STAT_CONNECTING: ('STAT_CONNECTING', 'connecting in progress'),
    network.STAT_WRONG_PASSWORD: ('STAT_WRONG_PASSWORD', 'failed due to incorrect password'),
    network.STAT_NO_AP_FOUND: ('STAT_NO_AP_FOUND', 'failed because no access point replied'),
    network.STAT_CONNECT_FAIL: ('STAT_CONNECT_FAIL', 'failed due to other problems'),
    network.STAT_GOT_IP: ('STAT_GOT_IP', 'connection successful')
}

def wlan_connect():

    country('FR')

    ap_if = network.WLAN(network.AP_IF)
    ap_if.active(False)

    wlan = network.WLAN(network.STA_IF)
    wlan.deinit()

    if not wlan.isconnected():
        print('connecting to network {} ...'.format(secrets.get('wifi_sid')))
        wlan.active(True)
        wlan.connect(secrets.get('wifi_sid'), secrets.get('wifi_password'))
        while not wlan.isconnected():
            print('Error: {} ({})'.format(status_map.get(wlan.status()), wlan.status()))
            sleep(1)
    print('network config:', wlan.ifconfig())
`;

describe('Wi-Fi on the simulated Pico W, as Pico users write it', function () {
  this.timeout(120_000);
  let rig: SimRig | undefined;

  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  async function writeSecrets(board: SimRig, ssid: string, password: string): Promise<void> {
    await output(board, `f = open('secrets.py', 'w')\nf.write(${JSON.stringify(`secrets = {'wifi_sid': ${JSON.stringify(ssid)}, 'wifi_password': ${JSON.stringify(password)}}\n`)})\nf.close()`);
  }

  /** Runs seed 000 until it prints the network config or a negative status; a Ctrl-C then stops its loop, as a user would. */
  async function runSeed000(board: SimRig): Promise<string> {
    let seen = '';
    let stopped = false;
    await board.repl.exec(`${SEED_000}\nwlan_connect()`, {
      onStdout: (chunk) => {
        seen += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        if (!stopped && (/Error: \('STAT_(WRONG_PASSWORD|NO_AP_FOUND|CONNECT_FAIL)'.*\n/.test(seen) || seen.split('Error:').length > 40)) {
          stopped = true;
          void board.transport.write(Uint8Array.of(3));
        }
      },
    });
    return seen.replace(/\r\n/g, '\n');
  }

  it('seed 000 joins a visible SSID unmodified and prints the status timeline and its config', async () => {
    rig = await startBoard();
    await writeSecrets(rig, visibleAp.ssid, visibleAp.password ?? '');
    const out = await runSeed000(rig);
    expect(out).to.contain(`connecting to network ${visibleAp.ssid} ...`);
    expect(out).to.match(/Error: \('STAT_CONNECTING', 'connecting in progress'\) \(1\)/);
    expect(out).to.match(/network config: \('\d+\.\d+\.\d+\.\d+', '255\.255\.255\.0', '[\d.]+', '[\d.]+'\)/);
  });

  it('seed 000 with a wrong password ends in STAT_WRONG_PASSWORD', async () => {
    rig = await startBoard();
    await writeSecrets(rig, visibleAp.ssid, 'not-the-password');
    const out = await runSeed000(rig);
    expect(out, out).to.match(/Error: \('STAT_WRONG_PASSWORD', 'failed due to incorrect password'\) \(-3\)/);
  });

  it('shows the unnamed status 2 (joined, no IP yet) between CONNECTING and GOT_IP', async () => {
    rig = await startBoard();
    const statuses = await value<number[]>(
      rig,
      `import network, time, json
w = network.WLAN(network.STA_IF)
w.active(True)
w.config(pm=0xa11140)
w.connect(${JSON.stringify(visibleAp.ssid)}, ${JSON.stringify(visibleAp.password)})
seen = []
t = time.ticks_ms()
while time.ticks_diff(time.ticks_ms(), t) < 30000:
    s = w.status()
    if not seen or seen[-1] != s:
        seen.append(s)
    if s == 3 or s < 0:
        break
    time.sleep_ms(20)
print(json.dumps(seen))`,
    );
    expect(statuses[0]).to.equal(1);
    expect(statuses).to.include(2);
    expect(statuses[statuses.length - 1]).to.equal(3);
  });

  it('scan() returns cyw43 tuples: hidden APs as b"" with their BSSID, a security bitfield and a seen-count', async () => {
    rig = await startBoard();
    const results = await value<[string, string, number, number, number, number][]>(
      rig,
      `import network, json, binascii
w = network.WLAN(network.STA_IF)
w.active(True)
print(json.dumps([[s.decode(), binascii.hexlify(b).decode(), c, r, sec, n] for (s, b, c, r, sec, n) in w.scan()]))`,
    );
    const hiddenBssid = hiddenAp.bssid.replace(/:/g, '').toLowerCase();
    const hidden = results.find((entry) => entry[1] === hiddenBssid);
    expect(hidden, 'the hidden AP is in the scan').to.not.equal(undefined);
    expect(hidden?.[0]).to.equal('');
    const visible = results.find((entry) => entry[0] === visibleAp.ssid);
    expect(visible?.[4], 'WPA2 reports the RSN bit').to.satisfy((bits: number) => (bits & 4) === 4);
    expect(visible?.[5]).to.be.at.least(1);
  });

  it('config() rejects an unknown key with ValueError, and connect() needs an active interface', async () => {
    rig = await startBoard();
    const inactive = await rig.repl.exec("import network\nw = network.WLAN(network.STA_IF)\nw.connect('x', 'y')");
    expect(inactive.exception?.text).to.contain('OSError: [Errno 1] EPERM');
    const unknown = await rig.repl.exec("import network\nw = network.WLAN(network.STA_IF)\nw.active(True)\nw.config('hidden')");
    expect(unknown.exception?.type).to.equal('ValueError');
    expect(unknown.exception?.message).to.equal('unknown config param');
  });

  it('a seeded join repeats exactly: same seed and attempt, same status timeline', async () => {
    const timeline = async (attempt: number): Promise<number[]> => {
      const board = await startBoard({ world: testWorld(), seed: 7 });
      try {
        board.board.beginAttempt(attempt);
        return await value<number[]>(
          board,
          `import network, time, json
w = network.WLAN(network.STA_IF)
w.active(True)
w.connect(${JSON.stringify(hiddenAp.ssid)}, ${JSON.stringify(hiddenAp.password)})
seen = []
t = time.ticks_ms()
while time.ticks_diff(time.ticks_ms(), t) < 20000:
    seen.append(w.status())
    if seen[-1] == 3:
        break
    time.sleep_ms(250)
print(json.dumps(seen))`,
        );
      } finally {
        await board.dispose();
      }
    };
    const first = await timeline(3);
    const again = await timeline(3);
    // Polling instants differ by a few ms between runs; compare the sequence of distinct states.
    const distinct = (seq: number[]): number[] => seq.filter((s, i) => i === 0 || seq[i - 1] !== s);
    expect(distinct(again)).to.deep.equal(distinct(first));
  });
});
