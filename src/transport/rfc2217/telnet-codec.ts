import { DO, DONT, IAC, SB, SE, WILL, WONT, type NegotiationVerb } from './protocol.js';

/** What a telnet byte stream carries besides data. */
export interface TelnetSink {
  /** Data bytes, IAC doubling already undone. */
  data(bytes: Uint8Array): void;
  /** IAC WILL/WONT/DO/DONT option. */
  negotiate(verb: NegotiationVerb, option: number): void;
  /** IAC SB option payload… IAC SE (payload unescaped). */
  subnegotiation(option: number, payload: Uint8Array): void;
}

/** Longest subnegotiation kept; beyond it the payload is cut (a signature string is the longest we expect). */
const MAX_SUBNEGOTIATION = 1024;

type State = 'data' | 'iac' | 'verb' | 'sb' | 'sb-iac';

/**
 * Splits a telnet stream incrementally: chunks may end anywhere, even between IAC and its
 * command. Other telnet commands (NOP, GA, AYT…) are dropped, as the serial servers expect.
 */
export class TelnetParser {
  private state: State = 'data';
  private verb: NegotiationVerb = WILL;
  private sub: number[] = [];

  constructor(private readonly sink: TelnetSink) {}

  push(chunk: Uint8Array): void {
    let runStart = -1;
    const flush = (end: number): void => {
      if (runStart >= 0 && end > runStart) this.sink.data(chunk.subarray(runStart, end));
      runStart = -1;
    };
    for (let index = 0; index < chunk.length; index += 1) {
      const byte = chunk[index] ?? 0;
      switch (this.state) {
        case 'data':
          if (byte === IAC) {
            flush(index);
            this.state = 'iac';
          } else if (runStart < 0) {
            runStart = index;
          }
          break;
        case 'iac':
          if (byte === IAC) {
            this.sink.data(Uint8Array.of(IAC));
            this.state = 'data';
          } else if (byte === WILL || byte === WONT || byte === DO || byte === DONT) {
            this.verb = byte;
            this.state = 'verb';
          } else if (byte === SB) {
            this.sub = [];
            this.state = 'sb';
          } else {
            this.state = 'data';
          }
          break;
        case 'verb':
          this.state = 'data';
          this.sink.negotiate(this.verb, byte);
          break;
        case 'sb':
          if (byte === IAC) this.state = 'sb-iac';
          else if (this.sub.length < MAX_SUBNEGOTIATION) this.sub.push(byte);
          break;
        case 'sb-iac':
          if (byte === IAC) {
            if (this.sub.length < MAX_SUBNEGOTIATION) this.sub.push(IAC);
            this.state = 'sb';
          } else if (byte === SE) {
            this.state = 'data';
            const [option, ...payload] = this.sub;
            this.sub = [];
            if (option !== undefined) this.sink.subnegotiation(option, Uint8Array.from(payload));
          } else {
            // A command inside a subnegotiation is a framing error; drop the subnegotiation.
            this.sub = [];
            this.state = 'data';
          }
          break;
      }
    }
    flush(chunk.length);
  }
}

/** Data with every 0xFF doubled, so the peer does not read it as a telnet command. */
export function escapeIac(data: Uint8Array): Uint8Array {
  let count = 0;
  for (const byte of data) if (byte === IAC) count += 1;
  if (count === 0) return data;
  const out = new Uint8Array(data.length + count);
  let at = 0;
  for (const byte of data) {
    out[at++] = byte;
    if (byte === IAC) out[at++] = IAC;
  }
  return out;
}

export function encodeNegotiation(verb: NegotiationVerb, option: number): Uint8Array {
  return Uint8Array.of(IAC, verb, option);
}

export function encodeSubnegotiation(option: number, command: number, value: Uint8Array = new Uint8Array(0)): Uint8Array {
  const body = escapeIac(Uint8Array.of(option, command, ...value));
  const out = new Uint8Array(body.length + 4);
  out.set([IAC, SB]);
  out.set(body, 2);
  out.set([IAC, SE], body.length + 2);
  return out;
}
