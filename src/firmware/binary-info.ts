import type { FlashImage } from './flash-image.js';
import { FAMILY, hex32 } from './families.js';

/**
 * Binary info as pico-sdk defines it (src/common/pico_binary_info: defs.h, structure.h): a 5-word
 * header [MARKER_START, entries start, entries end, address-mapping table, MARKER_END] near the start
 * of the image; the entries are an array of pointers to typed records; strings are pointers too.
 * Pointers hold run-time addresses, so RAM addresses are mapped back into flash through the
 * address-mapping table (crt0's data copy table: source, dest start, dest end; 0-terminated).
 */
export const BINARY_INFO_MARKER_START = 0x7188ebf2;
export const BINARY_INFO_MARKER_END = 0xe71aa390;

const TYPE_ID_AND_INT = 5;
const TYPE_ID_AND_STRING = 6;
const TYPE_NAMED_GROUP = 10;
const NAMED_GROUP_SORT_ALPHA = 0x0004;

const TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'raw data'],
  [2, 'sized data'],
  [3, 'zero-terminated list'],
  [4, 'BSON'],
  [5, 'id and int'],
  [6, 'id and string'],
  [7, 'block device'],
  [8, 'pins with function'],
  [9, 'pins with name'],
  [10, 'named group'],
  [11, 'pointer int32 with name'],
  [12, 'pointer string with name'],
  [13, 'pins64 with function'],
  [14, 'pins64 with name'],
]);

/** `BINARY_INFO_MAKE_TAG('R','P')`. */
export const TAG_RASPBERRY_PI = 0x5052;

export const BINARY_INFO_ID = {
  PROGRAM_NAME: 0x02031c86,
  PROGRAM_VERSION_STRING: 0x11a9bc3a,
  PROGRAM_BUILD_DATE_STRING: 0x9da22254,
  BINARY_END: 0x68f465de,
  PROGRAM_URL: 0x1856239a,
  PROGRAM_DESCRIPTION: 0xb6a07c19,
  PROGRAM_FEATURE: 0xa1f4b453,
  PROGRAM_BUILD_ATTRIBUTE: 0x4275f0d3,
  SDK_VERSION: 0x5360b3ab,
  PICO_BOARD: 0xb63cffbb,
  BOOT2_NAME: 0x7f8882e1,
} as const;

/** picotool reads at most this many characters of a string. */
const MAX_STRING = 512;
/** picotool follows at most this many address-mapping entries. */
const MAX_MAPPINGS = 10;
/** More entries than this means the header's bounds are garbage. */
const MAX_ENTRIES = 4096;
const RP2040_FLASH_START = 0x10000000;
const RP2040_BOOT2_SIZE = 0x100;

export interface BinaryInfoGroup {
  readonly label: string | null;
  readonly tag: number;
  readonly id: number;
  /** BI_NAMED_GROUP_* bits; values are already sorted when SORT_ALPHA (0x4) is set. */
  readonly flags: number;
  readonly values: string[];
}

export interface BinaryInfo {
  /** Where the header was found. */
  readonly headerAddress: number;
  /** Number of entry pointers the header's table holds. */
  readonly entries: number;
  readonly programName: string | null;
  readonly programVersion: string | null;
  readonly programBuildDate: string | null;
  readonly programUrl: string | null;
  readonly programDescription: string | null;
  /** PICO_BOARD (`pico_w`…). */
  readonly boardName: string | null;
  readonly sdkVersion: string | null;
  readonly boot2Name: string | null;
  /** BINARY_INFO_ID_RP_BINARY_END: the end address of the binary the linker recorded. */
  readonly binaryEnd: number | null;
  readonly features: string[];
  readonly buildAttributes: string[];
  /** Named groups (e.g. MicroPython's "frozen modules") with the string entries filed under them. */
  readonly groups: BinaryInfoGroup[];
  /** What could not be followed or was not interpreted, one short sentence each. */
  readonly notes: string[];
}

interface Mapping {
  source: number;
  destStart: number;
  destEnd: number;
}

export interface ReadBinaryInfoOptions {
  /** The UF2 family of the image: RP2040 searches 256 bytes after boot2, others 1 KB from the start. */
  readonly family?: number | null;
}

/** Finds and decodes binary info in a rebuilt image; null when no header is present. Never throws on bad data. */
export function readBinaryInfo(flash: FlashImage, options: ReadBinaryInfoOptions = {}): BinaryInfo | null {
  const start = flash.start;
  if (start === undefined) return null;
  const header = findHeader(flash, start, options.family ?? null);
  if (header === undefined) return null;
  return new Decoder(flash, header).decode();
}

interface Header {
  address: number;
  entriesStart: number;
  entriesEnd: number;
  mappingTable: number;
}

function findHeader(flash: FlashImage, imageStart: number, family: number | null): Header | undefined {
  let base = imageStart;
  let windowWords = 256;
  if (family === FAMILY.RP2040 || family === null) {
    windowWords = 64;
    if (base === RP2040_FLASH_START) base += RP2040_BOOT2_SIZE;
  }
  for (let i = 0; i + 4 < windowWords; i++) {
    const address = base + i * 4;
    if (flash.readU32(address) !== BINARY_INFO_MARKER_START) continue;
    if (flash.readU32(address + 16) !== BINARY_INFO_MARKER_END) continue;
    return {
      address,
      entriesStart: flash.readU32(address + 4) ?? 0,
      entriesEnd: flash.readU32(address + 8) ?? 0,
      mappingTable: flash.readU32(address + 12) ?? 0,
    };
  }
  return undefined;
}

class Decoder {
  readonly #flash: FlashImage;
  readonly #header: Header;
  readonly #mappings: Mapping[] = [];
  readonly #notes: string[] = [];
  readonly #ignoredTypes = new Map<number, number>();

  constructor(flash: FlashImage, header: Header) {
    this.#flash = flash;
    this.#header = header;
  }

  decode(): BinaryInfo {
    this.#readMappings();
    const pointers = this.#entryPointers();
    const strings = new Map<number, string[]>();
    const ints = new Map<number, number>();
    const groupDefs: { label: string | null; tag: number; id: number; flags: number }[] = [];
    const tagged: { tag: number; id: number; value: string }[] = [];
    for (const pointer of pointers) {
      const type = this.#u16(pointer);
      const tag = this.#u16(pointer + 2);
      if (type === undefined || tag === undefined) {
        this.#notes.push(`entry pointer ${hex32(pointer)} is outside the image`);
        continue;
      }
      if (type === TYPE_ID_AND_STRING) {
        const id = this.#u32(pointer + 4);
        const valuePointer = this.#u32(pointer + 8);
        if (id === undefined || valuePointer === undefined) {
          this.#notes.push(`id-and-string entry at ${hex32(pointer)} is cut off by the end of the image`);
          continue;
        }
        const value = this.#string(valuePointer);
        if (value === undefined) {
          this.#notes.push(`string of entry ${hex32(id)} at ${hex32(pointer)} points outside the image (${hex32(valuePointer)})`);
          continue;
        }
        if (tag === TAG_RASPBERRY_PI) {
          const list = strings.get(id) ?? [];
          list.push(value);
          strings.set(id, list);
        } else {
          tagged.push({ tag, id, value });
        }
      } else if (type === TYPE_ID_AND_INT) {
        const id = this.#u32(pointer + 4);
        const value = this.#u32(pointer + 8);
        if (id !== undefined && value !== undefined && tag === TAG_RASPBERRY_PI) ints.set(id, value);
      } else if (type === TYPE_NAMED_GROUP) {
        const groupFlags = this.#u16(pointer + 8) ?? 0;
        const groupTag = this.#u16(pointer + 10);
        const groupId = this.#u32(pointer + 12);
        const labelPointer = this.#u32(pointer + 16);
        if (groupTag === undefined || groupId === undefined) {
          this.#notes.push(`named-group entry at ${hex32(pointer)} is cut off by the end of the image`);
          continue;
        }
        const label = labelPointer === undefined ? null : (this.#string(labelPointer) ?? null);
        groupDefs.push({ label, tag: groupTag, id: groupId, flags: groupFlags });
      } else {
        this.#ignoredTypes.set(type, (this.#ignoredTypes.get(type) ?? 0) + 1);
      }
    }
    const groups = groupDefs.map((group) => {
      const values = tagged.filter((entry) => entry.tag === group.tag && entry.id === group.id).map((entry) => entry.value);
      return { ...group, values: (group.flags & NAMED_GROUP_SORT_ALPHA) === 0 ? values : values.sort() };
    });
    for (const entry of tagged) {
      if (!groups.some((group) => group.tag === entry.tag && group.id === entry.id)) {
        this.#ignoredTypes.set(TYPE_ID_AND_STRING, (this.#ignoredTypes.get(TYPE_ID_AND_STRING) ?? 0) + 1);
      }
    }
    for (const [type, count] of this.#ignoredTypes) {
      this.#notes.push(`${count} ${TYPE_NAMES.get(type) ?? `type ${type}`} entr${count === 1 ? 'y' : 'ies'} not interpreted`);
    }
    const first = (id: number): string | null => strings.get(id)?.[0] ?? null;
    return {
      headerAddress: this.#header.address,
      entries: pointers.length,
      programName: first(BINARY_INFO_ID.PROGRAM_NAME),
      programVersion: first(BINARY_INFO_ID.PROGRAM_VERSION_STRING),
      programBuildDate: first(BINARY_INFO_ID.PROGRAM_BUILD_DATE_STRING),
      programUrl: first(BINARY_INFO_ID.PROGRAM_URL),
      programDescription: first(BINARY_INFO_ID.PROGRAM_DESCRIPTION),
      boardName: first(BINARY_INFO_ID.PICO_BOARD),
      sdkVersion: first(BINARY_INFO_ID.SDK_VERSION),
      boot2Name: first(BINARY_INFO_ID.BOOT2_NAME),
      binaryEnd: ints.get(BINARY_INFO_ID.BINARY_END) ?? null,
      features: strings.get(BINARY_INFO_ID.PROGRAM_FEATURE) ?? [],
      buildAttributes: strings.get(BINARY_INFO_ID.PROGRAM_BUILD_ATTRIBUTE) ?? [],
      groups,
      notes: this.#notes,
    };
  }

  #readMappings(): void {
    let cursor = this.#header.mappingTable;
    if (cursor === 0) return;
    while (this.#mappings.length < MAX_MAPPINGS) {
      const source = this.#flash.readU32(cursor);
      if (source === undefined) {
        this.#notes.push(`address-mapping table at ${hex32(this.#header.mappingTable)} runs outside the image`);
        return;
      }
      if (source === 0) return;
      const destStart = this.#flash.readU32(cursor + 4);
      const destEnd = this.#flash.readU32(cursor + 8);
      if (destStart === undefined || destEnd === undefined) {
        this.#notes.push(`address-mapping table at ${hex32(this.#header.mappingTable)} runs outside the image`);
        return;
      }
      if (destEnd > destStart) this.#mappings.push({ source, destStart, destEnd });
      cursor += 12;
    }
  }

  #entryPointers(): number[] {
    const { entriesStart, entriesEnd } = this.#header;
    if (entriesEnd <= entriesStart || entriesStart % 4 !== 0 || entriesEnd % 4 !== 0 || (entriesEnd - entriesStart) / 4 > MAX_ENTRIES) {
      this.#notes.push(`binary info header at ${hex32(this.#header.address)} has an invalid entry table ${hex32(entriesStart)}..${hex32(entriesEnd)}`);
      return [];
    }
    const pointers: number[] = [];
    for (let address = entriesStart; address < entriesEnd; address += 4) {
      const pointer = this.#u32(address);
      if (pointer === undefined) {
        this.#notes.push(`entry table ${hex32(entriesStart)}..${hex32(entriesEnd)} runs outside the image at ${hex32(address)}`);
        break;
      }
      pointers.push(pointer);
    }
    return pointers;
  }

  /** Maps a run-time address to where its bytes are stored in the image. */
  #stored(address: number): number {
    for (const mapping of this.#mappings) {
      if (address >= mapping.destStart && address < mapping.destEnd) return mapping.source + (address - mapping.destStart);
    }
    return address;
  }

  #u32(address: number): number | undefined {
    return this.#flash.readU32(this.#stored(address));
  }

  #u16(address: number): number | undefined {
    const stored = this.#stored(address);
    if (!this.#flash.covers(stored, 2)) return undefined;
    const bytes = this.#flash.read(stored, 2);
    return bytes[0]! | (bytes[1]! << 8);
  }

  /** A NUL-terminated string (at most 512 bytes, as picotool reads), or undefined when its first byte is outside the image. */
  #string(address: number): string | undefined {
    const stored = this.#stored(address);
    if (!this.#flash.covers(stored, 1)) return undefined;
    const bytes: number[] = [];
    for (let offset = 0; offset < MAX_STRING; offset++) {
      if (!this.#flash.covers(stored + offset, 1)) break;
      const byte = this.#flash.read(stored + offset, 1)[0]!;
      if (byte === 0) break;
      bytes.push(byte);
    }
    return new TextDecoder('utf-8').decode(Uint8Array.from(bytes));
  }
}

/**
 * The MicroPython git tag a program-version string names. MicroPython rp2 declares
 * `bi_program_version_string(MICROPY_GIT_TAG)`: `v1.24.1`, `v1.19.1-88-g99c258977`,
 * `v1.25.0-preview.300.g321b30ca5`; a `-dirty` suffix and surrounding text are dropped.
 */
export function micropythonTagOf(info: BinaryInfo | null): string | null {
  const version = info?.programVersion;
  if (version === null || version === undefined) return null;
  const match = /v\d+\.\d+(?:\.\d+)?(?:-preview\.\d+\.g[0-9a-f]+|-preview|-\d+-g[0-9a-f]+)?/.exec(version.trim());
  return match === null ? null : match[0];
}
