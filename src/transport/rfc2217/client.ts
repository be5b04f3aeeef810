import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { TransportLostError, TransportOpenError } from '../../errors.js';
import { fromUtf8 } from '../../util/bytes.js';
import { ReceiveQueue } from '../receive-queue.js';
import { connectTcpSocket, endSocket, writeSocket } from '../tcp.js';
import type { Transport, TransportInfo } from '../transport.js';
import { OptionNegotiator, type OptionChange } from './negotiation.js';
import {
  ComPortCommand,
  Control,
  Parity,
  Purge,
  SERVER_OFFSET,
  StopSize,
  TelnetOption,
  commandName,
  readUint32,
  uint32,
  type NegotiationVerb,
} from './protocol.js';
import { TelnetParser, encodeNegotiation, encodeSubnegotiation, escapeIac } from './telnet-codec.js';

export interface Rfc2217OpenOptions {
  readonly host: string;
  readonly port: number;
  /** TCP connect timeout (ms, default 5000). */
  readonly connectTimeoutMs?: number;
  /** Telnet negotiation plus the line-setting acks (ms, default 3000, as pyserial). */
  readonly negotiationTimeoutMs?: number;
  /** Line settings sent on open; a USB CDC board ignores them but the server sets its tty (default 115200 8N1). */
  readonly baudRate?: number;
  /**
   * A server that speaks telnet but refuses COM-PORT-OPTION (ser2net `telnet` without `rfc2217`):
   * `error` (default) fails the open; `telnet-data` carries on with plain telnet data and emits a warning.
   */
  readonly withoutComPort?: 'error' | 'telnet-data';
}

export interface Rfc2217Events {
  /** Something the user should hear about that does not stop the transport (an unexpected ack value, a fallback). */
  warning: [message: string];
  /** NOTIFY-LINESTATE / NOTIFY-MODEMSTATE from the server. */
  linestate: [state: number];
  modemstate: [state: number];
}

/** What the telnet/RFC 2217 negotiation settled, for diagnostics and `describe`. */
export interface Rfc2217Session {
  readonly comPort: boolean;
  readonly binary: { readonly local: boolean; readonly remote: boolean };
  /** The server's SIGNATURE answer (ser2net says `ser2net`), when it gave one. */
  readonly signature: string | undefined;
  readonly baudRate: number | undefined;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const DEFAULT_NEGOTIATION_TIMEOUT_MS = 3000;
const DEFAULT_CONTROL_TIMEOUT_MS = 1000;
const DEFAULT_BAUD_RATE = 115_200;

const LOCAL_OPTIONS = new Set<number>([TelnetOption.BINARY, TelnetOption.SGA, TelnetOption.COM_PORT]);
/** No ECHO: the server echoing our bytes back would corrupt a byte pipe. */
const REMOTE_OPTIONS = new Set<number>([TelnetOption.BINARY, TelnetOption.SGA]);
/** The settings pyserial also insists on: their acks prove the server runs RFC 2217. */
const REQUIRED_ACKS: readonly number[] = [ComPortCommand.SET_BAUDRATE, ComPortCommand.SET_DATASIZE, ComPortCommand.SET_PARITY, ComPortCommand.SET_STOPSIZE];

interface AckWaiter {
  resolve(value: Uint8Array | undefined): void;
}

export function rfc2217Url(host: string, port: number): string {
  return `rfc2217://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * A serial port behind an RFC 2217 server (ser2net `telnet(rfc2217)`, pyserial's server,
 * `picow-harness sim --rfc2217`): telnet option negotiation, COM-PORT-OPTION line settings,
 * DTR/RTS and purges, with 0xFF data bytes doubled both ways.
 */
export class Rfc2217Transport extends EventEmitter<Rfc2217Events> implements Transport {
  readonly info: TransportInfo;
  private readonly queue: ReceiveQueue;
  private readonly parser: TelnetParser;
  private readonly negotiator: OptionNegotiator;
  private readonly acks = new Map<number, Uint8Array>();
  private readonly ackWaiters = new Map<number, AckWaiter[]>();
  private readonly optionListeners = new Set<(change: OptionChange) => void>();
  private open = true;
  private sawTelnet = false;
  private signatureText: string | undefined;
  private lastLinestate: number | undefined;
  private lastModemstate: number | undefined;
  private suspendedByServer = false;
  private readonly warningList: string[] = [];

  private constructor(private readonly socket: Socket, url: string) {
    super();
    this.info = { kind: 'rfc2217', port: url, serialNumber: undefined };
    this.queue = new ReceiveQueue(url);
    this.negotiator = new OptionNegotiator(
      LOCAL_OPTIONS,
      REMOTE_OPTIONS,
      (verb, option) => this.sendRaw(encodeNegotiation(verb, option)),
      (change) => {
        for (const listener of this.optionListeners) listener(change);
      },
    );
    this.parser = new TelnetParser({
      data: (bytes) => this.queue.push(bytes.slice()),
      negotiate: (verb: NegotiationVerb, option: number) => {
        this.sawTelnet = true;
        this.negotiator.receive(verb, option);
      },
      subnegotiation: (option, payload) => {
        this.sawTelnet = true;
        if (option === TelnetOption.COM_PORT) this.onComPort(payload);
      },
    });
    socket.on('data', (chunk: Buffer) => this.parser.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    socket.on('close', () => this.lost('connection closed by the server'));
    socket.on('error', (error) => this.lost(`connection failed: ${error.message}`, error));
  }

  /**
   * Connect and negotiate. Throws `TransportOpenError` naming what went wrong: refused, no
   * connection in time, the server hung up (quoting what it said), or which part of the RFC 2217
   * negotiation it never answered.
   */
  static async open(options: Rfc2217OpenOptions): Promise<Rfc2217Transport> {
    const url = rfc2217Url(options.host, options.port);
    const socket = await connectTcpSocket(options.host, options.port, url, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, (error) =>
      connectReason(options.host, options.port, error),
    );
    const transport = new Rfc2217Transport(socket, url);
    try {
      await transport.negotiate(options);
      return transport;
    } catch (error) {
      await transport.close();
      throw error;
    }
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** What the negotiation settled. */
  get session(): Rfc2217Session {
    const baud = this.acks.get(ComPortCommand.SET_BAUDRATE);
    return {
      comPort: this.negotiator.localState(TelnetOption.COM_PORT) === 'yes',
      binary: {
        local: this.negotiator.localState(TelnetOption.BINARY) === 'yes',
        remote: this.negotiator.remoteState(TelnetOption.BINARY) === 'yes',
      },
      signature: this.signatureText,
      baudRate: baud === undefined ? undefined : readUint32(baud),
    };
  }

  /** Every warning so far, including those from the negotiation inside `open`. */
  get warnings(): readonly string[] {
    return this.warningList;
  }

  /** The last NOTIFY-LINESTATE / NOTIFY-MODEMSTATE values the server sent. */
  get linestate(): number | undefined {
    return this.lastLinestate;
  }

  get modemstate(): number | undefined {
    return this.lastModemstate;
  }

  /** True while the server asked us (FLOWCONTROL-SUSPEND) to stop sending. Recorded, not enforced. */
  get serverSuspended(): boolean {
    return this.suspendedByServer;
  }

  async write(data: Uint8Array): Promise<void> {
    this.requireOpen();
    await writeSocket(this.socket, this.info.port, escapeIac(data));
  }

  read(signal?: AbortSignal): Promise<Uint8Array> {
    return this.queue.read(signal);
  }

  drain(): Uint8Array {
    return this.queue.drain();
  }

  /**
   * Send SET-CONTROL and wait up to `timeoutMs` for the server's answer; resolves with the
   * value it answered, or undefined when it did not (ser2net does not answer DTR/RTS on a PTY).
   */
  async setControl(value: number, timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS): Promise<number | undefined> {
    this.requireOpen();
    const answer = await this.command(ComPortCommand.SET_CONTROL, Uint8Array.of(value), timeoutMs);
    return answer?.[0];
  }

  /** Raise or drop DTR; true when the server acknowledged it. */
  async setDtr(on: boolean, timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS): Promise<boolean> {
    const wanted = on ? Control.DTR_ON : Control.DTR_OFF;
    return (await this.setControl(wanted, timeoutMs)) === wanted;
  }

  async setRts(on: boolean, timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS): Promise<boolean> {
    const wanted = on ? Control.RTS_ON : Control.RTS_OFF;
    return (await this.setControl(wanted, timeoutMs)) === wanted;
  }

  /** Ask the server to drop buffered data (`Purge.RECEIVE` = from the device); true when acknowledged. */
  async purge(which: number = Purge.BOTH, timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS): Promise<boolean> {
    this.requireOpen();
    const answer = await this.command(ComPortCommand.PURGE_DATA, Uint8Array.of(which), timeoutMs);
    return answer?.[0] === which;
  }

  /** Set the server's baud rate; resolves with the rate it reports (0 asks without changing), undefined without an answer. */
  async setBaudRate(rate: number, timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS): Promise<number | undefined> {
    this.requireOpen();
    const answer = await this.command(ComPortCommand.SET_BAUDRATE, uint32(rate), timeoutMs);
    return answer === undefined ? undefined : readUint32(answer);
  }

  async close(): Promise<void> {
    if (!this.open && this.socket.destroyed) return;
    this.open = false;
    this.queue.fail(new TransportLostError(this.info.port, 'closed'));
    this.releaseAckWaiters();
    await endSocket(this.socket);
  }

  // ---- negotiation ----

  private async negotiate(options: Rfc2217OpenOptions): Promise<void> {
    const timeoutMs = options.negotiationTimeoutMs ?? DEFAULT_NEGOTIATION_TIMEOUT_MS;
    const deadline = performance.now() + timeoutMs;
    this.negotiator.offer(TelnetOption.BINARY);
    this.negotiator.request(TelnetOption.BINARY);
    this.negotiator.offer(TelnetOption.SGA);
    this.negotiator.request(TelnetOption.SGA);
    this.negotiator.offer(TelnetOption.COM_PORT);
    const comPort = await this.waitForComPort(deadline, timeoutMs);
    if (!comPort) {
      const message = `the server refused COM-PORT-OPTION (a plain telnet port; ser2net needs "accepter: telnet(rfc2217),tcp,…")`;
      if (options.withoutComPort !== 'telnet-data') throw new TransportOpenError(this.info.port, message);
      this.warn(`${this.info.port}: ${message}; carrying on with plain telnet data (no line settings, no DTR/RTS)`);
      return;
    }
    if (!this.open) throw this.openFailure('during RFC 2217 negotiation');
    const baudRate = options.baudRate ?? DEFAULT_BAUD_RATE;
    // Asked first so that, as servers answer in order, the signature is known when the settings are.
    this.sendCommand(ComPortCommand.SIGNATURE, new Uint8Array(0));
    const required = [
      this.command(ComPortCommand.SET_BAUDRATE, uint32(baudRate), deadline - performance.now()),
      this.command(ComPortCommand.SET_DATASIZE, Uint8Array.of(8), deadline - performance.now()),
      this.command(ComPortCommand.SET_PARITY, Uint8Array.of(Parity.NONE), deadline - performance.now()),
      this.command(ComPortCommand.SET_STOPSIZE, Uint8Array.of(StopSize.ONE), deadline - performance.now()),
    ];
    // Not waited for: some servers never answer them (ser2net on a PTY ignores DTR/RTS).
    this.sendCommand(ComPortCommand.SET_CONTROL, Uint8Array.of(Control.FLOW_NONE));
    this.sendCommand(ComPortCommand.SET_CONTROL, Uint8Array.of(Control.DTR_ON));
    this.sendCommand(ComPortCommand.SET_CONTROL, Uint8Array.of(Control.RTS_ON));
    const answers = await Promise.all(required);
    if (!this.open) throw this.openFailure('during RFC 2217 negotiation');
    const missing = REQUIRED_ACKS.filter((_, index) => answers[index] === undefined).map(commandName);
    if (missing.length > 0) {
      throw new TransportOpenError(
        this.info.port,
        `the server accepted COM-PORT-OPTION but never acknowledged ${missing.join(', ')} within ${timeoutMs} ms`,
      );
    }
    const rate = answers[0] === undefined ? undefined : readUint32(answers[0]);
    if (rate !== baudRate) this.warn(`${this.info.port}: asked for ${baudRate} baud, the server runs at ${rate ?? '?'} baud`);
  }

  /** True once the server agreed to COM-PORT-OPTION, false when it refused; throws on timeout or hang-up. */
  private waitForComPort(deadline: number, timeoutMs: number): Promise<boolean> {
    const state = (): boolean | undefined => {
      const local = this.negotiator.localState(TelnetOption.COM_PORT);
      return local === 'yes' ? true : local === 'no' ? false : undefined;
    };
    const now = state();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const finish = (outcome: () => void): void => {
        clearTimeout(timer);
        this.optionListeners.delete(onChange);
        this.socket.off('close', onClose);
        outcome();
      };
      const onChange = (): void => {
        const settled = state();
        if (settled !== undefined) finish(() => resolve(settled));
      };
      const onClose = (): void => finish(() => reject(this.openFailure('during telnet negotiation')));
      const timer = setTimeout(() => {
        const what = this.sawTelnet
          ? 'the server negotiated telnet but never answered COM-PORT-OPTION (WILL 44)'
          : 'the server sent no telnet negotiation at all (a raw TCP port? then use tcp://)';
        finish(() => reject(new TransportOpenError(this.info.port, `${what} within ${timeoutMs} ms`)));
      }, Math.max(0, deadline - performance.now()));
      this.optionListeners.add(onChange);
      this.socket.once('close', onClose);
    });
  }

  private warn(message: string): void {
    this.warningList.push(message);
    this.emit('warning', message);
  }

  private openFailure(when: string): TransportOpenError {
    const said = fromUtf8(this.queue.drain()).trim().replace(/\s*\n\s*/g, ' ');
    return new TransportOpenError(this.info.port, `the server closed the connection ${when}${said === '' ? '' : ` saying "${said.slice(0, 200)}"`}`);
  }

  // ---- COM-PORT-OPTION ----

  private onComPort(payload: Uint8Array): void {
    const code = payload[0];
    if (code === undefined) return;
    const value = payload.subarray(1);
    if (code < SERVER_OFFSET) return; // a client-side command from a server: not ours to answer
    const command = code - SERVER_OFFSET;
    switch (command) {
      case ComPortCommand.SIGNATURE:
        this.signatureText = fromUtf8(value);
        break;
      case ComPortCommand.NOTIFY_LINESTATE:
        this.lastLinestate = value[0];
        if (value[0] !== undefined) this.emit('linestate', value[0]);
        return;
      case ComPortCommand.NOTIFY_MODEMSTATE:
        this.lastModemstate = value[0];
        if (value[0] !== undefined) this.emit('modemstate', value[0]);
        return;
      case ComPortCommand.FLOWCONTROL_SUSPEND:
        this.suspendedByServer = true;
        return;
      case ComPortCommand.FLOWCONTROL_RESUME:
        this.suspendedByServer = false;
        return;
      default:
        break;
    }
    this.acks.set(command, value.slice());
    const waiters = this.ackWaiters.get(command);
    const waiter = waiters?.shift();
    waiter?.resolve(value.slice());
  }

  private sendCommand(command: number, value: Uint8Array): void {
    this.sendRaw(encodeSubnegotiation(TelnetOption.COM_PORT, command, value));
  }

  /** Send a command and wait up to `timeoutMs` for its ack; undefined without one (or once the connection is gone). */
  private command(command: number, value: Uint8Array, timeoutMs: number): Promise<Uint8Array | undefined> {
    if (!this.open) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiters = this.ackWaiters.get(command) ?? [];
      this.ackWaiters.set(command, waiters);
      const waiter: AckWaiter = {
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
      };
      const timer = setTimeout(() => {
        const at = waiters.indexOf(waiter);
        if (at >= 0) waiters.splice(at, 1);
        resolve(undefined);
      }, Math.max(0, timeoutMs));
      waiters.push(waiter);
      this.sendCommand(command, value);
    });
  }

  private releaseAckWaiters(): void {
    for (const waiters of this.ackWaiters.values()) for (const waiter of waiters.splice(0)) waiter.resolve(undefined);
  }

  // ---- socket ----

  private requireOpen(): void {
    if (!this.open) throw new TransportLostError(this.info.port, 'connection is closed');
  }

  private sendRaw(bytes: Uint8Array): void {
    if (this.open && !this.socket.destroyed) this.socket.write(bytes);
  }

  private lost(reason: string, cause?: Error): void {
    if (!this.open) return;
    this.open = false;
    this.queue.fail(new TransportLostError(this.info.port, reason, cause));
    this.releaseAckWaiters();
  }
}

function connectReason(host: string, port: number, error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return `connection refused by ${host}:${port} (is the server running?)`;
  if (error.code === 'ENOTFOUND') return `host ${host} not found (${error.message})`;
  return error.message;
}
