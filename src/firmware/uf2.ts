import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { HarnessError, UsageError } from '../errors.js';
import { readBinaryInfo, type BinaryInfo } from './binary-info.js';
import { FAMILY, familyName, hex32, isProgramFamily } from './families.js';
import { FlashImage, type FlashRange } from './flash-image.js';

/** UF2 block format (microsoft/uf2 README; pico-sdk boot/uf2.h). */
export const UF2_BLOCK_SIZE = 512;
export const UF2_MAX_PAYLOAD = 476;
export const UF2_MAGIC_START0 = 0x0a324655;
export const UF2_MAGIC_START1 = 0x9e5d5157;
export const UF2_MAGIC_END = 0x0ab16f30;
const DATA_OFFSET = 32;
const END_MAGIC_OFFSET = 508;
const MD5_TRAILER = 24;
const PAGE_SIZE = 256;

export const UF2_FLAG = {
  NOT_MAIN_FLASH: 0x00000001,
  FILE_CONTAINER: 0x00001000,
  FAMILY_ID_PRESENT: 0x00002000,
  MD5_PRESENT: 0x00004000,
  EXTENSION_TAGS_PRESENT: 0x00008000,
} as const;

const KNOWN_FLAGS = Object.values(UF2_FLAG).reduce((all, flag) => all | flag, 0);

const EXTENSION_TAG_NAMES: ReadonlyMap<number, string> = new Map([
  [0x9fc7bc, 'version'],
  [0x650d9d, 'description'],
  [0x0be9f7, 'page size'],
  [0xb46db0, 'sha-2 checksum'],
  [0xc8a729, 'device type'],
]);

/** Address windows a family's blocks may write (RP2040/RP2350 datasheets: XIP flash and SRAM). */
const TARGET_WINDOWS: ReadonlyMap<number, readonly { name: string; start: number; end: number }[]> = new Map([
  [FAMILY.RP2040, [{ name: 'flash', start: 0x10000000, end: 0x11000000 }, { name: 'SRAM', start: 0x20000000, end: 0x20042000 }]],
  [FAMILY.RP2350_ARM_S, [{ name: 'flash', start: 0x10000000, end: 0x12000000 }, { name: 'SRAM', start: 0x20000000, end: 0x20082000 }]],
  [FAMILY.RP2350_ARM_NS, [{ name: 'flash', start: 0x10000000, end: 0x12000000 }, { name: 'SRAM', start: 0x20000000, end: 0x20082000 }]],
  [FAMILY.RP2350_RISCV, [{ name: 'flash', start: 0x10000000, end: 0x12000000 }, { name: 'SRAM', start: 0x20000000, end: 0x20082000 }]],
  [FAMILY.ABSOLUTE, [{ name: 'flash', start: 0x10000000, end: 0x12000000 }]],
  [FAMILY.DATA, [{ name: 'flash', start: 0x10000000, end: 0x12000000 }]],
]);

/** A UF2 file that is not valid. The message is one line: `FILE: block N (byte offset X): problem`. */
export class Uf2Error extends HarnessError {
  constructor(file: string, block: number, offset: number, problem: string) {
    super('UF2_INVALID', `${file}: block ${block} (byte offset ${offset}): ${problem}`, { context: { file, block, offset, problem } });
  }
}

export interface Uf2Family {
  readonly id: number;
  readonly name: string;
}

/** All blocks of one family (or of no family, or the file-container blocks), numbered 0..numBlocks-1. */
export interface Uf2Stream {
  /** null when the blocks carry no family ID (flag 0x2000 clear). */
  readonly family: Uf2Family | null;
  readonly kind: 'flash' | 'file-container';
  readonly blocks: number;
  /** Blocks flagged NOT_MAIN_FLASH (0x1): counted, not part of the image. */
  readonly notMainFlashBlocks: number;
  readonly ranges: FlashRange[];
  readonly size: number;
  readonly flash: FlashImage;
}

export interface Uf2Image {
  readonly file: string;
  /** Number of 512-byte blocks in the file. */
  readonly blocks: number;
  /** Every family the file carries, in order of first appearance. */
  readonly families: Uf2Family[];
  /** The program stream (the first RP2040/RP2350/absolute stream, else the first flash stream). */
  readonly programFamily: Uf2Family | null;
  readonly ranges: FlashRange[];
  /** Bytes the program stream writes. */
  readonly size: number;
  readonly flash: FlashImage;
  readonly streams: Uf2Stream[];
  /** How many blocks set each flag. */
  readonly flagCounts: { notMainFlash: number; fileContainer: number; familyId: number; md5: number; extensionTags: number };
  /** Names of the files carried in file-container blocks. */
  readonly containedFiles: string[];
  /** Extension tags seen (tag name or hex → block count). */
  readonly extensionTags: { tag: string; blocks: number }[];
  readonly binaryInfo: BinaryInfo | null;
  /** Things worth knowing that are not errors. */
  readonly notes: string[];
}

export interface ParseUf2Options {
  /** The name errors use; defaults to `<uf2>`. */
  readonly file?: string;
}

interface Block {
  index: number;
  offset: number;
  flags: number;
  address: number;
  payloadSize: number;
  blockNo: number;
  numBlocks: number;
  familyOrSize: number;
  payload: Uint8Array;
}

interface StreamBuilder {
  key: string;
  family: Uf2Family | null;
  kind: 'flash' | 'file-container';
  numBlocks: number;
  firstIndex: number;
  all: Block[];
  seen: Map<number, Block>;
  mainFlash: Block[];
  notMainFlash: number;
}

/** Reads and parses a UF2 file; a missing file is a UsageError, a bad one a Uf2Error. */
export async function readUf2File(path: string): Promise<Uf2Image> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`${path}: cannot read UF2 file: ${reason}`, { file: path });
  }
  return parseUf2(bytes, { file: path });
}

/** Validates every block of a UF2 file and rebuilds the flash image it writes. Throws Uf2Error on the first problem. */
export function parseUf2(bytes: Uint8Array, options: ParseUf2Options = {}): Uf2Image {
  return new Uf2Parser(bytes, options.file ?? '<uf2>').parse();
}

class Uf2Parser {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #file: string;
  readonly #streams = new Map<string, StreamBuilder>();
  readonly #families: Uf2Family[] = [];
  readonly #flagCounts = { notMainFlash: 0, fileContainer: 0, familyId: 0, md5: 0, extensionTags: 0 };
  readonly #containedFiles: string[] = [];
  readonly #extensionTags = new Map<string, number>();
  readonly #notes: string[] = [];

  constructor(bytes: Uint8Array, file: string) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#file = file;
  }

  parse(): Uf2Image {
    const wholeBlocks = Math.floor(this.#bytes.length / UF2_BLOCK_SIZE);
    if (this.#bytes.length === 0) this.#fail(0, 0, 'file is empty: a UF2 file holds 512-byte blocks');
    for (let index = 0; index < wholeBlocks; index++) this.#addBlock(this.#readBlock(index));
    this.#checkTail(wholeBlocks);
    for (const stream of this.#streams.values()) this.#checkNumBlocks(stream);
    for (const stream of this.#streams.values()) this.#checkNumbering(stream);
    for (const stream of this.#streams.values()) this.#checkOverlaps(stream);
    return this.#result(wholeBlocks);
  }

  #fail(index: number, offset: number, problem: string): never {
    throw new Uf2Error(this.#file, index, offset, problem);
  }

  #readBlock(index: number): Block {
    const offset = index * UF2_BLOCK_SIZE;
    const u32 = (at: number): number => this.#view.getUint32(offset + at, true);
    const fail = (problem: string): never => this.#fail(index, offset, problem);
    if (u32(0) !== UF2_MAGIC_START0) fail(`bad first start magic ${hex32(u32(0))} (expected ${hex32(UF2_MAGIC_START0)})`);
    if (u32(4) !== UF2_MAGIC_START1) fail(`bad second start magic ${hex32(u32(4))} (expected ${hex32(UF2_MAGIC_START1)})`);
    if (u32(END_MAGIC_OFFSET) !== UF2_MAGIC_END) fail(`bad end magic ${hex32(u32(END_MAGIC_OFFSET))} (expected ${hex32(UF2_MAGIC_END)})`);
    const flags = u32(8);
    const address = u32(12);
    const payloadSize = u32(16);
    const blockNo = u32(20);
    const numBlocks = u32(24);
    const familyOrSize = u32(28);
    if (payloadSize > UF2_MAX_PAYLOAD) fail(`payload size ${payloadSize} exceeds the ${UF2_MAX_PAYLOAD}-byte data area`);
    if ((flags & UF2_FLAG.MD5_PRESENT) !== 0 && payloadSize > UF2_MAX_PAYLOAD - MD5_TRAILER) {
      fail(`payload size ${payloadSize} overlaps the MD5 trailer (at most ${UF2_MAX_PAYLOAD - MD5_TRAILER} bytes with flag 0x4000)`);
    }
    if (numBlocks === 0) fail('numBlocks is 0');
    if (blockNo >= numBlocks) fail(`block number ${blockNo} is not below numBlocks ${numBlocks}`);
    const unknownFlags = flags & ~KNOWN_FLAGS;
    if (unknownFlags !== 0) this.#note(`block ${index}: unknown flag bits ${hex32(unknownFlags)}`);
    const payload = this.#bytes.slice(offset + DATA_OFFSET, offset + DATA_OFFSET + payloadSize);
    return { index, offset, flags, address, payloadSize, blockNo, numBlocks, familyOrSize, payload };
  }

  #note(note: string): void {
    if (this.#notes.length < 20 && !this.#notes.includes(note)) this.#notes.push(note);
  }

  #addBlock(block: Block): void {
    const fail = (problem: string): never => this.#fail(block.index, block.offset, problem);
    const { flags } = block;
    const isFile = (flags & UF2_FLAG.FILE_CONTAINER) !== 0;
    const hasFamily = (flags & UF2_FLAG.FAMILY_ID_PRESENT) !== 0;
    if (isFile && hasFamily) fail('flags 0x1000 (file container) and 0x2000 (family ID) are both set; the word at offset 28 cannot be both');
    if (flags & UF2_FLAG.NOT_MAIN_FLASH) this.#flagCounts.notMainFlash++;
    if (isFile) this.#flagCounts.fileContainer++;
    if (hasFamily) this.#flagCounts.familyId++;
    if (flags & UF2_FLAG.MD5_PRESENT) {
      this.#flagCounts.md5++;
      this.#checkMd5(block);
    }
    if (flags & UF2_FLAG.EXTENSION_TAGS_PRESENT) {
      this.#flagCounts.extensionTags++;
      this.#readExtensionTags(block);
    }
    if (isFile) this.#readContainedFileName(block);

    const family = hasFamily ? { id: block.familyOrSize, name: familyName(block.familyOrSize) } : null;
    if (family !== null && !this.#families.some((known) => known.id === family.id)) this.#families.push(family);
    const key = isFile ? 'file-container' : family === null ? 'no-family' : hex32(family.id);
    let stream = this.#streams.get(key);
    if (stream === undefined) {
      stream = { key, family, kind: isFile ? 'file-container' : 'flash', numBlocks: block.numBlocks, firstIndex: block.index, all: [], seen: new Map(), mainFlash: [], notMainFlash: 0 };
      this.#streams.set(key, stream);
    }
    const label = streamLabel(stream);
    stream.all.push(block);
    const earlier = stream.seen.get(block.blockNo);
    if (earlier !== undefined) fail(`block number ${block.blockNo} of the ${label} stream appears twice (also block ${earlier.index})`);
    stream.seen.set(block.blockNo, block);

    if (isFile) return;
    if (flags & UF2_FLAG.NOT_MAIN_FLASH) {
      stream.notMainFlash++;
      return;
    }
    this.#checkTarget(block, family);
    stream.mainFlash.push(block);
  }

  #checkTarget(block: Block, family: Uf2Family | null): void {
    const fail = (problem: string): never => this.#fail(block.index, block.offset, problem);
    if (block.address + block.payloadSize > 0x1_0000_0000) fail(`write ${hex32(block.address)}+${block.payloadSize} wraps past the 32-bit address space`);
    if (family === null) return;
    const windows = TARGET_WINDOWS.get(family.id);
    if (windows === undefined) return;
    const end = block.address + block.payloadSize;
    if (!windows.some((window) => block.address >= window.start && end <= window.end)) {
      const allowed = windows.map((window) => `${window.name} ${hex32(window.start)}..${hex32(window.end - 1)}`).join(', ');
      fail(`target ${hex32(block.address)}..${hex32(end - 1)} is outside ${family.name} ${allowed}`);
    }
    if (block.address % PAGE_SIZE !== 0) fail(`target address ${hex32(block.address)} is not aligned to a ${PAGE_SIZE}-byte page (the boot ROM and picotool ignore such blocks)`);
    if (block.payloadSize !== PAGE_SIZE) fail(`payload size ${block.payloadSize} is not ${PAGE_SIZE} (the ${family.name} boot ROM only writes 256-byte pages)`);
  }

  #checkMd5(block: Block): void {
    const trailer = block.offset + DATA_OFFSET + UF2_MAX_PAYLOAD - MD5_TRAILER;
    const address = this.#view.getUint32(trailer, true);
    const length = this.#view.getUint32(trailer + 4, true);
    const expected = this.#bytes.subarray(trailer + 8, trailer + 24);
    if (address === block.address && length === block.payloadSize) {
      const actual = createHash('md5').update(block.payload).digest();
      if (!Buffer.from(expected).equals(actual)) {
        this.#fail(block.index, block.offset, `MD5 of the payload is ${actual.toString('hex')} but the block states ${Buffer.from(expected).toString('hex')}`);
      }
    } else {
      this.#note(`block ${block.index}: MD5 covers ${hex32(address)}+${length}, not the block's own payload; not verified`);
    }
  }

  #readExtensionTags(block: Block): void {
    const dataEnd = block.offset + DATA_OFFSET + UF2_MAX_PAYLOAD;
    let cursor = block.offset + DATA_OFFSET + align4(block.payloadSize);
    while (cursor + 4 <= dataEnd) {
      const word = this.#view.getUint32(cursor, true);
      const size = word & 0xff;
      if (size === 0) return;
      const tag = word >>> 8;
      if (size < 4 || cursor + size > dataEnd) {
        this.#fail(block.index, block.offset, `extension tag ${hex24(tag)} at byte offset ${cursor} has size ${size}, running past the data area`);
      }
      const name = EXTENSION_TAG_NAMES.get(tag) ?? hex24(tag);
      this.#extensionTags.set(name, (this.#extensionTags.get(name) ?? 0) + 1);
      cursor += align4(size);
    }
  }

  #readContainedFileName(block: Block): void {
    const start = block.offset + DATA_OFFSET + block.payloadSize;
    const end = block.offset + DATA_OFFSET + UF2_MAX_PAYLOAD;
    const zero = this.#bytes.subarray(start, end).indexOf(0);
    const name = new TextDecoder().decode(this.#bytes.subarray(start, zero < 0 ? end : start + zero));
    if (name !== '' && !this.#containedFiles.includes(name)) this.#containedFiles.push(name);
  }

  #checkTail(wholeBlocks: number): void {
    const rest = this.#bytes.length - wholeBlocks * UF2_BLOCK_SIZE;
    if (rest === 0) return;
    const offset = wholeBlocks * UF2_BLOCK_SIZE;
    const startsLikeBlock = rest >= 4 && this.#view.getUint32(offset, true) === UF2_MAGIC_START0;
    if (startsLikeBlock) this.#fail(wholeBlocks, offset, `truncated block: only ${rest} of ${UF2_BLOCK_SIZE} bytes (file length ${this.#bytes.length})`);
    this.#fail(wholeBlocks, offset, `${rest} trailing bytes: file length ${this.#bytes.length} is not a multiple of ${UF2_BLOCK_SIZE}`);
  }

  /** Every block of a stream must state the same numBlocks; the value most blocks state is taken as right. */
  #checkNumBlocks(stream: StreamBuilder): void {
    const counts = new Map<number, number>();
    for (const block of stream.all) counts.set(block.numBlocks, (counts.get(block.numBlocks) ?? 0) + 1);
    if (counts.size === 1) return;
    let agreed = stream.numBlocks;
    for (const [value, count] of counts) if (count > (counts.get(agreed) ?? 0)) agreed = value;
    stream.numBlocks = agreed;
    const odd = stream.all.find((block) => block.numBlocks !== agreed)!;
    const others = counts.get(agreed) ?? 0;
    this.#fail(odd.index, odd.offset, `numBlocks ${odd.numBlocks} differs from the ${agreed} that ${others} other block${others === 1 ? '' : 's'} of the ${streamLabel(stream)} stream state`);
  }

  #checkNumbering(stream: StreamBuilder): void {
    if (stream.seen.size === stream.numBlocks) return;
    for (let blockNo = 0; blockNo < stream.numBlocks; blockNo++) {
      if (stream.seen.has(blockNo)) continue;
      const before = stream.seen.get(blockNo - 1);
      const index = before === undefined ? stream.firstIndex : before.index + 1;
      const missing = stream.numBlocks - stream.seen.size;
      this.#fail(index, index * UF2_BLOCK_SIZE, `block number ${blockNo} of ${stream.numBlocks} in the ${streamLabel(stream)} stream is missing (${missing} missing in all)`);
    }
  }

  #checkOverlaps(stream: StreamBuilder): void {
    const sorted = [...stream.mainFlash].sort((a, b) => a.address - b.address || a.index - b.index);
    for (let i = 1; i < sorted.length; i++) {
      const previous = sorted[i - 1]!;
      const current = sorted[i]!;
      if (current.address < previous.address + previous.payloadSize) {
        const [first, later] = previous.index < current.index ? [previous, current] : [current, previous];
        this.#fail(
          later.index,
          later.offset,
          `writes ${span(later)}, overlapping block ${first.index} (${span(first)}) in the ${streamLabel(stream)} stream`,
        );
      }
    }
  }

  #result(blocks: number): Uf2Image {
    const streams: Uf2Stream[] = [...this.#streams.values()].map((builder) => {
      const flash = FlashImage.fromWrites(builder.mainFlash.map((block) => ({ address: block.address, bytes: block.payload })));
      return {
        family: builder.family,
        kind: builder.kind,
        blocks: builder.seen.size,
        notMainFlashBlocks: builder.notMainFlash,
        ranges: flash.ranges,
        size: flash.size,
        flash,
      };
    });
    const flashStreams = streams.filter((stream) => stream.kind === 'flash' && stream.size > 0);
    const program =
      flashStreams.find((stream) => stream.family !== null && isProgramFamily(stream.family.id) && stream.family.id !== FAMILY.ABSOLUTE) ??
      flashStreams.find((stream) => stream.family !== null && isProgramFamily(stream.family.id)) ??
      flashStreams.find((stream) => stream.family === null) ??
      flashStreams[0];
    const flash = program?.flash ?? FlashImage.fromWrites([]);
    const programFamily = program?.family ?? null;
    const binaryInfo = program === undefined ? null : readBinaryInfo(flash, { family: programFamily?.id ?? null });
    return {
      file: this.#file,
      blocks,
      families: this.#families,
      programFamily,
      ranges: flash.ranges,
      size: flash.size,
      flash,
      streams,
      flagCounts: this.#flagCounts,
      containedFiles: this.#containedFiles,
      extensionTags: [...this.#extensionTags].map(([tag, count]) => ({ tag, blocks: count })),
      binaryInfo,
      notes: this.#notes,
    };
  }
}

function streamLabel(stream: { family: Uf2Family | null; kind: string }): string {
  if (stream.kind === 'file-container') return 'file-container';
  return stream.family === null ? 'no-family' : stream.family.name;
}

function span(block: Block): string {
  return `${hex32(block.address)}..${hex32(block.address + block.payloadSize - 1)}`;
}

function align4(value: number): number {
  return (value + 3) & ~3;
}

function hex24(value: number): string {
  return `0x${value.toString(16).padStart(6, '0')}`;
}
