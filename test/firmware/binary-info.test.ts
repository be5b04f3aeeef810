import { expect } from 'chai';
import {
  BINARY_INFO_MARKER_END,
  BINARY_INFO_MARKER_START,
  buildFirmwareImage,
  buildFirmwarePayload,
  buildSimFirmware,
  micropythonTagOf,
  parseUf2,
  writeUf2,
  type BinaryInfo,
} from '../../src/firmware/index.js';
import { PROFILES } from '../../src/sim/profiles.js';
import { patternBytes } from './uf2-blocks.js';

function u32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);
}

function setU32(bytes: Uint8Array, offset: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(offset, value >>> 0, true);
}

/** Offset of a NUL-terminated string in a payload. */
function offsetOfString(payload: Uint8Array, text: string): number {
  const offset = Buffer.from(payload).indexOf(Buffer.from(`${text}\0`));
  expect(offset, text).to.be.greaterThan(-1);
  return offset;
}

/** Offsets of every aligned word equal to `value`. */
function wordsEqualTo(payload: Uint8Array, value: number): number[] {
  const found: number[] = [];
  for (let offset = 0; offset + 4 <= payload.length; offset += 4) if (u32(payload, offset) === value) found.push(offset);
  return found;
}

function infoOf(payload: Uint8Array, baseAddress = 0x10000000, family = 'rp2040'): BinaryInfo | null {
  return parseUf2(writeUf2({ family, baseAddress, payload })).binaryInfo;
}

describe('binary info', () => {
  it('reads the program name, version, build date, board, features, SDK and frozen modules of a built image', () => {
    const info = parseUf2(
      buildFirmwareImage({
        programVersion: 'v1.24.1',
        buildDate: '2024-11-29',
        sdkVersion: '2.0.0',
        features: ['USB REPL', 'thread support'],
        frozenModules: ['rp2.py', '_boot.py', 'asyncio/core.py'],
      }),
    ).binaryInfo;
    expect(info).to.not.equal(null);
    expect(info!.programName).to.equal('MicroPython');
    expect(info!.programVersion).to.equal('v1.24.1');
    expect(info!.programBuildDate).to.equal('Nov 29 2024');
    expect(info!.boardName).to.equal('pico_w');
    expect(info!.sdkVersion).to.equal('2.0.0');
    expect(info!.features).to.deep.equal(['USB REPL', 'thread support']);
    expect(info!.buildAttributes).to.deep.equal(['MinSizeRel']);
    expect(info!.groups).to.have.length(1);
    expect(info!.groups[0]!.label).to.equal('frozen modules');
    expect(info!.groups[0]!.values).to.deep.equal(['_boot.py', 'asyncio/core.py', 'rp2.py']);
    expect(info!.notes).to.deep.equal([]);
  });

  it('finds the RP2040 header after the 256-byte boot2, right after the vector table', () => {
    const { payload } = buildFirmwarePayload({ programVersion: 'v1.24.1' });
    const headers = wordsEqualTo(payload, BINARY_INFO_MARKER_START);
    expect(headers).to.deep.equal([0x100 + 48 * 4]);
    expect(u32(payload, headers[0]! + 16)).to.equal(BINARY_INFO_MARKER_END);
    expect(parseUf2(buildFirmwareImage({ programVersion: 'v1.24.1' })).binaryInfo?.headerAddress).to.equal(0x100001c0);
  });

  it('ignores a header outside the first 256 bytes of the RP2040 program', () => {
    const { payload } = buildFirmwarePayload({ programVersion: 'v1.24.1' });
    const moved = new Uint8Array(payload.length + 512).fill(0);
    moved.set(payload.subarray(0, 0x100));
    moved.set(payload.subarray(0x100), 0x100 + 512);
    expect(infoOf(moved)).to.equal(null);
  });

  it('follows the address-mapping table for a string whose pointer is a RAM address', () => {
    const { payload } = buildFirmwarePayload({ programVersion: 'v1.24.1', buildDate: '2024-11-29' });
    const headerOffset = wordsEqualTo(payload, BINARY_INFO_MARKER_START)[0]!;
    const table = u32(payload, headerOffset + 12) - 0x10000000;
    const [source, destStart, destEnd] = [u32(payload, table), u32(payload, table + 4), u32(payload, table + 8)];
    expect(destStart).to.equal(0x20000000);
    expect(destEnd).to.be.greaterThan(destStart);
    expect(source).to.equal(0x10000000 + offsetOfString(payload, 'Nov 29 2024'));
    expect(wordsEqualTo(payload, 0x20000000).length).to.be.greaterThan(0);
    expect(infoOf(payload)?.programBuildDate).to.equal('Nov 29 2024');

    const noMapping = payload.slice();
    setU32(noMapping, table, 0);
    const info = infoOf(noMapping);
    expect(info?.programBuildDate).to.equal(null);
    expect(info?.programVersion).to.equal('v1.24.1');
    expect(info?.notes.join('\n')).to.match(/points outside the image \(0x20000000\)/);
  });

  it('gives null for a string whose pointer leaves the image, with a note, and keeps the rest', () => {
    const { payload } = buildFirmwarePayload({ programVersion: 'v1.23.0', boardName: 'pico_w' });
    const versionAddress = 0x10000000 + offsetOfString(payload, 'v1.23.0');
    const pointers = wordsEqualTo(payload, versionAddress);
    expect(pointers).to.have.length(1);
    const broken = payload.slice();
    setU32(broken, pointers[0]!, 0x10ffff00);
    const info = infoOf(broken);
    expect(info?.programVersion).to.equal(null);
    expect(info?.boardName).to.equal('pico_w');
    expect(info?.notes.join('\n')).to.match(/entry 0x11a9bc3a .* points outside the image \(0x10ffff00\)/);
    expect(micropythonTagOf(info ?? null)).to.equal(null);
  });

  it('survives a header whose entry table bounds are garbage', () => {
    const { payload } = buildFirmwarePayload({ programVersion: 'v1.24.1' });
    const headerOffset = wordsEqualTo(payload, BINARY_INFO_MARKER_START)[0]!;
    const reversed = payload.slice();
    setU32(reversed, headerOffset + 8, u32(payload, headerOffset + 4) - 4);
    const info = infoOf(reversed);
    expect(info?.programVersion).to.equal(null);
    expect(info?.entries).to.equal(0);
    expect(info?.notes.join('\n')).to.match(/invalid entry table/);

    const outside = payload.slice();
    setU32(outside, headerOffset + 4, 0x10f00000);
    setU32(outside, headerOffset + 8, 0x10f00040);
    expect(infoOf(outside)?.notes.join('\n')).to.match(/runs outside the image at 0x10f00000/);
  });

  it('has no binary info when no header is present', () => {
    expect(infoOf(patternBytes(2048, 5))).to.equal(null);
  });

  it('never throws on damaged binary info', () => {
    const { payload } = buildFirmwarePayload({ programVersion: 'v1.24.1', buildDate: '2024-11-29' });
    let state = 99;
    const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    const region = Math.min(payload.length, 0x600);
    for (let round = 0; round < 300; round++) {
      const copy = payload.slice();
      for (let i = 0; i < 6; i++) copy[0x1c0 + (next() % (region - 0x1c0))] = next() & 0xff;
      const info = infoOf(copy);
      if (info !== null) expect(info.notes).to.be.an('array');
    }
  });

  it('reads the header of an RP2350 image, which has no boot2 and starts with its vector table', () => {
    for (const family of ['rp2350-arm-s', 'rp2350-riscv', 'rp2350-arm-ns']) {
      const info = parseUf2(buildFirmwareImage({ programVersion: 'v1.25.0-preview.300.g321b30ca5', boardName: 'pico2_w', family })).binaryInfo;
      expect(info?.programVersion, family).to.equal('v1.25.0-preview.300.g321b30ca5');
      expect(info?.boardName).to.equal('pico2_w');
    }
  });

  describe('micropythonTagOf', () => {
    const info = (programVersion: string | null): BinaryInfo => ({ ...parseUf2(buildFirmwareImage({ programVersion: 'x' })).binaryInfo!, programVersion });

    it('gives the git tag for releases, nightlies of both schemes and dirty builds', () => {
      expect(micropythonTagOf(info('v1.24.1'))).to.equal('v1.24.1');
      expect(micropythonTagOf(info('v1.19.1-88-g99c258977'))).to.equal('v1.19.1-88-g99c258977');
      expect(micropythonTagOf(info('v1.25.0-preview.300.g321b30ca5'))).to.equal('v1.25.0-preview.300.g321b30ca5');
      expect(micropythonTagOf(info('v1.22.0-preview'))).to.equal('v1.22.0-preview');
      expect(micropythonTagOf(info('v1.24.1-dirty'))).to.equal('v1.24.1');
      expect(micropythonTagOf(info(' v1.20.0 '))).to.equal('v1.20.0');
    });

    it('gives null when there is no version or it is not a MicroPython tag', () => {
      expect(micropythonTagOf(null)).to.equal(null);
      expect(micropythonTagOf(info(null))).to.equal(null);
      expect(micropythonTagOf(info('1.0.0'))).to.equal(null);
      expect(micropythonTagOf(info('blink'))).to.equal(null);
    });

    it('names the gitTag of every simulator profile from its simulated build', () => {
      for (const profile of PROFILES) {
        const image = parseUf2(buildSimFirmware(profile));
        expect(micropythonTagOf(image.binaryInfo), profile.name).to.equal(profile.gitTag);
      }
    });
  });
});
