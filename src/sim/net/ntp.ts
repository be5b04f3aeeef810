/**
 * The world's NTP server (RFC 5905 packet format): it answers a client-mode request with a 48-byte
 * server-mode reply whose timestamps are the host's wall clock plus the world's offset.
 */
export const NTP_PORT = 123;
export const NTP_PACKET_BYTES = 48;
/** Seconds from 1900-01-01 (the NTP era 0 epoch) to 1970-01-01. */
export const NTP_UNIX_OFFSET_S = 2_208_988_800;

const MODE_CLIENT = 3;
const MODE_SERVER = 4;
/** Model: the world's server is a stratum-1 clock with an unsynchronised local reference ("LOCL"). */
const STRATUM = 1;
const PRECISION_LOG2 = -20;
const REFERENCE_ID = 'LOCL';
const TWO_32 = 2 ** 32;

/** An NTP timestamp (era-relative seconds and 32-bit fraction) for an epoch-ms time. */
export function ntpTimestamp(epochMs: number): { seconds: number; fraction: number } {
  const totalSeconds = Math.floor(epochMs / 1000);
  const remainderMs = epochMs - totalSeconds * 1000;
  return {
    seconds: (((totalSeconds + NTP_UNIX_OFFSET_S) % TWO_32) + TWO_32) % TWO_32,
    fraction: Math.min(TWO_32 - 1, Math.floor((remainderMs / 1000) * TWO_32)),
  };
}

/** Epoch ms of an NTP timestamp in era 0 or, for seconds below 2^31, era 1 (from 2036-02-07). */
export function ntpTimestampToEpochMs(seconds: number, fraction: number): number {
  const unixSeconds = seconds - NTP_UNIX_OFFSET_S + (seconds < 2 ** 31 ? TWO_32 : 0);
  return unixSeconds * 1000 + (fraction / TWO_32) * 1000;
}

function writeTimestamp(view: DataView, offset: number, epochMs: number): void {
  const { seconds, fraction } = ntpTimestamp(epochMs);
  view.setUint32(offset, seconds);
  view.setUint32(offset + 4, fraction);
}

/** A request the server answers: at least 48 bytes, client mode. Version is echoed (RFC 5905 §9.2 accepts 1–4). */
export function isNtpClientRequest(request: Uint8Array): boolean {
  const first = request[0];
  return request.length >= NTP_PACKET_BYTES && first !== undefined && (first & 0x07) === MODE_CLIENT && ((first >> 3) & 0x07) >= 1;
}

/**
 * The server's reply to `request`: leap indicator 0, the request's version, server mode, stratum 1,
 * the request's poll, originate = the request's transmit timestamp, receive = `receivedAtMs`,
 * transmit = `sentAtMs` (both host wall clock + offset, epoch ms).
 */
export function ntpReply(request: Uint8Array, receivedAtMs: number, sentAtMs: number): Uint8Array {
  const reply = new Uint8Array(NTP_PACKET_BYTES);
  const view = new DataView(reply.buffer);
  const version = ((request[0] ?? 0) >> 3) & 0x07;
  reply[0] = (version << 3) | MODE_SERVER;
  reply[1] = STRATUM;
  reply[2] = request[2] ?? 0;
  view.setInt8(3, PRECISION_LOG2);
  view.setUint32(4, 0); // root delay
  view.setUint32(8, 0x0000_0010); // root dispersion: 1/4096 s
  for (let index = 0; index < 4; index++) reply[12 + index] = REFERENCE_ID.charCodeAt(index);
  writeTimestamp(view, 16, Math.floor(receivedAtMs / 1000) * 1000); // reference: the last whole second
  reply.set(request.subarray(40, 48), 24); // originate
  writeTimestamp(view, 32, receivedAtMs);
  writeTimestamp(view, 40, sentAtMs);
  return reply;
}
