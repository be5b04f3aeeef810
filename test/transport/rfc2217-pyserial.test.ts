import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { SimBoard } from '../../src/sim/board.js';
import { stopChild } from '../../src/sim/host/child-process.js';
import { serveBoardOverTcp, type ServedBoard } from '../../src/sim/serve-tcp.js';
import { RawRepl } from '../../src/transport/raw-repl.js';
import { Rfc2217Transport } from '../../src/transport/rfc2217/client.js';

const PYTHON = '/usr/bin/python3';

/**
 * pyserial's own RFC 2217 server machinery (serial.rfc2217.PortManager: negotiation, acks, IAC
 * filtering) in front of a pyserial port, one client, announcing on stdout where it listens. The
 * same few lines as pyserial's examples/rfc2217_server.py, without depending on the docs package.
 */
const PYSERIAL_SERVER = `
import socket, sys, threading, serial, serial.rfc2217
port = serial.serial_for_url(sys.argv[1], timeout=0.05)
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(('127.0.0.1', 0))
listener.listen(1)
print('listening', listener.getsockname()[1], flush=True)
client, _ = listener.accept()
client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
class Connection:
    def write(self, data):
        client.sendall(data)
manager = serial.rfc2217.PortManager(port, Connection())
def board_to_client():
    while True:
        data = port.read(port.in_waiting or 1)
        if data:
            client.sendall(b''.join(manager.escape(data)))
threading.Thread(target=board_to_client, daemon=True).start()
while True:
    data = client.recv(4096)
    if not data:
        break
    port.write(b''.join(manager.filter(data)))
`;

/** Debian's python3-serial under /usr/bin/python3 (CI installs it; there a missing one is a failure). */
function requirePyserial(context: Mocha.Context): void {
  if (spawnSync(PYTHON, ['-c', 'import serial.rfc2217'], { encoding: 'utf8' }).status === 0) return;
  const reason = 'python3-serial is not installed (apt-get install python3-serial)';
  if (process.env.CI === 'true') throw new Error(`${reason}; CI must install it, so this fails instead of skipping`);
  if (context.test !== undefined) context.test.title += ` [skipped: ${reason}]`;
  context.skip();
}

/** The port the server says it listens on (bounded; its stderr in the error). */
function listeningPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`the pyserial server did not start within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^listening (\d+)$/m.exec(stdout);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`the pyserial server exited: ${stderr}`));
    });
  });
}

/**
 * Our client against pyserial's server side. pyserial sets DTR/RTS on its port, which a PTY cannot
 * take; its `socket://` port can, so it serves the simulated board's raw TCP port.
 */
describe("RFC 2217 client against pyserial's RFC 2217 server (PortManager)", function () {
  this.timeout(30_000);
  let board: SimBoard | undefined;
  let served: ServedBoard | undefined;
  let server: ChildProcess | undefined;
  let transport: Rfc2217Transport | undefined;

  afterEach(async () => {
    await transport?.close();
    if (server !== undefined) await stopChild(server, 2000);
    await served?.close();
    await board?.dispose();
  });

  it('negotiates, runs raw-REPL code, and has DTR, purges and baud changes acknowledged', async function () {
    requirePyserial(this);
    board = new SimBoard({ name: 'behind-pyserial', enumerationDelayMs: 50 });
    await board.powerOn();
    await board.waitForUsb(5000);
    served = await serveBoardOverTcp(board);
    server = spawn(PYTHON, ['-c', PYSERIAL_SERVER, `socket://127.0.0.1:${served.port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const port = await listeningPort(server, 10_000);
    transport = await Rfc2217Transport.open({ host: '127.0.0.1', port, negotiationTimeoutMs: 5000 });
    expect(transport.session).to.deep.include({ comPort: true, baudRate: 115_200 });
    expect(transport.warnings).to.deep.equal([]);
    const repl = new RawRepl(transport);
    const result = await repl.exec('import machine, binascii\nprint(binascii.hexlify(machine.unique_id()).decode())');
    expect(result.stdout).to.equal(`${board.serialNumber}\r\n`);
    expect(await transport.setDtr(true)).to.equal(true);
    expect(await transport.purge()).to.equal(true);
    expect(await transport.setBaudRate(57_600)).to.equal(57_600);
  });
});
