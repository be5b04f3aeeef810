// The simulated board's mbedTLS client (main-thread hardware model).
export { BoardTls } from './board-tls.js';
export type { TlsHandshakeRecord, TlsPoll, TlsState, TlsWrapOptions, VerifyMode } from './tls-connection.js';
export { clientHelloProfile, mbedtlsSuiteName, type ClientHelloProfile } from './client-hello.js';
