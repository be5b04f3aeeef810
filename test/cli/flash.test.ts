import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildFirmwareImage } from '../../src/firmware/uf2-writer.js';
import { runCliCaptured as cli } from '../support/cli.js';

describe('CLI flash', function () {
  this.timeout(40_000);
  let dir: string;
  let sim: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'picow-cli-flash-'));
    const world = join(dir, 'fast.yaml');
    await writeFile(world, 'board:\n  enumerationDelayMs: 20\n');
    sim = ['--port', 'sim', '--world', world];
    await writeFile(join(dir, 'v1.22.2.uf2'), buildFirmwareImage({ programVersion: 'v1.22.2', size: 8192 }));
    await writeFile(join(dir, 'custom.uf2'), buildFirmwareImage({ programVersion: 'v1.26.0', size: 8192 }));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('flashes a simulated board and prints the versions before and after', async () => {
    const run = await cli(['flash', join(dir, 'v1.22.2.uf2'), ...sim]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
    expect(run.stdout).to.match(/^uf2 +.*v1\.22\.2\.uf2: MicroPython v1\.22\.2 \(rp2040, \d+ blocks\)$/m);
    expect(run.stdout).to.match(/^before +3\.4\.0; MicroPython v1\.24\.1 on 2024-11-29$/m);
    expect(run.stdout).to.match(/^drive +\S+RPI-RP2 \[simulator; Board-ID RPI-RP2, Raspberry Pi RP2\]/m);
    expect(run.stdout).to.match(/^after +3\.4\.0; MicroPython v1\.22\.2 on 2024-02-22$/m);
    expect(run.stdout).to.match(/^verified: the board runs v1\.22\.2 \(/m);
  });

  it('prints the result as JSON with --json', async () => {
    const run = await cli(['flash', join(dir, 'v1.22.2.uf2'), '--json', ...sim]);
    expect(run.code, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout) as { verified: boolean; before: { version: string }; after: { version: string } };
    expect(result.verified).to.equal(true);
    expect(result.before.version).to.contain('v1.24.1');
    expect(result.after.version).to.contain('v1.22.2');
  });

  it('exits 3 with one line when the board does not come back from BOOTSEL', async () => {
    const run = await cli(['flash', join(dir, 'custom.uf2'), '--timeout', '1500', ...sim]);
    expect(run.code).to.equal(3);
    expect(run.stderr).to.match(/^picow-harness: the board \(serial [0-9a-f]{16}\) is still in BOOTSEL at [^\n]+ names no simulated firmware[^\n]*\n$/);
  });

  it('exits 2 naming the file when it is missing or not a UF2, before opening a board', async () => {
    const missing = await cli(['flash', join(dir, 'nope.uf2'), '--port', '/dev/does-not-exist']);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.equal(`picow-harness: ${join(dir, 'nope.uf2')}: no such file\n`);
    await writeFile(join(dir, 'text.uf2'), 'not a uf2 at all'.repeat(64));
    const corrupt = await cli(['flash', join(dir, 'text.uf2'), '--port', '/dev/does-not-exist']);
    expect(corrupt.code).to.equal(2);
    expect(corrupt.stderr).to.match(/^picow-harness: \S+text\.uf2: block 0 \(byte offset 0\): [^\n]+\n$/);
  });

  it('needs the file argument', async () => {
    const run = await cli(['flash']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/^picow-harness: Not enough non-option arguments[^\n]*\(see picow-harness flash --help\)\n$/);
  });
});
