import { createHash } from 'node:crypto';

/** Byte-level helpers the UF2 tests use to build and damage files without going through the writer. */

export const BLOCK = 512;

export const FIELD = {
  magicStart0: 0,
  magicStart1: 4,
  flags: 8,
  targetAddress: 12,
  payloadSize: 16,
  blockNo: 20,
  numBlocks: 24,
  familyOrSize: 28,
  data: 32,
  magicEnd: 508,
} as const;

export function getField(file: Uint8Array, block: number, field: keyof typeof FIELD): number {
  return new DataView(file.buffer, file.byteOffset).getUint32(block * BLOCK + FIELD[field], true);
}

/** A copy of `file` with one 32-bit field of one block replaced. */
export function withField(file: Uint8Array, block: number, field: keyof typeof FIELD, value: number): Uint8Array {
  const copy = file.slice();
  new DataView(copy.buffer).setUint32(block * BLOCK + FIELD[field], value >>> 0, true);
  return copy;
}

export function withoutBlock(file: Uint8Array, block: number): Uint8Array {
  const copy = new Uint8Array(file.length - BLOCK);
  copy.set(file.subarray(0, block * BLOCK));
  copy.set(file.subarray((block + 1) * BLOCK), block * BLOCK);
  return copy;
}

/** One block built by hand, field by field (independent of the library's writer). */
export function rawBlock(fields: {
  flags: number;
  address: number;
  payload: Uint8Array;
  blockNo: number;
  numBlocks: number;
  familyOrSize: number;
  /** Bytes after the payload in the data area (file name, extension tags). */
  trailer?: Uint8Array;
  md5?: { address: number; length: number; digestOf?: Uint8Array };
}): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const view = new DataView(block.buffer);
  view.setUint32(0, 0x0a324655, true);
  view.setUint32(4, 0x9e5d5157, true);
  view.setUint32(8, fields.flags >>> 0, true);
  view.setUint32(12, fields.address >>> 0, true);
  view.setUint32(16, fields.payload.length, true);
  view.setUint32(20, fields.blockNo, true);
  view.setUint32(24, fields.numBlocks, true);
  view.setUint32(28, fields.familyOrSize >>> 0, true);
  block.set(fields.payload, 32);
  if (fields.trailer !== undefined) block.set(fields.trailer, 32 + ((fields.payload.length + 3) & ~3));
  if (fields.md5 !== undefined) {
    const at = 32 + 476 - 24;
    view.setUint32(at, fields.md5.address, true);
    view.setUint32(at + 4, fields.md5.length, true);
    block.set(createHash('md5').update(fields.md5.digestOf ?? fields.payload).digest(), at + 8);
  }
  view.setUint32(508, 0x0ab16f30, true);
  return block;
}

export function join(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** Deterministic bytes. */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}
