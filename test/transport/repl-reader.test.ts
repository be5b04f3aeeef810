import { expect } from 'chai';
import type { ReplTimeoutError } from '../../src/errors.js';
import { ReplReader } from '../../src/transport/repl-reader.js';
import { concatBytes, fromUtf8 } from '../../src/util/bytes.js';
import { ScriptedTransport, type ScriptedTransportOptions } from '../support/scripted-transport.js';
import { failure } from '../support/failure.js';

function wire(options: ScriptedTransportOptions = {}) {
  const transport = new ScriptedTransport(() => {}, options);
  return { transport, device: transport.device, reader: new ReplReader(transport) };
}

const soon = (ms = 2000) => ({ phase: 'exec-idle' as const, deadline: performance.now() + ms });

describe('ReplReader', function () {
  it('finds a needle split across chunks', async function () {
    const { device, reader } = wire({ chunkSize: 1 });
    device.send('noise raw REPL; CTRL-B to exit\r\n>tail');
    const seen = await reader.readUntil('raw REPL; CTRL-B to exit\r\n>', soon());
    expect(fromUtf8(seen)).to.equal('noise raw REPL; CTRL-B to exit\r\n>');
    expect(fromUtf8(await reader.readExactly(4, soon()))).to.equal('tail');
  });

  it('streams the bytes before a needle without ever passing on a byte of the needle', async function () {
    for (const chunkSize of [1, 2, 3, 5, 64]) {
      const { device, reader } = wire({ chunkSize });
      device.send('abc<EN<END>rest');
      const streamed: Uint8Array[] = [];
      const result = await reader.readUntil('<END>', soon(), (chunk) => streamed.push(chunk));
      expect(fromUtf8(concatBytes(streamed)), `chunk size ${chunkSize}`).to.equal('abc<EN');
      expect(fromUtf8(result)).to.equal('<END>');
      expect(fromUtf8(await reader.readExactly(4, soon()))).to.equal('rest');
    }
  });

  it('streams every byte before a one-byte needle as it arrives', async function () {
    const { device, reader } = wire({ chunkSize: 4 });
    device.send('hello world\x04after');
    const streamed: string[] = [];
    await reader.readUntil(Uint8Array.of(4), soon(), (chunk) => streamed.push(fromUtf8(chunk)));
    expect(streamed.join('')).to.equal('hello world');
    expect(streamed.length).to.be.greaterThan(1);
  });

  it('returns the earliest of several needles and the bytes before it', async function () {
    const { device, reader } = wire({ chunkSize: 2 });
    device.send('xxR\x00>R\x01');
    const found = await reader.readUntilAny(['R\x01', 'R\x00'], soon());
    expect(found.index).to.equal(1);
    expect(fromUtf8(found.before)).to.equal('xx');
  });

  it('gives back bytes put back with unread() first', async function () {
    const { device, reader } = wire();
    device.send('bc');
    const [first] = await reader.readExactly(1, soon());
    reader.unread(Uint8Array.of(first ?? 0));
    expect(fromUtf8(await reader.readExactly(2, soon()))).to.equal('bc');
  });

  it('times out in the named phase, reporting the bytes seen and the wait of the whole read', async function () {
    const { device, reader } = wire({ latencyMs: 5, chunkSize: 1 });
    device.send('partial output without the marker');
    const started = performance.now();
    const error = (await failure(reader.readUntil('>', { phase: 'enter', idleMs: 1000, deadline: started + 60, since: started }))) as ReplTimeoutError;
    expect(error.code).to.equal('TIMEOUT');
    expect(error.phase).to.equal('enter');
    expect(error.context.seen).to.contain('partial');
    expect(error.context.waitedMs).to.be.at.least(60);
    expect(error.message).to.contain('waiting for ">"');
  });

  it('reports the idle phase when bytes stop, and the deadline phase when time runs out', async function () {
    const { reader } = wire();
    const idle = (await failure(reader.readExactly(1, { phase: 'exec-idle', deadlinePhase: 'exec-total', idleMs: 20, deadline: performance.now() + 5000 }))) as ReplTimeoutError;
    expect(idle.phase).to.equal('exec-idle');
    const total = (await failure(reader.readExactly(1, { phase: 'exec-idle', deadlinePhase: 'exec-total', idleMs: 5000, deadline: performance.now() + 20 }))) as ReplTimeoutError;
    expect(total.phase).to.equal('exec-total');
  });

  it('fails at once when the deadline has already passed', async function () {
    const { reader } = wire();
    const error = (await failure(reader.readExactly(1, { phase: 'soft-reset', deadline: performance.now() - 1 }))) as ReplTimeoutError;
    expect(error.phase).to.equal('soft-reset');
  });

  it('rejects with ABORTED when the signal aborts, and stays usable', async function () {
    const { device, reader } = wire();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    expect((await failure(reader.readUntil('x', { phase: 'exec-idle', signal: controller.signal }))).code).to.equal('ABORTED');
    device.send('x');
    expect(fromUtf8(await reader.readUntil('x', soon()))).to.equal('x');
  });

  it('rejects with TRANSPORT_LOST when the port vanishes', async function () {
    const { device, reader } = wire();
    setTimeout(() => device.lose('unplugged'), 5);
    expect((await failure(reader.readUntil('x', soon()))).code).to.equal('TRANSPORT_LOST');
  });

  it('discards until the line is quiet and returns what it dropped', async function () {
    const { device, reader } = wire({ chunkSize: 3 });
    device.send('stale stuff');
    const dropped = await reader.discardUntilQuiet(20, performance.now() + 2000);
    expect(fromUtf8(dropped)).to.equal('stale stuff');
    expect(reader.available()).to.equal(0);
  });

  it('stops discarding at the deadline even when the line never goes quiet', async function () {
    const { device, reader } = wire();
    const timer = setInterval(() => device.send('.'), 2);
    try {
      const dropped = await reader.discardUntilQuiet(50, performance.now() + 40);
      expect(fromUtf8(dropped)).to.match(/^\.*$/);
    } finally {
      clearInterval(timer);
    }
  });

  it('keeps the last bytes seen in its history', async function () {
    const { device, reader } = wire();
    device.send('abc');
    await reader.readExactly(3, soon());
    expect(fromUtf8(reader.history.snapshot())).to.equal('abc');
  });
});
