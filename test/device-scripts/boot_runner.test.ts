import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { openCampaignBoard, type CampaignBoard } from '../../src/campaign/board/campaign-board.js';
import { startReportListener, type ReportListener } from '../../src/campaign/standalone/index.js';
import { FLASH_BLOCKS, FLASH_BLOCK_SIZE } from '../../src/sim/flash.js';
import { loadWorld, type World } from '../../src/sim/world.js';

const FAST_WORLD = new URL('../../campaigns/fast-world.yaml', import.meta.url).pathname;
const RUNNER = new URL('../../device-scripts/boot_runner.py', import.meta.url);

/** Power-cycle with the port closed, then open it again; returns what the board printed meanwhile (the kept tail). */
async function coldBootAndReopen(board: CampaignBoard, whileOff?: () => Promise<void>): Promise<string> {
  await board.connection.transport.close();
  await board.sim!.powerOff();
  await whileOff?.();
  await board.sim!.powerOn();
  // Like the collection window: the port stays closed until main.py has finished.
  const sim = board.sim!;
  for (let waited = 0; sim.phase.kind !== 'idle'; waited += 20) {
    if (waited > 20_000) throw new Error('main.py did not finish');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await board.reconnect({ timeoutMs: 20_000 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const seen = Buffer.from(board.connection.transport.drain()).toString('latin1');
  return seen;
}

describe('boot runner (device-scripts/boot_runner.py) on the simulated board', function () {
  this.timeout(60_000);
  let world: World;
  let board: CampaignBoard | undefined;
  let listener: ReportListener | undefined;

  before(async () => {
    world = await loadWorld(FAST_WORLD);
  });

  afterEach(async () => {
    await board?.close();
    board = undefined;
    await listener?.close();
    listener = undefined;
  });

  it('exits at once when a noboot file is on the flash: no Wi-Fi, no log, the REPL answers', async () => {
    board = await openCampaignBoard({ spec: 'sim', world, seed: 2 });
    const flash = board.sim!.flash;
    flash.writeFile('main.py', await readFile(RUNNER));
    flash.writeFile('picow_runner.json', JSON.stringify({ v: 1, correlationId: 'r/0', wifi: { ssid: 'picow-lab', password: 'lab-visible-pass' }, tls: null, report: null, log: { path: 'picow_runner.log', max_bytes: 4096 } }));
    flash.writeFile('noboot', '');
    const printed = await coldBootAndReopen(board);
    expect(printed).to.include('picow runner: noboot found, not running');
    expect(flash.exists('picow_runner.log')).to.equal(false);
    expect((await board.execOrThrow('import network\nprint(network.WLAN(network.STA_IF).active())')).trim()).to.equal('False');
  });

  it('reports a full flash as OSError(28) in its network report, and the log keeps what it had', async () => {
    listener = await startReportListener({ host: '127.0.0.1', port: 0 });
    board = await openCampaignBoard({ spec: 'sim', world, seed: 3 });
    const flash = board.sim!.flash;
    const earlier = `${'x'.repeat(399)}\n`;
    flash.writeFile('main.py', await readFile(RUNNER));
    flash.writeFile(
      'picow_runner.json',
      JSON.stringify({
        v: 1,
        runId: 'r',
        seq: 4,
        correlationId: 'r/4',
        wifi: { ssid: 'picow-lab', password: 'lab-visible-pass', mode: 'fresh', timeout_ms: 20_000 },
        clock: 'cold',
        tls: null,
        report: { host: world.network.harness.name, port: listener.port, timeout_ms: 5000 },
        log: { path: 'picow_runner.log', max_bytes: 65_536 },
      }),
    );
    flash.writeFile('picow_runner.log', earlier);
    flash.writeFile('filler.bin', new Uint8Array((FLASH_BLOCKS - flash.usedBlocks()) * FLASH_BLOCK_SIZE));
    expect(flash.usedBlocks()).to.equal(FLASH_BLOCKS);

    await coldBootAndReopen(board, async () => {
      // The runner works while the port is closed; its report arrives over the network.
      await board!.sim!.powerOn();
      const report = await listener!.waitFor('r/4', 20_000);
      expect(report, 'network report').to.not.equal(null);
      expect(report!.value.log).to.deep.equal({ status: 'full', errno: 28, bytes: earlier.length });
      expect((report!.value.wifi as { finalStatus: number }).finalStatus).to.equal(3);
    });
    expect(Buffer.from(flash.readFile('picow_runner.log')!).toString()).to.equal(earlier);
  });
});
