import { expect } from 'chai';
import { SimBoard } from '../../src/sim/board.js';
import { serveBoardOverTcp, type ServedBoard } from '../../src/sim/serve-tcp.js';
import { RawRepl } from '../../src/transport/raw-repl.js';
import { TcpTransport } from '../../src/transport/tcp.js';
import type { Transport } from '../../src/transport/transport.js';
import { concatBytes } from '../../src/util/bytes.js';

/** Everything the peer sends until it closes the connection (bounded), and the error that ended it. */
async function readUntilClosed(transport: Transport, withinMs = 5000): Promise<{ text: string; error: unknown }> {
  const chunks: Uint8Array[] = [];
  const signal = AbortSignal.timeout(withinMs);
  for (;;) {
    try {
      chunks.push(await transport.read(signal));
    } catch (error) {
      return { text: new TextDecoder().decode(concatBytes(chunks)), error };
    }
  }
}

/** The error a promise rejects with (undefined when it resolves), observed from the start. */
function settle(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('serving a simulated board over TCP', function () {
  let board: SimBoard;
  let served: ServedBoard | undefined;
  const transports: Transport[] = [];

  const connect = async (): Promise<TcpTransport> => {
    if (served === undefined) throw new Error('not served');
    const transport = await TcpTransport.open({ host: served.host, port: served.port, connectTimeoutMs: 5000 });
    transports.push(transport);
    return transport;
  };

  beforeEach(async function () {
    board = new SimBoard({ name: 'tcp-board', enumerationDelayMs: 50 });
    await board.powerOn();
    await board.waitForUsb();
    served = await serveBoardOverTcp(board, {});
  });

  afterEach(async function () {
    for (const transport of transports.splice(0)) await transport.close();
    await served?.close();
    served = undefined;
    await board.dispose();
  });

  it('listens on loopback and picks a free port by default', function () {
    expect(served?.host).to.equal('127.0.0.1');
    expect(served?.port).to.be.a('number').above(0);
  });

  it('runs code through the raw REPL, raw-paste and classic, over a TCP connection', async function () {
    const transport = await connect();
    const repl = new RawRepl(transport);
    const pasted = await repl.exec('print(6*7)');
    expect(pasted).to.include({ stdout: '42\r\n', stderr: '', mode: 'raw-paste' });

    const classicTransport = await reconnect(transport);
    const classic = await new RawRepl(classicTransport, { rawPaste: 'never' }).exec('import sys\nprint(sys.platform)');
    expect(classic).to.include({ stdout: 'rp2\r\n', mode: 'classic' });
  });

  it('carries a large upload through flow control intact', async function () {
    const transport = await connect();
    const repl = new RawRepl(transport);
    const payload = 'x'.repeat(20_000);
    const result = await repl.exec(`s = '${payload}'\nprint(len(s))`);
    expect(result.stdout).to.equal('20000\r\n');
  });

  it('refuses a second client while the first is connected and tells it why', async function () {
    const first = await connect();
    const repl = new RawRepl(first);
    await repl.exec('x = 1');

    const second = await connect();
    const refused = await readUntilClosed(second);
    expect(refused.text).to.match(/in use by another client/);
    expect(refused.error).to.have.property('code', 'TRANSPORT_LOST');

    const stillServed = await repl.exec('print(x + 1)');
    expect(stillServed.stdout).to.equal('2\r\n');
  });

  it('serves the next client once the first has closed', async function () {
    const first = await connect();
    await new RawRepl(first).exec('y = 5');
    await first.close();

    const next = await connect();
    const result = await new RawRepl(next).exec('print(y * 2)');
    expect(result.stdout).to.equal('10\r\n');
  });

  it('closes the connection when the board powers off and serves a new one after power-on', async function () {
    const transport = await connect();
    await new RawRepl(transport).exec('pass');
    const pending = settle(transport.read(AbortSignal.timeout(5000)));
    await board.powerOff();
    const lost = await pending;
    expect(lost).to.have.property('code', 'TRANSPORT_LOST');

    const whileOff = await connect();
    const refused = await readUntilClosed(whileOff);
    expect(refused.text).to.match(/off or resetting/);
    expect(refused.error).to.have.property('code', 'TRANSPORT_LOST');

    await board.powerOn();
    await board.waitForUsb();
    const after = await connect();
    const result = await new RawRepl(after).exec('print("back")');
    expect(result.stdout).to.equal('back\r\n');
  });

  it('drops the client on a hard reset, like an unplugged USB cable', async function () {
    const transport = await connect();
    await new RawRepl(transport).exec('pass');
    const pending = settle(transport.read(AbortSignal.timeout(5000)));
    await board.hardReset();
    const lost = await pending;
    expect(lost).to.have.property('code', 'TRANSPORT_LOST');
    await board.waitForUsb();
    const after = await connect();
    expect((await new RawRepl(after).exec('print(1)')).stdout).to.equal('1\r\n');
  });

  it('stops listening, drops the client and releases the board on close', async function () {
    const listenersBefore = board.eventNames().map((name) => [name, board.listenerCount(name)]);
    const transport = await connect();
    await new RawRepl(transport).exec('pass');
    expect(board.cdc.hostAttached).to.equal(true);
    const pending = settle(transport.read(AbortSignal.timeout(5000)));

    const { host, port } = served as ServedBoard;
    await served?.close();
    served = undefined;

    expect(await pending).to.have.property('code', 'TRANSPORT_LOST');
    expect(board.cdc.hostAttached).to.equal(false);
    const refused = await TcpTransport.open({ host, port, connectTimeoutMs: 2000 }).then(
      (late) => {
        transports.push(late);
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(refused).to.have.property('code', 'TRANSPORT_OPEN_FAILED');
    expect(board.eventNames().map((name) => [name, board.listenerCount(name)])).to.deep.equal(listenersBefore);
  });

  async function reconnect(previous: Transport): Promise<TcpTransport> {
    await previous.close();
    return connect();
  }
});
