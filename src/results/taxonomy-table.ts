/**
 * The taxonomy's data: every class an attempt can end in, and the tables that map what a board
 * reports (Wi-Fi status timelines, OSError errnos, mbedTLS codes in both error forms, verify-info
 * texts, harness error codes) to those classes. `taxonomy.ts` only walks these tables.
 *
 * Evidence strings name the section of /work/shared/reference/micropython-facts.md (as "facts §N")
 * or the source a row rests on; "Model:" marks a choice the facts do not make.
 */
import { ALERT_NAMES } from '../tls/alert-registry.js';
import { VERIFY_FLAGS, type VerifyFlagName } from '../pki/mbedtls/flags.js';
import type { TlsStage } from '../campaign/types.js';

/** pass: the step did its job; fail: it did not; inconclusive: it passed without testing what it should (carried-over link). */
export type ClassOutcome = 'pass' | 'fail' | 'inconclusive';
export type ClassStep = 'reset' | 'wifi' | 'net' | 'tls' | 'echo' | 'harness' | 'device';

export interface ClassSpec {
  /** The class, or for a family its pattern with one `<member>` placeholder, e.g. `tls.alert.<name>`. */
  readonly name: string;
  readonly step: ClassStep;
  readonly outcome: ClassOutcome;
  /** One sentence for reports. A family's text may use `{member}`. */
  readonly describe: string;
  /** Where the mapping comes from. */
  readonly evidence: string;
}

export const CLASS_TABLE: readonly ClassSpec[] = [
  // Wi-Fi (wifi_connect's timeline; statuses facts §4)
  { name: 'wifi.ok', step: 'wifi', outcome: 'pass', describe: 'connect() reached STAT_GOT_IP (3) from a link that was down, with no negative status on the way.', evidence: 'facts §4 (status 3 = CYW43_LINK_UP with an IPv4 address)' },
  { name: 'wifi.carried-over', step: 'wifi', outcome: 'inconclusive', describe: 'The link was already up before connect() (cyw43 survives a soft reset): the attempt did not test a join, so it never counts as wifi.ok.', evidence: 'facts §3 (Wi-Fi survives a soft reboot), §8 (Thonny vs cold boot)' },
  { name: 'wifi.no-ap-found', step: 'wifi', outcome: 'fail', describe: 'The join ended in STAT_NO_AP_FOUND (-2): no AP answered for the SSID (unknown SSID, hidden SSID not probed).', evidence: 'facts §4 (CYW43_LINK_NONET, EV_SET_SSID status 3)' },
  { name: 'wifi.wrong-password', step: 'wifi', outcome: 'fail', describe: 'The join ended in STAT_WRONG_PASSWORD (-3) and never recovered. With the right key this is the supplicant failing the 4-way handshake (a hidden SSID under power saving shows it too).', evidence: 'facts §4 (CYW43_LINK_BADAUTH); root-causes.md §1' },
  { name: 'wifi.transient-badauth', step: 'wifi', outcome: 'pass', describe: 'STAT_WRONG_PASSWORD (-3) appeared and the join then recovered to STAT_GOT_IP: a refused authentication, not a wrong key. A script that stops at the first negative status would have failed here.', evidence: 'facts §4 (a later good EV_AUTH returns BADAUTH to ACTIVE)' },
  { name: 'wifi.transient-other', step: 'wifi', outcome: 'pass', describe: 'A negative status other than -3 appeared and the join then reached STAT_GOT_IP. Model: facts §4 has only BADAUTH as transient, so this means something re-joined (the firmware or the script).', evidence: 'Model (facts §4: FAIL and NONET are final until connect() is called again)' },
  { name: 'wifi.connect-fail', step: 'wifi', outcome: 'fail', describe: 'The join ended in STAT_CONNECT_FAIL (-1) and never recovered (the driver\'s SET_SSID failure: e.g. association responses missed under power saving).', evidence: 'facts §4 (CYW43_LINK_FAIL); root-causes.md §1 (pico-sdk#912)' },
  { name: 'wifi.timeout@<status>', step: 'wifi', outcome: 'fail', describe: 'No STAT_GOT_IP and no negative status before the script\'s timeout; the status then was {member}. The driver has no connect or DHCP timeout of its own.', evidence: 'facts §4 (no connect/DHCP timeout in the driver; 2 = joined, DHCP not finished, has no constant)' },
  { name: 'wifi.error', step: 'wifi', outcome: 'fail', describe: 'A Wi-Fi call raised (e.g. OSError EPERM on an inactive interface) or reported a status cyw43 does not have.', evidence: 'facts §4 (connect() on an inactive STA raises OSError(1))' },
  // Network below TLS (tls_probe stages resolve and connect)
  { name: 'net.dns', step: 'net', outcome: 'fail', describe: 'getaddrinfo() failed: lwIP raises OSError(-2) when the name is not found.', evidence: 'facts §4 (modlwip: status -2 "name not found", printed OSError: -2)' },
  { name: 'net.connect.<errno>', step: 'net', outcome: 'fail', describe: 'The TCP connect() to the server failed with {member} (before any TLS).', evidence: 'facts §5 (socket errnos: ECONNRESET 104, ECONNABORTED 103, ETIMEDOUT 110, EHOSTUNREACH 113); py/mperrno.h' },
  // TLS (tls_probe stages api and handshake; facts §5, §6, §10)
  { name: 'tls.ok', step: 'tls', outcome: 'pass', describe: 'The handshake verified the chain (CERT_REQUIRED, cadata, server_hostname) and the echo came back byte for byte.', evidence: 'facts §5' },
  { name: 'tls.verify.future', step: 'tls', outcome: 'fail', describe: 'Verification failed with BADCERT_FUTURE only: a certificate starts after the board\'s RTC (the cold-boot bug when the RTC says 2021-01-01).', evidence: 'facts §3 (mbedTLS reads the aon-timer RTC), §6 (0x0200), §8' },
  { name: 'tls.verify.expired', step: 'tls', outcome: 'fail', describe: 'Verification failed with BADCERT_EXPIRED only: a certificate ended before the board\'s RTC.', evidence: 'facts §6 (0x01)' },
  { name: 'tls.verify.untrusted', step: 'tls', outcome: 'fail', describe: 'Verification failed with BADCERT_NOT_TRUSTED only: the chain does not lead to the cadata the board loaded.', evidence: 'facts §6 (0x08)' },
  { name: 'tls.verify.hostname', step: 'tls', outcome: 'fail', describe: 'Verification failed with BADCERT_CN_MISMATCH only: the certificate does not name server_hostname.', evidence: 'facts §6 (0x04), §10 (IP SANs only from mbedTLS 3.5.1)' },
  { name: 'tls.verify.bad-md', step: 'tls', outcome: 'fail', describe: 'Verification failed with BADCERT_BAD_MD only: a certificate is signed with a hash mbedTLS\'s profile refuses (SHA-1).', evidence: 'facts §6 (0x4000), §10' },
  { name: 'tls.verify.bad-key', step: 'tls', outcome: 'fail', describe: 'Verification failed with BADCERT_BAD_KEY (or BAD_PK) only: a key mbedTLS\'s profile refuses (e.g. RSA under 2048 bits).', evidence: 'facts §6 (0x010000, 0x8000), §10' },
  { name: 'tls.verify.other', step: 'tls', outcome: 'fail', describe: 'Verification failed with flags outside the named classes (revoked, missing, CRL, usage alone, or "Unknown reason").', evidence: 'facts §6 (verify flags table)' },
  { name: 'tls.verify.multi', step: 'tls', outcome: 'fail', describe: 'Verification failed with flags from more than one class (e.g. FUTURE and CN_MISMATCH); the detail lists them.', evidence: 'facts §5 (one verify-info line per flag), §6' },
  { name: 'tls.verify.unspecified', step: 'tls', outcome: 'fail', describe: 'Verification failed and the firmware said only OSError(-9984, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) (≤ v1.21, or a verify-info text too long for its buffer): the flags are not known; any shown are inferred.', evidence: 'facts §5 (≤ v1.21 always -9984; ≥ v1.22 falls back to it when there is no text), §10' },
  { name: 'tls.bad-certificate', step: 'tls', outcome: 'fail', describe: 'The server\'s certificate was refused outside chain verification (MBEDTLS_ERR_SSL_BAD_CERTIFICATE, or an X.509 parse error): key usage alone, or a certificate mbedTLS cannot parse.', evidence: 'facts §6 (-0x7A00, X509 parse codes); src/pki/mbedtls/board-error.ts (usage-only flags)' },
  { name: 'tls.alloc', step: 'tls', outcome: 'fail', describe: 'mbedTLS could not allocate its buffers: OSError(ENOMEM) (MBEDTLS_ERR_SSL_ALLOC_FAILED) or a MemoryError.', evidence: 'facts §5 (SSL_ALLOC_FAILED → OSError(ENOMEM=12)), §6' },
  { name: 'tls.alert.<name>', step: 'tls', outcome: 'fail', describe: 'The server ended the handshake with a fatal alert ({member}); the board says only MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, the name comes from the server\'s record ("unknown" without one).', evidence: 'facts §5 (SSL_FATAL_ALERT_MESSAGE special-cased), §6 (-30592)' },
  { name: 'tls.conn-eof', step: 'tls', outcome: 'fail', describe: 'The server closed the connection during the handshake (MBEDTLS_ERR_SSL_CONN_EOF, or a close_notify: PEER_CLOSE_NOTIFY).', evidence: 'facts §5, §6 (-29312, -30848)' },
  { name: 'tls.invalid-record', step: 'tls', outcome: 'fail', describe: 'What came back is not TLS (MBEDTLS_ERR_SSL_INVALID_RECORD): the probe reached a plain-TCP or HTTP port.', evidence: 'facts §6 (-29184, plain-HTTP port), §7 (tls_text_errors.py)' },
  { name: 'tls.timeout', step: 'tls', outcome: 'fail', describe: 'The handshake or the echo timed out: OSError(ETIMEDOUT) from the socket under mbedTLS, or MBEDTLS_ERR_SSL_TIMEOUT.', evidence: 'facts §5 (OSError(110) during the handshake), §6 (-0x6800)' },
  { name: 'tls.handshake-failure', step: 'tls', outcome: 'fail', describe: 'The handshake failed for a protocol reason (no common cipher or curve, a malformed or unexpected message, a bad MAC).', evidence: 'facts §6 (HANDSHAKE_FAILURE, INVALID_MAC, DECODE_ERROR, UNEXPECTED_MESSAGE, BAD_PROTOCOL_VERSION)' },
  { name: 'tls.socket.<errno>', step: 'tls', outcome: 'fail', describe: 'The socket under TLS failed with {member} during the handshake or the echo.', evidence: 'facts §5 (socket errnos passed through mbedTLS as OSError(errno))' },
  { name: 'tls.config-rejected', step: 'tls', outcome: 'fail', describe: 'The firmware refused the probe\'s TLS settings before the handshake (invalid cert/key, CERT_REQUIRED without server_hostname, no CA chain, bad config).', evidence: 'facts §5 (ValueError "invalid cert"/"invalid key", "CERT_REQUIRED requires server_hostname")' },
  { name: 'tls.api-unavailable', step: 'tls', outcome: 'fail', describe: 'The firmware lacks the TLS API the cell asks for (e.g. no tls module before v1.23, no SSLContext before v1.21, no cert_reqs on v1.19.1-88).', evidence: 'facts §10 (API by release)' },
  { name: 'tls.error', step: 'tls', outcome: 'fail', describe: 'The TLS probe raised something no table row knows; the detail quotes it.', evidence: 'taxonomy fallback' },
  // Echo
  { name: 'echo.mismatch', step: 'echo', outcome: 'fail', describe: 'The handshake passed but the echo did not come back byte for byte (or not at all).', evidence: 'issue 4/9 (tls_probe checks the echo byte for byte)' },
  // Harness and device (the runner's findings; they win over any step's class)
  { name: 'reset.ok', step: 'reset', outcome: 'pass', describe: 'A cell with no Wi-Fi step: the reset it asks for happened and was verified.', evidence: 'issue 4/9 (resets: each verified); facts §3' },
  { name: 'harness.transport-lost', step: 'harness', outcome: 'fail', describe: 'The harness lost the board\'s port (unplugged, re-enumerated, or not found again after a reset).', evidence: 'src/errors.ts (TRANSPORT_LOST, DEVICE_NOT_FOUND); facts §2 (disconnects)' },
  { name: 'harness.reset-not-verified', step: 'harness', outcome: 'fail', describe: 'The reset the cell asks for could not be proven (e.g. the port did not vanish during a power cycle: the hub did not cut power).', evidence: 'issue 4/9 (resets: each verified); facts §3, §10 (what each reset leaves behind)' },
  { name: 'harness.error', step: 'harness', outcome: 'fail', describe: 'Any other harness failure during the attempt (raw REPL timeout or protocol error, a device script that crashed or printed no valid result, a power driver failure).', evidence: 'src/errors.ts (error codes)' },
  { name: 'device-hung', step: 'device', outcome: 'fail', describe: 'The board answered nothing and every recovery the rig allows failed (Ctrl-C, machine.reset(), power driver): it is quarantined.', evidence: 'issue 4/9 (a hung board)' },
];

// ---------------------------------------------------------------------------------------------
// Wi-Fi statuses (facts §4: cyw43.h link states and their network.STAT_* aliases)

export interface WifiStatusEntry {
  readonly value: number;
  /** The `network.` constant, or null for the unnamed 2. */
  readonly constant: string | null;
  readonly cyw43: string;
  /** The class when the join ends in this status (negatives only). */
  readonly finalClass?: string;
  /** The class when this was the first negative status and GOT_IP followed. */
  readonly recoveredClass?: string;
}

export const WIFI_STATUS_TABLE: readonly WifiStatusEntry[] = [
  { value: 0, constant: 'STAT_IDLE', cyw43: 'CYW43_LINK_DOWN' },
  { value: 1, constant: 'STAT_CONNECTING', cyw43: 'CYW43_LINK_JOIN' },
  { value: 2, constant: null, cyw43: 'CYW43_LINK_NOIP' },
  { value: 3, constant: 'STAT_GOT_IP', cyw43: 'CYW43_LINK_UP' },
  { value: -1, constant: 'STAT_CONNECT_FAIL', cyw43: 'CYW43_LINK_FAIL', finalClass: 'wifi.connect-fail', recoveredClass: 'wifi.transient-other' },
  { value: -2, constant: 'STAT_NO_AP_FOUND', cyw43: 'CYW43_LINK_NONET', finalClass: 'wifi.no-ap-found', recoveredClass: 'wifi.transient-other' },
  { value: -3, constant: 'STAT_WRONG_PASSWORD', cyw43: 'CYW43_LINK_BADAUTH', finalClass: 'wifi.wrong-password', recoveredClass: 'wifi.transient-badauth' },
];

/** The statuses the harness itself acts on (same values as the table above). */
export const STAT_IDLE = 0;
export const STAT_GOT_IP = 3;
export const STAT_WRONG_PASSWORD = -3;

// ---------------------------------------------------------------------------------------------
// errno names (py/mperrno.h, as MicroPython prints them: `[Errno 110] ETIMEDOUT`)

export const ERRNO_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'EPERM'],
  [2, 'ENOENT'],
  [5, 'EIO'],
  [9, 'EBADF'],
  [11, 'EAGAIN'],
  [12, 'ENOMEM'],
  [13, 'EACCES'],
  [17, 'EEXIST'],
  [19, 'ENODEV'],
  [21, 'EISDIR'],
  [22, 'EINVAL'],
  [95, 'EOPNOTSUPP'],
  [98, 'EADDRINUSE'],
  [103, 'ECONNABORTED'],
  [104, 'ECONNRESET'],
  [105, 'ENOBUFS'],
  [107, 'ENOTCONN'],
  [110, 'ETIMEDOUT'],
  [111, 'ECONNREFUSED'],
  [113, 'EHOSTUNREACH'],
  [114, 'EALREADY'],
  [115, 'EINPROGRESS'],
]);

/** The errnos a TCP connect()/read()/write() raises on rp2 (lwIP error_lookup_table): the families' known members. */
export const SOCKET_ERRNOS: readonly number[] = [103, 104, 105, 107, 110, 111, 113, 5, 9, 11, 22, 114, 115];

// ---------------------------------------------------------------------------------------------
// mbedTLS codes (facts §6; MicroPython raises OSError(code, 'MBEDTLS_ERR_' + name), facts §5)

export interface MbedtlsCodeEntry {
  readonly code: number;
  /** The define without MBEDTLS_ERR_, as MicroPython's table spells it. */
  readonly name: string;
  /** Other spellings of the same code (mbedTLS 2.x names). */
  readonly aliases?: readonly string[];
  /** A class, or `verify` (decided by the verify flags) or `alert` (decided by the alert name). */
  readonly class: string;
  readonly evidence: string;
}

export const VERIFY_FAILED = -0x2700;
export const FATAL_ALERT = -0x7780;

export const MBEDTLS_CODE_TABLE: readonly MbedtlsCodeEntry[] = [
  { code: VERIFY_FAILED, name: 'X509_CERT_VERIFY_FAILED', class: 'verify', evidence: 'facts §5, §6 (-9984)' },
  { code: FATAL_ALERT, name: 'SSL_FATAL_ALERT_MESSAGE', class: 'alert', evidence: 'facts §5, §6 (-30592)' },
  { code: -0x7280, name: 'SSL_CONN_EOF', class: 'tls.conn-eof', evidence: 'facts §5, §6 (-29312)' },
  { code: -0x7880, name: 'SSL_PEER_CLOSE_NOTIFY', class: 'tls.conn-eof', evidence: 'facts §6 (-30848)' },
  { code: -0x7200, name: 'SSL_INVALID_RECORD', class: 'tls.invalid-record', evidence: 'facts §6 (-29184), §7' },
  { code: -0x6800, name: 'SSL_TIMEOUT', class: 'tls.timeout', evidence: 'facts §6 (-26624)' },
  { code: -0x7f00, name: 'SSL_ALLOC_FAILED', class: 'tls.alloc', evidence: 'facts §5 (normally raised as ENOMEM), §6' },
  { code: -0x2880, name: 'X509_ALLOC_FAILED', class: 'tls.alloc', evidence: 'facts §6 (-10368)' },
  { code: -0x3f80, name: 'PK_ALLOC_FAILED', class: 'tls.alloc', evidence: 'facts §6 (-16256)' },
  { code: -0x7a00, name: 'SSL_BAD_CERTIFICATE', aliases: ['SSL_BAD_HS_CERTIFICATE'], class: 'tls.bad-certificate', evidence: 'facts §6 (-31232); src/pki/mbedtls/board-error.ts' },
  { code: -0x2180, name: 'X509_INVALID_FORMAT', class: 'tls.bad-certificate', evidence: 'facts §6 (-8576)' },
  { code: -0x2400, name: 'X509_INVALID_DATE', class: 'tls.bad-certificate', evidence: 'facts §6 (-9216)' },
  { code: -0x2600, name: 'X509_UNKNOWN_SIG_ALG', class: 'tls.bad-certificate', evidence: 'facts §6 (-9728)' },
  { code: -0x2780, name: 'X509_CERT_UNKNOWN_FORMAT', class: 'tls.bad-certificate', evidence: 'facts §6 (-10112)' },
  { code: -0x3000, name: 'X509_FATAL_ERROR', class: 'tls.bad-certificate', evidence: 'facts §6 (-12288)' },
  { code: -0x6e00, name: 'SSL_HANDSHAKE_FAILURE', class: 'tls.handshake-failure', evidence: 'facts §6 (-28160)' },
  { code: -0x7980, name: 'SSL_BAD_HS_SERVER_HELLO', class: 'tls.handshake-failure', evidence: 'mbedTLS 2.x ssl.h (-31104); src/sim/tls/mbedtls-errors.ts' },
  { code: -0x7180, name: 'SSL_INVALID_MAC', class: 'tls.handshake-failure', evidence: 'facts §6 (-29056)' },
  { code: -0x7300, name: 'SSL_DECODE_ERROR', class: 'tls.handshake-failure', evidence: 'facts §6 (-29440)' },
  { code: -0x7700, name: 'SSL_UNEXPECTED_MESSAGE', class: 'tls.handshake-failure', evidence: 'facts §6 (-30464)' },
  { code: -0x7800, name: 'SSL_UNRECOGNIZED_NAME', class: 'tls.handshake-failure', evidence: 'facts §6 (-30720)' },
  { code: -0x6e80, name: 'SSL_BAD_PROTOCOL_VERSION', class: 'tls.handshake-failure', evidence: 'facts §6 (-28288)' },
  { code: -0x6c00, name: 'SSL_INTERNAL_ERROR', class: 'tls.handshake-failure', evidence: 'facts §6 (-27648)' },
  { code: -0x7680, name: 'SSL_CA_CHAIN_REQUIRED', class: 'tls.config-rejected', evidence: 'mbedTLS ssl.h (-30336: CERT_REQUIRED without a CA); src/sim/tls/mbedtls-errors.ts' },
  { code: -0x5e80, name: 'SSL_BAD_CONFIG', class: 'tls.config-rejected', evidence: 'facts §5 (set_ciphers), §6 (-24192)' },
  { code: -0x7100, name: 'SSL_BAD_INPUT_DATA', class: 'tls.config-rejected', evidence: 'facts §6 (-28928)' },
  { code: -0x5d80, name: 'SSL_CERTIFICATE_VERIFICATION_WITHOUT_HOSTNAME', class: 'tls.config-rejected', evidence: 'facts §6 (-23936)' },
];

// ---------------------------------------------------------------------------------------------
// Verify flags → verify classes (facts §6 flag table; texts from src/pki/mbedtls/flags.ts)

export type VerifyCategory = 'future' | 'expired' | 'untrusted' | 'hostname' | 'bad-md' | 'bad-key' | 'other';

export const VERIFY_FLAG_CATEGORY: { readonly [K in VerifyFlagName]: VerifyCategory } = {
  BADCERT_EXPIRED: 'expired',
  BADCERT_REVOKED: 'other',
  BADCERT_CN_MISMATCH: 'hostname',
  BADCERT_NOT_TRUSTED: 'untrusted',
  BADCRL_NOT_TRUSTED: 'other',
  BADCRL_EXPIRED: 'other',
  BADCERT_MISSING: 'other',
  BADCERT_SKIP_VERIFY: 'other',
  BADCERT_OTHER: 'other',
  BADCERT_FUTURE: 'future',
  BADCRL_FUTURE: 'other',
  BADCERT_KEY_USAGE: 'other',
  BADCERT_EXT_KEY_USAGE: 'other',
  BADCERT_NS_CERT_TYPE: 'other',
  BADCERT_BAD_MD: 'bad-md',
  BADCERT_BAD_PK: 'bad-key',
  BADCERT_BAD_KEY: 'bad-key',
  BADCRL_BAD_MD: 'other',
  BADCRL_BAD_PK: 'other',
  BADCRL_BAD_KEY: 'other',
};

/**
 * The alert mbedTLS sends when verification fails is chosen from the flags by the first matching
 * group (ssl_tls.c; facts §10; src/pki/mbedtls/alert.ts). So the alert the server received from the
 * board says: some flag of its group is set, and no flag of an earlier group is. For a bare -9984
 * that is the only thing the board itself tells about the flags.
 */
export const VERIFY_ALERT_PRECEDENCE: readonly { readonly alert: string; readonly flags: readonly VerifyFlagName[] }[] = [
  { alert: 'access_denied', flags: ['BADCERT_OTHER'] },
  { alert: 'bad_certificate', flags: ['BADCERT_CN_MISMATCH'] },
  { alert: 'unsupported_certificate', flags: ['BADCERT_KEY_USAGE', 'BADCERT_EXT_KEY_USAGE', 'BADCERT_NS_CERT_TYPE', 'BADCERT_BAD_PK', 'BADCERT_BAD_KEY'] },
  { alert: 'certificate_expired', flags: ['BADCERT_EXPIRED'] },
  { alert: 'certificate_revoked', flags: ['BADCERT_REVOKED'] },
  { alert: 'unknown_ca', flags: ['BADCERT_NOT_TRUSTED'] },
  // Anything else: FUTURE, BAD_MD, MISSING, SKIP_VERIFY, the CRL flags.
  { alert: 'certificate_unknown', flags: [] },
];

/** mbedtls_x509_crt_verify_info's line for bits outside the flag table (facts §6). */
export const UNKNOWN_REASON_TEXT = 'Unknown reason (this should not happen)';

/** verify-info line → flag, for reading the ≥ v1.22 ValueError text. */
export const VERIFY_TEXT_TO_FLAG: ReadonlyMap<string, VerifyFlagName> = new Map(VERIFY_FLAGS.map((flag) => [flag.text, flag.name]));

// ---------------------------------------------------------------------------------------------
// Exceptions that are not mbedTLS codes: matched by type, stage, errno and text, first row wins.

export interface ExceptionRule {
  readonly types?: readonly string[];
  readonly stages?: readonly TlsStage[];
  /** `e.errno` (positive errno, or lwIP's negative status such as -2). */
  readonly errnos?: readonly number[];
  /** Any positive errno (the socket errnos). */
  readonly anyErrno?: boolean;
  readonly text?: RegExp;
  /** The class; `{errno}` is replaced by the errno's name (ETIMEDOUT, or errno-N when it has none). */
  readonly class: string;
  readonly evidence: string;
}

export const TLS_EXCEPTION_RULES: readonly ExceptionRule[] = [
  { types: ['ImportError', 'AttributeError', 'NameError'], class: 'tls.api-unavailable', evidence: 'facts §10 (API by release)' },
  { types: ['TypeError'], text: /extra keyword arguments given|unexpected keyword argument/, class: 'tls.api-unavailable', evidence: 'src/pki/mbedtls/board-error.ts (v1.19.1-88 has no cert_reqs/cadata); facts §10' },
  { types: ['TypeError'], stages: ['api'], class: 'tls.api-unavailable', evidence: 'facts §10' },
  { types: ['OSError'], stages: ['resolve'], class: 'net.dns', evidence: 'facts §4 (getaddrinfo → OSError(-2))' },
  { types: ['OSError'], errnos: [-2], class: 'net.dns', evidence: 'facts §4' },
  { types: ['OSError'], errnos: [12], class: 'tls.alloc', evidence: 'facts §5 (SSL_ALLOC_FAILED → OSError(ENOMEM))' },
  { types: ['MemoryError'], class: 'tls.alloc', evidence: 'facts §5 (heap exhausted)' },
  { types: ['OSError'], stages: ['connect'], anyErrno: true, class: 'net.connect.{errno}', evidence: 'facts §5 (socket errnos); py/mperrno.h' },
  { types: ['OSError'], stages: ['handshake', 'echo'], errnos: [110], class: 'tls.timeout', evidence: 'facts §5 (OSError(110) = socket timeout during the handshake)' },
  { types: ['OSError'], stages: ['handshake', 'echo'], anyErrno: true, class: 'tls.socket.{errno}', evidence: 'facts §5 (socket errnos passed through mbedTLS)' },
  { types: ['ValueError'], text: /^(invalid cert|invalid key|CERT_REQUIRED requires server_hostname)$/, class: 'tls.config-rejected', evidence: 'facts §5' },
];

/** Wi-Fi calls that raise: the class of wifi_connect's `error`. */
export const WIFI_EXCEPTION_CLASS = 'wifi.error';

// ---------------------------------------------------------------------------------------------
// Harness error codes (src/errors.ts) → classes. Order of `HARNESS_PRECEDENCE` decides which wins.

export const HARNESS_CODE_TABLE: ReadonlyMap<string, string> = new Map([
  ['DEVICE_HUNG', 'device-hung'],
  ['TRANSPORT_LOST', 'harness.transport-lost'],
  ['DEVICE_NOT_FOUND', 'harness.transport-lost'],
]);

/** Any other harness error code. */
export const HARNESS_FALLBACK_CLASS = 'harness.error';

/** When several harness findings apply, the first of these wins. */
export const HARNESS_PRECEDENCE: readonly string[] = ['device-hung', 'harness.transport-lost', 'harness.reset-not-verified', 'harness.error'];

// ---------------------------------------------------------------------------------------------
// Family members known up front (ALL_CLASSES lists them; other members are still valid classes).

export const FAMILY_MEMBERS: ReadonlyMap<string, readonly string[]> = new Map([
  ['wifi.timeout@<status>', WIFI_STATUS_TABLE.filter((entry) => entry.value >= 0 && entry.value !== STAT_GOT_IP).map((entry) => entry.constant ?? String(entry.value))],
  ['net.connect.<errno>', SOCKET_ERRNOS.map((errno) => ERRNO_NAMES.get(errno) ?? `errno-${errno}`)],
  ['tls.socket.<errno>', SOCKET_ERRNOS.filter((errno) => errno !== 110).map((errno) => ERRNO_NAMES.get(errno) ?? `errno-${errno}`)],
  ['tls.alert.<name>', [...[...ALERT_NAMES.values()].filter((name) => name !== 'close_notify'), 'unknown']],
]);
