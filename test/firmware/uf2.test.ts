import { expect } from 'chai';
import { exitCodeFor } from '../../src/errors.js';
import {
  FAMILY,
  UF2_FLAG,
  Uf2Error,
  buildFirmwareImage,
  buildFirmwarePayload,
  concatUf2,
  familyName,
  parseUf2,
  writeUf2,
} from '../../src/firmware/index.js';
import { BLOCK, getField, join, patternBytes, rawBlock, withField, withoutBlock } from './uf2-blocks.js';

const FILE = 'fw.uf2';

/** Parses and returns the error, failing the test when there is none. */
function parseError(bytes: Uint8Array): Uf2Error {
  try {
    parseUf2(bytes, { file: FILE });
  } catch (error) {
    expect(error).to.be.instanceOf(Uf2Error);
    return error as Uf2Error;
  }
  expect.fail('parseUf2 accepted a damaged file');
}

function expectProblem(bytes: Uint8Array, block: number, problem: RegExp): void {
  const error = parseError(bytes);
  expect(error.message).to.not.include('\n');
  expect(error.message.startsWith(`${FILE}: block ${block} (byte offset ${block * BLOCK}): `), error.message).to.equal(true);
  expect(error.message).to.match(problem);
  expect(error.code).to.equal('UF2_INVALID');
  expect(exitCodeFor(error)).to.equal(2);
}

describe('UF2 reader and writer', () => {
  const firmware = buildFirmwareImage({ programVersion: 'v1.24.1', buildDate: '2024-11-29', size: 4096 });

  describe('round trips', () => {
    it('reads back a built firmware image: blocks, family, one range and the exact bytes', () => {
      const { payload, baseAddress } = buildFirmwarePayload({ programVersion: 'v1.24.1', buildDate: '2024-11-29', size: 4096 });
      const image = parseUf2(firmware, { file: FILE });
      expect(firmware.length % BLOCK).to.equal(0);
      expect(image.blocks).to.equal(firmware.length / BLOCK);
      expect(image.blocks).to.equal(payload.length / 256);
      expect(image.families).to.deep.equal([{ id: 0xe48bff56, name: 'rp2040' }]);
      expect(image.programFamily?.name).to.equal('rp2040');
      expect(image.ranges).to.deep.equal([{ address: 0x10000000, length: payload.length }]);
      expect(image.size).to.equal(payload.length);
      expect(Buffer.from(image.flash.read(baseAddress, payload.length)).equals(Buffer.from(payload))).to.equal(true);
    });

    it('writes every block with both start magics, the end magic, 256-byte pages and consecutive numbers', () => {
      const blocks = firmware.length / BLOCK;
      for (let block = 0; block < blocks; block++) {
        expect(getField(firmware, block, 'magicStart0')).to.equal(0x0a324655);
        expect(getField(firmware, block, 'magicStart1')).to.equal(0x9e5d5157);
        expect(getField(firmware, block, 'magicEnd')).to.equal(0x0ab16f30);
        expect(getField(firmware, block, 'flags')).to.equal(0x2000);
        expect(getField(firmware, block, 'payloadSize')).to.equal(256);
        expect(getField(firmware, block, 'blockNo')).to.equal(block);
        expect(getField(firmware, block, 'numBlocks')).to.equal(blocks);
        expect(getField(firmware, block, 'familyOrSize')).to.equal(0xe48bff56);
        expect(getField(firmware, block, 'targetAddress')).to.equal(0x10000000 + block * 256);
      }
    });

    it('pads a payload that is not a whole number of pages and reads unwritten memory as erased (0xff)', () => {
      const payload = patternBytes(1000, 7);
      const image = parseUf2(writeUf2({ family: 'rp2040', baseAddress: 0x10010000, payload }));
      expect(image.blocks).to.equal(4);
      expect(image.ranges).to.deep.equal([{ address: 0x10010000, length: 1024 }]);
      expect(Buffer.from(image.flash.read(0x10010000, 1000)).equals(Buffer.from(payload))).to.equal(true);
      expect([...image.flash.read(0x10010000 + 1000, 24)]).to.deep.equal(new Array(24).fill(0));
      expect([...image.flash.read(0x1000fffe, 2)]).to.deep.equal([0xff, 0xff]);
      expect(image.binaryInfo).to.equal(null);
    });

    it('keeps separate ranges for writes with a gap between them', () => {
      const low = writeUf2({ family: 'rp2040', baseAddress: 0x10000000, payload: patternBytes(512, 1) });
      const high = rawBlock({ flags: 0x2000, address: 0x10002000, payload: patternBytes(256, 2), blockNo: 2, numBlocks: 3, familyOrSize: FAMILY.RP2040 });
      const file = join(withField(withField(low, 0, 'numBlocks', 3), 1, 'numBlocks', 3), high);
      const image = parseUf2(file);
      expect(image.ranges).to.deep.equal([
        { address: 0x10000000, length: 512 },
        { address: 0x10002000, length: 256 },
      ]);
      expect(image.flash.covers(0x10000200, 1)).to.equal(false);
    });

    it('builds an RP2350 (Arm secure) image that round-trips with its family', () => {
      const image = parseUf2(buildFirmwareImage({ programVersion: 'v1.24.1', family: 'rp2350-arm-s' }));
      expect(image.families).to.deep.equal([{ id: 0xe48bff59, name: 'rp2350-arm-s' }]);
      expect(image.ranges[0]?.address).to.equal(0x10000000);
      expect(image.binaryInfo?.programVersion).to.equal('v1.24.1');
    });
  });

  describe('families', () => {
    it('names every Raspberry Pi family and shows unknown ones in hex', () => {
      expect(familyName(0xe48bff55)).to.equal('cyw43-firmware');
      expect(familyName(0xe48bff56)).to.equal('rp2040');
      expect(familyName(0xe48bff57)).to.equal('absolute');
      expect(familyName(0xe48bff58)).to.equal('data');
      expect(familyName(0xe48bff59)).to.equal('rp2350-arm-s');
      expect(familyName(0xe48bff5a)).to.equal('rp2350-riscv');
      expect(familyName(0xe48bff5b)).to.equal('rp2350-arm-ns');
      expect(familyName(0x16573617)).to.equal('0x16573617');
    });

    it('reads a mixed RP2040 + data file as two streams, each numbered from 0, with the program taken from RP2040', () => {
      const data = writeUf2({ family: 'data', baseAddress: 0x101c0000, payload: patternBytes(700, 3) });
      const image = parseUf2(concatUf2(firmware, data), { file: FILE });
      expect(image.families.map((family) => family.name)).to.deep.equal(['rp2040', 'data']);
      expect(image.blocks).to.equal(firmware.length / BLOCK + 3);
      expect(image.programFamily?.name).to.equal('rp2040');
      expect(image.ranges).to.have.length(1);
      expect(image.binaryInfo?.programVersion).to.equal('v1.24.1');
      const dataStream = image.streams.find((stream) => stream.family?.name === 'data');
      expect(dataStream?.blocks).to.equal(3);
      expect(dataStream?.ranges).to.deep.equal([{ address: 0x101c0000, length: 768 }]);
      expect(Buffer.from(dataStream!.flash.read(0x101c0000, 700)).equals(Buffer.from(patternBytes(700, 3)))).to.equal(true);
    });

    it('takes the program from RP2040 even when a CYW43 firmware stream comes first, and does not flag the data stream as overlapping', () => {
      const radio = writeUf2({ family: FAMILY.CYW43_FIRMWARE, baseAddress: 0x10000000, payload: patternBytes(600, 9) });
      const image = parseUf2(concatUf2(radio, firmware));
      expect(image.families.map((family) => family.name)).to.deep.equal(['cyw43-firmware', 'rp2040']);
      expect(image.programFamily?.name).to.equal('rp2040');
      expect(image.binaryInfo?.programVersion).to.equal('v1.24.1');
    });

    it('reports an unknown family by its hex ID', () => {
      const image = parseUf2(writeUf2({ family: 0x68ed2b88, baseAddress: 0x8000, payload: patternBytes(300) }));
      expect(image.families).to.deep.equal([{ id: 0x68ed2b88, name: '0x68ed2b88' }]);
    });
  });

  describe('flags', () => {
    it('counts NOT_MAIN_FLASH blocks but leaves them out of the image', () => {
      const main = rawBlock({ flags: 0x2000, address: 0x10000000, payload: patternBytes(256, 1), blockNo: 0, numBlocks: 2, familyOrSize: FAMILY.RP2040 });
      const side = rawBlock({ flags: 0x2001, address: 0x10000000, payload: patternBytes(256, 2), blockNo: 1, numBlocks: 2, familyOrSize: FAMILY.RP2040 });
      const image = parseUf2(join(main, side));
      expect(image.flagCounts.notMainFlash).to.equal(1);
      expect(image.streams[0]?.notMainFlashBlocks).to.equal(1);
      expect(image.ranges).to.deep.equal([{ address: 0x10000000, length: 256 }]);
      expect(Buffer.from(image.flash.read(0x10000000, 256)).equals(Buffer.from(patternBytes(256, 1)))).to.equal(true);
    });

    it('verifies a block MD5 and names the block whose MD5 does not match', () => {
      const payload = patternBytes(256, 4);
      const good = rawBlock({ flags: 0x6000, address: 0x10000000, payload, blockNo: 0, numBlocks: 1, familyOrSize: FAMILY.RP2040, md5: { address: 0x10000000, length: 256 } });
      expect(parseUf2(good).flagCounts.md5).to.equal(1);
      const bad = rawBlock({
        flags: 0x6000,
        address: 0x10000000,
        payload,
        blockNo: 0,
        numBlocks: 1,
        familyOrSize: FAMILY.RP2040,
        md5: { address: 0x10000000, length: 256, digestOf: patternBytes(256, 5) },
      });
      expectProblem(bad, 0, /MD5 of the payload is [0-9a-f]{32} but the block states [0-9a-f]{32}/);
    });

    it('reads extension tags after the payload and names the known ones', () => {
      const tags = new Uint8Array(12);
      const view = new DataView(tags.buffer);
      view.setUint32(0, (0x9fc7bc << 8) | 8, true); // version, 4 bytes of value
      tags.set([0x31, 0x2e, 0x30, 0x00], 4);
      view.setUint32(8, 0, true);
      const block = rawBlock({ flags: 0xa000, address: 0x10000000, payload: patternBytes(256), blockNo: 0, numBlocks: 1, familyOrSize: FAMILY.RP2040, trailer: tags });
      const image = parseUf2(block);
      expect(image.flagCounts.extensionTags).to.equal(1);
      expect(image.extensionTags).to.deep.equal([{ tag: 'version', blocks: 1 }]);
    });

    it('refuses an extension tag that runs past the data area', () => {
      const tags = new Uint8Array(4);
      new DataView(tags.buffer).setUint32(0, (0x650d9d << 8) | 0xf0, true);
      const block = rawBlock({ flags: 0xa000, address: 0x10000000, payload: patternBytes(256), blockNo: 0, numBlocks: 1, familyOrSize: FAMILY.RP2040, trailer: tags });
      expectProblem(block, 0, /extension tag 0x650d9d .* has size 240, running past the data area/);
    });

    it('lists the files a file-container UF2 carries and keeps them out of the flash image', () => {
      const name = new TextEncoder().encode('main.py\0');
      const block = rawBlock({ flags: UF2_FLAG.FILE_CONTAINER, address: 0, payload: new TextEncoder().encode('print(1)'), blockNo: 0, numBlocks: 1, familyOrSize: 9, trailer: name });
      const image = parseUf2(block);
      expect(image.containedFiles).to.deep.equal(['main.py']);
      expect(image.flagCounts.fileContainer).to.equal(1);
      expect(image.size).to.equal(0);
      expect(image.streams[0]?.kind).to.equal('file-container');
    });
  });

  describe('damaged files give one line naming the block, its byte offset and the problem', () => {
    it('bad first start magic', () => {
      expectProblem(withField(firmware, 3, 'magicStart0', 0x12345678), 3, /bad first start magic 0x12345678 \(expected 0x0a324655\)/);
    });

    it('bad second start magic', () => {
      expectProblem(withField(firmware, 5, 'magicStart1', 0), 5, /bad second start magic 0x00000000 \(expected 0x9e5d5157\)/);
    });

    it('bad end magic', () => {
      expectProblem(withField(firmware, 2, 'magicEnd', 0xdeadbeef), 2, /bad end magic 0xdeadbeef \(expected 0x0ab16f30\)/);
    });

    it('truncated last block', () => {
      const blocks = firmware.length / BLOCK;
      const cut = firmware.subarray(0, firmware.length - 100);
      expectProblem(cut, blocks - 1, new RegExp(`truncated block: only 412 of 512 bytes \\(file length ${cut.length}\\)`));
    });

    it('file length not a multiple of 512 (trailing bytes that are not a block)', () => {
      const padded = join(firmware, new Uint8Array(10));
      expectProblem(padded, firmware.length / BLOCK, new RegExp(`10 trailing bytes: file length ${padded.length} is not a multiple of 512`));
    });

    it('empty file', () => {
      expectProblem(new Uint8Array(0), 0, /file is empty/);
    });

    it('missing block number', () => {
      const blocks = firmware.length / BLOCK;
      expectProblem(withoutBlock(firmware, 4), 4, new RegExp(`block number 4 of ${blocks} in the rp2040 stream is missing \\(1 missing in all\\)`));
    });

    it('numBlocks mismatch names the odd block, not the first one', () => {
      const blocks = firmware.length / BLOCK;
      expectProblem(withField(firmware, 6, 'numBlocks', blocks + 1), 6, new RegExp(`numBlocks ${blocks + 1} differs from the ${blocks} that ${blocks - 1} other blocks of the rp2040 stream state`));
      expectProblem(withField(firmware, 0, 'numBlocks', blocks + 1), 0, /numBlocks \d+ differs/);
    });

    it('block number not below numBlocks', () => {
      expectProblem(withField(firmware, 1, 'blockNo', 1000), 1, /block number 1000 is not below numBlocks \d+/);
    });

    it('duplicate block number', () => {
      const copy = withField(withField(firmware, 3, 'blockNo', 2), 3, 'targetAddress', 0x10000300);
      expectProblem(copy, 3, /block number 2 of the rp2040 stream appears twice \(also block 2\)/);
    });

    it('payload size over 476', () => {
      expectProblem(withField(firmware, 7, 'payloadSize', 477), 7, /payload size 477 exceeds the 476-byte data area/);
    });

    it('overlapping target addresses name both blocks and the later one first', () => {
      expectProblem(withField(firmware, 4, 'targetAddress', 0x10000300), 4, /writes 0x10000300\.\.0x100003ff, overlapping block 3 \(0x10000300\.\.0x100003ff\) in the rp2040 stream/);
    });

    it('unaligned RP2040 target address', () => {
      expectProblem(withField(firmware, 1, 'targetAddress', 0x10000180), 1, /target address 0x10000180 is not aligned to a 256-byte page/);
    });

    it('RP2040 target outside flash and SRAM', () => {
      expectProblem(withField(firmware, 2, 'targetAddress', 0x30000000), 2, /target 0x30000000\.\.0x300000ff is outside rp2040 flash 0x10000000\.\.0x10ffffff, SRAM 0x20000000\.\.0x20041fff/);
    });

    it('RP2040 block that is not a 256-byte page', () => {
      expectProblem(withField(firmware, 0, 'payloadSize', 128), 0, /payload size 128 is not 256/);
    });

    it('family ID and file container flags both set', () => {
      expectProblem(withField(firmware, 3, 'flags', 0x3000), 3, /0x1000 \(file container\) and 0x2000 \(family ID\) are both set/);
    });

    it('never throws anything but a one-line Uf2Error, whatever bytes are damaged', () => {
      const small = buildFirmwareImage({ programVersion: 'v1.22.2', size: 2048 });
      let state = 12345;
      const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
      let rejected = 0;
      for (let round = 0; round < 400; round++) {
        const copy = small.slice();
        const flips = 1 + (next() % 4);
        for (let i = 0; i < flips; i++) copy[next() % copy.length] = next() & 0xff;
        const cut = round % 5 === 0 ? copy.subarray(0, next() % copy.length) : copy;
        try {
          parseUf2(cut, { file: FILE });
        } catch (error) {
          expect(error, String(error)).to.be.instanceOf(Uf2Error);
          expect((error as Error).message).to.match(new RegExp(`^${FILE}: block \\d+ \\(byte offset \\d+\\): [^\\n]+$`));
          rejected++;
        }
      }
      expect(rejected).to.be.greaterThan(100);
    });
  });
});
