import { expect } from 'chai';
import dgram from 'node:dgram';
import { Errno } from '../../../src/sim/hw/py-raise.js';
import { NTP_PORT, NetStack, ntpTimestampToEpochMs } from '../../../src/sim/net/index.js';
import { DNS_GIVE_UP_MS } from '../../../src/sim/net/lwip-constants.js';
import { FakeBoard, FakeRadio, LINK, WORLD, raised } from './support.js';

function ntpRequest(transmitSeconds: number): Uint8Array {
  const request = new Uint8Array(48);
  request[0] = 0x1b; // LI 0, version 3, mode 3 (client): what ntptime sends
  new DataView(request.buffer).setUint32(40, transmitSeconds);
  return request;
}

describe('simulated lwIP DNS', function () {
  it('answers the harness name (any case) after dnsDelayMs with the harness address', function () {
    const netStack = new NetStack(new FakeBoard(), WORLD, new FakeRadio());
    expect(netStack.resolve('PicoW-Harness.LOCAL')).to.deep.equal({ address: WORLD.harness.address, delayMs: WORLD.dnsDelayMs });
    expect(netStack.resolve('api.example.com')).to.deep.equal({ address: WORLD.harness.address, delayMs: WORLD.dnsDelayMs });
  });

  it('answers every NTP name with the NTP address', function () {
    const netStack = new NetStack(new FakeBoard(), WORLD, new FakeRadio());
    for (const name of WORLD.ntp.names) expect(netStack.resolve(name).address).to.equal(WORLD.ntp.address);
  });

  it('gives OSError(-2) for an unknown name after dnsDelayMs (NXDOMAIN)', function () {
    const netStack = new NetStack(new FakeBoard(), WORLD, new FakeRadio());
    expect(netStack.resolve('nowhere.example.org')).to.deep.equal({ errno: -2, delayMs: WORLD.dnsDelayMs });
  });

  it('gives -2 only when lwIP gives up on an unknown .local name (multicast DNS, nobody answers)', function () {
    const netStack = new NetStack(new FakeBoard(), WORLD, new FakeRadio());
    expect(netStack.resolve('other-board.local')).to.deep.equal({ errno: -2, delayMs: DNS_GIVE_UP_MS });
  });

  it('answers address literals at once, without a link, in inet_aton forms too', function () {
    const radio = new FakeRadio();
    radio.current = undefined;
    const netStack = new NetStack(new FakeBoard(), WORLD, radio);
    expect(netStack.resolve('10.0.0.7')).to.deep.equal({ address: '10.0.0.7', delayMs: 0 });
    expect(netStack.resolve('10.7')).to.deep.equal({ address: '10.0.0.7', delayMs: 0 });
  });

  it('gives OSError(-6) at once when lwIP has no DNS server yet (Wi-Fi never up since boot)', function () {
    const radio = new FakeRadio();
    radio.current = undefined;
    radio.dnsServer = false;
    const netStack = new NetStack(new FakeBoard(), WORLD, radio);
    expect(netStack.resolve('pool.ntp.org')).to.deep.equal({ errno: -6, delayMs: 0 });
  });

  it('times out with -2 when the link is down, but answers a cached name at once', function () {
    const board = new FakeBoard();
    const radio = new FakeRadio();
    const netStack = new NetStack(board, WORLD, radio);
    expect(netStack.resolve('pool.ntp.org').address).to.equal(WORLD.ntp.address);
    radio.current = undefined;
    board.uptime = 1000;
    expect(netStack.resolve('pool.ntp.org')).to.deep.equal({ address: WORLD.ntp.address, delayMs: 0 });
    expect(netStack.resolve('picow-harness.local')).to.deep.equal({ errno: -2, delayMs: DNS_GIVE_UP_MS });
  });

  it('retries on lwIP\'s schedule when the query is lost, and gives up when every attempt is lost', function () {
    const radio = new FakeRadio();
    radio.current = { ...LINK, lossProbability: 1 };
    const netStack = new NetStack(new FakeBoard(), WORLD, radio);
    expect(netStack.resolve('pool.ntp.org')).to.deep.equal({ errno: -2, delayMs: DNS_GIVE_UP_MS });
  });
});

describe('simulated lwIP UDP', function () {
  const stacks: NetStack[] = [];
  const servers: dgram.Socket[] = [];

  afterEach(function () {
    for (const created of stacks.splice(0)) created.dispose();
    for (const server of servers.splice(0)) server.close();
  });

  function stack(board: FakeBoard, radio: FakeRadio): NetStack {
    const created = new NetStack(board, WORLD, radio);
    stacks.push(created);
    return created;
  }

  async function udpEcho(): Promise<{ port: number; received: string[] }> {
    const server = dgram.createSocket('udp4');
    servers.push(server);
    const received: string[] = [];
    server.on('message', (message, remote) => {
      received.push(message.toString());
      server.send(message, remote.port, remote.address);
    });
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    return { port: server.address().port, received };
  }

  it('answers an NTP request inside the simulator with a server-mode reply carrying the host time', async function () {
    const board = new FakeBoard('v1.24.1', 1000);
    const radio = new FakeRadio();
    const netStack = stack(board, radio);
    const id = netStack.socket('udp');
    const before = Date.now();
    expect(netStack.sendto(id, ntpRequest(0xdeadbeef), WORLD.ntp.address, NTP_PORT)).to.equal(48);
    const reply = await board.until(() => netStack.recvfrom(id, 48), 'the NTP reply');
    const after = Date.now();
    expect(reply.address).to.equal(WORLD.ntp.address);
    expect(reply.port).to.equal(NTP_PORT);
    expect(reply.data.length).to.equal(48);
    const view = new DataView(reply.data.buffer, reply.data.byteOffset, 48);
    expect(reply.data[0]).to.equal(0x1c); // LI 0, version 3 echoed, mode 4 (server)
    expect(reply.data[1]).to.equal(1); // stratum 1
    expect(view.getUint32(24)).to.equal(0xdeadbeef); // originate = the request's transmit
    const transmit = ntpTimestampToEpochMs(view.getUint32(40), view.getUint32(44));
    expect(transmit).to.be.within(before - 1000, after + 1000);
  });

  it('shifts the NTP server\'s time by the world\'s offsetMs', async function () {
    const board = new FakeBoard('v1.24.1', 1000);
    const netStack = new NetStack(board, { ...WORLD, ntp: { ...WORLD.ntp, offsetMs: 3_600_000 } }, new FakeRadio());
    stacks.push(netStack);
    const id = netStack.socket('udp');
    netStack.sendto(id, ntpRequest(1), WORLD.ntp.address, NTP_PORT);
    const reply = await board.until(() => netStack.recv(id, 48), 'the NTP reply');
    const view = new DataView(reply.buffer, reply.byteOffset, 48);
    expect(ntpTimestampToEpochMs(view.getUint32(40), view.getUint32(44)) - Date.now()).to.be.within(3_590_000, 3_610_000);
  });

  it('exchanges datagrams with the harness address over a real loopback socket', async function () {
    const { port } = await udpEcho();
    const board = new FakeBoard();
    const netStack = stack(board, new FakeRadio());
    const id = netStack.socket('udp');
    netStack.sendto(id, new TextEncoder().encode('hello'), WORLD.harness.address, port);
    const reply = await board.until(() => netStack.recvfrom(id, 100), 'the echo');
    expect(new TextDecoder().decode(reply.data)).to.equal('hello');
    expect(reply).to.deep.include({ address: WORLD.harness.address, port });
  });

  it('loses every datagram when the link\'s loss probability is 1 (drawn from the udp-loss stream)', async function () {
    const { port, received } = await udpEcho();
    const board = new FakeBoard();
    const radio = new FakeRadio();
    const netStack = stack(board, radio);
    const id = netStack.socket('udp');
    radio.current = { ...LINK, lossProbability: 1 };
    netStack.sendto(id, new TextEncoder().encode('lost'), WORLD.harness.address, port);
    radio.current = LINK;
    netStack.sendto(id, new TextEncoder().encode('marker'), WORLD.harness.address, port);
    await board.until(() => received.includes('marker'), 'the marker at the harness');
    expect(received).to.deep.equal(['marker']);
  });

  it('keeps one waiting datagram per socket and drops the next (modlwip\'s single pbuf slot)', async function () {
    const board = new FakeBoard('v1.24.1', 1000);
    const radio = new FakeRadio();
    const netStack = stack(board, radio);
    const id = netStack.socket('udp');
    netStack.sendto(id, ntpRequest(1), WORLD.ntp.address, NTP_PORT);
    netStack.sendto(id, ntpRequest(2), WORLD.ntp.address, NTP_PORT);
    await board.until(() => radio.traffic >= 4, 'two replies arriving');
    const first = netStack.recvfrom(id, 48);
    expect(new DataView(first?.data.buffer ?? new ArrayBuffer(48), first?.data.byteOffset ?? 0, 48).getUint32(24)).to.equal(1);
    expect(netStack.recvfrom(id, 48)).to.equal(null);
  });

  it('raises EHOSTUNREACH for sendto without a link and EBADF after close', function () {
    const radio = new FakeRadio();
    radio.current = undefined;
    const netStack = stack(new FakeBoard(), radio);
    const id = netStack.socket('udp');
    expect(raised(() => netStack.sendto(id, new Uint8Array(48), WORLD.ntp.address, NTP_PORT)).args).to.deep.equal([Errno.EHOSTUNREACH]);
    netStack.close(id);
    expect(raised(() => netStack.sendto(id, new Uint8Array(48), WORLD.ntp.address, NTP_PORT)).args).to.deep.equal([Errno.EBADF]);
  });

  it('sends to the address set by connect()', async function () {
    const { port, received } = await udpEcho();
    const board = new FakeBoard();
    const netStack = stack(board, new FakeRadio());
    const id = netStack.socket('udp');
    expect(raised(() => netStack.send(id, new Uint8Array(1))).args).to.deep.equal([Errno.ENOTCONN]);
    netStack.connect(id, WORLD.harness.address, port);
    netStack.send(id, new TextEncoder().encode('via-connect'));
    await board.until(() => received.includes('via-connect'), 'the datagram at the harness');
  });
});
