import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { parseDeviceInfo, readDeviceInfo } from '../../src/device/info.js';
import { readFirmwareVersion } from '../../src/device/version.js';
import { startSimSession, type SimSession } from '../../src/sim/session.js';
import { parseWorld } from '../../src/sim/world.js';
import { connectDevice, type DeviceConnection } from '../../src/transport/connect.js';
import { RawRepl } from '../../src/transport/raw-repl.js';

const FAST_WORLD = parseWorld('board:\n  enumerationDelayMs: 20\n', 'fast.yaml');

describe('device info', () => {
  let session: SimSession | undefined;
  let connection: DeviceConnection | undefined;

  afterEach(async () => {
    await connection?.close();
    await session?.dispose();
    connection = undefined;
    session = undefined;
  });

  async function replOn(profile?: string): Promise<{ repl: RawRepl; session: SimSession }> {
    session = await startSimSession({ world: FAST_WORLD, profile });
    connection = await connectDevice({ kind: 'auto' }, { backend: session });
    return { repl: new RawRepl(connection.transport), session };
  }

  it('reports what the simulated board says about itself', async () => {
    const { repl, session: sim } = await replOn();
    const info = await readDeviceInfo(repl);
    expect(info.version).to.equal('3.4.0; MicroPython v1.24.1 on 2024-11-29');
    expect(info.implementation).to.deep.equal({ name: 'micropython', version: [1, 24, 1, ''] });
    expect(info.machine).to.equal('Raspberry Pi Pico W with RP2040');
    expect(info.platform).to.equal('rp2');
    expect(info.mpy).to.equal(sim.board.profile.mpy);
    expect(info.uname?.sysname).to.equal('rp2');
    expect(info.uname?.release).to.equal('1.24.1');
    expect(info.mem_free).to.be.a('number').and.be.greaterThan(0);
    expect(info.mem_alloc).to.be.a('number');
  });

  it('reads the machine and network facts from the board: unique id, cold-boot RTC, PWRON reset cause, Wi-Fi idle', async () => {
    const { repl } = await replOn();
    const info = await readDeviceInfo(repl);
    expect(info.errors).to.deep.equal({});
    expect(info.reset_cause).to.deep.equal({ value: 1, name: 'PWRON_RESET' });
    expect(info.wifi_status).to.deep.equal({ value: 0, name: 'STAT_IDLE' });
    expect(String(info.unique_id)).to.match(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(info.rtc)).to.match(/^\[2021,1,1,/);
  });

  it('follows the firmware profile (an old release has a 3-element implementation version)', async () => {
    const { repl } = await replOn('v1.20.0');
    const info = await readDeviceInfo(repl);
    expect(info.implementation?.version).to.deep.equal([1, 20, 0]);
    expect(info.version).to.include('v1.20.0');
    expect((await readFirmwareVersion(repl)).version).to.equal(info.version);
  });

  it('uses only modules a real Pico W has (no simulator-only imports)', async () => {
    const source = await readFile(new URL('../../device-scripts/info.py', import.meta.url), 'utf8');
    const imported = [...source.matchAll(/^\s*(?:import|from)\s+(\w+)/gm)].map((match) => match[1]);
    expect([...new Set(imported)].sort()).to.deep.equal(['gc', 'json', 'machine', 'network', 'os', 'sys']);
  });

  it('rejects a report with an unknown field or a wrong type, naming the field', () => {
    const good = {
      version: 'v', implementation: null, machine: null, mpy: null, platform: null, uname: null, unique_id: null,
      mem_free: 1, mem_alloc: 2, rtc: null, reset_cause: null, wifi_status: { value: 3, name: 'STAT_GOT_IP' }, errors: {},
    };
    expect(parseDeviceInfo(good, 'p').wifi_status).to.deep.equal({ value: 3, name: 'STAT_GOT_IP' });
    expect(() => parseDeviceInfo({ ...good, extra: 1 }, 'p')).to.throw(/unexpected value for extra/);
    expect(() => parseDeviceInfo({ ...good, mem_free: '1' }, 'p')).to.throw(/unexpected value for mem_free/);
    expect(() => parseDeviceInfo({ ...good, rtc: [2021, 1, 1] }, 'p')).to.throw(/unexpected value for rtc/);
  });
});
