import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildFirmwareImage, concatUf2, micropythonTagOf, parseUf2, writeUf2 } from '../../src/firmware/index.js';
import { PROFILES } from '../../src/sim/profiles.js';
import { runCliCaptured as cli } from '../support/cli.js';

describe('picow-harness firmware', () => {
  let dir: string;
  let good: string;
  let mixed: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'picow-firmware-cli-'));
    good = join(dir, 'good.uf2');
    mixed = join(dir, 'mixed.uf2');
    const program = buildFirmwareImage({ programVersion: 'v1.22.2', buildDate: '2024-02-22', sdkVersion: '1.5.1', size: 4096 });
    await writeFile(good, program);
    await writeFile(mixed, concatUf2(program, writeUf2({ family: 'cyw43-firmware', baseAddress: 0x10100000, payload: new Uint8Array(300) })));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('info prints blocks, family, range, size and what the binary info says', async () => {
    const run = await cli(['firmware', 'info', good]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
    expect(run.stdout).to.match(/^\s+blocks\s+16 \(all valid\)$/m);
    expect(run.stdout).to.match(/^\s+families\s+rp2040 0xe48bff56: 16 blocks, 4096 bytes$/m);
    expect(run.stdout).to.match(/^\s+ranges\s+0x10000000\.\.0x10000fff \(4096 bytes\)$/m);
    expect(run.stdout).to.match(/^\s+size\s+4096 bytes$/m);
    expect(run.stdout).to.match(/^\s+program name\s+MicroPython$/m);
    expect(run.stdout).to.match(/^\s+version\s+v1\.22\.2$/m);
    expect(run.stdout).to.match(/^\s+build date\s+Feb 22 2024$/m);
    expect(run.stdout).to.match(/^\s+board\s+pico_w$/m);
    expect(run.stdout).to.match(/^\s+features\s+USB REPL, thread support$/m);
    expect(run.stdout).to.match(/^\s+sdk version\s+1\.5\.1$/m);
    expect(run.stdout).to.match(/^\s+micropython\s+v1\.22\.2$/m);
  });

  it('info lists every family of a mixed file', async () => {
    const run = await cli(['firmware', 'info', mixed]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/rp2040 0xe48bff56: 16 blocks/);
    expect(run.stdout).to.match(/cyw43-firmware 0xe48bff55: 2 blocks, 512 bytes/);
    expect(run.stdout).to.match(/^\s+program image\s+rp2040$/m);
  });

  it('info --json gives the same facts as data', async () => {
    const run = await cli(['firmware', 'info', mixed, '--json']);
    expect(run.code, run.stderr).to.equal(0);
    const summary = JSON.parse(run.stdout) as {
      blocks: number;
      families: { id: string; name: string; blocks: number }[];
      ranges: { address: string; length: number }[];
      binaryInfo: { programVersion: string; boardName: string } | null;
      micropythonTag: string;
    };
    expect(summary.blocks).to.equal(18);
    expect(summary.families.map((family) => [family.name, family.id, family.blocks])).to.deep.equal([
      ['rp2040', '0xe48bff56', 16],
      ['cyw43-firmware', '0xe48bff55', 2],
    ]);
    expect(summary.ranges).to.deep.equal([{ address: '0x10000000', end: '0x10000fff', length: 4096 }]);
    expect(summary.binaryInfo?.programVersion).to.equal('v1.22.2');
    expect(summary.binaryInfo?.boardName).to.equal('pico_w');
    expect(summary.micropythonTag).to.equal('v1.22.2');
  });

  it('info on a truncated file exits 2 with one line naming the block, its offset and the problem', async () => {
    const bytes = await readFile(good);
    const truncated = join(dir, 'truncated.uf2');
    await writeFile(truncated, bytes.subarray(0, bytes.length - 12));
    const run = await cli(['firmware', 'info', truncated]);
    expect(run.code).to.equal(2);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.equal(`picow-harness: ${truncated}: block 15 (byte offset 7680): truncated block: only 500 of 512 bytes (file length ${bytes.length - 12})\n`);
  });

  it('info on a file with a damaged magic exits 2 with one line', async () => {
    const bytes = Uint8Array.from(await readFile(good));
    bytes[3 * 512 + 4] = bytes[3 * 512 + 4]! ^ 0xff;
    const damaged = join(dir, 'damaged.uf2');
    await writeFile(damaged, bytes);
    const run = await cli(['firmware', 'info', damaged]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/^picow-harness: \S+damaged\.uf2: block 3 \(byte offset 1536\): bad second start magic 0x9e5d51a8 \(expected 0x9e5d5157\)\n$/);
  });

  it('info on a missing file exits 2', async () => {
    const run = await cli(['firmware', 'info', join(dir, 'absent.uf2')]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/^picow-harness: \S+absent\.uf2: cannot read UF2 file: no such file\n$/);
  });

  it('refuses an unknown action with exit 2', async () => {
    const run = await cli(['firmware', 'flash-it', good]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.equal('picow-harness: firmware: unknown action "flash-it"; expected one of: info, sim-builds\n');
  });

  it('sim-builds writes one UF2 per simulator profile whose version names that profile', async () => {
    const out = join(dir, 'builds');
    const run = await cli(['firmware', 'sim-builds', out]);
    expect(run.code, run.stderr).to.equal(0);
    const files = (await readdir(out)).sort();
    expect(files).to.deep.equal(PROFILES.map((profile) => `micropython-${profile.gitTag}.uf2`).sort());
    for (const profile of PROFILES) {
      expect(run.stdout).to.include(`micropython-${profile.gitTag}.uf2`);
      const image = parseUf2(await readFile(join(out, `micropython-${profile.gitTag}.uf2`)));
      expect(micropythonTagOf(image.binaryInfo), profile.name).to.equal(profile.gitTag);
      expect(image.binaryInfo?.boardName).to.equal('pico_w');
    }
    const info = await cli(['firmware', 'info', join(out, 'micropython-v1.19.1-236-gb560b9fe7.uf2')]);
    expect(info.stdout).to.match(/^\s+micropython\s+v1\.19\.1-236-gb560b9fe7$/m);
    expect(info.stdout).to.match(/^\s+build date\s+Aug {2}6 2022$/m);
  });
});
