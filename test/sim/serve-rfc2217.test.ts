import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { CampaignBoard } from '../../src/campaign/board/campaign-board.js';
import { runCli } from '../../src/cli/main.js';
import { hardReset } from '../../src/campaign/resets/hard.js';
import { resolveResetOptions } from '../../src/campaign/resets/options.js';
import { SimBoard } from '../../src/sim/board.js';
import { serveBoardOverRfc2217, type Rfc2217BoardServer } from '../../src/sim/serve-rfc2217.js';
import { connectDevice } from '../../src/transport/connect.js';
import { RawRepl } from '../../src/transport/raw-repl.js';
import { Rfc2217Transport } from '../../src/transport/rfc2217/client.js';
import { Control } from '../../src/transport/rfc2217/protocol.js';
import { fromUtf8, utf8 } from '../../src/util/bytes.js';

const PYTHON_WITH_PYSERIAL = '/usr/bin/python3';

/** pyserial as a client: Debian's python3-serial under /usr/bin/python3 (CI installs it; then missing is a failure). */
function requirePyserial(context: Mocha.Context): void {
  const probe = spawnSync(PYTHON_WITH_PYSERIAL, ['-c', 'import serial.rfc2217'], { encoding: 'utf8' });
  if (probe.status === 0) return;
  const reason = 'python3-serial is not installed (apt-get install python3-serial)';
  if (process.env.CI === 'true') throw new Error(`${reason}; CI must install it, so this fails instead of skipping`);
  if (context.test !== undefined) context.test.title += ` [skipped: ${reason}]`;
  context.skip();
}

function runPython(script: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON_WITH_PYSERIAL, ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** stdout/stderr stand-in that keeps the text and can wait for a pattern (bounded). */
class Collector {
  text = '';

  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }

  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.text);
      if (match !== null) return match;
      if (performance.now() > deadline) throw new Error(`no ${String(pattern)} in output: ${JSON.stringify(this.text)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Collector();
  const stderr = new Collector();
  const code = await runCli(argv, { stdout, stderr, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('serving a simulated board over RFC 2217', function () {
  this.timeout(30_000);
  const boards: SimBoard[] = [];
  const servers: Rfc2217BoardServer[] = [];
  const closers: (() => Promise<void>)[] = [];

  async function startBoard(name: string, port = 0): Promise<{ board: SimBoard; server: Rfc2217BoardServer }> {
    const board = new SimBoard({ name, seed: name.length, enumerationDelayMs: 50 });
    boards.push(board);
    await board.powerOn();
    await board.waitForUsb(5000);
    const server = await serveBoardOverRfc2217(board, { port });
    servers.push(server);
    return { board, server };
  }

  async function open(server: Rfc2217BoardServer): Promise<Rfc2217Transport> {
    const transport = await Rfc2217Transport.open({ host: '127.0.0.1', port: server.address.port });
    closers.push(() => transport.close());
    return transport;
  }

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    for (const server of servers.splice(0)) await server.close();
    for (const board of boards.splice(0)) await board.dispose();
  });

  it('runs code in the raw REPL through the RFC 2217 client and names itself in the signature', async () => {
    const { board, server } = await startBoard('rfc-a');
    const transport = await open(server);
    expect(transport.session.signature).to.equal(`picow-harness sim rfc-a (${board.profile.name}, serial ${board.serialNumber})`);
    expect(transport.modemstate).to.equal(0xb0);
    const repl = new RawRepl(transport);
    expect((await repl.exec('print(6 * 7)')).stdout).to.equal('42\r\n');
    const big = await repl.exec('print("x" * 3000)');
    expect(big.stdout).to.equal(`${'x'.repeat(3000)}\r\n`);
    expect(server.lineSettings).to.include({ baudRate: 115_200, dataSize: 8 });
  });

  it("maps SET-CONTROL DTR to the board's USB CDC: with DTR clear the board's output stays on the board", async () => {
    const { board, server } = await startBoard('rfc-dtr');
    const transport = await open(server);
    const repl = new RawRepl(transport);
    await repl.exec('print(1)');
    const changesBefore = board.cdc.hostActivity().dtrChanges;
    expect(await transport.setDtr(false)).to.equal(true);
    expect(await transport.setControl(Control.REQUEST_DTR)).to.equal(Control.DTR_OFF);
    expect(board.cdc.hostActivity().dtrChanges).to.equal(changesBefore + 1);
    await transport.write(utf8('print("held")\x04'));
    const deadline = performance.now() + 5000;
    while (!fromUtf8(board.cdc.detachedFifo()).includes('held') && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fromUtf8(board.cdc.detachedFifo())).to.include('held');
    expect(fromUtf8(transport.drain())).to.not.include('held');
    expect(await transport.setDtr(true)).to.equal(true);
    expect(await transport.setControl(Control.REQUEST_DTR)).to.equal(Control.DTR_ON);
  });

  it('picow-harness sim --rfc2217 serves a board that exec --port rfc2217:// runs code on', async () => {
    const stdout = new Collector();
    const stderr = new Collector();
    const stop = new AbortController();
    const running = runCli(['sim', '--rfc2217', '0', '--json'], { stdout, stderr, signal: stop.signal, env: {} });
    try {
      const [line] = await stdout.waitFor(/^\{.*\}\n/);
      const { rfc2217 } = JSON.parse(line) as { rfc2217: string };
      expect(rfc2217).to.match(/^rfc2217:\/\/127\.0\.0\.1:\d+$/);
      expect(await cli(['exec', '--port', rfc2217, 'import sys; print(sys.platform)'])).to.deep.equal({ code: 0, stdout: 'rp2\n', stderr: '' });
    } finally {
      stop.abort();
    }
    expect(await running, stderr.text).to.equal(0);
  });

  it('exec --port rfc2217:// to a closed port exits 3 with one line naming host and port', async () => {
    const run = await cli(['exec', '--port', 'rfc2217://127.0.0.1:1', 'print(1)']);
    expect(run.code).to.equal(3);
    expect(run.stderr).to.equal('picow-harness: cannot open rfc2217://127.0.0.1:1: connection refused by 127.0.0.1:1 (is the server running?)\n');
  });

  it('turns a second client away with a one-line reason', async () => {
    const { server } = await startBoard('rfc-busy');
    await open(server);
    const second = await Rfc2217Transport.open({ host: '127.0.0.1', port: server.address.port, negotiationTimeoutMs: 2000 }).then(
      () => undefined,
      (error: unknown) => error as { code: string; message: string },
    );
    expect(second?.code).to.equal('TRANSPORT_OPEN_FAILED');
    expect(second?.message).to.match(/saying "picow-harness: rfc-busy is in use by another client \(127\.0\.0\.1:\d+\); one client at a time"$/);
  });

  it('reconnects the same URL after a hard reset and proves it is the same board by machine.unique_id()', async () => {
    const { board, server } = await startBoard('rfc-reset');
    const connection = await connectDevice({ kind: 'rfc2217', host: '127.0.0.1', port: server.address.port });
    const campaignBoard = new CampaignBoard({ connection, kind: 'real' });
    closers.push(() => campaignBoard.close());
    expect((await campaignBoard.exec('print(1)')).stdout).to.equal('1\r\n');
    expect(campaignBoard.uniqueId).to.equal(board.serialNumber);
    const outcome = await hardReset(campaignBoard, resolveResetOptions({ reconnectTimeoutMs: 15_000 }));
    expect(outcome.verified, outcome.problem).to.equal(true);
    expect(outcome.evidence).to.include({ portVanished: true, refoundBy: 'unique-id', resetCause: 'WDT_RESET' });
    expect(campaignBoard.port).to.equal(server.url);
  });

  it('refuses to carry on when the same URL leads to another board after a reconnect', async () => {
    const first = await startBoard('rfc-first');
    const port = first.server.address.port;
    const connection = await connectDevice({ kind: 'rfc2217', host: '127.0.0.1', port });
    const campaignBoard = new CampaignBoard({ connection, kind: 'real' });
    closers.push(() => campaignBoard.close());
    await campaignBoard.exec('print(1)');
    await first.server.close();
    const second = await startBoard('rfc-second-board', port);
    expect(second.board.serialNumber).to.not.equal(first.board.serialNumber);
    await campaignBoard.reconnect({ timeoutMs: 5000 });
    const error = await campaignBoard.exec('print(2)').then(
      () => undefined,
      (failure: unknown) => failure as { code: string; message: string },
    );
    expect(error?.code).to.equal('DEVICE_NOT_FOUND');
    expect(error?.message).to.equal(
      `rfc2217://127.0.0.1:${port} now answers as board ${second.board.serialNumber}, not ${first.board.serialNumber} (the board before the reset); refusing to carry on with another board`,
    );
  });

  it("checks an inventory's expected unique id at the first exec, before any code of the campaign runs", async () => {
    const { server } = await startBoard('rfc-expected');
    const connection = await connectDevice({ kind: 'rfc2217', host: '127.0.0.1', port: server.address.port });
    const campaignBoard = new CampaignBoard({ connection, kind: 'real', expectedUniqueId: 'E6614C311B7E6A35' });
    closers.push(() => campaignBoard.close());
    const error = await campaignBoard.exec('print(1)').then(
      () => undefined,
      (failure: unknown) => failure as { code: string; message: string },
    );
    expect(error?.code).to.equal('DEVICE_NOT_FOUND');
    expect(error?.message).to.match(/now answers as board [0-9a-f]{16}, not e6614c311b7e6a35 \(the expected unique id\); refusing to carry on with another board$/);
  });

  it('serves pyserial (rfc2217:// URL) as a client: raw REPL, DTR/RTS and baud changes acknowledged', async function () {
    requirePyserial(this);
    const { board, server } = await startBoard('rfc-pyserial');
    const script = [
      'import serial, time, binascii',
      `s = serial.serial_for_url('rfc2217://127.0.0.1:${server.address.port}?timeout=2', timeout=2)`,
      's.dtr = False; s.dtr = True; s.rts = True; s.baudrate = 9600',
      "s.write(b'\\r\\x03\\x03\\x01')",
      "print(s.read_until(b'raw REPL; CTRL-B to exit\\r\\n>'))",
      "s.write(b'import machine, binascii\\nprint(binascii.hexlify(machine.unique_id()).decode())\\x04')",
      "print(s.read_until(b'\\x04>'))",
      "print('cts', s.cts, 'dsr', s.dsr)",
      "s.write(b'\\x02'); s.close()",
    ].join('\n');
    const run = await runPython(script, 20_000);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include('raw REPL; CTRL-B to exit');
    expect(run.stdout).to.include(`OK${board.serialNumber}\\r\\n\\x04\\x04>`);
    expect(run.stdout).to.include('cts True dsr True');
  });
});
