import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { expect } from 'chai';
import { openCampaignBoard, type CampaignBoard } from '../../../src/campaign/board/campaign-board.js';
import { scaledClock } from '../../../src/campaign/power/driver.js';
import { UhubctlDriver } from '../../../src/campaign/power/uhubctl.js';
import { performReset } from '../../../src/campaign/resets/index.js';
import { startSimHub, type SimHub } from '../../../src/sim/hub-control.js';
import { STAND_IN_DIR } from '../power/support.js';
import { testWorld } from './support.js';

/**
 * The power-cycle reset end to end through the uhubctl driver: the stand-in uhubctl on PATH (real
 * uhubctl 2.5 output) switches a port of the simulated hub the board hangs off, found by its serial.
 */
describe('power-cycle reset through uhubctl and a switched hub', function () {
  this.timeout(120_000);
  let board: CampaignBoard | undefined;
  let hub: SimHub | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await board?.close();
    await hub?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    board = undefined;
    hub = undefined;
    dir = undefined;
  });

  async function openOnHub(hubOptions: { leakyPorts?: number[] } = {}): Promise<CampaignBoard> {
    dir = await mkdtemp(join(tmpdir(), 'picow-uhubctl-reset-'));
    const world = testWorld();
    const socketPath = join(dir, 'hub.sock');
    return openCampaignBoard({
      spec: 'sim',
      world,
      power: async (target) => {
        hub = await startSimHub({ boards: [{ port: 2, board: target.sim! }], socketPath, ...hubOptions });
        return new UhubctlDriver({
          serialNumber: target.serialNumber,
          cacheDir: dir,
          env: { ...process.env, PATH: `${STAND_IN_DIR}${delimiter}${process.env.PATH ?? ''}`, PICOW_SIM_HUB: socketPath },
          clock: scaledClock(world.timeScale),
        });
      },
    });
  }

  it('cuts the power, sees the port vanish, and proves the cold boot (PWRON_RESET, clocks restarted)', async () => {
    board = await openOnHub();
    const outcome = await performReset(board, 'power-cycle', { reconnectTimeoutMs: 10_000 });
    expect(outcome.verified, outcome.problem).to.equal(true);
    expect(JSON.stringify(outcome.evidence)).to.include('PWRON_RESET');
    expect(hub!.events.map((event) => [event.port, event.power, event.boardSwitched])).to.deep.equal([
      [2, 'off', true],
      [2, 'on', true],
    ]);
  });

  it('a port that reports off but keeps VBUS on is harness.reset-not-verified: the port never vanished', async () => {
    board = await openOnHub({ leakyPorts: [2] });
    const outcome = await performReset(board, 'power-cycle', { reconnectTimeoutMs: 10_000, vanishWithinMs: 1_000 });
    expect(outcome.verified).to.equal(false);
    expect(outcome.problem).to.match(/^harness\.reset-not-verified: /);
  });
});
