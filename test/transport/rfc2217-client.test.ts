import { expect } from 'chai';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Rfc2217Transport } from '../../src/transport/rfc2217/client.js';
import { ComPortCommand, DO, DONT, IAC, SERVER_OFFSET, TelnetOption, WILL, WONT } from '../../src/transport/rfc2217/protocol.js';
import { TelnetParser, encodeNegotiation, encodeSubnegotiation, escapeIac } from '../../src/transport/rfc2217/telnet-codec.js';

interface FakeBehaviour {
  /** Answer WILL COM-PORT-OPTION with DO (true), DONT (false), or not at all (undefined). */
  comPort?: boolean | undefined;
  /** Commands it never acknowledges. */
  silentOn?: readonly number[];
  /** Called with every connection before anything else. */
  onConnect?: (socket: Socket) => void;
}

interface Fake {
  server: Server;
  port: number;
  sockets: Socket[];
  /** Data bytes the server received (telnet unescaped). */
  data: number[];
  /** Raw bytes the server received. */
  raw: number[];
  close(): Promise<void>;
}

/** A scripted RFC 2217 server that echoes data back (escaped), for one protocol behaviour per test. */
async function fakeServer(behaviour: FakeBehaviour): Promise<Fake> {
  const fake: Fake = { server: createServer(), port: 0, sockets: [], data: [], raw: [], close: async () => {} };
  fake.server.on('connection', (socket) => {
    fake.sockets.push(socket);
    socket.on('error', () => undefined);
    behaviour.onConnect?.(socket);
    if (socket.destroyed) return;
    const parser = new TelnetParser({
      data: (bytes) => {
        fake.data.push(...bytes);
        socket.write(escapeIac(bytes));
      },
      negotiate: (verb, option) => {
        if (verb === WILL && option === TelnetOption.COM_PORT && behaviour.comPort !== undefined) {
          socket.write(encodeNegotiation(behaviour.comPort ? DO : DONT, option));
        } else if (verb === WILL && option !== TelnetOption.COM_PORT) {
          socket.write(encodeNegotiation(DO, option));
        } else if (verb === DO) {
          socket.write(encodeNegotiation(WILL, option));
        }
      },
      subnegotiation: (option, payload) => {
        const command = payload[0] ?? 0;
        if (option !== TelnetOption.COM_PORT || behaviour.silentOn?.includes(command)) return;
        socket.write(encodeSubnegotiation(option, command + SERVER_OFFSET, payload.subarray(1)));
      },
    });
    socket.on('data', (chunk: Buffer) => {
      fake.raw.push(...chunk);
      parser.push(new Uint8Array(chunk));
    });
  });
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  fake.port = (fake.server.address() as AddressInfo).port;
  fake.close = () =>
    new Promise((resolve) => {
      for (const socket of fake.sockets) socket.destroy();
      fake.server.close(() => resolve());
    });
  return fake;
}

async function openFailure(port: number, options: { negotiationTimeoutMs?: number } = {}): Promise<{ code: string; message: string }> {
  try {
    const transport = await Rfc2217Transport.open({ host: '127.0.0.1', port, negotiationTimeoutMs: options.negotiationTimeoutMs ?? 400 });
    await transport.close();
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    expect(message).to.not.include('\n');
    return { code, message };
  }
  throw new Error('the open succeeded');
}

describe('RFC 2217 client', () => {
  let fake: Fake | undefined;
  let transport: Rfc2217Transport | undefined;

  afterEach(async () => {
    await transport?.close();
    transport = undefined;
    await fake?.close();
    fake = undefined;
  });

  it('negotiates COM-PORT-OPTION and the line settings, and carries 0xFF data bytes both ways', async () => {
    fake = await fakeServer({ comPort: true });
    transport = await Rfc2217Transport.open({ host: '127.0.0.1', port: fake.port });
    expect(transport.info).to.deep.equal({ kind: 'rfc2217', port: `rfc2217://127.0.0.1:${fake.port}`, serialNumber: undefined });
    expect(transport.session).to.include({ comPort: true, baudRate: 115_200 });
    expect(transport.session.binary).to.deep.equal({ local: true, remote: true });
    await transport.write(Uint8Array.of(0x31, 0xff, 0x32, 0xff));
    const received: number[] = [];
    while (received.length < 4) received.push(...(await transport.read(AbortSignal.timeout(2000))));
    expect(received).to.deep.equal([0x31, 0xff, 0x32, 0xff]);
    expect(fake.data.slice(-4)).to.deep.equal([0x31, 0xff, 0x32, 0xff]);
    const rawTail = fake.raw.slice(-6);
    expect(rawTail).to.deep.equal([0x31, IAC, IAC, 0x32, IAC, IAC]);
  });

  it('sends DTR and RTS changes and reports whether the server acknowledged them', async () => {
    fake = await fakeServer({ comPort: true, silentOn: [] });
    transport = await Rfc2217Transport.open({ host: '127.0.0.1', port: fake.port });
    expect(await transport.setDtr(false)).to.equal(true);
    expect(await transport.setRts(true)).to.equal(true);
    expect(await transport.purge()).to.equal(true);
    expect(await transport.setBaudRate(9600)).to.equal(9600);
  });

  it('gives up waiting for an unanswered SET-CONTROL after its timeout instead of hanging', async () => {
    fake = await fakeServer({ comPort: true, silentOn: [ComPortCommand.SET_CONTROL] });
    transport = await Rfc2217Transport.open({ host: '127.0.0.1', port: fake.port });
    expect(await transport.setDtr(true, 200)).to.equal(false);
  });

  it('says the connection was refused, naming host and port', async () => {
    const probe = await fakeServer({});
    const port = probe.port;
    await probe.close();
    const failure = await openFailure(port);
    expect(failure.code).to.equal('TRANSPORT_OPEN_FAILED');
    expect(failure.message).to.equal(`cannot open rfc2217://127.0.0.1:${port}: connection refused by 127.0.0.1:${port} (is the server running?)`);
  });

  it('tells a raw TCP port (no telnet at all) from a telnet port without RFC 2217', async () => {
    fake = await fakeServer({ onConnect: (socket) => socket.removeAllListeners('data') });
    fake.server.removeAllListeners('connection');
    fake.server.on('connection', (socket) => {
      fake?.sockets.push(socket);
      socket.on('error', () => undefined);
    });
    const raw = await openFailure(fake.port);
    expect(raw.message).to.match(/sent no telnet negotiation at all \(a raw TCP port\? then use tcp:\/\/\) within 400 ms$/);
    await fake.close();

    fake = await fakeServer({ comPort: undefined });
    const silent = await openFailure(fake.port);
    expect(silent.message).to.match(/negotiated telnet but never answered COM-PORT-OPTION \(WILL 44\) within 400 ms$/);
  });

  it('refuses a server that declines COM-PORT-OPTION, or carries on with telnet data and a warning when asked to', async () => {
    fake = await fakeServer({ comPort: false });
    const refused = await openFailure(fake.port);
    expect(refused.message).to.include('the server refused COM-PORT-OPTION');
    expect(refused.message).to.include('telnet(rfc2217)');

    transport = await Rfc2217Transport.open({ host: '127.0.0.1', port: fake.port, withoutComPort: 'telnet-data' });
    expect(transport.session.comPort).to.equal(false);
    expect(transport.warnings).to.have.length(1);
    expect(transport.warnings[0]).to.include('carrying on with plain telnet data');
    await transport.write(Uint8Array.of(0x41));
    expect([...(await transport.read(AbortSignal.timeout(2000)))]).to.deep.equal([0x41]);
  });

  it('names the line settings the server never acknowledged', async () => {
    fake = await fakeServer({ comPort: true, silentOn: [ComPortCommand.SET_STOPSIZE, ComPortCommand.SET_PARITY] });
    const failure = await openFailure(fake.port);
    expect(failure.message).to.match(/accepted COM-PORT-OPTION but never acknowledged SET-PARITY, SET-STOPSIZE within 400 ms$/);
  });

  it('quotes what a server said when it hung up during negotiation', async () => {
    fake = await fakeServer({ onConnect: (socket) => socket.end('port busy\r\n') });
    const failure = await openFailure(fake.port);
    expect(failure.message).to.equal(`cannot open rfc2217://127.0.0.1:${fake.port}: the server closed the connection during telnet negotiation saying "port busy"`);
  });

  it('fails a pending read with TransportLostError when the server drops the connection mid-session', async () => {
    fake = await fakeServer({ comPort: true });
    transport = await Rfc2217Transport.open({ host: '127.0.0.1', port: fake.port });
    const reading = transport.read(AbortSignal.timeout(5000));
    for (const socket of fake.sockets) socket.destroy();
    const error = await reading.then(
      () => undefined,
      (failure: unknown) => failure as { code: string; message: string },
    );
    expect(error?.code).to.equal('TRANSPORT_LOST');
    expect(error?.message).to.match(/^lost rfc2217:\/\/127\.0\.0\.1:\d+: connection (closed by the server|failed: .*)$/);
    expect(transport.isOpen).to.equal(false);
    const writeError = await transport.write(Uint8Array.of(1)).then(() => undefined, (failure: unknown) => failure as { code: string });
    expect(writeError?.code).to.equal('TRANSPORT_LOST');
  });

  it('refuses to let the server echo (DONT ECHO) and does not answer a WONT for an option that is off', async () => {
    fake = await fakeServer({
      comPort: true,
      onConnect: (socket) => socket.write(Uint8Array.of(...encodeNegotiation(WILL, TelnetOption.ECHO), ...encodeNegotiation(WONT, TelnetOption.SGA + 1))),
    });
    transport = await Rfc2217Transport.open({ host: '127.0.0.1', port: fake.port });
    const raw = fake.raw.join(',');
    expect(raw).to.include([IAC, DONT, TelnetOption.ECHO].join(','));
    expect(raw).to.not.include([IAC, DONT, TelnetOption.SGA + 1].join(','));
  });
});
