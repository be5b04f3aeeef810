// The simulated board's lwIP network stack (main-thread hardware model).
export { NetStack, type NetRadio, type NetPoll, type NetShutdown, type SocketKind } from './stack.js';
export type { Resolution } from './dns.js';
export type { Datagram } from './udp-endpoint.js';
export type { TcpStream, TcpStreamSink } from './stream.js';
export { NTP_PORT, NTP_UNIX_OFFSET_S, ntpReply, ntpTimestampToEpochMs } from './ntp.js';
export { parseIpv4Literal } from './ipv4.js';
