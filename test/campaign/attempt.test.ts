import { expect } from 'chai';
import { runAttempt, type AttemptEnvironment } from '../../src/campaign/attempt.js';
import type { CampaignBoard } from '../../src/campaign/board/campaign-board.js';
import { startCampaignServers, type CampaignServers } from '../../src/campaign/echo-servers.js';
import { buildCells, type Cell } from '../../src/campaign/matrix.js';
import { CampaignRunner } from '../../src/campaign/runner.js';
import type { AttemptRecord } from '../../src/campaign/types.js';
import { parseCampaignConfig } from '../../src/campaign/config/index.js';
import { testCertificates } from '../sim/hardware/support.js';
import { openSimBoard, SWALLOWS_CTRL_C, testWorld } from './resets/support.js';

/** Cells from a matrix, the way a campaign config gives them (the default world's visible AP). */
function cellsOf(matrix: Record<string, unknown>): Map<string, Cell> {
  const yaml = JSON.stringify({
    board: { port: 'sim' },
    accessPoints: [{ name: 'lab', ssid: 'picow-lab' }],
    matrix,
  });
  return new Map(buildCells(parseCampaignConfig(yaml, 'attempt.test.yaml').config).map((cell) => [cell.id, cell]));
}

/**
 * The harness's own classes, each from a real scenario on the simulated board: a power cut in the
 * middle of a join, a hub that does not cut power, a board whose main.py swallows every Ctrl-C.
 */
describe('campaign attempt: harness failures from real scenarios', function () {
  this.timeout(120_000);
  let board: CampaignBoard | undefined;
  let servers: CampaignServers | undefined;

  afterEach(async () => {
    await board?.close();
    board = undefined;
    await servers?.close();
    servers = undefined;
  });

  async function environment(cells: Map<string, Cell>, attemptMs = 120_000): Promise<AttemptEnvironment> {
    const { dir } = await testCertificates();
    servers = await startCampaignServers({ certsDir: dir, setNames: ['valid'], bindHost: '127.0.0.1' });
    return {
      runId: 'attempt-test',
      board: board as CampaignBoard,
      cells,
      servers,
      serverHost: 'picow-harness.local',
      password: () => 'lab-visible-pass',
      timeouts: { connectMs: 20_000, tlsMs: 20_000, resetMs: 20_000, attemptMs },
      resetOptions: { reconnectTimeoutMs: 10_000 },
    };
  }

  it('a power cut in the middle of an attempt is harness.transport-lost; the board is recovered and the next attempt passes', async () => {
    board = await openSimBoard({ power: 'sim', world: testWorld() });
    const cells = cellsOf({ wifi: [{ ap: 'lab' }], certs: ['valid'] });
    const env = await environment(cells);
    const cell = [...cells.keys()][0] as string;
    const sim = board.sim!;
    // The join takes seconds of board time; cut the supply as soon as the script is running.
    const cut = new Promise<void>((resolve) => {
      const off = board!.onTranscript((direction) => {
        if (direction !== 'host-to-board') return;
        off();
        setTimeout(() => void sim.powerOff().then(() => sim.powerOn()).then(resolve), 30);
      });
    });
    const lost = await runAttempt(env, { seq: 0, cell, iteration: 1 }, new AbortController().signal);
    await cut;
    expect(lost.class).to.equal('harness.transport-lost');
    expect(lost.harnessError?.code).to.be.oneOf(['TRANSPORT_LOST', 'DEVICE_NOT_FOUND']);
    const next = await runAttempt(env, { seq: 1, cell, iteration: 2 }, new AbortController().signal);
    expect(next.class).to.equal('tls.ok');
  });

  it('a power cycle through a hub that does not cut power is harness.reset-not-verified, and no Wi-Fi step runs', async () => {
    board = await openSimBoard({ power: 'inert', world: testWorld() });
    const cells = cellsOf({ resets: ['power-cycle'], wifi: [{ ap: 'lab' }] });
    const env = await environment(cells);
    const record = await runAttempt(env, { seq: 0, cell: [...cells.keys()][0] as string, iteration: 1 }, new AbortController().signal);
    expect(record.class).to.equal('harness.reset-not-verified');
    expect(record.reset?.verified).to.equal(false);
    expect(record.wifi).to.equal(null);
  });

  it('a board whose main.py swallows every Ctrl-C, with no power driver, is device-hung: the runner records it and quarantines the board', async () => {
    board = await openSimBoard({ world: testWorld() });
    board.sim!.flash.writeFile('main.py', SWALLOWS_CTRL_C);
    const cells = cellsOf({ resets: ['hard'], wifi: [{ ap: 'lab' }] });
    const env = await environment(cells);
    const cell = [...cells.keys()][0] as string;
    const appended: AttemptRecord[] = [];
    const runner = new CampaignRunner({
      order: [
        { seq: 0, cell, iteration: 1 },
        { seq: 1, cell, iteration: 2 },
      ],
      sink: { append: async (record) => void appended.push(record) },
      runAttempt: (attempt, signal) => runAttempt(env, attempt, signal),
    });
    const outcome = await runner.run();
    expect(outcome.end).to.equal('quarantined');
    expect(appended.map((r) => r.class)).to.deep.equal(['device-hung']);
    expect(appended[0]?.harnessError?.code).to.equal('DEVICE_HUNG');
  });

  it('an attempt over timeouts.attemptMs is abandoned as a harness TIMEOUT, and the board is recovered for the next one', async () => {
    board = await openSimBoard({ power: 'sim', world: testWorld({ timeScale: 2 }) });
    const slow = cellsOf({ wifi: [{ ap: 'lab' }] });
    // A join that can never succeed keeps polling for connectMs (20 s board time): far past the 1 s budget.
    const env = { ...(await environment(slow, 1_000)), password: () => 'not-the-password' };
    const cell = [...slow.keys()][0] as string;
    const record = await runAttempt(env, { seq: 0, cell, iteration: 1 }, new AbortController().signal);
    expect(record.class).to.equal('harness.error');
    expect(record.harnessError?.code).to.equal('TIMEOUT');
    expect(record.harnessError?.message).to.match(/timeouts\.attemptMs/);
    const next = await runAttempt({ ...env, password: () => 'lab-visible-pass', timeouts: { ...env.timeouts, attemptMs: 120_000 } }, { seq: 1, cell, iteration: 2 }, new AbortController().signal);
    expect(next.class).to.equal('wifi.ok');
  });
});
