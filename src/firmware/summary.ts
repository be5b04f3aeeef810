import type { BinaryInfo } from './binary-info.js';
import { micropythonTagOf } from './binary-info.js';
import { hex32 } from './families.js';
import type { Uf2Image } from './uf2.js';

export interface Uf2Summary {
  readonly file: string;
  readonly blocks: number;
  readonly families: { id: string; name: string; blocks: number; notMainFlashBlocks: number; ranges: { address: string; length: number }[]; size: number; kind: string }[];
  readonly programFamily: string | null;
  readonly ranges: { address: string; end: string; length: number }[];
  readonly size: number;
  readonly flags: Uf2Image['flagCounts'];
  readonly containedFiles: string[];
  readonly extensionTags: { tag: string; blocks: number }[];
  readonly binaryInfo: (Omit<BinaryInfo, 'headerAddress' | 'binaryEnd' | 'groups'> & {
    headerAddress: string;
    binaryEnd: string | null;
    groups: { label: string | null; tag: string; id: string; flags: number; values: string[] }[];
  }) | null;
  readonly micropythonTag: string | null;
  readonly notes: string[];
}

/** A JSON-ready description of a parsed UF2: addresses as hex text, no image bytes. */
export function summarizeUf2(image: Uf2Image): Uf2Summary {
  const info = image.binaryInfo;
  return {
    file: image.file,
    blocks: image.blocks,
    families: image.streams.map((stream) => ({
      id: stream.family === null ? 'none' : hex32(stream.family.id),
      name: stream.kind === 'file-container' ? 'file-container' : (stream.family?.name ?? 'none'),
      kind: stream.kind,
      blocks: stream.blocks,
      notMainFlashBlocks: stream.notMainFlashBlocks,
      ranges: stream.ranges.map((range) => ({ address: hex32(range.address), length: range.length })),
      size: stream.size,
    })),
    programFamily: image.programFamily?.name ?? null,
    ranges: image.ranges.map((range) => ({ address: hex32(range.address), end: hex32(range.address + range.length - 1), length: range.length })),
    size: image.size,
    flags: image.flagCounts,
    containedFiles: image.containedFiles,
    extensionTags: image.extensionTags,
    binaryInfo:
      info === null
        ? null
        : {
            ...info,
            headerAddress: hex32(info.headerAddress),
            binaryEnd: info.binaryEnd === null ? null : hex32(info.binaryEnd),
            groups: info.groups.map((group) => ({ label: group.label, tag: tagText(group.tag), id: hex32(group.id), flags: group.flags, values: group.values })),
          },
    micropythonTag: micropythonTagOf(info),
    notes: [...image.notes, ...(info?.notes ?? [])],
  };
}

/** A binary-info tag as its two characters (`RP`, `MP`), else hex. */
function tagText(tag: number): string {
  const text = String.fromCharCode(tag & 0xff, tag >>> 8);
  return /^[\x20-\x7e]{2}$/.test(text) ? text : `0x${tag.toString(16).padStart(4, '0')}`;
}
