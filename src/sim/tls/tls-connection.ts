import { createPrivateKey } from 'node:crypto';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { alertFor, boardError, flagNames, tlsProfile, verifyChain } from '../../pki/mbedtls/index.js';
import { alertName } from '../../tls/alert-registry.js';
import type { BoardContext } from '../hw/context.js';
import { Errno, PyRaise, osError } from '../hw/py-raise.js';
import { TCP_SND_BUF } from '../net/lwip-constants.js';
import type { NetStack } from '../net/stack.js';
import type { TcpStream } from '../net/stream.js';
import { clientHelloProfile, mbedtlsSuiteName, opensslCipherList } from './client-hello.js';
import {
  SSL_BAD_CERTIFICATE,
  SSL_CA_CHAIN_REQUIRED,
  SSL_CONN_EOF,
  SSL_FATAL_ALERT_MESSAGE,
  SSL_INVALID_MAC,
  SSL_INVALID_RECORD,
  SSL_PEER_CLOSE_NOTIFY,
  genericHandshakeError,
  handshakeError,
  streamError,
} from './mbedtls-errors.js';
import { ServerRecordReader, type ServerRecord } from './server-records.js';

export type VerifyMode = 0 | 1 | 2;

export interface TlsWrapOptions {
  readonly serverHostname?: string;
  readonly verifyMode: VerifyMode;
  /** DER certificates loaded with cadata (checkCadata's result). */
  readonly trusted: readonly Uint8Array[];
  /** load_cert_chain: the client certificate (chain) and key, PEM or DER bytes. */
  readonly clientCert?: { readonly cert: Uint8Array; readonly key: Uint8Array };
}

export type TlsState = 'handshaking' | 'open' | 'closed' | 'failed';

export interface TlsPoll {
  readonly state: TlsState;
  readonly error?: PyRaise;
  readonly readable: number;
  readonly eof: boolean;
  readonly verifyFlags?: number;
  readonly cipher?: readonly [string, string];
}

/** What happened on one wrapped connection (no key material): for tests and reports. */
export interface TlsHandshakeRecord {
  readonly id: number;
  readonly socketId: number;
  readonly profile: string;
  readonly serverHostname: string | null;
  /** The SNI the ClientHello carried. */
  readonly sni: string | null;
  readonly verifyMode: VerifyMode;
  /** The board's RTC when it judged the chain (ISO 8601); null when no Certificate message arrived. */
  readonly boardRtc: string | null;
  /** The host-side port of the connection (the echo server's `remote.port`). */
  readonly hostPort: number | null;
  readonly state: TlsState;
  /** mbedtls_ssl_get_verify_result(): null when the chain was not judged (CERT_NONE, or no certificate yet). */
  readonly verifyFlags: number | null;
  readonly verifyFlagNames: readonly string[];
  readonly alertSent: { readonly name: string; readonly code: number } | null;
  readonly alertReceived: { readonly level: number; readonly code: number; readonly name: string } | null;
  readonly cipher: string | null;
  readonly error: { readonly type: string; readonly args: readonly (number | string)[] } | null;
}

type MutableRecord = { -readonly [K in keyof TlsHandshakeRecord]: TlsHandshakeRecord[K] };

/** MBEDTLS_SSL_OUT_CONTENT_LEN (extmod/mbedtls/mbedtls_config_common.h): one write() sends at most this. */
const OUT_CONTENT_LEN = 4096;
/** MBEDTLS_SSL_IN_CONTENT_LEN: decrypted bytes held for read() before the stream is paused. */
const IN_CONTENT_LEN = 16384;
const ALERT_LEVEL_FATAL = 2;
const ALERT_CLOSE_NOTIFY = 0;

const DNS_NAME = /^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function pemOfCertificates(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('latin1');
  if (text.includes('-----BEGIN ')) return text;
  const base64 = Buffer.from(bytes).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`;
}

/** One mbedTLS client session over a NetStack TCP socket, run by Node's TLS client through a wire tap. */
export class TlsConnection {
  private state: TlsState = 'handshaking';
  private error: PyRaise | undefined;
  private readonly plaintext: Uint8Array[] = [];
  private plainOffset = 0;
  private plainBytes = 0;
  /** Node's TLS client saw the end of the server's stream (close_notify, or the TCP FIN). */
  private tlsEnded = false;
  /** The TCP stream ended (FIN) or died. */
  private wireEnded = false;
  private wireErrno: number | undefined;
  /** An alert record arrived after the handshake (encrypted: close_notify, in practice). */
  private alertAfterHandshake = false;
  private encryptedAlertDuringHandshake = false;
  /** Node's TLS client is finished with the server's stream ('end', or closed after an error). */
  private clientDone = false;
  /** A read error after the handshake, raised once the already-decrypted data has been read. */
  private pendingStreamError: PyRaise | undefined;
  private verifyFlags: number | undefined;
  private cipher: readonly [string, string] | undefined;
  private readonly reader = new ServerRecordReader();
  private readonly client: tls.TLSSocket;
  private readonly wire: Duplex;
  private stream: TcpStream | undefined;
  private readonly toServerEarly: Uint8Array[] = [];
  private readonly fromServerEarly: Uint8Array[] = [];
  private claiming = true;
  private torn = false;
  /**
   * The session let go of its socket (`o->sock = MP_OBJ_NULL` before raising): after a failed
   * handshake, and on v1.22.2 after any read/write error; closing the session then leaves the
   * TCP socket to the application's socket object.
   */
  private socketDetached = false;
  /** The server's leaf certificate (DER), once its Certificate message arrived. */
  peerLeaf: Uint8Array | undefined;
  readonly record: MutableRecord;

  constructor(
    private readonly ctx: BoardContext,
    private readonly net: NetStack,
    readonly id: number,
    readonly socketId: number,
    private readonly options: TlsWrapOptions,
  ) {
    const profile = ctx.profile.name;
    const hello = clientHelloProfile(profile);
    const hostname = options.serverHostname;
    // Model: mbedTLS puts any server_hostname in SNI, IP literals too; Node refuses an IP there, so only DNS names are sent.
    const sni = hostname !== undefined && DNS_NAME.test(hostname) && !IPV4.test(hostname) ? hostname : undefined;
    this.record = {
      id,
      socketId,
      profile,
      serverHostname: hostname ?? null,
      sni: sni ?? null,
      verifyMode: options.verifyMode,
      boardRtc: null,
      hostPort: null,
      state: 'handshaking',
      verifyFlags: null,
      verifyFlagNames: [],
      alertSent: null,
      alertReceived: null,
      cipher: null,
      error: null,
    };
    this.wire = new Duplex({
      allowHalfOpen: true,
      read: () => this.stream?.resume(),
      write: (chunk: Buffer, _encoding, callback) => {
        this.toServer(chunk);
        callback();
      },
      final: (callback) => callback(),
      destroy: (_error, callback) => callback(null),
    });
    this.client = tls.connect({
      socket: this.wire,
      ...(sni === undefined ? {} : { servername: sni }),
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      ciphers: opensslCipherList(hello),
      ecdhCurve: hello.groups.join(':'),
      sigalgs: hello.signatureAlgorithms.join(':'),
      // The board judges the chain (verifyChain at its RTC); Node's own verification is off.
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      ...(options.clientCert === undefined ? {} : { cert: pemOfCertificates(options.clientCert.cert), key: keyPem(options.clientCert.key) }),
    });
    this.client.on('secureConnect', () => this.onSecureConnect());
    this.client.on('data', (chunk: Buffer) => this.onPlaintext(chunk));
    this.client.on('end', () => {
      this.tlsEnded = true;
      this.ctx.wake();
    });
    this.client.on('error', (error: NodeJS.ErrnoException) => this.onClientError(error));
    this.client.on('close', () => {
      this.clientDone = true;
      this.ctx.wake();
    });
  }

  /** Take over the TCP socket (after the constructor, so early server bytes meet a ready client). */
  start(): void {
    try {
      this.stream = this.net.claimStream(this.socketId, {
        data: (chunk) => (this.claiming ? this.fromServerEarly.push(Uint8Array.from(chunk)) : this.fromServer(chunk)),
        end: () => this.onWireEnd(),
        error: (errno) => this.onWireError(errno),
      });
    } catch (error) {
      this.teardown();
      throw error;
    }
    this.record.hostPort = this.stream.hostPort ?? null;
    for (const chunk of this.toServerEarly.splice(0)) this.stream.write(chunk);
    this.claiming = false;
    for (const chunk of this.fromServerEarly.splice(0)) this.fromServer(chunk);
  }

  poll(): TlsPoll {
    this.settleEnd();
    return {
      state: this.state,
      ...(this.error === undefined ? {} : { error: this.error }),
      readable: this.plainBytes,
      eof: this.state === 'open' && this.plainBytes === 0 && this.tlsEnded && this.cleanEnd(),
      ...(this.verifyFlags === undefined ? {} : { verifyFlags: this.verifyFlags }),
      ...(this.cipher === undefined ? {} : { cipher: this.cipher }),
    };
  }

  /**
   * mbedtls_ssl_read: up to `max` bytes of one record; empty after close_notify; null when nothing yet.
   * Model: a record is what Node's TLS client delivers in one 'data' event.
   */
  read(max: number): Uint8Array | null {
    this.settleEnd();
    this.raiseIfUnusable();
    if (this.state === 'handshaking') return null;
    const first = this.plaintext[0];
    if (first === undefined) return this.tlsEnded && this.cleanEnd() ? new Uint8Array(0) : null;
    const take = Math.max(0, Math.min(max, first.length - this.plainOffset));
    const chunk = first.slice(this.plainOffset, this.plainOffset + take);
    this.plainOffset += take;
    this.plainBytes -= take;
    if (this.plainOffset >= first.length) {
      this.plaintext.shift();
      this.plainOffset = 0;
    }
    if (this.plainBytes < IN_CONTENT_LEN && this.client.isPaused()) this.client.resume();
    return chunk;
  }

  /** mbedtls_ssl_write: at most one record (OUT_CONTENT_LEN) and what TCP_SND_BUF has room for; 0 while the handshake runs. */
  write(data: Uint8Array): number {
    this.settleEnd();
    this.raiseIfUnusable();
    if (this.state === 'handshaking' || data.length === 0) return 0;
    // Model: the server has closed its side; mbedTLS still encrypts and lwIP still sends, the bytes go nowhere.
    if (this.tlsEnded) return Math.min(data.length, OUT_CONTENT_LEN);
    const room = TCP_SND_BUF - (this.stream?.queued() ?? 0) - this.client.writableLength;
    const accepted = Math.min(data.length, OUT_CONTENT_LEN, room);
    if (accepted <= 0) return 0;
    this.client.write(Buffer.from(data.subarray(0, accepted)));
    return accepted;
  }

  /** The SSL socket's close: mbedtls_ssl_free (no close_notify) and close of the socket underneath. */
  close(): void {
    if (this.state !== 'failed') this.state = 'closed';
    this.record.state = this.state === 'failed' ? 'failed' : 'closed';
    this.teardown();
    if (!this.socketDetached) this.net.close(this.socketId);
  }

  /**
   * A blocking handshake outlived the socket's timeout: modlwip's recv gave ETIMEDOUT, mbedTLS passed
   * it up as -110 and wrap_socket raises OSError(110), letting go of the socket. Returns that error.
   */
  handshakeTimedOut(): PyRaise {
    if (this.state === 'handshaking') this.fail(handshakeError(-Errno.ETIMEDOUT, this.profile));
    return this.error ?? osError(Errno.ETIMEDOUT);
  }

  /** Stop without sending anything (power loss, or the socket is being closed by NetStack). */
  abandon(): void {
    if (this.state === 'handshaking' || this.state === 'open') this.state = 'closed';
    this.record.state = this.state;
    this.teardown();
  }

  private onSecureConnect(): void {
    if (this.state !== 'handshaking') return;
    this.state = 'open';
    const name = this.client.getCipher()?.name;
    this.cipher = [mbedtlsSuiteName(name ?? ''), 'TLSv1.2'];
    this.record.state = 'open';
    this.record.cipher = this.cipher[0];
    this.ctx.wake();
  }

  private onPlaintext(chunk: Buffer): void {
    if (this.state !== 'open' || chunk.length === 0) return;
    this.plaintext.push(new Uint8Array(chunk));
    this.plainBytes += chunk.length;
    if (this.plainBytes >= IN_CONTENT_LEN) this.client.pause();
    this.ctx.wake();
  }

  private onClientError(error: NodeJS.ErrnoException): void {
    if (this.state === 'handshaking') {
      if (this.wireErrno !== undefined) this.fail(handshakeError(-this.wireErrno, this.profile));
      else if (this.wireEnded) this.fail(handshakeError(SSL_CONN_EOF, this.profile));
      else if (this.encryptedAlertDuringHandshake || /ALERT/.test(error.code ?? '')) this.fail(handshakeError(SSL_FATAL_ALERT_MESSAGE, this.profile));
      else this.fail(genericHandshakeError(this.profile));
      return;
    }
    // Model: after the handshake, a record Node cannot decrypt or authenticate is a MAC failure to mbedTLS.
    if (this.state === 'open' && !this.wireEnded) this.streamFailed(streamError(SSL_INVALID_MAC, this.profile));
  }

  private get profile(): string {
    return this.record.profile;
  }

  private toServer(chunk: Uint8Array): void {
    if (this.torn || this.tlsEnded) return;
    if (this.stream === undefined) this.toServerEarly.push(Uint8Array.from(chunk));
    else this.stream.write(chunk);
  }

  private fromServer(chunk: Uint8Array): void {
    if (this.torn) return;
    const { records, invalid } = this.reader.push(chunk);
    for (const record of records) if (!this.handleRecord(record)) return;
    if (invalid === undefined) return;
    if (this.state === 'handshaking') this.fail(handshakeError(SSL_INVALID_RECORD, this.profile));
    else if (this.state === 'open') this.streamFailed(streamError(SSL_INVALID_RECORD, this.profile));
  }

  /** Inspect one record; forward it to Node's client unless the board stops here. */
  private handleRecord(record: ServerRecord): boolean {
    for (const event of record.events) {
      if (this.state === 'open') {
        if (event.kind === 'encrypted-alert') this.alertAfterHandshake = true;
        continue;
      }
      switch (event.kind) {
        case 'alert':
          // mbedTLS: any fatal alert ends the handshake; a close_notify too; other warnings are skipped.
          if (event.level === ALERT_LEVEL_FATAL || event.description === ALERT_CLOSE_NOTIFY) {
            this.record.alertReceived = { level: event.level, code: event.description, name: alertName(event.description) };
            this.fail(handshakeError(event.level === ALERT_LEVEL_FATAL ? SSL_FATAL_ALERT_MESSAGE : SSL_PEER_CLOSE_NOTIFY, this.profile));
            return false;
          }
          break;
        case 'encrypted-alert':
          this.encryptedAlertDuringHandshake = true;
          break;
        case 'certificate':
          if (!this.judge(event.chain)) return false;
          break;
        case 'change-cipher-spec':
          break;
      }
    }
    if (!this.wire.push(Buffer.from(record.bytes))) this.stream?.pause();
    return true;
  }

  /**
   * mbedTLS's ssl_parse_certificate at the board's RTC: REQUIRED stops at any flag with the alert
   * mbedTLS picks, OPTIONAL carries on and keeps the flags, NONE does not verify.
   */
  private judge(chain: Uint8Array[]): boolean {
    const now = new Date(this.ctx.rtcMs());
    this.record.boardRtc = now.toISOString();
    this.peerLeaf = chain[0];
    const { trusted } = this.options;
    // v1.19.1-88 sets MBEDTLS_SSL_VERIFY_NONE whatever the script asks (no cert_reqs yet).
    const verifyMode = tlsProfile(this.profile).canRequireCertificate ? this.options.verifyMode : 0;
    let flags: number;
    try {
      flags = verifyChain({ chain, trusted, ...(this.options.serverHostname === undefined ? {} : { hostname: this.options.serverHostname }), now, profile: this.profile }).flags;
    } catch {
      // Model: a chain mbedTLS cannot parse fails whatever the verify mode, with bad_certificate.
      this.sendAlert('bad_certificate', 42);
      this.fail(handshakeError(SSL_BAD_CERTIFICATE, this.profile));
      return false;
    }
    if (verifyMode === 0) return true;
    this.verifyFlags = flags;
    this.record.verifyFlags = flags;
    this.record.verifyFlagNames = flagNames(flags);
    if (verifyMode === 1) return true;
    if (trusted.length === 0) {
      // ssl_parse_certificate_verify: REQUIRED without any CA → MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED, alert from the flags.
      const alert = alertFor(flags);
      if (alert !== undefined) this.sendAlert(alert.name, alert.code);
      this.fail(handshakeError(SSL_CA_CHAIN_REQUIRED, this.profile));
      return false;
    }
    const raised = boardError(flags, this.profile);
    if (raised === undefined) return true;
    const alert = alertFor(flags);
    if (alert !== undefined) this.sendAlert(alert.name, alert.code);
    this.fail(new PyRaise(raised.type, raised.args));
    return false;
  }

  /** The plaintext fatal alert record mbedTLS writes (TLS 1.2 record version). */
  private sendAlert(name: string, code: number): void {
    this.record.alertSent = { name, code };
    this.stream?.write(Uint8Array.from([0x15, 0x03, 0x03, 0x00, 0x02, ALERT_LEVEL_FATAL, code]));
  }

  private onWireEnd(): void {
    this.wireEnded = true;
    if (this.torn) return;
    this.wire.push(null);
    this.ctx.wake();
  }

  private onWireError(errno: number): void {
    this.wireEnded = true;
    this.wireErrno = errno;
    if (this.state === 'handshaking') this.fail(handshakeError(-errno, this.profile));
    else if (this.state === 'open') this.streamFailed(streamError(-errno, this.profile));
  }

  /** After the handshake the TCP stream ended without close_notify: mbedTLS reads CONN_EOF once the data is consumed. */
  private settleEnd(): void {
    if (this.state !== 'open' || this.plainBytes > 0) return;
    if (this.pendingStreamError !== undefined) this.failStream(this.pendingStreamError);
    else if (this.wireEnded && (this.tlsEnded || this.clientDone) && !this.cleanEnd()) this.failStream(streamError(SSL_CONN_EOF, this.profile));
  }

  private streamFailed(error: PyRaise): void {
    this.pendingStreamError ??= error;
    this.settleEnd();
    this.ctx.wake();
  }

  private cleanEnd(): boolean {
    return this.alertAfterHandshake;
  }

  private raiseIfUnusable(): void {
    if (this.state === 'failed') throw this.error ?? osError(Errno.EBADF);
    if (this.state === 'closed') throw osError(Errno.EBADF);
  }

  /** The handshake failed: the board raises `error`; the TCP socket stays open under the application's socket object. */
  private fail(error: PyRaise): void {
    if (this.state !== 'handshaking') return;
    this.state = 'failed';
    this.socketDetached = true;
    this.error = error;
    this.record.state = 'failed';
    this.record.error = { type: error.type, args: [...error.args] };
    this.teardown();
    this.ctx.wake();
  }

  /** A read/write error after the handshake (sticky, as modtls's last_error). */
  private failStream(error: PyRaise): void {
    if (this.state !== 'open') return;
    this.plaintext.length = 0;
    this.plainBytes = 0;
    this.state = 'failed';
    this.socketDetached = this.profile === 'v1.22.2' && error.args[0] !== SSL_CONN_EOF;
    this.error = error;
    this.record.state = 'failed';
    this.record.error = { type: error.type, args: [...error.args] };
    this.teardown();
    this.ctx.wake();
  }

  private teardown(): void {
    if (this.torn) return;
    this.torn = true;
    this.client.removeAllListeners('data');
    this.client.on('error', () => undefined);
    this.client.destroy();
    this.wire.destroy();
    this.stream?.release();
  }
}

/** A private key for Node from what load_cert_chain got (PEM text, or DER PKCS#8 / SEC1 / PKCS#1). */
function keyPem(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('latin1');
  if (text.includes('-----BEGIN ')) return text;
  return derKeyToPem(bytes);
}


export function derKeyToPem(bytes: Uint8Array): string {
  const der = Buffer.from(bytes);
  for (const type of ['pkcs8', 'sec1', 'pkcs1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type }).export({ format: 'pem', type: 'pkcs8' }).toString();
    } catch {
      // Try the next encoding.
    }
  }
  throw new PyRaise('ValueError', ['invalid key']);
}
