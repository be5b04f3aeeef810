import { AsnParser, AsnSchemaValidationError, type IAsnConvertible } from '@peculiar/asn1-schema';

/**
 * What mbedTLS enforces and the ASN.1 library does not: @peculiar/asn1-schema decodes with asn1js,
 * a BER reader that ignores bytes after the first element, lets an element run past the end of its
 * container, and accepts indefinite lengths, constructed strings and high tag numbers. mbedTLS
 * reads DER only. Errors carry the byte offset where it is known.
 */
export class DerError extends Error {
  constructor(
    /** What is wrong, without the offset. */
    readonly reason: string,
    readonly offset?: number,
  ) {
    super(offset === undefined ? reason : `${reason} at byte offset ${offset}`);
    this.name = 'DerError';
  }
}

export interface OuterElement {
  /** The identifier octet. */
  readonly tag: number;
  /** Offset one past the element's last byte. */
  readonly end: number;
}

/** Identifier and extent of the element that starts `bytes` (its header only, with the offset of a fault). */
export function outerElement(bytes: Uint8Array): OuterElement {
  if (bytes.length === 0) throw new DerError('expected a DER element, found the end of the data', 0);
  const tag = bytes[0]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`unsupported high tag number (identifier 0x${tag.toString(16)})`, 0);
  if (bytes.length < 2) throw new DerError('DER element has no length', 1);
  let cursor = 2;
  let length = bytes[1]!;
  if (length >= 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new DerError('indefinite length is not DER', 1);
    if (count > 4) throw new DerError(`length of ${count} bytes is too long`, 1);
    if (cursor + count > bytes.length) throw new DerError('DER length runs past the end of the data', cursor);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[cursor++]!;
  }
  if (cursor + length > bytes.length) throw new DerError(`DER element of ${length} bytes runs past the end of its container`, 0);
  return { tag, end: cursor + length };
}

/** An element as asn1js decoded it: what AsnParser.fromASN takes and schema converters receive. */
export type Asn1Block = Parameters<typeof AsnParser.fromASN>[0];

/** Takes the decoded element whole (AsnParser calls fromASN of a convertible target with it). */
class DecodedElement implements IAsnConvertible<Asn1Block> {
  block?: Asn1Block;

  fromASN(block: Asn1Block): this {
    this.block = block;
    return this;
  }

  toASN(): never {
    throw new Error('DecodedElement is read-only');
  }

  toSchema(): never {
    throw new Error('DecodedElement has no schema');
  }
}

/**
 * Decodes the first element of `bytes` with the library and refuses BER-only encodings anywhere
 * in it. With `withOffsets` (`bytes` is what the user gave) a fault is located by its byte offset,
 * else `what` names the element it is in.
 */
export function decodeDer(bytes: Uint8Array, what: string, withOffsets: boolean): Asn1Block {
  let block: Asn1Block | undefined;
  try {
    block = AsnParser.parse(bytes, DecodedElement).block;
  } catch (error) {
    throw libraryError(what, error);
  }
  if (block === undefined) throw new DerError(`${what}: nothing decoded`);
  const fault = firstNonDerEncoding(block);
  if (fault !== undefined) throw withOffsets ? new DerError(fault.reason, fault.offset) : new DerError(`${what}: ${fault.reason}`);
  return block;
}

const UNIVERSAL = 1;
const SEQUENCE_TAG_NUMBER = 16;
const SET_TAG_NUMBER = 17;

/**
 * The first element (depth first) that mbedTLS's DER reader refuses; constructed elements are
 * searched, string contents are not. asn1js bounds an element by the end of the whole input, not
 * by its container, so the containment check is here too.
 */
function firstNonDerEncoding(block: Asn1Block): { reason: string; offset: number } | undefined {
  const { idBlock, lenBlock, valueBlock } = block;
  // Every view asn1js makes while decoding is a subarray of the one input buffer AsnParser.parse copied the bytes into.
  const offset = block.valueBeforeDecodeView.byteOffset;
  const lengthOffset = offset + idBlock.blockLength;
  const identifier = block.valueBeforeDecodeView[0] ?? 0;
  if ((identifier & 0x1f) === 0x1f) return { reason: `unsupported high tag number (identifier 0x${identifier.toString(16)})`, offset };
  if (lenBlock.isIndefiniteForm) return { reason: 'indefinite length is not DER', offset: lengthOffset };
  if (lenBlock.blockLength > 5) return { reason: `length of ${lenBlock.blockLength - 1} bytes is too long`, offset: lengthOffset };
  if (!idBlock.isConstructed) return undefined;
  if (idBlock.tagClass === UNIVERSAL && idBlock.tagNumber !== SEQUENCE_TAG_NUMBER && idBlock.tagNumber !== SET_TAG_NUMBER) {
    return { reason: `constructed encoding of universal type ${idBlock.tagNumber} is not DER`, offset };
  }
  const contentEnd = lengthOffset + lenBlock.blockLength + lenBlock.length;
  const children: unknown = 'value' in valueBlock ? valueBlock.value : [];
  if (!Array.isArray(children)) return undefined;
  for (const child of children as Asn1Block[]) {
    const childOffset = child.valueBeforeDecodeView.byteOffset;
    if (childOffset + child.idBlock.blockLength + child.lenBlock.blockLength + child.lenBlock.length > contentEnd) {
      return { reason: `DER element of ${child.lenBlock.length} bytes runs past the end of its container`, offset: childOffset };
    }
    const fault = firstNonDerEncoding(child);
    if (fault !== undefined) return fault;
  }
  return undefined;
}

/** A library failure as a DerError naming the structure (the library reports no offset). */
export function libraryError(what: string, error: unknown): DerError {
  if (error instanceof DerError) return error;
  if (error instanceof AsnSchemaValidationError && error.schemas.length > 0) {
    // "Data does not match to X ASN1 schema. <asn1js detail>", the innermost structure first in `schemas`.
    const path = [...error.schemas].reverse();
    const detail = error.message.replace(/^Data does not match to \S+ ASN1 schema\.\s*/, '');
    return new DerError(`${path[0] === what ? '' : `${what}: `}malformed ${path.join('.')}${detail === '' ? '' : ` (${detail})`}`);
  }
  return new DerError(`${what} cannot be decoded: ${error instanceof Error ? error.message : String(error)}`);
}
