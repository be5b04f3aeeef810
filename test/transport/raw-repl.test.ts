import { expect } from 'chai';
import type { ReplTimeoutError } from '../../src/errors.js';
import { RawRepl, type RawReplOptions } from '../../src/transport/raw-repl.js';
import { concatBytes, fromUtf8, indexOfBytes, utf8 } from '../../src/util/bytes.js';
import { FakeFirmware, RAW_BANNER, ScriptedTransport, type FirmwareOptions, type Responder, type ScriptedTransportOptions } from '../support/scripted-transport.js';
import { failure } from '../support/failure.js';

const FAST = { enterMs: 400, settleMs: 5, protocolMs: 150, execIdleMs: 400, execTotalMs: 2000, softResetMs: 400 };

function session(firmware: FirmwareOptions | Responder = {}, options: RawReplOptions = {}, transportOptions: ScriptedTransportOptions = {}) {
  const fw = typeof firmware === 'function' ? undefined : new FakeFirmware(firmware);
  const transport = new ScriptedTransport(fw?.respond ?? (firmware as Responder), transportOptions);
  const repl = new RawRepl(transport, { ...options, timeouts: { ...FAST, ...options.timeouts } });
  return { fw: fw as FakeFirmware, transport, repl };
}

function count(bytes: Uint8Array, byte: number): number {
  return bytes.filter((b) => b === byte).length;
}

function program(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i += 1) {
    const line = `value_${i} = ${i} * 3\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join('');
}

const echoRun = (code: string) => ({ stdout: `ran ${code.length} bytes\r\n` });

describe('RawRepl protocol (scripted firmware)', function () {
  describe('entering raw REPL', function () {
    it('interrupts, then sends Ctrl-A and waits for the banner and prompt', async function () {
      const { transport, repl } = session();
      await repl.enter();
      expect(repl.state).to.equal('raw');
      expect(Array.from(transport.written)).to.deep.equal([0x03, 0x01]);
    });

    it('enters when the banner arrives one byte at a time', async function () {
      const { repl } = session({}, {}, { chunkSize: 1 });
      await repl.enter();
      expect(repl.state).to.equal('raw');
    });

    it('enters when already in raw REPL', async function () {
      const { repl, fw } = session({ startIn: 'raw' });
      await repl.enter();
      await repl.enter();
      expect(fw.state).to.equal('raw');
    });

    it('sends Ctrl-C again on the next attempt when a program catches the first one', async function () {
      const { repl, transport } = session({ startIn: 'running', catchesCtrlC: 1 });
      const attempts: number[] = [];
      repl.on('enter', (event) => attempts.push(event.attempts));
      await repl.enter();
      expect(attempts).to.deep.equal([2]);
      expect(count(transport.written, 0x03)).to.equal(2);
    });

    it('ignores a stale partial banner and stale bytes that trail the prompt', async function () {
      const fw = new FakeFirmware({ run: echoRun });
      let trailed = false;
      const responder: Responder = (written, link) => {
        fw.respond(written, link);
        if (written.includes(0x01) && !trailed) {
          trailed = true;
          setTimeout(() => link.send('\r\n>>> late chatter'), 2);
        }
      };
      const transport = new ScriptedTransport(responder);
      const repl = new RawRepl(transport, { timeouts: FAST });
      transport.device.send('L; CTRL-B to exit\r\n>>> print(');
      const result = await repl.exec('x = 1');
      expect(result.stdout).to.equal('ran 5 bytes\r\n');
      expect(result.exception).to.equal(undefined);
    });

    it('gives up after enterAttempts and reports the last bytes seen', async function () {
      const { repl, transport } = session((_written, link) => link.send('garbage from a confused board\r\n'), { enterAttempts: 3 });
      const error = await failure(repl.enter());
      expect(error.code).to.equal('RAW_REPL_ENTER_FAILED');
      expect(error.message).to.contain('garbage from a confused board');
      expect(error.context.seen).to.contain('garbage from a confused board');
      expect(error.context.attempts).to.equal(3);
      expect(count(transport.written, 0x01)).to.equal(3);
      expect(repl.state).to.equal('unknown');
    });

    it('gives up on a board that never answers, with a timeout of phase enter as the cause', async function () {
      const { repl } = session(() => {}, { enterAttempts: 2 });
      const error = await failure(repl.enter());
      expect(error.code).to.equal('RAW_REPL_ENTER_FAILED');
      expect(error.message).to.contain('(nothing)');
      const cause = error.cause as ReplTimeoutError;
      expect(cause.code).to.equal('TIMEOUT');
      expect(cause.phase).to.equal('enter');
    });

    it('never hangs on a board that stops accepting writes', async function () {
      const { repl } = session({}, { enterAttempts: 2 }, { writesBlock: true });
      const error = await failure(repl.enter());
      expect(error.code).to.equal('RAW_REPL_ENTER_FAILED');
    });
  });

  describe('raw-paste', function () {
    it('sends \\x05A\\x01, the code within the window, and \\x04', async function () {
      const { repl, transport, fw } = session({ run: echoRun });
      const result = await repl.exec("print('hi')");
      expect(result).to.include({ mode: 'raw-paste', stdout: 'ran 11 bytes\r\n', stderr: '' });
      const written = transport.written;
      const request = indexOfBytes(written, Uint8Array.of(0x05, 0x41, 0x01));
      expect(request).to.be.greaterThan(0);
      expect(fromUtf8(written.subarray(request + 3))).to.equal("print('hi')\x04");
      expect(fw.executed).to.deep.equal(["print('hi')"]);
    });

    it('never sends more than its credit, whatever the window size', async function () {
      for (const window of [1, 7, 128, 300]) {
        const { repl, fw } = session({ window, run: echoRun });
        const code = program(3000);
        const result = await repl.exec(code);
        expect(result.stdout).to.equal(`ran ${code.length} bytes\r\n`);
        expect(fw.creditViolations, `window ${window}`).to.equal(0);
        expect(fw.executed).to.deep.equal([code]);
      }
    });

    it('acknowledges an early abort with \\x04, returns the traceback and stops sending', async function () {
      const { repl, transport, fw } = session({ abortPasteAfter: 300, run: echoRun });
      const code = program(5000);
      const result = await repl.exec(code);
      expect(result.exception?.type).to.equal('SyntaxError');
      expect(fw.state).to.equal('raw');
      expect(transport.written.length).to.be.lessThan(2000);
      const next = await repl.exec('x = 2');
      expect(next.stdout).to.equal('ran 5 bytes\r\n');
    });

    it('remembers raw-paste support and asks only once per connection', async function () {
      const { repl, fw } = session({ run: echoRun });
      await repl.exec('a = 1');
      await repl.exec('b = 2');
      expect(fw.rawPasteRequests).to.equal(2);
      expect(repl.usesRawPaste).to.equal(true);
    });

    it('is not fooled by a stale banner just before R\\x01', async function () {
      const fw = new FakeFirmware({ run: echoRun });
      let injected = false;
      const responder: Responder = (written, link) => {
        if (!injected && indexOfBytes(written, Uint8Array.of(0x05, 0x41, 0x01)) >= 0) {
          injected = true;
          link.send(RAW_BANNER + '>');
        }
        fw.respond(written, link);
      };
      const repl = new RawRepl(new ScriptedTransport(responder), { timeouts: FAST });
      const result = await repl.exec('z = 3');
      expect(result.mode).to.equal('raw-paste');
      expect(result.stdout).to.equal('ran 5 bytes\r\n');
    });
  });

  describe('classic raw mode fallback', function () {
    it('falls back on a pre-1.14 board that resets the raw REPL on \\x05A\\x01, and does not ask again', async function () {
      const { repl, fw } = session({ rawPaste: 'absent', run: echoRun });
      const replies: string[] = [];
      repl.on('raw-paste-unsupported', (event) => replies.push(event.reply));
      const first = await repl.exec('a = 1');
      const second = await repl.exec('bb = 22');
      expect([first.mode, second.mode]).to.deep.equal(['classic', 'classic']);
      expect([first.stdout, second.stdout]).to.deep.equal(['ran 5 bytes\r\n', 'ran 7 bytes\r\n']);
      expect(fw.rawPasteRequests).to.equal(1);
      expect(replies).to.deep.equal(['banner']);
      expect(repl.usesRawPaste).to.equal(false);
    });

    it('falls back on R\\x00 (consuming the prompt after it) and does not ask again', async function () {
      const { repl, fw } = session({ rawPaste: 'refused', run: echoRun });
      const first = await repl.exec('a = 1');
      const second = await repl.exec('b = 2');
      expect([first.mode, second.mode]).to.deep.equal(['classic', 'classic']);
      expect(second.stdout).to.equal('ran 5 bytes\r\n');
      expect(fw.rawPasteRequests).to.equal(1);
    });

    it('sends code then \\x04 and expects OK, in chunks, when raw-paste is off', async function () {
      const { repl, transport, fw } = session({ run: echoRun }, { rawPaste: 'never', classicChunkSize: 100 });
      const code = program(1000);
      const result = await repl.exec(code);
      expect(result.mode).to.equal('classic');
      expect(fw.rawPasteRequests).to.equal(0);
      expect(fw.executed).to.deep.equal([code]);
      expect(transport.writes.filter((write) => write.length === 100).length).to.equal(Math.floor(code.length / 100));
    });

    it('refuses to fall back when raw-paste is required', async function () {
      const { repl } = session({ rawPaste: 'refused' }, { rawPaste: 'always' });
      expect((await failure(repl.exec('a = 1'))).code).to.equal('RAW_REPL_PROTOCOL');
    });
  });

  describe('protocol errors', function () {
    /** The fake firmware, with each message it sends rewritten (as latin1 text, one char per byte). */
    function garbling(replace: (message: string) => string): Responder {
      const fw = new FakeFirmware({ run: echoRun });
      return (written, link) =>
        fw.respond(written, {
          send: (data) => link.send(Buffer.from(replace(typeof data === 'string' ? data : Buffer.from(data).toString('latin1')), 'latin1')),
          lose: link.lose,
        });
    }

    it('rejects an unexpected byte during the raw-paste transfer', async function () {
      const { repl } = session(garbling((message) => (message === '\x01' ? 'X' : message)));
      const error = await failure(repl.exec(program(600)));
      expect(error.code).to.equal('RAW_REPL_PROTOCOL');
      expect(error.message).to.contain('0x58');
    });

    it('rejects a window size of 0', async function () {
      const responder: Responder = (written, link) => {
        if (indexOfBytes(written, Uint8Array.of(0x05, 0x41, 0x01)) >= 0) link.send('R\x01\x00\x00\x01');
        else if (written.includes(0x01)) link.send(RAW_BANNER + '>');
      };
      expect((await failure(session(responder).repl.exec('a = 1'))).code).to.equal('RAW_REPL_PROTOCOL');
    });

    it('rejects a classic reply other than OK', async function () {
      const { repl } = session(garbling((text) => text.replace('OK', 'NO')), { rawPaste: 'never' });
      const error = await failure(repl.exec('a = 1'));
      expect(error.code).to.equal('RAW_REPL_PROTOCOL');
      expect(error.message).to.contain('"NO"');
    });

    it('rejects output not followed by the raw prompt, then recovers on the next exec', async function () {
      let garble = true;
      const responder = garbling((message) => (garble && message.endsWith('\x04\x04>') ? message.replace('\x04\x04>', '\x04\x04?garbage here!!') : message));
      const { repl } = session(responder);
      const error = await failure(repl.exec('a = 1'));
      expect(error.code).to.equal('RAW_REPL_PROTOCOL');
      expect(repl.state).to.equal('unknown');
      garble = false;
      expect((await repl.exec('b = 2')).stdout).to.equal('ran 5 bytes\r\n');
    });

    it('reports a vanished port as TRANSPORT_LOST', async function () {
      const fw = new FakeFirmware({ run: () => 'hang' });
      const responder: Responder = (written, link) => {
        fw.respond(written, link);
        if (fw.state === 'running-raw') setTimeout(() => link.lose('unplugged'), 5);
      };
      const error = await failure(session(responder).repl.exec('while True: pass'));
      expect(error.code).to.equal('TRANSPORT_LOST');
    });

    it('refuses code with raw REPL control bytes, naming the byte offset, without sending anything', async function () {
      const { repl, transport } = session();
      const error = await failure(repl.exec("print('a\x04b')"));
      expect(error.code).to.equal('USAGE');
      expect(error.message).to.contain('byte offset 8');
      expect(transport.writes).to.have.length(0);
    });
  });

  describe('results, timeouts and control', function () {
    it('returns stdout and the parsed exception separately', async function () {
      const run = () => ({ stdout: 'partial\r\n', stderr: 'Traceback (most recent call last):\r\n  File "<stdin>", line 4, in <module>\r\nOSError: [Errno 110] ETIMEDOUT\r\n' });
      const result = await session({ run }).repl.exec('x');
      expect(result.stdout).to.equal('partial\r\n');
      expect(result.exception).to.include({ type: 'OSError', errno: 110, line: 4 });
    });

    it('reports SystemExit as a soft reboot back into raw REPL, with boot.py output', async function () {
      const { repl } = session({ run: () => 'exit', bootOutput: 'boot says hi\r\n' });
      const result = await repl.exec('import sys; sys.exit()');
      expect(result.softReboot).to.deep.equal({ bootOutput: 'boot says hi\r\n' });
      expect(result.exception).to.equal(undefined);
      expect(repl.state).to.equal('raw');
    });

    it('soft-resets with Ctrl-D at the raw prompt and returns what boot.py printed', async function () {
      const { repl, transport } = session({ bootOutput: 'booting\r\n' });
      await repl.enter();
      const output = await repl.softReset();
      expect(output).to.equal('booting\r\n');
      expect(transport.written.at(-1)).to.equal(0x04);
      expect(repl.state).to.equal('raw');
    });

    it('times out in phase exec-idle, interrupts the program and recovers lazily', async function () {
      let hang = true;
      const { repl, fw, transport } = session({ run: (code) => (hang ? 'hang' : echoRun(code)) }, { timeouts: { execIdleMs: 40 } });
      const error = (await failure(repl.exec('while True: pass'))) as ReplTimeoutError;
      expect(error.code).to.equal('TIMEOUT');
      expect(error.phase).to.equal('exec-idle');
      expect(transport.written.at(-1)).to.equal(0x03);
      expect(repl.state).to.equal('unknown');
      hang = false;
      expect((await repl.exec('a = 1')).stdout).to.equal('ran 5 bytes\r\n');
      expect(fw.state).to.equal('raw');
    });

    it('times out in phase exec-total and reports the wait of the whole exec, not the last gap', async function () {
      let ticker: NodeJS.Timeout | undefined;
      const fw = new FakeFirmware({ run: () => 'hang' });
      const responder: Responder = (written, link) => {
        fw.respond(written, link);
        if (fw.state === 'running-raw' && ticker === undefined) ticker = setInterval(() => link.send('.'), 5);
        if (fw.state !== 'running-raw' && ticker !== undefined) {
          clearInterval(ticker);
          ticker = undefined;
        }
      };
      try {
        const { repl } = session(responder, { timeouts: { execIdleMs: 1000 } });
        const error = (await failure(repl.exec('x', { timeouts: { execTotalMs: 80 } }))) as ReplTimeoutError;
        expect(error.phase).to.equal('exec-total');
        expect(error.context.waitedMs).to.be.at.least(80);
      } finally {
        if (ticker !== undefined) clearInterval(ticker);
      }
    });

    it('cancels with an AbortSignal, before sending anything or while code runs', async function () {
      const { repl, transport } = session({ run: () => 'hang' });
      const error = await failure(repl.exec('a = 1', { signal: AbortSignal.abort() }));
      expect(error.code).to.equal('ABORTED');
      expect(transport.writes).to.have.length(0);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 30);
      expect((await failure(repl.exec('while True: pass', { signal: controller.signal }))).code).to.equal('ABORTED');
      expect(transport.written.at(-1)).to.equal(0x03);
    });

    /** A session whose firmware calls `onWrite` after handling each host write. */
    function watched(firmware: FirmwareOptions, onWrite: (fw: FakeFirmware, transport: ScriptedTransport) => void) {
      const fw = new FakeFirmware(firmware);
      const transport: ScriptedTransport = new ScriptedTransport((written, link) => {
        fw.respond(written, link);
        onWrite(fw, transport);
      });
      return { fw, transport };
    }

    it('interrupt() ends a running exec with KeyboardInterrupt', async function () {
      let repl: RawRepl | undefined;
      const { transport } = watched({ run: () => 'hang' }, (fw) => {
        if (fw.state === 'running-raw') setImmediate(() => void repl?.interrupt());
      });
      repl = new RawRepl(transport, { timeouts: { ...FAST, execIdleMs: 5000 } });
      const result = await repl.exec('while True: pass');
      expect(result.exception?.type).to.equal('KeyboardInterrupt');
      expect(repl.state).to.equal('raw');
    });

    it('interrupt() during a raw-paste transfer does not answer the board with a stray \\x04', async function () {
      let repl: RawRepl | undefined;
      let interrupted = false;
      const { fw, transport } = watched({ window: 16, stallPasteAfter: 32 }, (firmware) => {
        // The board stopped granting credit: the host is waiting for it in the middle of the transfer.
        if (firmware.state === 'paste' && firmware.creditViolations === 0 && !interrupted && transport.written.length > 40) {
          interrupted = true;
          setImmediate(() => void repl?.interrupt());
        }
      });
      repl = new RawRepl(transport, { timeouts: { ...FAST, protocolMs: 5000 } });
      const result = await repl.exec(program(400));
      expect(result.exception?.type).to.equal('KeyboardInterrupt');
      const written = transport.written;
      expect(count(written.subarray(written.lastIndexOf(0x03)), 0x04)).to.equal(0);
      expect(fw.state).to.equal('raw');
    });

    it('runs concurrent calls one after another, in call order', async function () {
      const { repl, fw } = session({ run: echoRun });
      const results = await Promise.all([repl.exec('first = 1'), repl.exec('second = 2'), repl.exec('third = 3')]);
      expect(results.map((r) => r.stdout)).to.deep.equal(['ran 9 bytes\r\n', 'ran 10 bytes\r\n', 'ran 9 bytes\r\n']);
      expect(fw.executed).to.deep.equal(['first = 1', 'second = 2', 'third = 3']);
    });

    it('leaves raw REPL with Ctrl-B and re-enters on the next exec', async function () {
      const { repl, fw } = session({ run: echoRun });
      await repl.enter();
      await repl.exitRaw();
      expect(fw.state).to.equal('friendly');
      expect(repl.state).to.equal('unknown');
      expect((await repl.exec('a = 1')).stdout).to.equal('ran 5 bytes\r\n');
    });

    it('rejects operations after close()', async function () {
      const { repl, transport } = session();
      await repl.close();
      expect(transport.isOpen).to.equal(false);
      expect((await failure(repl.exec('a = 1'))).code).to.equal('ABORTED');
    });

    it('streams stdout before the exec finishes and never passes the \\x04 markers on', async function () {
      const { repl } = session({ run: () => ({ stdout: 'line one\r\nline two\r\n', stderr: 'boom\r\n' }) }, {}, { chunkSize: 3 });
      const out: Uint8Array[] = [];
      const err: Uint8Array[] = [];
      const result = await repl.exec('x', { onStdout: (c) => out.push(c), onStderr: (c) => err.push(c) });
      expect(out.length).to.be.greaterThan(1);
      expect(fromUtf8(concatBytes(out))).to.equal(result.stdout);
      expect(fromUtf8(concatBytes(err))).to.equal('boom\r\n');
      expect(concatBytes([...out, ...err]).includes(0x04)).to.equal(false);
      expect(utf8(result.stdout).length).to.equal(20);
    });
  });
});
