import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSimFirmware } from '../../src/firmware/index.js';
import { findProfile, registerTestProfile } from '../../src/sim/profiles.js';
import { runCliCaptured as cli } from '../support/cli.js';

const CONFIG = new URL('../fixtures/bisect/wifi.yaml', import.meta.url).pathname;
const CELL = 'wlan-deinit/hidden-pm-default';

describe('CLI bisect', function () {
  this.timeout(120_000);
  let dir: string;
  let builds: string[];
  const removers: (() => void)[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'picow-cli-bisect-'));
    const release = findProfile('v1.24.1');
    builds = [];
    // Test firmware (see bisect-wifi.test.ts): builds 1-2 default to PM off, build 3 to the release's power saving.
    for (let n = 1; n <= 3; n++) {
      const profile = { ...release, gitTag: `v1.24.1-${n}-g${String(n).padStart(7, '0')}`, cyw43: n < 3 ? { defaultPm: 0xa11140 } : {} };
      removers.push(registerTestProfile(profile));
      const file = join(dir, `build-${n}.uf2`);
      await writeFile(file, buildSimFirmware(profile));
      builds.push(file);
    }
  });

  after(async () => {
    removers.forEach((remove) => remove());
    await rm(dir, { recursive: true, force: true });
  });

  it('names the first bad build with the board version and rates, exits 0, and a resume of a finished bisect reports it again', async () => {
    const bisectDir = join(dir, 'found');
    const run = await cli(['bisect', '--firmware', builds.join(','), '--config', CONFIG, '--scenario', CELL, '--k', '1', '--n', '6', '--dir', bisectDir]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include('first bad build: v1.24.1-3-g0000003 (last good: v1.24.1-2-g0000002)');
    expect(run.stdout).to.include('board: 3.4.0; MicroPython v1.24.1-3-g0000003');
    expect(run.stderr).to.include('step 1 (first): v1.24.1-1-g0000001');
    const markdown = await readFile(join(bisectDir, 'bisect.md'), 'utf8');
    expect(markdown).to.include('## Steps');
    const again = await cli(['bisect', '--resume', bisectDir]);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.include('first bad build: v1.24.1-3-g0000003');
    expect(again.stderr).to.not.include('flashing');
  });

  it('exits 1 when the newest build is already good: no boundary in the range', async () => {
    const run = await cli(['bisect', '--firmware', builds.slice(0, 2).join(','), '--config', CONFIG, '--scenario', CELL, '--n', '4', '--dir', join(dir, 'none')]);
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stdout).to.include('the newest build v1.24.1-2-g0000002 is good');
  });

  it('refuses usage mistakes with one line and exit 2', async () => {
    const missing = await cli(['bisect', '--scenario', CELL, '--config', CONFIG]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/^picow-harness: --firmware: /);
    const unknown = await cli(['bisect', '--firmware', builds.join(','), '--config', CONFIG, '--scenario', 'hard/nothing-like-it']);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.match(/^picow-harness: --scenario hard\/nothing-like-it: /);
    const mixed = await cli(['bisect', '--resume', dir, '--firmware', builds.join(',')]);
    expect(mixed.code).to.equal(2);
    expect(mixed.stderr).to.include('--resume');
    const k = await cli(['bisect', '--firmware', builds.join(','), '--config', CONFIG, '--scenario', CELL, '--k', '5', '--n', '4']);
    expect(k.code).to.equal(2);
    expect(k.stderr).to.include('--k');
  });
});
