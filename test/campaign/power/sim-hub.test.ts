import { expect } from 'chai';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { runProcess, type ProcessResult } from '../../../src/campaign/power/run-process.js';
import type { SimBoard } from '../../../src/sim/board.js';
import { sample, STAND_IN_DIR, startHubRig, type HubRig } from './support.js';

/** One request/answer over the hub's JSON-lines socket. */
async function ask(socketPath: string, request: unknown): Promise<Record<string, unknown>> {
  const socket = createConnection(socketPath);
  socket.setEncoding('utf8');
  try {
    return await new Promise((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error('the hub did not answer within 5 s')), 5000);
      socket.once('error', reject);
      socket.on('data', (chunk: string) => {
        text += chunk;
        const newline = text.indexOf('\n');
        if (newline < 0) return;
        clearTimeout(timer);
        resolve(JSON.parse(text.slice(0, newline)) as Record<string, unknown>);
      });
      socket.write(`${JSON.stringify(request)}\n`);
    });
  } finally {
    socket.destroy();
  }
}

function standIn(rig: HubRig | undefined, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProcessResult> {
  const base: NodeJS.ProcessEnv = rig === undefined ? { ...process.env } : { ...rig.env };
  return runProcess(join(STAND_IN_DIR, 'uhubctl'), args, { timeoutMs: 20_000, env: { ...base, ...env } });
}

const HUB = 'Current status for hub 1-1 [2109:2817 VIA Labs, Inc. USB2.0 Hub, USB 2.10, 4 ports, ppps]';

describe('simulated switched hub and the uhubctl stand-in', function () {
  // Boards on ports 2 and 3; port 3 is leaky (reports off, never cuts VBUS).
  let rig: HubRig;
  let board: SimBoard;
  let leaky: SimBoard;

  before(async () => {
    rig = await startHubRig({ boards: 2, hub: { leakyPorts: [3] } });
    [board, leaky] = rig.boards as [SimBoard, SimBoard];
  });

  after(async () => {
    await rig?.dispose();
  });

  afterEach(async () => {
    for (const port of [2, 3]) await ask(rig.hub.socketPath, { cmd: 'on', port });
    for (const each of rig.boards) await each.waitForUsb(10_000);
  });

  it('lists each port’s status word and, when a board is enumerated, its USB description with the serial', async () => {
    const answer = await ask(rig.hub.socketPath, { cmd: 'list' });
    expect(answer).to.deep.equal({
      ok: true,
      hubs: [{
        location: '1-1',
        description: '2109:2817 VIA Labs, Inc. USB2.0 Hub, USB 2.10, 4 ports, ppps',
        ports: [
          { port: 1, powered: true, status: 0x0100, device: null },
          { port: 2, powered: true, status: 0x0103, device: `2e8a:0005 MicroPython Board in FS mode ${board.serialNumber}` },
          { port: 3, powered: true, status: 0x0103, device: `2e8a:0005 MicroPython Board in FS mode ${leaky.serialNumber}` },
          { port: 4, powered: true, status: 0x0100, device: null },
        ],
      }],
    });
  });

  it('answers bad requests with an error instead of acting', async () => {
    expect(await ask(rig.hub.socketPath, { cmd: 'off', port: 9 })).to.deep.equal({ ok: false, error: 'hub 1-1 has ports 1 … 4, not 9' });
    expect(await ask(rig.hub.socketPath, { cmd: 'off', port: 2, location: '2-1' })).to.deep.equal({ ok: false, error: 'no hub at location 2-1' });
    expect(await ask(rig.hub.socketPath, { cmd: 'explode' })).to.deep.equal({ ok: false, error: 'unknown command "explode"' });
    expect(board.isPowered).to.equal(true);
  });

  it('a leaky port reports off while its board stays powered and on the bus', async () => {
    const answer = await ask(rig.hub.socketPath, { cmd: 'off', port: 3 });
    expect(answer).to.deep.equal({ ok: true, port: { port: 3, powered: false, status: 0, device: null } });
    expect(leaky.isPowered).to.equal(true);
    expect(rig.onBus(leaky)).to.equal(true);
    expect(rig.hub.events[rig.hub.events.length - 1]).to.include({ port: 3, power: 'off', boardSwitched: false });
  });

  it('the stand-in prints uhubctl 2.5’s lines for a listing, and an off request that powers the board down', async () => {
    const listing = await standIn(rig, ['-p', '1-2']);
    expect(listing.exitCode).to.equal(0);
    expect(listing.stdout).to.equal(`${HUB}\n  Port 1: 0100 power\n  Port 2: 0103 power enable connect [2e8a:0005 MicroPython Board in FS mode ${board.serialNumber}]\n`);

    const off = await standIn(rig, ['--location=1-1', '--ports', '2', '-aoff']);
    expect(off).to.include({ exitCode: 0, stderr: '' });
    expect(off.stdout).to.equal(
      `${HUB}\n  Port 2: 0103 power enable connect [2e8a:0005 MicroPython Board in FS mode ${board.serialNumber}]\nSent power off request\n${HUB.replace('Current', 'New')}\n  Port 2: 0000 off\n`,
    );
    expect(board.isPowered).to.equal(false);
  });

  it('the stand-in’s output has the same line shapes as real uhubctl’s', async () => {
    const shape = (text: string) => text.split('\n').map((line) => line.replace(/\[.*\]/, '[…]').replace(/hub \S+/, 'hub L').replace(/Port \d+: [0-9a-f]{4}/, 'Port N: XXXX'));
    const real = shape(await sample('pico-off.stdout.txt'));
    const ours = shape((await standIn(rig, ['-l', '1-1', '-p', '2', '-a', 'off'])).stdout);
    expect(ours).to.deep.equal(real);
  });

  it('without a hub the stand-in prints exactly what Debian’s uhubctl prints', async () => {
    const none = await standIn(undefined, [], { PICOW_SIM_HUB: '' });
    expect(none).to.include({ exitCode: 1, stdout: '', stderr: await sample('no-hub.stderr.txt') });
    const atLocation = await standIn(undefined, ['-a', 'off', '-l', '1-1', '-p', '2'], { PICOW_SIM_HUB: join(rig.dir, 'no-such.sock') });
    expect(atLocation).to.include({ exitCode: 1, stdout: '', stderr: await sample('no-hub-at-location.stderr.txt') });
  });

  it('the stand-in rejects what uhubctl rejects', async () => {
    const unknown = await standIn(rig, ['-x']);
    expect(unknown.exitCode).to.equal(1);
    expect(unknown.stderr).to.match(/: invalid option -- 'x'\nRun with -h to get usage info\.\n$/);
    expect(await standIn(rig, ['-p', '3-1'])).to.include({ exitCode: 1, stderr: 'Bad port spec 3-1, first port must be less than last\n' });
    expect(await standIn(rig, ['-a', 'off', '-l', '9-9'])).to.include({ exitCode: 1, stderr: 'No compatible devices detected at location 9-9!\nRun with -h to get usage info.\n' });
    expect(board.isPowered).to.equal(true);
  });
});
