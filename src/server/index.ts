// The TLS echo server a Pico W connects to: in-process API and its record types.
export { startEchoServer, ECHO_SERVER_DEFAULTS, type EchoServer, type EchoServerOptions, type EchoServerEvents, type AcceptedConnection } from './echo-server.js';
export { TLS_ON_PLAIN_PORT_NOTICE } from './echo-session.js';
export { SERVER_CIPHERS, SERVER_ECDH_CURVES, type TlsMaterial, type SecurityLevelChoice } from './tls-config.js';
export { alertName, alertNumber, type ObservedAlert, type AlertBasis } from './tls-alerts.js';
export {
  RECORD_SCHEMA_VERSION,
  type ServerLogRecord,
  type ConnectionRecord,
  type ListeningRecord,
  type ClosedRecord,
  type EndReason,
  type ListenerKind,
  type TlsSessionSummary,
  type PeerCertificateSummary,
  type ErrorSummary,
  type Endpoint,
} from './records.js';
