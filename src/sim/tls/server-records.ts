/**
 * Reads the TLS 1.2 records a server sends, the way the board's mbedTLS frames them
 * (ssl_msg.c ssl_parse_record_header): the 5-byte header is checked first, then the record is
 * taken whole. Until the server's ChangeCipherSpec, handshake messages and alerts are plaintext
 * and are parsed (the Certificate message's chain, alert level and description); after it only
 * the record types are visible.
 */
export const RECORD_CHANGE_CIPHER_SPEC = 20;
export const RECORD_ALERT = 21;
export const RECORD_HANDSHAKE = 22;
export const RECORD_APPLICATION_DATA = 23;
const HANDSHAKE_CERTIFICATE = 11;
const RECORD_HEADER_BYTES = 5;
/** MBEDTLS_SSL_IN_CONTENT_LEN (16384) plus the largest record expansion mbedTLS accepts. */
const MAX_RECORD_BODY = 16384 + 2048;

export type ServerRecordEvent =
  | { readonly kind: 'certificate'; readonly chain: Uint8Array[] }
  | { readonly kind: 'alert'; readonly level: number; readonly description: number }
  | { readonly kind: 'encrypted-alert' }
  | { readonly kind: 'change-cipher-spec' };

export interface ServerRecord {
  /** The record as it came off the wire (header included). */
  readonly bytes: Uint8Array;
  readonly type: number;
  readonly events: ServerRecordEvent[];
}

export type ReadResult = { readonly records: ServerRecord[]; readonly invalid?: string };

function readUint24(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) << 16) | ((bytes[offset + 1] ?? 0) << 8) | (bytes[offset + 2] ?? 0);
}

/** The DER certificates of a Certificate handshake body; undefined when it is malformed. */
export function certificateList(body: Uint8Array): Uint8Array[] | undefined {
  if (body.length < 3) return undefined;
  const total = readUint24(body, 0);
  if (total !== body.length - 3) return undefined;
  const chain: Uint8Array[] = [];
  let offset = 3;
  while (offset < body.length) {
    if (offset + 3 > body.length) return undefined;
    const length = readUint24(body, offset);
    offset += 3;
    if (length === 0 || offset + length > body.length) return undefined;
    chain.push(body.slice(offset, offset + length));
    offset += length;
  }
  return chain;
}

export class ServerRecordReader {
  private pending: Uint8Array = new Uint8Array(0);
  private handshake: Uint8Array = new Uint8Array(0);
  private encrypted = false;
  private failed = false;

  /** Append bytes from the wire; returns the complete records, or why the stream is not TLS. */
  push(chunk: Uint8Array): ReadResult {
    if (this.failed) return { records: [] };
    this.pending = join(this.pending, chunk);
    const records: ServerRecord[] = [];
    while (this.pending.length >= RECORD_HEADER_BYTES) {
      const type = this.pending[0] ?? 0;
      const major = this.pending[1] ?? 0;
      const minor = this.pending[2] ?? 0;
      const length = ((this.pending[3] ?? 0) << 8) | (this.pending[4] ?? 0);
      const invalid = headerProblem(type, major, minor, length);
      if (invalid !== undefined) {
        this.failed = true;
        return { records, invalid };
      }
      if (this.pending.length < RECORD_HEADER_BYTES + length) break;
      const bytes = this.pending.slice(0, RECORD_HEADER_BYTES + length);
      this.pending = this.pending.slice(RECORD_HEADER_BYTES + length);
      records.push({ bytes, type, events: this.parse(type, bytes.subarray(RECORD_HEADER_BYTES)) });
    }
    return { records };
  }

  /** Bytes of an incomplete record held back (fewer than a whole record has arrived). */
  get pendingBytes(): number {
    return this.pending.length;
  }

  private parse(type: number, body: Uint8Array): ServerRecordEvent[] {
    if (type === RECORD_CHANGE_CIPHER_SPEC) {
      this.encrypted = true;
      return [{ kind: 'change-cipher-spec' }];
    }
    if (type === RECORD_ALERT) {
      if (this.encrypted || body.length < 2) return [{ kind: 'encrypted-alert' }];
      return [{ kind: 'alert', level: body[0] ?? 0, description: body[1] ?? 0 }];
    }
    if (type !== RECORD_HANDSHAKE || this.encrypted) return [];
    this.handshake = join(this.handshake, body);
    const events: ServerRecordEvent[] = [];
    while (this.handshake.length >= 4) {
      const messageType = this.handshake[0] ?? 0;
      const length = readUint24(this.handshake, 1);
      if (this.handshake.length < 4 + length) break;
      const message = this.handshake.slice(4, 4 + length);
      this.handshake = this.handshake.slice(4 + length);
      if (messageType === HANDSHAKE_CERTIFICATE) {
        const chain = certificateList(message);
        if (chain !== undefined) events.push({ kind: 'certificate', chain });
      }
    }
    return events;
  }
}

/** Why mbedTLS refuses this header (MBEDTLS_ERR_SSL_INVALID_RECORD), or undefined when it takes it. */
function headerProblem(type: number, major: number, minor: number, length: number): string | undefined {
  if (type < RECORD_CHANGE_CIPHER_SPEC || type > RECORD_APPLICATION_DATA) return `record type ${type} is not a TLS content type`;
  if (major !== 3) return `record version ${major}.${minor} is not TLS`;
  if (minor > 3) return `record version 3.${minor} is above TLS 1.2`;
  if (length > MAX_RECORD_BODY) return `record length ${length} exceeds the input buffer`;
  return undefined;
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return Uint8Array.from(b);
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
