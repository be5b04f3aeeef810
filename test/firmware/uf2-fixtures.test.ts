import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { micropythonTagOf, parseUf2, readUf2File } from '../../src/firmware/index.js';

/** Files written by test/fixtures/uf2/make-fixtures.py, independently of the TypeScript writer. */
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/uf2/${name}`, import.meta.url));

describe('UF2 fixtures written by an independent generator', () => {
  it('reads the binary info of a hand-laid-out RP2040 image, the RAM-mapped build date included', async () => {
    const image = await readUf2File(fixture('tiny-rp2040-v1.24.1.uf2'));
    expect(image.blocks).to.equal(8);
    expect(image.ranges).to.deep.equal([{ address: 0x10000000, length: 0x800 }]);
    const info = image.binaryInfo;
    expect(info?.headerAddress).to.equal(0x100001c0);
    expect(info?.programName).to.equal('MicroPython');
    expect(info?.programVersion).to.equal('v1.24.1');
    expect(info?.programBuildDate).to.equal('Nov 29 2024');
    expect(info?.boardName).to.equal('pico_w');
    expect(info?.features).to.deep.equal(['USB REPL', 'thread support']);
    expect(micropythonTagOf(info ?? null)).to.equal('v1.24.1');
  });

  it('reads a mixed RP2040 + data file', async () => {
    const image = parseUf2(await readFile(fixture('mixed-rp2040-data.uf2')), { file: 'mixed.uf2' });
    expect(image.families.map((family) => family.name)).to.deep.equal(['rp2040', 'data']);
    expect(image.streams.map((stream) => stream.blocks)).to.deep.equal([8, 2]);
    expect(image.streams[1]?.ranges).to.deep.equal([{ address: 0x101ff000, length: 512 }]);
    expect([...image.streams[1]!.flash.read(0x101ff0fe, 4)]).to.deep.equal([254, 255, 0, 1]);
    expect(image.binaryInfo?.programVersion).to.equal('v1.24.1');
  });

  it('names a missing file as a usage problem, not a corrupt UF2', async () => {
    const error = await readUf2File(fixture('no-such.uf2')).catch((caught: unknown) => caught);
    expect((error as { code?: string }).code).to.equal('USAGE');
    expect((error as Error).message).to.match(/no-such\.uf2: cannot read UF2 file: no such file$/);
  });
});
