import { createPrivateKey } from 'node:crypto';
import { missingHostnameError, parseCadata, tlsProfile } from '../../pki/mbedtls/index.js';
import type { BoardContext } from '../hw/context.js';
import { Errno, PyRaise, osError, valueError } from '../hw/py-raise.js';
import type { NetShutdown, NetStack } from '../net/stack.js';
import { clientHelloProfile } from './client-hello.js';
import { TlsConnection, derKeyToPem, type TlsHandshakeRecord, type TlsPoll, type TlsWrapOptions } from './tls-connection.js';

/** Model: how many finished connections history() keeps (the oldest are dropped). */
const HISTORY_LIMIT = 256;

/**
 * The board's mbedTLS client (extmod/modtls_mbedtls.c and its predecessors) as a main-thread model.
 * A handshake runs in Node's TLS client, restricted to what this firmware's mbedTLS offers
 * (TLS 1.2, its suites and curves), over a tap on the NetStack TCP socket; the tap reads the
 * server's records and the BOARD judges the certificate chain at its own RTC with the
 * verification model, sending mbedTLS's alert and raising the firmware's error when it rejects it.
 * Methods return at once; the CPU side polls and waits for `ctx.wake()`.
 */
export class BoardTls {
  private readonly connections = new Map<number, TlsConnection>();
  private readonly finished: TlsHandshakeRecord[] = [];
  private nextId = 1;

  constructor(
    private readonly ctx: BoardContext,
    private readonly net: NetStack,
  ) {}

  /**
   * `load_verify_locations(cadata=)` / `wrap_socket(cadata=)`: the DER certificates this firmware's
   * mbedtls_x509_crt_parse accepts, or ValueError('invalid cert') (facts §5).
   */
  checkCadata(bytes: Uint8Array): Uint8Array[] {
    const result = parseCadata(bytes, this.ctx.profile.name);
    if ('error' in result) throw valueError('invalid cert');
    return result.certificates;
  }

  /**
   * `load_cert_chain(cert, key)`: ValueError('invalid cert') / ValueError('invalid key') as
   * mbedtls_x509_crt_parse / mbedtls_pk_parse_key fail (facts §5). Model: the key is parsed by
   * Node's crypto (PEM, or DER PKCS#8 / SEC1 / PKCS#1), not by mbedTLS.
   */
  checkClientCert(cert: Uint8Array, key: Uint8Array): void {
    this.checkCadata(cert);
    const text = Buffer.from(key).toString('latin1');
    try {
      if (text.includes('-----BEGIN ')) createPrivateKey(text);
      else derKeyToPem(key);
    } catch {
      throw valueError('invalid key');
    }
  }

  /**
   * Wrap the connected TCP socket `socketId` and start the handshake (poll for its outcome). Raises
   * before the handshake what wrap_socket raises there: CERT_REQUIRED without server_hostname
   * (from v1.22), a socket that is not connected.
   */
  wrap(socketId: number, options: TlsWrapOptions): number {
    if (options.verifyMode === 2 && options.serverHostname === undefined) {
      const before = missingHostnameError(this.ctx.profile.name);
      if (before !== undefined) throw new PyRaise(before.type, before.args);
    }
    if (options.clientCert !== undefined) this.checkClientCert(options.clientCert.cert, options.clientCert.key);
    const id = this.nextId++;
    const connection = new TlsConnection(this.ctx, this.net, id, socketId, options);
    connection.start();
    this.connections.set(id, connection);
    return id;
  }

  poll(id: number): TlsPoll {
    return this.connection(id).poll();
  }

  read(id: number, max: number): Uint8Array | null {
    return this.connection(id).read(max);
  }

  write(id: number, data: Uint8Array): number {
    return this.connection(id).write(data);
  }

  /**
   * The CPU side gave up waiting for the handshake (the socket's timeout, in board time): the
   * session fails with OSError(ETIMEDOUT) and leaves the TCP socket open; returns the error to raise.
   */
  handshakeTimedOut(id: number): PyRaise {
    return this.connection(id).handshakeTimedOut();
  }

  /**
   * SSLSocket.close(): frees the session and closes the TCP socket under it (no close_notify) —
   * except after a failed handshake, when the session had already let go of the socket.
   */
  close(id: number): void {
    const connection = this.connections.get(id);
    if (connection === undefined) return;
    this.connections.delete(id);
    connection.close();
    this.keep(connection.record);
  }

  /**
   * Every session ends. Call before NetStack.closeAll(how): on a soft reset the finalisers free the
   * sessions (no close_notify) and NetStack closes the sockets; on a power cut nothing is sent.
   */
  closeAll(how: NetShutdown = 'soft-reset'): void {
    for (const [id, connection] of [...this.connections]) {
      this.connections.delete(id);
      if (how === 'soft-reset') connection.close();
      else connection.abandon();
      this.keep(connection.record);
    }
  }

  /**
   * SSLContext.get_ciphers(): the suites this firmware's mbedTLS offers, by its names, in its
   * preference order (mbedtls_ssl_list_ciphersuites).
   */
  cipherNames(): string[] {
    return [...clientHelloProfile(this.ctx.profile.name).suites];
  }

  /**
   * SSLSocket.getpeercert(True) where the firmware has it (≤ v1.21): the server's leaf DER with
   * mbedTLS 2.16 (it always keeps the peer certificate), undefined with 2.28 (MicroPython's config
   * lacks MBEDTLS_SSL_KEEP_PEER_CERTIFICATE, mbedtls_ssl_get_peer_cert returns NULL) or before the
   * Certificate message.
   */
  peerCertificate(id: number): Uint8Array | undefined {
    const connection = this.connection(id);
    return tlsProfile(this.ctx.profile.name).mbedtlsVersion.startsWith('2.16') ? connection.peerLeaf : undefined;
  }

  /** What happened on each connection, oldest first: finished ones, then the open ones. */
  history(): TlsHandshakeRecord[] {
    return [...this.finished, ...[...this.connections.values()].map((connection) => connection.record)].map((record) => ({ ...record }));
  }

  private connection(id: number): TlsConnection {
    const connection = this.connections.get(id);
    if (connection === undefined) throw osError(Errno.EBADF);
    return connection;
  }

  private keep(record: TlsHandshakeRecord): void {
    this.finished.push({ ...record });
    if (this.finished.length > HISTORY_LIMIT) this.finished.splice(0, this.finished.length - HISTORY_LIMIT);
  }
}
