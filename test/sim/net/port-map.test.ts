import { expect } from 'chai';
import dgram from 'node:dgram';
import net from 'node:net';
import type { NetConfig } from '../../../src/sim/hw/link.js';
import { Errno } from '../../../src/sim/hw/py-raise.js';
import { NetStack } from '../../../src/sim/net/index.js';
import { DEFAULT_WORLD, netConfigOf, withServices } from '../../../src/sim/world.js';
import { FakeBoard, FakeRadio, WORLD, bytes, recvAtLeast, text } from './support.js';

const SERVICE_ADDRESS = '93.184.215.14';

/** WORLD with example.com at SERVICE_ADDRESS, its port 443 (TCP) and 5353 (UDP) mapped to the given loopback ports. */
function worldWith(tcpPort: number, udpPort: number): NetConfig {
  return { ...WORLD, services: [{ names: ['example.com', 'www.example.com'], address: SERVICE_ADDRESS, ports: new Map([[443, tcpPort], [5353, udpPort]]) }] };
}

describe('the world port map: virtual hosts and ports → loopback services', function () {
  const cleanups: (() => Promise<void> | void)[] = [];
  let stacks: NetStack[] = [];

  function stack(board: FakeBoard, config: NetConfig): NetStack {
    const created = new NetStack(board, config, new FakeRadio());
    stacks.push(created);
    return created;
  }

  async function tcpEcho(): Promise<number> {
    const server = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return (server.address() as net.AddressInfo).port;
  }

  async function udpEcho(): Promise<number> {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (message, remote) => socket.send(message, remote.port, remote.address));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    return socket.address().port;
  }

  afterEach(async function () {
    for (const created of stacks) created.dispose();
    stacks = [];
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("resolves the service's names to its address", function () {
    const board = new FakeBoard();
    const netStack = stack(board, worldWith(1, 2));
    expect(netStack.resolve('WWW.example.com')).to.deep.include({ address: SERVICE_ADDRESS });
  });

  it('connects a mapped TCP port to the loopback port the map names', async function () {
    const hostPort = await tcpEcho();
    const board = new FakeBoard();
    const netStack = stack(board, worldWith(hostPort, 1));
    const id = netStack.socket('tcp');
    netStack.connect(id, SERVICE_ADDRESS, 443);
    await board.until(() => netStack.poll(id).connected, 'the connection to example.com:443');
    netStack.send(id, bytes('through the map'));
    expect(text((await recvAtLeast(board, netStack, id, 15)).data)).to.equal('through the map');
  });

  it('answers a port the map does not list with a reset (ECONNRESET), as a closed port', async function () {
    const hostPort = await tcpEcho();
    const board = new FakeBoard();
    const netStack = stack(board, worldWith(hostPort, 1));
    const id = netStack.socket('tcp');
    netStack.connect(id, SERVICE_ADDRESS, hostPort);
    expect(await board.until(() => netStack.poll(id).error, 'the reset')).to.equal(Errno.ECONNRESET);
  });

  it("exchanges datagrams with a mapped UDP port; the reply comes from the service's virtual address and port", async function () {
    const hostPort = await udpEcho();
    const board = new FakeBoard();
    const netStack = stack(board, worldWith(1, hostPort));
    const id = netStack.socket('udp');
    netStack.sendto(id, bytes('query'), SERVICE_ADDRESS, 5353);
    const reply = await board.until(() => netStack.recvfrom(id, 100), 'the UDP echo');
    expect(text(reply.data)).to.equal('query');
    expect(reply).to.deep.include({ address: SERVICE_ADDRESS, port: 5353 });
  });

  it('takes the port map from the world (withServices), as the board hardware does', function () {
    const world = withServices(DEFAULT_WORLD, [{ names: ['example.com'], address: SERVICE_ADDRESS, ports: { 443: 8443 } }]);
    const [service] = netConfigOf(world).services ?? [];
    expect(service?.names).to.deep.equal(['example.com']);
    expect([...(service?.ports ?? [])]).to.deep.equal([[443, 8443]]);
  });
});
