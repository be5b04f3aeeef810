/** One contiguous run of bytes the UF2 writes. */
export interface FlashRange {
  readonly address: number;
  readonly length: number;
}

interface Segment {
  address: number;
  bytes: Uint8Array;
}

/**
 * A sparse image of target memory rebuilt from UF2 payloads: adjacent writes merge into one range,
 * bytes the file never writes read as 0xff (erased flash).
 */
export class FlashImage {
  readonly #segments: Segment[];

  private constructor(segments: Segment[]) {
    this.#segments = segments;
  }

  /** Builds an image from writes that must not overlap (the UF2 parser checks that first). */
  static fromWrites(writes: readonly { address: number; bytes: Uint8Array }[]): FlashImage {
    const sorted = [...writes].sort((a, b) => a.address - b.address);
    const segments: Segment[] = [];
    let pending: { address: number; parts: Uint8Array[]; end: number } | undefined;
    const flush = (): void => {
      if (pending === undefined) return;
      const bytes = new Uint8Array(pending.end - pending.address);
      let offset = 0;
      for (const part of pending.parts) {
        bytes.set(part, offset);
        offset += part.length;
      }
      segments.push({ address: pending.address, bytes });
    };
    for (const write of sorted) {
      if (write.bytes.length === 0) continue;
      if (pending !== undefined && pending.end === write.address) {
        pending.parts.push(write.bytes);
        pending.end += write.bytes.length;
      } else {
        flush();
        pending = { address: write.address, parts: [write.bytes], end: write.address + write.bytes.length };
      }
    }
    flush();
    return new FlashImage(segments);
  }

  /** The contiguous ranges written, lowest address first. */
  get ranges(): FlashRange[] {
    return this.#segments.map((segment) => ({ address: segment.address, length: segment.bytes.length }));
  }

  /** Bytes written in total. */
  get size(): number {
    return this.#segments.reduce((sum, segment) => sum + segment.bytes.length, 0);
  }

  /** Lowest written address, or undefined for an empty image. */
  get start(): number | undefined {
    return this.#segments[0]?.address;
  }

  /** True when every byte of [address, address+length) was written by the UF2. */
  covers(address: number, length: number): boolean {
    if (length <= 0) return true;
    const segment = this.#segments.find((s) => address >= s.address && address < s.address + s.bytes.length);
    return segment !== undefined && address + length <= segment.address + segment.bytes.length;
  }

  /** Reads [address, address+length); bytes never written read as 0xff. */
  read(address: number, length: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, length)).fill(0xff);
    const end = address + out.length;
    for (const segment of this.#segments) {
      const segmentEnd = segment.address + segment.bytes.length;
      if (segmentEnd <= address || segment.address >= end) continue;
      const from = Math.max(address, segment.address);
      const to = Math.min(end, segmentEnd);
      out.set(segment.bytes.subarray(from - segment.address, to - segment.address), from - address);
    }
    return out;
  }

  /** A little-endian 32-bit word, or undefined when any of its bytes was never written. */
  readU32(address: number): number | undefined {
    if (!this.covers(address, 4)) return undefined;
    const bytes = this.read(address, 4);
    return new DataView(bytes.buffer).getUint32(0, true);
  }
}
