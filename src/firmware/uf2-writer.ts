import { UsageError } from '../errors.js';
import { BINARY_INFO_ID, BINARY_INFO_MARKER_END, BINARY_INFO_MARKER_START, TAG_RASPBERRY_PI } from './binary-info.js';
import { FAMILY, familyIdOf } from './families.js';
import { UF2_BLOCK_SIZE, UF2_FLAG, UF2_MAGIC_END, UF2_MAGIC_START0, UF2_MAGIC_START1, UF2_MAX_PAYLOAD } from './uf2.js';

export interface WriteUf2Options {
  /** Family ID or name (`rp2040`, `data`, `cyw43-firmware`…). */
  readonly family: number | string;
  readonly baseAddress: number;
  readonly payload: Uint8Array;
  /** Bytes per block, 256 unless given (the RP2040/RP2350 boot ROMs only accept 256). */
  readonly payloadPerBlock?: number;
  /** Extra flag bits for every block, e.g. UF2_FLAG.NOT_MAIN_FLASH. */
  readonly extraFlags?: number;
}

/** Cuts a payload into UF2 blocks carrying a family ID; the last block is padded with zeros to a full block payload. */
export function writeUf2(options: WriteUf2Options): Uint8Array {
  const family = familyIdOf(options.family);
  if (family === undefined) throw new UsageError(`unknown UF2 family "${String(options.family)}"`);
  const perBlock = options.payloadPerBlock ?? 256;
  if (!Number.isInteger(perBlock) || perBlock <= 0 || perBlock > UF2_MAX_PAYLOAD) {
    throw new UsageError(`payloadPerBlock must be 1..${UF2_MAX_PAYLOAD}, got ${perBlock}`);
  }
  const numBlocks = Math.max(1, Math.ceil(options.payload.length / perBlock));
  const out = new Uint8Array(numBlocks * UF2_BLOCK_SIZE);
  const view = new DataView(out.buffer);
  for (let blockNo = 0; blockNo < numBlocks; blockNo++) {
    const offset = blockNo * UF2_BLOCK_SIZE;
    view.setUint32(offset, UF2_MAGIC_START0, true);
    view.setUint32(offset + 4, UF2_MAGIC_START1, true);
    view.setUint32(offset + 8, (UF2_FLAG.FAMILY_ID_PRESENT | (options.extraFlags ?? 0)) >>> 0, true);
    view.setUint32(offset + 12, (options.baseAddress + blockNo * perBlock) >>> 0, true);
    view.setUint32(offset + 16, perBlock, true);
    view.setUint32(offset + 20, blockNo, true);
    view.setUint32(offset + 24, numBlocks, true);
    view.setUint32(offset + 28, family, true);
    out.set(options.payload.subarray(blockNo * perBlock, (blockNo + 1) * perBlock), offset + 32);
    view.setUint32(offset + 508, UF2_MAGIC_END, true);
  }
  return out;
}

/** Joins UF2 files (e.g. a program stream and a data stream); each family keeps its own block numbering. */
export function concatUf2(...files: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(files.reduce((sum, file) => sum + file.length, 0));
  let offset = 0;
  for (const file of files) {
    out.set(file, offset);
    offset += file.length;
  }
  return out;
}

export interface BuildFirmwareOptions {
  /** The program-version string (MicroPython: MICROPY_GIT_TAG, e.g. `v1.24.1`). */
  readonly programVersion: string;
  readonly programName?: string;
  /** PICO_BOARD, `pico_w` unless given. */
  readonly boardName?: string;
  /** As pico-sdk records it (`__DATE__`, e.g. `Nov 29 2024`); ISO dates (`2024-11-29`) are converted. */
  readonly buildDate?: string;
  /** `rp2040` (default), `rp2350-arm-s`, `rp2350-riscv`, `rp2350-arm-ns`. */
  readonly family?: number | string;
  /** Pad the image to at least this many bytes (rounded up to a 256-byte page). */
  readonly size?: number;
  readonly sdkVersion?: string;
  readonly programUrl?: string;
  readonly programDescription?: string;
  readonly features?: readonly string[];
  readonly buildAttributes?: readonly string[];
  /** Filed under a "frozen modules" named group with MicroPython's tag, as rp2 builds do. */
  readonly frozenModules?: readonly string[];
}

/** A firmware image as bytes at an address, before cutting into UF2 blocks. */
export interface FirmwarePayload {
  readonly family: number;
  readonly baseAddress: number;
  readonly payload: Uint8Array;
}

const FLASH_BASE = 0x10000000;
const RP2040_SRAM_END = 0x20042000;
const RP2350_SRAM_END = 0x20082000;
const DATA_RUNTIME_BASE = 0x20000000;
const PAGE = 256;
const TAG_MICROPYTHON = 0x504d; // BINARY_INFO_MAKE_TAG('M','P')
const ID_MP_FROZEN = 0x4a99d719; // ports/rp2/mpconfigport.h
const TYPE_ID_AND_INT = 5;
const TYPE_ID_AND_STRING = 6;
const TYPE_NAMED_GROUP = 10;
const NAMED_GROUP_SEPARATE_COMMAS = 0x0002;
const NAMED_GROUP_SORT_ALPHA = 0x0004;
/** pico-sdk's default IMAGE_DEF for an RP2350 Arm secure executable (embedded_start_block.inc.S). */
const RP2350_IMAGE_DEF = [0xffffded3, 0x10210142, 0x000001ff, 0x00000000, 0xab123579];
const THUMB_BRANCH_TO_SELF = 0xe7fe;

/** Lays out a small but structurally real RP2040/RP2350 flash image carrying pico-sdk binary info. */
export function buildFirmwarePayload(options: BuildFirmwareOptions): FirmwarePayload {
  const family = familyIdOf(options.family ?? 'rp2040');
  const rp2040 = family === FAMILY.RP2040;
  const rp2350 = family === FAMILY.RP2350_ARM_S || family === FAMILY.RP2350_ARM_NS || family === FAMILY.RP2350_RISCV;
  if (family === undefined || (!rp2040 && !rp2350)) {
    throw new UsageError(`buildFirmwareImage: family must be rp2040 or an rp2350 family, got "${String(options.family)}"`);
  }
  const image = new ImageBuilder(FLASH_BASE);
  if (rp2040) {
    // boot2 occupies the first 256 bytes: a stub followed by the CRC32 the boot ROM checks.
    const boot2 = new Uint8Array(PAGE);
    new DataView(boot2.buffer).setUint16(0, THUMB_BRANCH_TO_SELF, true);
    new DataView(boot2.buffer).setUint32(252, boot2Crc32(boot2.subarray(0, 252)), true);
    image.bytes(boot2);
  }
  // Vector table: initial SP, reset handler, then exception/IRQ handlers (RP2040: 16 + 32; RP2350: 16 + 52).
  const vectorWords = rp2040 ? 48 : 68;
  const vectors = image.reserve(vectorWords * 4);
  if (rp2350) for (const word of RP2350_IMAGE_DEF) image.u32(word);
  const header = image.reserve(20);
  image.align(2);
  const resetHandler = image.address;
  image.u16(THUMB_BRANCH_TO_SELF);
  image.align(4);
  image.patchU32(vectors, rp2040 ? RP2040_SRAM_END : RP2350_SRAM_END);
  for (let i = 1; i < vectorWords; i++) image.patchU32(vectors + i * 4, (resetHandler | 1) >>> 0);

  const strings = new StringTable();
  const buildDate = options.buildDate === undefined ? undefined : cDate(options.buildDate);
  const rpStrings: [number, string | undefined][] = [
    [BINARY_INFO_ID.PROGRAM_NAME, options.programName ?? 'MicroPython'],
    [BINARY_INFO_ID.PROGRAM_VERSION_STRING, options.programVersion],
    [BINARY_INFO_ID.PICO_BOARD, options.boardName ?? 'pico_w'],
    [BINARY_INFO_ID.SDK_VERSION, options.sdkVersion],
    [BINARY_INFO_ID.PROGRAM_URL, options.programUrl],
    [BINARY_INFO_ID.PROGRAM_DESCRIPTION, options.programDescription],
    ...(options.features ?? ['USB REPL', 'thread support']).map((feature): [number, string] => [BINARY_INFO_ID.PROGRAM_FEATURE, feature]),
    ...(options.buildAttributes ?? ['MinSizeRel']).map((attribute): [number, string] => [BINARY_INFO_ID.PROGRAM_BUILD_ATTRIBUTE, attribute]),
  ];
  // Entries: id-and-string records, one id-and-int (binary end), one named group and its members.
  const entryAddresses: number[] = [];
  const stringFixups: { at: number; text: string }[] = [];
  const addStringEntry = (tag: number, id: number, text: string): void => {
    entryAddresses.push(image.address);
    image.u16(TYPE_ID_AND_STRING);
    image.u16(tag);
    image.u32(id);
    stringFixups.push({ at: image.reserve(4), text });
  };
  for (const [id, text] of rpStrings) if (text !== undefined) addStringEntry(TAG_RASPBERRY_PI, id, text);
  const frozen = options.frozenModules ?? ['_boot.py', 'rp2.py', '_boot_fat.py'];
  if (frozen.length > 0) {
    entryAddresses.push(image.address);
    image.u16(TYPE_NAMED_GROUP);
    image.u16(TAG_RASPBERRY_PI);
    image.u32(BINARY_INFO_ID.PROGRAM_FEATURE);
    image.u16(NAMED_GROUP_SEPARATE_COMMAS | NAMED_GROUP_SORT_ALPHA);
    image.u16(TAG_MICROPYTHON);
    image.u32(ID_MP_FROZEN);
    stringFixups.push({ at: image.reserve(4), text: 'frozen modules' });
    for (const name of frozen) addStringEntry(TAG_MICROPYTHON, ID_MP_FROZEN, name);
  }
  entryAddresses.push(image.address);
  image.u16(TYPE_ID_AND_INT);
  image.u16(TAG_RASPBERRY_PI);
  image.u32(BINARY_INFO_ID.BINARY_END);
  const binaryEndField = image.reserve(4);
  // The build date entry lives in initialised data: its pointer is a RAM address the mapping table resolves.
  let buildDateEntry: number | undefined;
  if (buildDate !== undefined) {
    buildDateEntry = image.address;
    entryAddresses.push(buildDateEntry);
    image.u16(TYPE_ID_AND_STRING);
    image.u16(TAG_RASPBERRY_PI);
    image.u32(BINARY_INFO_ID.PROGRAM_BUILD_DATE_STRING);
    image.reserve(4);
  }

  image.align(4);
  const entriesStart = image.address;
  for (const address of entryAddresses) image.u32(address);
  const entriesEnd = image.address;

  for (const fixup of stringFixups) image.patchU32(fixup.at, strings.place(image, fixup.text));
  image.align(4);

  // .data: stored at __etext in flash, copied to RAM at boot. It holds the build-date string.
  const mappingTable = image.reserve(24);
  const etext = image.address;
  let dataEnd = DATA_RUNTIME_BASE;
  if (buildDate !== undefined && buildDateEntry !== undefined) {
    image.patchU32(buildDateEntry + 8, DATA_RUNTIME_BASE);
    image.bytes(new TextEncoder().encode(`${buildDate}\0`));
    image.align(4);
    dataEnd = DATA_RUNTIME_BASE + (image.address - etext);
  }
  image.patchU32(mappingTable, etext);
  image.patchU32(mappingTable + 4, DATA_RUNTIME_BASE);
  image.patchU32(mappingTable + 8, dataEnd);
  // mappingTable + 12..24 stays zero: the terminator.

  image.patchU32(header, BINARY_INFO_MARKER_START);
  image.patchU32(header + 4, entriesStart);
  image.patchU32(header + 8, entriesEnd);
  image.patchU32(header + 12, mappingTable);
  image.patchU32(header + 16, BINARY_INFO_MARKER_END);

  image.filler(Math.max(0, (options.size ?? 0) - (image.address - FLASH_BASE)), options.programVersion);
  image.align(PAGE);
  image.patchU32(binaryEndField, image.address);
  return { family, baseAddress: FLASH_BASE, payload: image.toBytes() };
}

/** `buildFirmwarePayload` as UF2 bytes (256-byte pages, one family). */
export function buildFirmwareImage(options: BuildFirmwareOptions): Uint8Array {
  const { family, baseAddress, payload } = buildFirmwarePayload(options);
  return writeUf2({ family, baseAddress, payload });
}

class ImageBuilder {
  readonly #base: number;
  #bytes = new Uint8Array(4096);
  #length = 0;

  constructor(base: number) {
    this.#base = base;
  }

  get address(): number {
    return this.#base + this.#length;
  }

  #grow(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + extra));
    bigger.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = bigger;
  }

  bytes(data: Uint8Array): void {
    this.#grow(data.length);
    this.#bytes.set(data, this.#length);
    this.#length += data.length;
  }

  reserve(length: number): number {
    const at = this.address;
    this.bytes(new Uint8Array(length));
    return at;
  }

  u16(value: number): void {
    const at = this.reserve(2);
    this.#view().setUint16(at - this.#base, value, true);
  }

  u32(value: number): void {
    this.patchU32(this.reserve(4), value);
  }

  patchU32(address: number, value: number): void {
    this.#view().setUint32(address - this.#base, value >>> 0, true);
  }

  align(boundary: number): void {
    const rest = this.#length % boundary;
    if (rest !== 0) this.reserve(boundary - rest);
  }

  /** Deterministic pseudo-random bytes so images of different versions differ throughout. */
  filler(length: number, seedText: string): void {
    let state = 0x811c9dc5;
    for (const char of seedText) state = Math.imul(state ^ char.charCodeAt(0), 0x01000193) >>> 0;
    const data = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      data[i] = state & 0xff;
    }
    this.bytes(data);
  }

  #view(): DataView {
    return new DataView(this.#bytes.buffer);
  }

  toBytes(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

/** Strings placed once each, NUL-terminated, in the read-only data after the tables. */
class StringTable {
  readonly #placed = new Map<string, number>();

  place(image: ImageBuilder, text: string): number {
    const known = this.#placed.get(text);
    if (known !== undefined) return known;
    const at = image.address;
    image.bytes(new TextEncoder().encode(`${text}\0`));
    this.#placed.set(text, at);
    return at;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2024-11-29` → `Nov 29 2024`, `2024-02-02` → `Feb  2 2024` (the C `__DATE__` form); other text is kept. */
export function cDate(date: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match === null) return date;
  const month = MONTHS[Number(match[2]) - 1];
  if (month === undefined) return date;
  return `${month} ${String(Number(match[3])).padStart(2, ' ')} ${match[1]}`;
}

/** CRC-32/MPEG-2 (poly 0x04c11db7, init 0xffffffff, no reflection, no final xor): the RP2040 boot2 checksum. */
function boot2Crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
    crc >>>= 0;
  }
  return crc >>> 0;
}
