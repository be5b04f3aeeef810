import { expect } from 'chai';
import { OptionNegotiator } from '../../src/transport/rfc2217/negotiation.js';
import { DO, DONT, IAC, SB, SE, TelnetOption, WILL, WONT, commandName, type NegotiationVerb } from '../../src/transport/rfc2217/protocol.js';
import { TelnetParser, encodeSubnegotiation, escapeIac } from '../../src/transport/rfc2217/telnet-codec.js';

interface Parsed {
  data: number[];
  events: string[];
}

function parseInChunks(stream: Uint8Array, cuts: number[]): Parsed {
  const parsed: Parsed = { data: [], events: [] };
  const parser = new TelnetParser({
    data: (bytes) => parsed.data.push(...bytes),
    negotiate: (verb, option) => parsed.events.push(`${verb}:${option}`),
    subnegotiation: (option, payload) => parsed.events.push(`sb ${option}:${[...payload].join(',')}`),
  });
  let at = 0;
  for (const cut of [...cuts, stream.length]) {
    parser.push(stream.subarray(at, cut));
    at = cut;
  }
  return parsed;
}

describe('RFC 2217 telnet codec', () => {
  const stream = Uint8Array.from([
    0x41, IAC, IAC, 0x42, // data "A", 0xFF, "B"
    IAC, WILL, TelnetOption.COM_PORT,
    IAC, SB, TelnetOption.COM_PORT, 101, 0x00, 0x01, IAC, IAC, 0x00, IAC, SE, // baud ack with an escaped 0xFF inside
    IAC, 241, // NOP: dropped
    0x0d, 0x0a,
  ]);
  const expected: Parsed = {
    data: [0x41, 0xff, 0x42, 0x0d, 0x0a],
    events: [`${WILL}:44`, 'sb 44:101,0,1,255,0'],
  };

  it('parses data, negotiations and subnegotiations the same whichever byte a chunk ends on', () => {
    expect(parseInChunks(stream, [])).to.deep.equal(expected);
    for (let cut = 1; cut < stream.length; cut += 1) {
      expect(parseInChunks(stream, [cut]), `cut at ${cut}`).to.deep.equal(expected);
    }
    expect(parseInChunks(stream, Array.from({ length: stream.length - 1 }, (_, index) => index + 1))).to.deep.equal(expected);
  });

  it('doubles 0xFF in data and inside a subnegotiation, and round-trips through the parser', () => {
    expect([...escapeIac(Uint8Array.of(1, 0xff, 2, 0xff))]).to.deep.equal([1, 0xff, 0xff, 2, 0xff, 0xff]);
    const frame = encodeSubnegotiation(TelnetOption.COM_PORT, 1, Uint8Array.of(0, 0, 0xff, 0xff));
    expect([...frame]).to.deep.equal([IAC, SB, 44, 1, 0, 0, 0xff, 0xff, 0xff, 0xff, IAC, SE]);
    expect(parseInChunks(frame, []).events).to.deep.equal(['sb 44:1,0,0,255,255']);
    const all = Uint8Array.from({ length: 256 }, (_, index) => index);
    expect(parseInChunks(escapeIac(all), [100]).data).to.deep.equal([...all]);
  });

  it('names commands and their acks', () => {
    expect(commandName(1)).to.equal('SET-BAUDRATE');
    expect(commandName(105)).to.equal('SET-CONTROL ack');
  });
});

describe('telnet option negotiation', () => {
  function pair(): { client: OptionNegotiator; server: OptionNegotiator; wire: string[] } {
    const wire: string[] = [];
    const name = (verb: NegotiationVerb): string => (verb === WILL ? 'WILL' : verb === WONT ? 'WONT' : verb === DO ? 'DO' : 'DONT');
    let server: OptionNegotiator;
    const client: OptionNegotiator = new OptionNegotiator(new Set([0, 3, 44]), new Set([0, 3]), (verb, option) => {
      wire.push(`c> ${name(verb)} ${option}`);
      server.receive(verb, option);
    });
    server = new OptionNegotiator(new Set([0, 3]), new Set([0, 3, 44]), (verb, option) => {
      wire.push(`s> ${name(verb)} ${option}`);
      client.receive(verb, option);
    });
    return { client, server, wire };
  }

  it('settles both sides requesting the same options without a loop', () => {
    const { client, server, wire } = pair();
    server.request(44);
    server.offer(0);
    client.offer(44);
    client.offer(0);
    client.request(0);
    expect(client.localState(44)).to.equal('yes');
    expect(server.remoteState(44)).to.equal('yes');
    expect(client.localState(0)).to.equal('yes');
    expect(client.remoteState(0)).to.equal('yes');
    expect(wire.length).to.be.below(8);
  });

  it('refuses options it does not support and records a refused request', () => {
    const { client, wire } = pair();
    client.receive(WILL, TelnetOption.ECHO);
    expect(wire).to.deep.equal(['c> DONT 1']);
    const refused: boolean[] = [];
    const lone = new OptionNegotiator(new Set([44]), new Set(), () => undefined, (change) => refused.push(change.refused));
    lone.offer(44);
    lone.receive(DONT, 44);
    expect(lone.localState(44)).to.equal('no');
    expect(refused).to.deep.equal([true]);
  });
});
