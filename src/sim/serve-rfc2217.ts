import type { AddressInfo, Socket } from 'node:net';
import { rfc2217Url } from '../transport/rfc2217/client.js';
import { OptionNegotiator } from '../transport/rfc2217/negotiation.js';
import {
  ComPortCommand,
  Control,
  IDLE_LINESTATE,
  ModemState,
  Parity,
  Purge,
  SERVER_OFFSET,
  StopSize,
  TelnetOption,
  readUint32,
  uint32,
} from '../transport/rfc2217/protocol.js';
import { TelnetParser, encodeNegotiation, encodeSubnegotiation, escapeIac } from '../transport/rfc2217/telnet-codec.js';
import type { SimBoard } from './board.js';
import { CdcSocketHost, OneClientBoardServer, type OneClientServerEvents } from './host/one-client-server.js';

export interface ServeRfc2217Options {
  /** Loopback by default: the simulated board has no authentication. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
}

export interface Rfc2217ServerEvents extends OneClientServerEvents {
  /** A SET-CONTROL the client sent (DTR/RTS/flow/break), after it was applied. */
  control: [{ remote: string; value: number }];
}

/** The line settings a client set; a USB CDC board ignores them, as a Pico's does. */
export interface LineSettings {
  baudRate: number;
  dataSize: number;
  parity: number;
  stopSize: number;
  flow: number;
  rts: boolean;
  breakOn: boolean;
}

/** USB CDC lines a Pico reports: no modem, so DSR, CTS and carrier are simply on. */
const MODEM_STATE = ModemState.CTS | ModemState.DSR | ModemState.CD;
const SIGNATURE_PREFIX = 'picow-harness sim';

/**
 * One telnet client as the USB host of the board: data both ways with IAC doubling, option
 * negotiation, and COM-PORT-OPTION commands answered with command + 100. SET-CONTROL DTR drives the
 * board's CDC DTR (with DTR clear the board keeps its output in the small TX FIFO, as a Pico does).
 */
class TelnetHost extends CdcSocketHost {
  private suspended = false;
  private held: Uint8Array[] = [];
  private readonly negotiator: OptionNegotiator;
  private readonly parser: TelnetParser;
  readonly settings: LineSettings = { baudRate: 115_200, dataSize: 8, parity: Parity.NONE, stopSize: StopSize.ONE, flow: Control.FLOW_NONE, rts: true, breakOn: false };
  private modemstateMask = 0xff;
  /** DTR as this client set it; attaching raised it, as opening a tty does. */
  private dtr = true;

  constructor(
    board: SimBoard,
    socket: Socket,
    remote: string,
    onGone: (host: CdcSocketHost, reason: string) => void,
    private readonly signature: string,
    private readonly onControl: (value: number) => void,
  ) {
    super(board, socket, remote, onGone);
    const options = new Set<number>([TelnetOption.BINARY, TelnetOption.SGA, TelnetOption.COM_PORT]);
    this.negotiator = new OptionNegotiator(
      new Set([TelnetOption.BINARY, TelnetOption.SGA]),
      options,
      (verb, option) => this.send(encodeNegotiation(verb, option)),
      (change) => {
        if (change.side === 'remote' && change.option === TelnetOption.COM_PORT && change.state === 'yes') this.notifyModemState();
      },
    );
    this.parser = new TelnetParser({
      data: (bytes) => this.toBoard(bytes.slice()),
      negotiate: (verb, option) => this.negotiator.receive(verb, option),
      subnegotiation: (option, payload) => {
        if (option === TelnetOption.COM_PORT) this.onComPort(payload);
      },
    });
    this.negotiator.offer(TelnetOption.BINARY);
    this.negotiator.request(TelnetOption.BINARY);
    this.negotiator.offer(TelnetOption.SGA);
    this.negotiator.request(TelnetOption.SGA);
    this.negotiator.request(TelnetOption.COM_PORT);
  }

  deliver(data: Uint8Array): void {
    if (this.suspended && !this.clientGone) {
      this.held.push(data);
      return;
    }
    this.forward(data, escapeIac);
  }

  protected received(bytes: Uint8Array): void {
    this.parser.push(bytes);
  }

  private send(bytes: Uint8Array): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }

  private answer(command: number, value: Uint8Array): void {
    this.send(encodeSubnegotiation(TelnetOption.COM_PORT, command + SERVER_OFFSET, value));
  }

  private notifyModemState(): void {
    this.answer(ComPortCommand.NOTIFY_MODEMSTATE, Uint8Array.of(MODEM_STATE & this.modemstateMask));
  }

  private onComPort(payload: Uint8Array): void {
    const command = payload[0];
    if (command === undefined || command >= SERVER_OFFSET) return;
    const value = payload.subarray(1);
    const byte = value[0];
    const settings = this.settings;
    switch (command) {
      case ComPortCommand.SIGNATURE:
        // An empty SIGNATURE asks for ours; a non-empty one is the client's, and needs no answer.
        if (value.length === 0) this.answer(command, new TextEncoder().encode(this.signature));
        return;
      case ComPortCommand.SET_BAUDRATE: {
        const rate = readUint32(value);
        if (rate !== undefined && rate !== 0) settings.baudRate = rate;
        this.answer(command, uint32(settings.baudRate));
        return;
      }
      case ComPortCommand.SET_DATASIZE:
        if (byte !== undefined && byte >= 5 && byte <= 8) settings.dataSize = byte;
        this.answer(command, Uint8Array.of(settings.dataSize));
        return;
      case ComPortCommand.SET_PARITY:
        if (byte !== undefined && byte >= Parity.NONE && byte <= Parity.SPACE) settings.parity = byte;
        this.answer(command, Uint8Array.of(settings.parity));
        return;
      case ComPortCommand.SET_STOPSIZE:
        if (byte !== undefined && byte >= StopSize.ONE && byte <= StopSize.ONE_AND_HALF) settings.stopSize = byte;
        this.answer(command, Uint8Array.of(settings.stopSize));
        return;
      case ComPortCommand.SET_CONTROL:
        if (byte !== undefined) this.answer(command, Uint8Array.of(this.control(byte)));
        return;
      case ComPortCommand.NOTIFY_LINESTATE:
        this.answer(command, Uint8Array.of(IDLE_LINESTATE));
        return;
      case ComPortCommand.NOTIFY_MODEMSTATE:
        this.notifyModemState();
        return;
      case ComPortCommand.FLOWCONTROL_SUSPEND:
        this.suspended = true;
        return;
      case ComPortCommand.FLOWCONTROL_RESUME:
        this.resume();
        return;
      case ComPortCommand.SET_LINESTATE_MASK:
        // Line states never change on a USB CDC port, so there is nothing the mask could let through.
        this.answer(command, Uint8Array.of(byte ?? 0));
        return;
      case ComPortCommand.SET_MODEMSTATE_MASK:
        this.modemstateMask = byte ?? 0xff;
        this.answer(command, Uint8Array.of(this.modemstateMask));
        return;
      case ComPortCommand.PURGE_DATA:
        // Receive buffer = board output not yet sent to the client (only held while suspended).
        if (byte === Purge.RECEIVE || byte === Purge.BOTH) this.dropHeld();
        this.answer(command, Uint8Array.of(byte ?? 0));
        return;
      default:
        return;
    }
  }

  /** Apply a SET-CONTROL value and return the answer RFC 2217 prescribes. */
  private control(value: number): number {
    const settings = this.settings;
    let answer = value;
    switch (value) {
      case Control.REQUEST_FLOW:
        answer = settings.flow;
        break;
      case Control.FLOW_NONE:
      case Control.FLOW_XONXOFF:
      case Control.FLOW_HARDWARE:
        settings.flow = value;
        break;
      case Control.REQUEST_BREAK:
        answer = settings.breakOn ? Control.BREAK_ON : Control.BREAK_OFF;
        break;
      case Control.BREAK_ON:
      case Control.BREAK_OFF:
        settings.breakOn = value === Control.BREAK_ON;
        break;
      case Control.REQUEST_DTR:
        answer = this.dtr ? Control.DTR_ON : Control.DTR_OFF;
        break;
      case Control.DTR_ON:
      case Control.DTR_OFF:
        this.dtr = value === Control.DTR_ON;
        this.board.cdc.setDtr(this.dtr);
        break;
      case Control.REQUEST_RTS:
        answer = settings.rts ? Control.RTS_ON : Control.RTS_OFF;
        break;
      case Control.RTS_ON:
      case Control.RTS_OFF:
        settings.rts = value === Control.RTS_ON;
        break;
      default:
        break;
    }
    this.onControl(value);
    return answer;
  }

  private resume(): void {
    this.suspended = false;
    const held = this.held;
    this.held = [];
    for (const data of held) this.deliver(data);
  }

  private dropHeld(): void {
    for (const data of this.held) this.consumed(data.length);
    this.held = [];
  }

  protected override beforeRelease(): void {
    this.dropHeld();
  }
}

/**
 * Serves a simulated board as an RFC 2217 serial port (`rfc2217://host:port`), one client at a
 * time; a second client, or any client while the board's USB is absent, gets a one-line reason
 * and is closed. When the board's USB goes away (reset, power cut) the client is dropped, as
 * ser2net drops its client when the tty vanishes.
 */
export class Rfc2217BoardServer extends OneClientBoardServer<TelnetHost, Rfc2217ServerEvents> {
  static async listen(board: SimBoard, options: ServeRfc2217Options = {}): Promise<Rfc2217BoardServer> {
    const served = new Rfc2217BoardServer(board);
    await served.bind({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 }, ' over RFC 2217');
    return served;
  }

  get address(): { host: string; port: number } {
    const info = this.server.address() as AddressInfo;
    return { host: info.address, port: info.port };
  }

  get url(): string {
    return rfc2217Url(this.address.host, this.address.port);
  }

  /** The line settings the current client set (undefined without a client). */
  get lineSettings(): Readonly<LineSettings> | undefined {
    return this.client?.settings;
  }

  protected createHost(socket: Socket, remote: string, onGone: (host: CdcSocketHost, reason: string) => void): TelnetHost {
    const signature = `${SIGNATURE_PREFIX} ${this.board.name} (${this.board.profile.name}, serial ${this.board.serialNumber})`;
    return new TelnetHost(this.board, socket, remote, onGone, signature, (value) => this.emit('control', { remote, value }));
  }
}

/** Serve a simulated board over RFC 2217 on loopback (like `sim --tcp`, with telnet and COM-PORT-OPTION). */
export function serveBoardOverRfc2217(board: SimBoard, options: ServeRfc2217Options = {}): Promise<Rfc2217BoardServer> {
  return Rfc2217BoardServer.listen(board, options);
}
