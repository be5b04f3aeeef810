import { expect } from 'chai';
import net from 'node:net';
import dgram from 'node:dgram';
import { DEFAULT_WORLD } from '../../../src/sim/world.js';
import type { SimRig } from '../../support/sim-board.js';
import { output, run, startBoard, HARNESS_HOST, JOIN_VISIBLE } from './support.js';

describe('sockets on the simulated Pico W (lwIP as MicroPython sees it)', function () {
  this.timeout(60_000);
  let rig: SimRig | undefined;
  const closers: (() => void)[] = [];

  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    await rig?.dispose();
    rig = undefined;
  });

  it('getaddrinfo resolves the harness name, and TCP send/recv/readline reach a host service', async () => {
    const server = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    rig = await startBoard();
    await output(rig, JOIN_VISIBLE);
    const out = await output(
      rig,
      `import socket
ai = socket.getaddrinfo(${JSON.stringify(HARNESS_HOST)}, ${port})
print(ai[0][:4], ai[0][4][1])
s = socket.socket()
s.settimeout(5)
s.connect(ai[0][-1])
s.sendall(b'one\\ntwo\\n')
print(s.readline(), s.recv(100))
s.close()`,
    );
    expect(out).to.contain(`(2, 1, 0, '') ${port}`);
    expect(out).to.contain("b'one\\n' b'two\\n'");
  });

  it('raises OSError(-2) for an unknown name, ECONNRESET for a closed port (lwIP has no ECONNREFUSED), EHOSTUNREACH without Wi-Fi', async () => {
    rig = await startBoard();
    const offline = await run(rig, `import socket\ns = socket.socket()\ns.connect(('${DEFAULT_WORLD.network.harness.address}', 9))`);
    expect(offline.exception?.text).to.contain('OSError: [Errno 113] EHOSTUNREACH');
    await output(rig, JOIN_VISIBLE);
    const unknown = await run(rig, "import socket\nsocket.getaddrinfo('no-such-host.invalid', 80)");
    expect(unknown.exception?.text).to.contain('OSError: -2');
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await run(rig, `import socket\ns = socket.socket()\ns.connect(socket.getaddrinfo(${JSON.stringify(HARNESS_HOST)}, ${port})[0][-1])`);
    expect(refused.exception?.text).to.contain('OSError: [Errno 104] ECONNRESET');
  });

  it('a connect nobody answers times out with ETIMEDOUT after settimeout, and non-blocking recv gives EAGAIN', async () => {
    rig = await startBoard();
    await output(rig, JOIN_VISIBLE);
    const timedOut = await run(rig, "import socket\ns = socket.socket()\ns.settimeout(1)\ns.connect(('10.99.99.99', 80))");
    expect(timedOut.exception?.text).to.contain('OSError: [Errno 110] ETIMEDOUT');
    const server = net.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    const again = await run(rig, `import socket\ns = socket.socket()\ns.connect(socket.getaddrinfo(${JSON.stringify(HARNESS_HOST)}, ${port})[0][-1])\ns.setblocking(False)\ns.recv(10)`);
    expect(again.exception?.text).to.contain('OSError: [Errno 11] EAGAIN');
  });

  it('UDP sendto/recvfrom reach a host service, and ntptime sets the RTC to host time', async () => {
    const udp = dgram.createSocket('udp4');
    udp.on('message', (message, remote) => udp.send(Buffer.concat([Buffer.from('echo:'), message]), remote.port, remote.address));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    closers.push(() => udp.close());
    const port = udp.address().port;
    rig = await startBoard();
    await output(rig, JOIN_VISIBLE);
    const out = await output(
      rig,
      `import socket, ntptime, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(5)
u.sendto(b'ping', socket.getaddrinfo(${JSON.stringify(HARNESS_HOST)}, ${port})[0][-1])
data, addr = u.recvfrom(64)
print(data, addr[1])
ntptime.settime()
print(time.time())`,
    );
    expect(out).to.contain(`b'echo:ping' ${port}`);
    const rtc = Number(out.trim().split('\n').pop());
    expect(Math.abs(rtc - Date.now() / 1000)).to.be.below(120);
  });
});
