const PRINTABLE_LOW = 0x20;
const PRINTABLE_HIGH = 0x7e;

/** Escape bytes the way Python prints a bytes literal body: printable ASCII as-is, the rest as \xNN, \r, \n. */
export function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x0d) out += '\\r';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte >= PRINTABLE_LOW && byte <= PRINTABLE_HIGH) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** The last `limit` bytes, escaped and quoted, for error messages. */
export function describeBytes(bytes: Uint8Array, limit = 200): string {
  if (bytes.length === 0) return '(nothing)';
  const tail = bytes.length > limit ? bytes.subarray(bytes.length - limit) : bytes;
  const prefix = bytes.length > limit ? `…(${bytes.length - limit} earlier bytes) ` : '';
  return `${prefix}"${escapeBytes(tail)}"`;
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Index of `needle` in `haystack` at or after `from`, or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  if (needle.length === 0) return from <= haystack.length ? from : -1;
  const first = needle[0];
  const last = haystack.length - needle.length;
  outer: for (let i = Math.max(0, from); i <= last; i += 1) {
    if (haystack[i] !== first) continue;
    for (let j = 1; j < needle.length; j += 1) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** A bounded record of the most recent bytes, for "last bytes seen" in errors. */
export class ByteHistory {
  private buffer: Uint8Array;
  private length = 0;

  constructor(private readonly capacity = 512) {
    this.buffer = new Uint8Array(capacity);
  }

  push(chunk: Uint8Array): void {
    if (chunk.length >= this.capacity) {
      this.buffer.set(chunk.subarray(chunk.length - this.capacity));
      this.length = this.capacity;
      return;
    }
    const overflow = this.length + chunk.length - this.capacity;
    if (overflow > 0) {
      this.buffer.copyWithin(0, overflow, this.length);
      this.length -= overflow;
    }
    this.buffer.set(chunk, this.length);
    this.length += chunk.length;
  }

  snapshot(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
