import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { parseInventory } from '../../src/campaign/inventory/load.js';
import { formatSuggestion, suggestBoards } from '../../src/campaign/inventory/suggest.js';
import type { BoardInfo } from '../../src/transport/discovery.js';

const REPO = new URL('../../', import.meta.url).pathname;
const LISTING = new URL('../fixtures/uhubctl/samples/pico-listing.stdout.txt', import.meta.url);

function board(path: string, serialNumber: string | undefined): BoardInfo {
  return { path, serialNumber, mode: 'micropython', vendorId: '2e8a', productId: '0005', manufacturer: 'MicroPython', aliases: [] };
}

describe('devices --suggest', function () {
  this.timeout(30_000);
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'picow-suggest-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('suggests a valid inventory entry per board: its serial, its /dev/serial/by-id name and the uhubctl hub port that lists its serial', async () => {
    const byId = join(dir, 'by-id');
    const acm0 = join(dir, 'ttyACM0');
    const acm1 = join(dir, 'ttyACM1');
    await Promise.all([writeFile(acm0, ''), writeFile(acm1, '')]);
    await (await import('node:fs/promises')).mkdir(byId);
    await symlink(acm0, join(byId, 'usb-MicroPython_Board_in_FS_mode_e66034f71f7e9136-if00'));
    const listing = await readFile(LISTING, 'utf8');
    const suggested = await suggestBoards([board(acm0, 'e66034f71f7e9136'), board(acm1, 'e66034f71f583724')], { byIdDir: byId, uhubctlListing: async () => listing });
    const text = formatSuggestion(suggested, { uhubctl: true });

    const inventory = parseInventory(text, 'suggested.yaml').inventory;
    expect(inventory.boards['pico-9136']).to.deep.include({ serial: 'e66034f71f7e9136', port: join(byId, 'usb-MicroPython_Board_in_FS_mode_e66034f71f7e9136-if00') });
    expect(inventory.boards['pico-9136']?.power).to.deep.include({ driver: 'uhubctl', location: '1-1', port: 3 });
    // No by-id link for the second board: it is found by its serial number.
    expect(inventory.boards['pico-3724']).to.deep.include({ serial: 'e66034f71f583724', port: 'id:e66034f71f583724' });
    expect(inventory.boards['pico-3724']?.power).to.deep.include({ driver: 'uhubctl', location: '1-1', port: 4 });
  });

  it('says when uhubctl found no hub port, and leaves power out', async () => {
    const suggested = await suggestBoards([board('/dev/ttyACM7', 'e6614c311b7e6a35')], { byIdDir: join(dir, 'none'), uhubctlListing: async () => undefined });
    const text = formatSuggestion(suggested, { uhubctl: false });
    expect(text).to.match(/^# uhubctl was not found/m);
    const inventory = parseInventory(text, 'suggested.yaml').inventory;
    expect(inventory.boards['pico-6a35']?.power).to.equal(undefined);
  });

  it('prints, for the simulated bus, an entry `run --boards` accepts', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/bin.ts'), 'devices', '--port', 'sim', '--suggest'], { cwd: REPO });
    const document = parse(stdout) as { boards: Record<string, { serial: string; port: string }> };
    const [entry] = Object.values(document.boards);
    expect(entry?.port).to.equal('sim');
    expect(entry?.serial).to.match(/^[0-9a-f]{16}$/);
    parseInventory(stdout, 'stdout');
  });
});
