/**
 * The few DER reading primitives the verification model needs: definite-length TLVs, OIDs,
 * integers' bit lengths and X.509 times. Strict enough to refuse garbage with the byte offset
 * of the fault; not a general ASN.1 library.
 */

export class DerError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte offset ${offset}`);
    this.name = 'DerError';
  }
}

export interface Tlv {
  /** The identifier octet (class, constructed bit and tag number; only low tag numbers occur in X.509). */
  readonly tag: number;
  /** Offset of the identifier octet in the buffer that was read. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset one past the last content byte. */
  readonly end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Reads the TLV at `offset`, which must end at or before `limit`. */
export function readTlv(bytes: Uint8Array, offset: number, limit = bytes.length): Tlv {
  if (offset >= limit) throw new DerError('expected a DER element, found the end of the data', offset);
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`unsupported high tag number (identifier 0x${tag.toString(16)})`, offset);
  let cursor = offset + 1;
  if (cursor >= limit) throw new DerError('DER element has no length', cursor);
  const first = bytes[cursor++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new DerError('indefinite length is not DER', cursor - 1);
    if (count > 4) throw new DerError(`length of ${count} bytes is too long`, cursor - 1);
    if (cursor + count > limit) throw new DerError('DER length runs past the end of the data', cursor);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[cursor++]!;
  }
  const end = cursor + length;
  if (end > limit) throw new DerError(`DER element of ${length} bytes runs past the end of its container`, offset);
  return { tag, start: offset, contentStart: cursor, end };
}

/** Reads a TLV and checks its tag. */
export function expectTlv(bytes: Uint8Array, offset: number, limit: number, tag: number, what: string): Tlv {
  const tlv = readTlv(bytes, offset, limit);
  if (tlv.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`, offset);
  return tlv;
}

/** The TLVs directly inside a constructed element. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const result: Tlv[] = [];
  let cursor = parent.contentStart;
  while (cursor < parent.end) {
    const child = readTlv(bytes, cursor, parent.end);
    result.push(child);
    cursor = child.end;
  }
  return result;
}

export function content(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.contentStart, tlv.end);
}

export function whole(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}

/** Dotted form of an OBJECT IDENTIFIER's content. */
export function decodeOid(bytes: Uint8Array, tlv: Tlv): string {
  const body = content(bytes, tlv);
  if (body.length === 0) throw new DerError('empty OBJECT IDENTIFIER', tlv.start);
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        arcs.push(first, value - first * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
    }
  }
  return arcs.join('.');
}

/** Significant bits of a non-negative INTEGER (RSA modulus length). */
export function integerBitLength(bytes: Uint8Array, tlv: Tlv): number {
  const body = content(bytes, tlv);
  let index = 0;
  while (index < body.length && body[index] === 0) index++;
  if (index === body.length) return 0;
  return (body.length - index - 1) * 8 + (32 - Math.clz32(body[index]!));
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ), as X.509 profiles them. */
export function decodeTime(bytes: Uint8Array, tlv: Tlv): Date {
  const text = Buffer.from(content(bytes, tlv)).toString('latin1');
  const pattern = tlv.tag === TAG.UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/;
  if (tlv.tag !== TAG.UTC_TIME && tlv.tag !== TAG.GENERALIZED_TIME) throw new DerError('expected a UTCTime or GeneralizedTime', tlv.start);
  const match = pattern.exec(text);
  if (match === null) throw new DerError(`unsupported time "${text}"`, tlv.start);
  let year = Number(match[1]);
  // RFC 5280 4.1.2.5.1: two-digit years 50..99 are 19xx, 00..49 are 20xx (mbedTLS does the same).
  if (tlv.tag === TAG.UTC_TIME) year += year >= 50 ? 1900 : 2000;
  return new Date(Date.UTC(year, Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6] ?? '0')));
}
