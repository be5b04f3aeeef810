import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoardLock, BoardLockedError, lockKeyOfPort } from '../../src/transport/board-lock.js';
import { canaryCampaign, readAttempts, startHarness, writeCampaign, type CampaignDir } from './support.js';

describe('rack: a board is locked against a second harness process', function () {
  this.timeout(60_000);
  let campaign: CampaignDir | undefined;
  let runtime: string;

  beforeEach(async () => {
    runtime = await mkdtemp(join(tmpdir(), 'picow-runtime-'));
  });

  afterEach(async () => {
    await campaign?.dispose();
    await rm(runtime, { recursive: true, force: true });
  });

  it('refuses a second process on the same board with one line naming the holder pid (exit 3), and --wait-lock waits until the first is done', async () => {
    // Enough attempts that the first process still holds the board while the second starts up.
    campaign = await writeCampaign(canaryCampaign({ iterations: 15 }));
    const inventory = join(campaign.dir, 'rack.yaml');
    await writeFile(inventory, 'boards:\n  shared: { port: sim, serial: "cccccccccccc0001" }\n');
    const env = { XDG_RUNTIME_DIR: runtime };
    const args = (reports: string): string[] => ['run', campaign?.config ?? '', '--inventory', inventory, '--boards', 'shared', '--reports', reports, '--no-history'];
    const first = startHarness(args(join(campaign.dir, 'r1')), env);
    await first.waitForStderr(/^shared\s+simulated Pico W/m);

    const second = await startHarness(args(join(campaign.dir, 'r2')), env).done;
    expect(second.code).to.equal(3);
    const lines = second.stderr.trim().split('\n').filter((line) => !line.startsWith('npm warn'));
    expect(lines, second.stderr).to.have.length(1);
    expect(lines[0]).to.match(new RegExp(`board sim-cccccccccccc0001 is in use by picow-harness pid ${String(first.child.pid)}\\b`));

    const third = startHarness([...args(join(campaign.dir, 'r3')), '--wait-lock', '60s'], env);
    const firstDone = await first.done;
    expect(firstDone.code, firstDone.stderr).to.equal(0);
    const thirdDone = await third.done;
    expect(thirdDone.code, thirdDone.stderr).to.equal(0);
    const [firstRun, thirdRun] = await Promise.all([runDir(join(campaign.dir, 'r1')), runDir(join(campaign.dir, 'r3'))]);
    const lastOfFirst = Math.max(...(await readAttempts(firstRun)).map((record) => Date.parse(record.startedAt) + record.durationMs));
    const firstOfThird = Math.min(...(await readAttempts(thirdRun)).map((record) => Date.parse(record.startedAt)));
    expect(firstOfThird).to.be.greaterThan(lastOfFirst);
  });

  it('takes over a lock whose holder process is gone', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const dir = join(runtime, 'locks');
    const held = await BoardLock.acquire('e6614c311b7e6a35', { dir });
    await held.release();
    await writeFile(join(dir, 'e6614c311b7e6a35.lock'), `${JSON.stringify({ pid: dead, host: (await import('node:os')).hostname(), token: 'stale', processStart: null, acquiredAt: '2020-01-01T00:00:00Z', what: 'killed run' })}\n`);
    const lock = await BoardLock.acquire('e6614c311b7e6a35', { dir });
    const again = await BoardLock.acquire('e6614c311b7e6a35', { dir }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(again).to.be.instanceOf(BoardLockedError);
    expect((again as BoardLockedError).holder.pid).to.equal(process.pid);
    await lock.release();
    expect(await readdir(dir)).to.deep.equal([]);
  });
});

describe('board locks of single-board runs', () => {
  it('lock a board named by serial number or by its /dev/serial/by-id link, under the same key a rack uses', () => {
    expect(lockKeyOfPort('id:E6614C311B7E6A35')).to.equal('e6614c311b7e6a35');
    expect(lockKeyOfPort('/dev/serial/by-id/usb-MicroPython_Board_in_FS_mode_e6614c311b7e6a35-if00')).to.equal('e6614c311b7e6a35');
    expect(lockKeyOfPort('/dev/ttyACM0')).to.equal(undefined);
    expect(lockKeyOfPort('sim')).to.equal(undefined);
  });
});

async function runDir(reports: string): Promise<string> {
  const names = (await readdir(reports)).filter((name) => !name.startsWith('.') && !name.startsWith('history'));
  if (names.length !== 1) throw new Error(`expected one run in ${reports}: ${names.join(', ')}`);
  return join(reports, names[0] as string);
}
