import { TransportLostError } from '../../src/errors.js';
import { ReceiveQueue } from '../../src/transport/receive-queue.js';
import type { Transport, TransportInfo } from '../../src/transport/transport.js';
import { concatBytes, utf8 } from '../../src/util/bytes.js';

/** The device end of a scripted transport: what a responder uses to answer the host. */
export interface DeviceLink {
  /** Device → host, after the bytes sent before it (asynchronously, in order). */
  send(data: string | Uint8Array): void;
  /** The port vanishes: pending and later reads fail with TRANSPORT_LOST. */
  lose(reason: string): void;
}

/** Called with every host write; answers through `link`. */
export type Responder = (written: Uint8Array, link: DeviceLink) => void;

export interface ScriptedTransportOptions {
  readonly port?: string;
  /** Split every device message into chunks of at most this many bytes, each delivered separately. */
  readonly chunkSize?: number;
  /** Delay before each delivered chunk (default: next turn of the event loop). */
  readonly latencyMs?: number;
  /** Rewrite what the device sends (fuzzing): garble, drop, truncate. */
  readonly mutate?: (chunk: Uint8Array) => Uint8Array;
  /** Writes never complete (a board that stopped reading USB). */
  readonly writesBlock?: boolean;
}

/** A fake `Transport` whose device is any responder, e.g. a `FakeFirmware`. */
export class ScriptedTransport implements Transport {
  readonly info: TransportInfo;
  /** Every host write, in order. */
  readonly writes: Uint8Array[] = [];
  private readonly queue: ReceiveQueue;
  private open = true;
  private outbox: Uint8Array[] = [];
  private delivering = false;
  private readonly link: DeviceLink;

  constructor(private readonly responder: Responder, private readonly options: ScriptedTransportOptions = {}) {
    const port = options.port ?? 'scripted:0';
    this.info = { kind: 'sim', port, serialNumber: undefined };
    this.queue = new ReceiveQueue(port);
    this.link = {
      send: (data) => this.enqueue(typeof data === 'string' ? utf8(data) : data),
      lose: (reason) => {
        this.open = false;
        this.queue.fail(new TransportLostError(port, reason));
      },
    };
  }

  /** Device bytes not prompted by a write (boot chatter, stale output). */
  get device(): DeviceLink {
    return this.link;
  }

  /** Everything the host wrote, as one byte string. */
  get written(): Uint8Array {
    return concatBytes(this.writes);
  }

  get isOpen(): boolean {
    return this.open;
  }

  async write(data: Uint8Array): Promise<void> {
    if (!this.open) throw new TransportLostError(this.info.port, 'port is closed');
    const copy = data.slice();
    this.writes.push(copy);
    this.responder(copy, this.link);
    if (this.options.writesBlock === true) await new Promise<never>(() => {});
  }

  read(signal?: AbortSignal): Promise<Uint8Array> {
    return this.queue.read(signal);
  }

  drain(): Uint8Array {
    return this.queue.drain();
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.outbox = [];
    this.queue.fail(new TransportLostError(this.info.port, 'closed'));
  }

  private enqueue(data: Uint8Array): void {
    const size = this.options.chunkSize ?? Number.POSITIVE_INFINITY;
    for (let at = 0; at < data.length; at += size) this.outbox.push(data.subarray(at, Math.min(data.length, at + size)));
    if (!this.delivering) this.deliverNext();
  }

  private deliverNext(): void {
    this.delivering = this.outbox.length > 0;
    if (!this.delivering) return;
    const next = (): void => {
      const chunk = this.outbox.shift();
      if (chunk !== undefined && this.open) {
        const out = this.options.mutate?.(chunk) ?? chunk;
        this.queue.push(out);
      }
      this.deliverNext();
    };
    if (this.options.latencyMs === undefined) setImmediate(next);
    else setTimeout(next, this.options.latencyMs);
  }
}

// ---- a small model of MicroPython's REPL (shared/runtime/pyexec.c), byte for byte ----

export const RAW_BANNER = 'raw REPL; CTRL-B to exit\r\n';
export const FRIENDLY_BANNER = 'MicroPython v1.24.1 on 2024-11-29; Raspberry Pi Pico W with RP2040\r\nType "help()" for more information.\r\n';
const INTERRUPTED = 'KeyboardInterrupt: \r\n';

/** What running a piece of code does: print, fail, never finish (until Ctrl-C), or raise SystemExit. */
export type RunResult = { stdout?: string; stderr?: string } | 'hang' | 'exit';

export interface FirmwareOptions {
  /** `supported` answers R\x01; `refused` answers R\x00; `absent` is pre-v1.14 (Ctrl-A resets the raw REPL). */
  readonly rawPaste?: 'supported' | 'refused' | 'absent';
  readonly window?: number;
  readonly startIn?: 'friendly' | 'raw' | 'running';
  /** How many Ctrl-C a running program catches before it stops. */
  readonly catchesCtrlC?: number;
  /** Raw-paste: after this many code bytes the device aborts early (a SyntaxError while reading). */
  readonly abortPasteAfter?: number;
  /** Raw-paste: after this many code bytes the device stops granting credit (it is busy compiling). */
  readonly stallPasteAfter?: number;
  readonly bootOutput?: string;
  readonly run?: (code: string) => RunResult;
}

type FirmwareState = 'friendly' | 'raw' | 'paste' | 'paste-drain' | 'running' | 'running-raw';

/**
 * A byte-level REPL: friendly and raw REPL, raw-paste with a credit check on the host, classic
 * raw execution, soft reboot, Ctrl-C. Use it as a `Responder`: `new ScriptedTransport(fw.respond)`.
 */
export class FakeFirmware {
  state: FirmwareState;
  /** Code bytes the host sent beyond the raw-paste credit it had been given. */
  creditViolations = 0;
  rawPasteRequests = 0;
  readonly executed: string[] = [];
  private line: number[] = [];
  private paste: number[] = [];
  private pasteAllowed = 0;
  private pendingCatches: number;
  private readonly window: number;

  constructor(private readonly options: FirmwareOptions = {}) {
    this.window = options.window ?? 128;
    this.pendingCatches = options.catchesCtrlC ?? 0;
    this.state = options.startIn ?? 'friendly';
  }

  readonly respond: Responder = (written, link) => {
    for (const byte of written) this.byte(byte, link);
  };

  private byte(c: number, link: DeviceLink): void {
    switch (this.state) {
      case 'friendly':
        return this.friendly(c, link);
      case 'raw':
        return this.raw(c, link);
      case 'paste':
        return this.pasteByte(c, link);
      case 'paste-drain':
        if (c === 0x03 || c === 0x04) this.finish({ stderr: 'Traceback (most recent call last):\r\n  File "<stdin>", line 1\r\nSyntaxError: invalid syntax\r\n' }, link);
        return;
      case 'running':
      case 'running-raw':
        if (c !== 0x03) return;
        if (this.pendingCatches > 0) {
          this.pendingCatches -= 1;
          link.send('caught KeyboardInterrupt\r\n');
          return;
        }
        if (this.state === 'running') {
          link.send(INTERRUPTED + '>>> ');
          this.state = 'friendly';
        } else {
          this.finish({ stderr: INTERRUPTED }, link);
        }
    }
  }

  private friendly(c: number, link: DeviceLink): void {
    if (c === 0x01 && this.line.length === 0) {
      link.send('\r\n' + RAW_BANNER + '>');
      this.state = 'raw';
    } else if (c === 0x03) {
      this.line = [];
      link.send('\r\n>>> ');
    } else if (c === 0x0d) {
      this.line = [];
      link.send('\r\n>>> ');
    } else if (c >= 0x20) {
      this.line.push(c);
      link.send(Uint8Array.of(c));
    }
  }

  private raw(c: number, link: DeviceLink): void {
    if (c === 0x01) {
      const [first, command] = this.line;
      const rawPasteRequest = this.line.length === 2 && first === 0x05;
      this.line = [];
      if (rawPasteRequest) this.rawPasteRequests += 1;
      if (rawPasteRequest && this.options.rawPaste !== 'absent') {
        if (command !== 0x41 || this.options.rawPaste === 'refused') {
          link.send('R\x00>');
          return;
        }
        link.send(Uint8Array.of(0x52, 0x01, this.window & 0xff, this.window >> 8, 0x01));
        this.paste = [];
        this.pasteAllowed = 2 * this.window;
        this.state = 'paste';
        return;
      }
      link.send(RAW_BANNER + '>');
    } else if (c === 0x02) {
      this.line = [];
      link.send('\r\n' + FRIENDLY_BANNER + '>>> ');
      this.state = 'friendly';
    } else if (c === 0x03) {
      this.line = [];
    } else if (c === 0x04) {
      const code = new TextDecoder().decode(Uint8Array.from(this.line));
      this.line = [];
      if (code.length === 0) {
        link.send('OK\r\n');
        this.softReboot(link);
      } else {
        link.send('OK');
        this.execute(code, link);
      }
    } else {
      this.line.push(c);
    }
  }

  private pasteByte(c: number, link: DeviceLink): void {
    if (c === 0x03) {
      link.send('\x04');
      this.finish({ stderr: INTERRUPTED }, link);
      return;
    }
    if (c === 0x04) {
      link.send('\x04');
      this.execute(new TextDecoder().decode(Uint8Array.from(this.paste)), link);
      return;
    }
    this.paste.push(c);
    if (this.paste.length > this.pasteAllowed) this.creditViolations += 1;
    if (this.options.abortPasteAfter !== undefined && this.paste.length >= this.options.abortPasteAfter) {
      link.send('\x04');
      this.state = 'paste-drain';
      return;
    }
    // The device consumed a whole window: one more window of credit.
    const stalled = this.options.stallPasteAfter !== undefined && this.paste.length >= this.options.stallPasteAfter;
    if (this.paste.length % this.window === 0 && !stalled) {
      link.send('\x01');
      this.pasteAllowed += this.window;
    }
  }

  private execute(code: string, link: DeviceLink): void {
    this.executed.push(code);
    const result = this.options.run?.(code) ?? {};
    if (result === 'hang') {
      this.state = 'running-raw';
    } else if (result === 'exit') {
      link.send('\x04\x04');
      this.softReboot(link);
    } else {
      this.finish(result, link);
    }
  }

  private finish(result: { stdout?: string; stderr?: string }, link: DeviceLink): void {
    link.send(`${result.stdout ?? ''}\x04${result.stderr ?? ''}\x04>`);
    this.state = 'raw';
  }

  private softReboot(link: DeviceLink): void {
    link.send('MPY: soft reboot\r\n' + (this.options.bootOutput ?? '') + RAW_BANNER + '>');
    this.state = 'raw';
  }
}
