import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCertificateSets, loadCertificateSet, type CertificateSet } from '../../../src/pki/index.js';
import { Errno } from '../../../src/sim/hw/py-raise.js';
import { NetStack } from '../../../src/sim/net/index.js';
import { TCP_MSS } from '../../../src/sim/net/lwip-constants.js';
import { RecordCollector } from '../../server/support/clients.js';
import { ServerPool } from '../../server/support/server.js';
import { FakeBoard, FakeRadio, LINK, WORLD, bytes, connectHarness, raised, recvAtLeast, text } from './support.js';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('simulated lwIP TCP', function () {
  let dir: string;
  let set: CertificateSet;
  const pool = new ServerPool();
  let stacks: NetStack[] = [];

  function stack(board: FakeBoard, radio = new FakeRadio()): NetStack {
    const created = new NetStack(board, WORLD, radio);
    stacks.push(created);
    return created;
  }

  async function plainServer(): Promise<{ port: number; records: RecordCollector }> {
    const { server, records } = await pool.start({ certChainPem: set.chainPem, keyPem: set.leafKeyPem }, { plainPort: 0 });
    if (server.plainPort === undefined) throw new Error('no plain port');
    return { port: server.plainPort, records };
  }

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'picow-net-'));
    await generateCertificateSets({ outDir: dir, hostIps: [], detectedHostIps: [] });
    set = await loadCertificateSet(dir, 'valid');
  });

  afterEach(async function () {
    for (const created of stacks) created.dispose();
    stacks = [];
    await pool.closeAll();
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('echoes through the harness address to the real server on 127.0.0.1, same port', async function () {
    const { port, records } = await plainServer();
    const board = new FakeBoard();
    const radio = new FakeRadio();
    const netStack = stack(board, radio);
    const id = await connectHarness(board, netStack, port);
    expect(netStack.send(id, bytes('corr-1\nping'))).to.equal(11);
    const { data } = await recvAtLeast(board, netStack, id, 11);
    expect(text(data)).to.equal('corr-1\nping');
    expect(radio.traffic).to.be.greaterThan(2);
    expect(board.wakes).to.be.greaterThan(0);
    netStack.close(id);
    const record = await records.find((entry) => entry.correlationId === 'corr-1');
    expect(record).to.deep.include({ listener: 'plain', endReason: 'client-closed', bytesIn: 11 });
  });

  it('hands out at most one received segment (TCP_MSS bytes) per recv, as modlwip does', async function () {
    const { port } = await plainServer();
    const board = new FakeBoard();
    const netStack = stack(board);
    const id = await connectHarness(board, netStack, port);
    const payload = `big\n${'x'.repeat(3000)}`;
    let sent = 0;
    while (sent < payload.length) sent += netStack.send(id, bytes(payload.slice(sent)));
    const { data, sizes } = await recvAtLeast(board, netStack, id, payload.length);
    expect(text(data)).to.equal(payload);
    expect(Math.max(...sizes)).to.be.at.most(TCP_MSS);
  });

  it('reports a refused connection as ECONNRESET once, then the socket is dead (EBADF)', async function () {
    const board = new FakeBoard();
    const netStack = stack(board);
    const id = netStack.socket('tcp');
    netStack.connect(id, WORLD.harness.address, await closedPort());
    const error = await board.until(() => netStack.poll(id).error, 'the refusal');
    expect(error).to.equal(Errno.ECONNRESET);
    expect(raised(() => netStack.recv(id, 10)).args).to.deep.equal([Errno.EBADF]);
  });

  it('gets a reset from a world host with nothing listening (the NTP server)', async function () {
    const board = new FakeBoard();
    const netStack = stack(board);
    const id = netStack.socket('tcp');
    netStack.connect(id, WORLD.ntp.address, 80);
    expect(await board.until(() => netStack.poll(id).error, 'the reset')).to.equal(Errno.ECONNRESET);
  });

  it('raises EHOSTUNREACH at connect without a link, and the socket can connect once the link is up', async function () {
    const { port } = await plainServer();
    const board = new FakeBoard();
    const radio = new FakeRadio();
    radio.current = undefined;
    const netStack = stack(board, radio);
    const id = netStack.socket('tcp');
    expect(raised(() => netStack.connect(id, WORLD.harness.address, port)).args).to.deep.equal([Errno.EHOSTUNREACH]);
    radio.current = LINK;
    netStack.connect(id, WORLD.harness.address, port);
    await board.until(() => netStack.poll(id).connected, 'connected');
  });

  it('gives up on an address nobody answers after tcpConnectTimeoutMs board ms, with lwIP\'s ECONNABORTED', async function () {
    const board = new FakeBoard('v1.24.1', 1_000_000);
    const netStack = stack(board);
    const id = netStack.socket('tcp');
    netStack.connect(id, WORLD.names['blackhole.example.com'] ?? '', 443);
    board.uptime = WORLD.tcpConnectTimeoutMs - 1;
    expect(netStack.poll(id)).to.deep.include({ connecting: true, connected: false });
    expect(netStack.poll(id).error).to.equal(undefined);
    const wakesBefore = board.wakes;
    await board.until(() => board.wakes > wakesBefore, 'the host timer waking the CPU at the deadline');
    board.uptime = WORLD.tcpConnectTimeoutMs;
    expect(netStack.poll(id).error).to.equal(Errno.ECONNABORTED);
    expect(netStack.poll(id)).to.deep.include({ connecting: false, connected: false });
  });

  it('raises ENOTCONN for recv on a socket that is not connected, EALREADY/EISCONN for a second connect', async function () {
    const { port } = await plainServer();
    const board = new FakeBoard();
    const netStack = stack(board);
    const id = netStack.socket('tcp');
    expect(raised(() => netStack.recv(id, 1)).args).to.deep.equal([Errno.ENOTCONN]);
    netStack.connect(id, WORLD.harness.address, port);
    expect(raised(() => netStack.connect(id, WORLD.harness.address, port)).args).to.deep.equal([Errno.EALREADY]);
    await board.until(() => netStack.poll(id).connected, 'connected');
    expect(raised(() => netStack.connect(id, WORLD.harness.address, port)).args).to.deep.equal([106]);
  });

  it('refuses a sixth TCP socket with ENOMEM (MEMP_NUM_TCP_PCB) and frees a PCB on close', function () {
    const netStack = stack(new FakeBoard());
    const ids = [1, 2, 3, 4, 5].map(() => netStack.socket('tcp'));
    expect(raised(() => netStack.socket('tcp')).args).to.deep.equal([Errno.ENOMEM]);
    netStack.close(ids[0] ?? 0);
    expect(netStack.socket('tcp')).to.be.a('number');
  });

  it('closes with RST when the board leaves received data unread (lwIP tcp_close), with FIN otherwise', async function () {
    const { port, records } = await plainServer();
    const board = new FakeBoard();
    const netStack = stack(board);
    const unread = await connectHarness(board, netStack, port);
    netStack.send(unread, bytes('unread\nhello'));
    await board.until(() => netStack.poll(unread).readable >= 12, 'the echo arriving');
    netStack.close(unread);
    expect((await records.find((entry) => entry.correlationId === 'unread')).endReason).to.equal('client-reset');

    const drained = await connectHarness(board, netStack, port);
    netStack.send(drained, bytes('drained\nhello'));
    await recvAtLeast(board, netStack, drained, 13);
    netStack.close(drained);
    expect((await records.find((entry) => entry.correlationId === 'drained')).endReason).to.equal('client-closed');
  });

  it('sees the server closing as EOF (empty recv) after the data', async function () {
    const { server, records } = await pool.start({ certChainPem: set.chainPem, keyPem: set.leafKeyPem }, { plainPort: 0, idleTimeoutMs: 200 });
    const board = new FakeBoard();
    const netStack = stack(board);
    const id = await connectHarness(board, netStack, server.plainPort ?? 0);
    netStack.send(id, bytes('eof\nabc'));
    const { data, eof } = await recvAtLeast(board, netStack, id, Number.MAX_SAFE_INTEGER);
    expect(text(data)).to.equal('eof\nabc');
    expect(eof).to.equal(true);
    expect(netStack.poll(id).eof).to.equal(true);
    await records.find((entry) => entry.correlationId === 'eof');
  });

  it('closes every socket at a soft reset as the finalisers do (the server sees the client close)', async function () {
    const { port, records } = await plainServer();
    const board = new FakeBoard();
    const netStack = stack(board);
    const id = await connectHarness(board, netStack, port);
    netStack.send(id, bytes('soft\n'));
    await recvAtLeast(board, netStack, id, 5);
    netStack.closeAll('soft-reset');
    expect((await records.find((entry) => entry.correlationId === 'soft')).endReason).to.equal('client-closed');
    expect(raised(() => netStack.poll(id)).args).to.deep.equal([Errno.EBADF]);
  });

  it('sends nothing after a power cut: the server keeps the connection until the board\'s host side is disposed', async function () {
    const { server, records } = await pool.start({ certChainPem: set.chainPem, keyPem: set.leafKeyPem }, { plainPort: 0 });
    const board = new FakeBoard();
    const netStack = stack(board);
    const id = await connectHarness(board, netStack, server.plainPort ?? 0);
    netStack.send(id, bytes('cut\n'));
    await recvAtLeast(board, netStack, id, 4);
    netStack.closeAll('power-loss');
    // A full round trip on another connection after the cut: a FIN would have reached the server by then.
    const other = new NetStack(new FakeBoard(), WORLD, new FakeRadio());
    stacks.push(other);
    const probe = await connectHarness(board, other, server.plainPort ?? 0);
    other.send(probe, bytes('probe\n'));
    await recvAtLeast(board, other, probe, 6);
    expect(server.connections()).to.equal(2);
    expect(records.records.some((entry) => entry.correlationId === 'cut')).to.equal(false);
    netStack.dispose();
    await records.find((entry) => entry.correlationId === 'cut');
  });

  it('holds what the peer sends while the link is down (send raises EHOSTUNREACH) and delivers it when the same lease returns', async function () {
    const accepted: net.Socket[] = [];
    const server = net.createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const board = new FakeBoard();
      const radio = new FakeRadio();
      const netStack = stack(board, radio);
      const id = await connectHarness(board, netStack, address.port);
      const peer = await board.until(() => accepted[0], 'the accepted connection');
      radio.current = undefined;
      netStack.linkChanged();
      peer.write('pushed');
      // Give the loopback time to carry the bytes to the board's host socket.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(netStack.poll(id).readable).to.equal(0);
      expect(netStack.recv(id, 100)).to.equal(null);
      expect(raised(() => netStack.send(id, bytes('x'))).args).to.deep.equal([Errno.EHOSTUNREACH]);
      radio.current = LINK;
      netStack.linkChanged();
      const { data } = await recvAtLeast(board, netStack, id, 6);
      expect(text(data)).to.equal('pushed');
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('aborts open connections (ECONNABORTED) when the STA interface goes down (netif_remove)', async function () {
    const { port } = await plainServer();
    const board = new FakeBoard();
    const netStack = stack(board);
    const id = await connectHarness(board, netStack, port);
    netStack.interfaceDown();
    expect(netStack.poll(id).error).to.equal(Errno.ECONNABORTED);
  });

  it('aborts connections (ECONNABORTED) when the link comes back with another address', async function () {
    const { port } = await plainServer();
    const board = new FakeBoard();
    const radio = new FakeRadio();
    const netStack = stack(board, radio);
    const id = await connectHarness(board, netStack, port);
    radio.current = undefined;
    netStack.linkChanged();
    radio.current = { ...LINK, address: '192.168.4.77' };
    netStack.linkChanged();
    expect(netStack.poll(id).error).to.equal(Errno.ECONNABORTED);
  });
});
