import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { openCampaignBoard, type CampaignBoard } from '../../src/campaign/board/campaign-board.js';
import { runCampaign } from '../../src/campaign/campaign.js';
import { loadCampaignConfig } from '../../src/campaign/config/load.js';
import type { PowerDriver } from '../../src/campaign/power/driver.js';
import { SimDriver } from '../../src/campaign/power/sim.js';
import type { AttemptRecord } from '../../src/campaign/types.js';
import { loadWorld } from '../../src/sim/world.js';
import { readAttempts, writeCampaign, type CampaignDir } from './support.js';

const FAST_WORLD = new URL('../../campaigns/fast-world.yaml', import.meta.url).pathname;

/** A user's own files, with bytes a text round trip would damage (CRLF, NUL, non-UTF-8). */
const USER_MAIN = Uint8Array.from([...Buffer.from('print("my app")\r\n# caf\xe9\n', 'latin1'), 0x00, 0xff, 0xfe, 0x0a]);
const USER_CONFIG = Buffer.from('{"mine": true}\n');

function standaloneCampaign(matrix: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    board: { world: FAST_WORLD },
    accessPoints: [{ name: 'lab', ssid: 'picow-lab' }],
    matrix: { modes: ['standalone'], wifi: [{ ap: 'lab' }], ...matrix },
    iterations: 2,
    seed: 11,
    ...extra,
  };
}

async function simBoard(power?: (driver: SimDriver) => PowerDriver): Promise<CampaignBoard> {
  return openCampaignBoard({
    spec: 'sim',
    world: await loadWorld(FAST_WORLD),
    seed: 11,
    power: (target) => {
      const driver = new SimDriver(target.sim!, { offMs: 2000 });
      return power === undefined ? driver : power(driver);
    },
  });
}

function byCell(records: readonly AttemptRecord[]): Map<string, AttemptRecord[]> {
  const cells = new Map<string, AttemptRecord[]>();
  for (const record of records) cells.set(record.cell, [...(cells.get(record.cell) ?? []), record]);
  return cells;
}

describe('standalone mode on the simulated board (fast world)', function () {
  this.timeout(90_000);
  let dir: CampaignDir | undefined;
  let board: CampaignBoard | undefined;

  afterEach(async () => {
    await board?.close();
    board = undefined;
    await dir?.dispose();
    dir = undefined;
  });

  it('shows the cold-boot failure with issued-now certificates only, gone with valid ones or the runner’s ntp clock; the host wrote nothing from power-on to the window’s end; the user’s files come back byte for byte', async () => {
    dir = await writeCampaign(standaloneCampaign({ certs: ['issued-now', 'valid'], rtc: ['cold', 'ntp'] }));
    board = await simBoard();
    board.sim!.flash.writeFile('main.py', USER_MAIN);
    board.sim!.flash.writeFile('picow_runner.json', USER_CONFIG);
    const result = await runCampaign({ loaded: await loadCampaignConfig(dir.config), reportsDir: dir.reports, board });

    const records = await readAttempts(result.runDir);
    const cells = byCell(records);
    expect([...cells.keys()].sort()).to.deep.equal([
      'standalone/lab-pm-default/issued-now/cold',
      'standalone/lab-pm-default/issued-now/ntp',
      'standalone/lab-pm-default/valid/cold',
      'standalone/lab-pm-default/valid/ntp',
    ]);
    for (const [cell, attempts] of cells) {
      const expected = cell.endsWith('issued-now/cold') ? 'tls.verify.future' : 'tls.ok';
      expect(attempts.map((record) => record.class), cell).to.deep.equal([expected, expected]);
    }
    for (const record of records) {
      expect(record.mode).to.equal('standalone');
      expect(record.seenBy).to.equal('both');
      expect(record.reset?.verified, record.detail).to.equal(true);
      const silence = record.reset?.evidence.hostSilence as { writes: number; dtrChanges: number; opens: number; phases: string[] };
      expect({ writes: silence.writes, dtrChanges: silence.dtrChanges, opens: silence.opens }).to.deep.equal({ writes: 0, dtrChanges: 0, opens: 0 });
      expect(silence.phases).to.include.members(['power-on', 'exec:main.py']);
    }
    // The cold failure carries the server's side of it: the alert the board sent.
    const cold = cells.get('standalone/lab-pm-default/issued-now/cold')![0]!;
    expect(cold.server?.handshake).to.equal('failed');
    expect(cold.server?.alert?.direction).to.equal('received');

    const flash = board.sim!.flash;
    expect(Buffer.from(flash.readFile('main.py')!).equals(Buffer.from(USER_MAIN))).to.equal(true);
    expect(Buffer.from(flash.readFile('picow_runner.json')!).equals(USER_CONFIG)).to.equal(true);
    expect(flash.files().filter((file) => file.includes('picow_backup') || file.includes('picow_runner.log') || file.endsWith('.picow-tmp'))).to.deep.equal([]);
    const backup = JSON.parse(await readFile(join(result.runDir, 'standalone', 'backup.json'), 'utf8')) as { files: { name: string; existed: boolean }[] };
    expect(backup.files.map((file) => [file.name, file.existed])).to.deep.equal([
      ['main.py', true],
      ['picow_runner.json', true],
      ['picow_runner.log', false],
    ]);
    const manifest = JSON.parse(await readFile(join(result.runDir, 'manifest.json'), 'utf8')) as { extra: { cells: { id: string; mode: string }[] } };
    expect(manifest.extra.cells.map((cell) => cell.mode)).to.deep.equal(['standalone', 'standalone', 'standalone', 'standalone']);
  });

  it('records a board that never comes back after its power cycle as harness.transport-lost and goes on with the next iteration', async () => {
    dir = await writeCampaign(standaloneCampaign({ certs: ['valid'], rtc: ['ntp'] }, { standalone: { windowMs: 10_000, collectMs: 2_000 } }));
    let cycles = 0;
    board = await simBoard((driver) => ({
      ...driver,
      kind: 'sim',
      describe: () => driver.describe(),
      on: (signal) => driver.on(signal),
      off: () => driver.off(),
      check: () => driver.check(),
      // The first cycle leaves the board without power: it never enumerates again.
      cycle: async (options) => {
        cycles += 1;
        if (cycles === 1) await driver.off();
        else await driver.cycle(options);
      },
    }));
    const result = await runCampaign({ loaded: await loadCampaignConfig(dir.config), reportsDir: dir.reports, board });
    const records = await readAttempts(result.runDir);
    expect(records.map((record) => record.class)).to.deep.equal(['harness.transport-lost', 'tls.ok']);
    expect(records[0]?.seenBy).to.equal(undefined);
    expect(result.end).to.equal('completed');
    expect(board.sim!.flash.exists('main.py')).to.equal(false);
  });
});
