import { expect } from 'chai';
import type { ReplTimeoutError } from '../../src/errors.js';
import { RawRepl, type RawReplOptions } from '../../src/transport/raw-repl.js';
import { concatBytes, fromUtf8, utf8 } from '../../src/util/bytes.js';
import { Conversation, startSimRig, type SimRig } from '../support/sim-board.js';
import { failure } from '../support/failure.js';

const TIMEOUTS = { enterMs: 3000, settleMs: 30, protocolMs: 2000, execIdleMs: 5000, execTotalMs: 20_000, softResetMs: 5000 };
const OPTIONS: RawReplOptions = { timeouts: TIMEOUTS };

/** About `bytes` of Python that sums its assignments and prints the total. */
function largeScript(bytes: number, errorAtLine?: number): { code: string; total: number; lines: number } {
  const lines: string[] = ['total = 0'];
  let size = lines[0]?.length ?? 0;
  let total = 0;
  for (let i = 1; size < bytes; i += 1) {
    const line = i + 1 === errorAtLine ? `value_${i} = = ${i}` : `value_${i} = ${i}; total += value_${i}  # padding to make the script long`;
    total += i;
    lines.push(line);
    size += line.length + 1;
  }
  lines.push('print(total)');
  return { code: lines.join('\n'), total, lines: lines.length };
}

describe('RawRepl on the simulated Pico W', function () {
  this.timeout(20_000);

  describe('entering raw REPL from any state', function () {
    let rig: SimRig;
    /** A new client on the same port, as after a reconnect: it knows nothing about the board's state. */
    const freshClient = (options: RawReplOptions = {}): RawRepl => new RawRepl(rig.transport, { ...OPTIONS, ...options });
    const type = (text: string): Promise<void> => rig.transport.write(utf8(text));
    const toFriendly = async (): Promise<void> => {
      await rig.repl.exitRaw();
    };

    before(async function () {
      rig = await startSimRig({}, OPTIONS);
    });

    after(async function () {
      await rig.dispose();
    });

    it('enters from the friendly REPL at boot', async function () {
      await rig.repl.enter();
      expect(rig.repl.state).to.equal('raw');
    });

    it('enters when already in raw REPL', async function () {
      await rig.repl.enter();
      const client = freshClient();
      await client.enter();
      expect((await client.exec("print('still here')")).stdout).to.equal('still here\r\n');
      rig.repl = client;
    });

    it('discards a half-typed friendly line without running it', async function () {
      await toFriendly();
      await type('half_typed = 1');
      const client = freshClient();
      expect(await client.execOrThrow("print('half_typed' in globals())")).to.equal('False\r\n');
      rig.repl = client;
    });

    it('cancels a friendly continuation block without running it', async function () {
      await toFriendly();
      await type('for loop_var in range(3):\r');
      await new Conversation(rig.transport).expect('... ');
      const client = freshClient();
      expect(await client.execOrThrow("print('loop_var' in globals())")).to.equal('False\r\n');
      rig.repl = client;
    });

    it('cancels paste mode without running what was pasted', async function () {
      await toFriendly();
      await type('\x05pasted_value = 7\r');
      await new Conversation(rig.transport).expect('=== ');
      const client = freshClient();
      expect(await client.execOrThrow("print('pasted_value' in globals())")).to.equal('False\r\n');
      rig.repl = client;
    });

    it('interrupts a program printing in a loop', async function () {
      await toFriendly();
      await type("\x05import time\rwhile True:\r    print('tick')\r    time.sleep_ms(5)\r\x04");
      await new Conversation(rig.transport).expect('tick\r\n');
      const client = freshClient();
      expect(await client.execOrThrow('print(6 * 7)')).to.equal('42\r\n');
      rig.repl = client;
    });

    it('interrupts a program that catches the first KeyboardInterrupt', async function () {
      await toFriendly();
      await type(
        "\x05import time\rtry:\r    print('armed')\r    while True:\r        time.sleep_ms(10)\rexcept KeyboardInterrupt:\r    print('caught once')\rprint('still running')\rwhile True:\r    time.sleep_ms(10)\r\x04",
      );
      await new Conversation(rig.transport).expect('armed\r\n');
      const client = freshClient({ timeouts: { ...TIMEOUTS, enterMs: 1500 } });
      const attempts: number[] = [];
      client.on('enter', (event) => attempts.push(event.attempts));
      expect(await client.execOrThrow("print('entered')")).to.equal('entered\r\n');
      expect(attempts[0]).to.be.at.least(2);
      rig.repl = client;
    });

    it('abandons a half-finished raw-paste transfer without running it', async function () {
      await rig.repl.enter();
      await type('\x05A\x01half_pasted = 1\nother = ');
      await new Conversation(rig.transport).expect('R\x01');
      const client = freshClient();
      expect(await client.execOrThrow("print('half_pasted' in globals())")).to.equal('False\r\n');
      rig.repl = client;
    });

    it('ends a raw-paste transfer the board aborted early and is waiting to be acknowledged', async function () {
      await rig.repl.enter();
      const { code } = largeScript(3000, 2);
      await type('\x05A\x01');
      await rig.transport.write(utf8(code));
      await new Conversation(rig.transport).expect('\x04');
      const client = freshClient();
      expect(await client.execOrThrow("print('after abort')")).to.equal('after abort\r\n');
      rig.repl = client;
    });
  });

  describe('entering raw REPL while main.py prints at boot', function () {
    let rig: SimRig;

    after(async function () {
      await rig?.dispose();
    });

    it('interrupts the boot program and runs code', async function () {
      rig = await startSimRig({}, OPTIONS);
      rig.board.flash.writeFile('main.py', "import time\ncount = 0\nwhile True:\n    count += 1\n    print('boot chatter', count)\n    time.sleep_ms(3)\n");
      await rig.board.hardReset();
      await rig.reconnect();
      await new Conversation(rig.transport).expect('boot chatter');
      const result = await rig.repl.exec("print('count' in globals(), 'hello')");
      expect(result.stdout).to.equal('True hello\r\n');
      expect(result.exception).to.equal(undefined);
    });
  });

  describe('executing code', function () {
    let rig: SimRig;

    before(async function () {
      rig = await startSimRig({}, OPTIONS);
    });

    after(async function () {
      await rig.dispose();
    });

    it('sends a 20 KB script with raw-paste and returns its output', async function () {
      const { code, total } = largeScript(20_000);
      expect(code.length).to.be.at.least(20_000);
      const result = await rig.repl.exec(code);
      expect(result).to.include({ mode: 'raw-paste', stdout: `${total}\r\n`, stderr: '' });
      expect(rig.repl.usesRawPaste).to.equal(true);
    });

    it('sends a 20 KB script in classic raw mode when raw-paste is off', async function () {
      const classic = new RawRepl(rig.transport, { ...OPTIONS, rawPaste: 'never' });
      const { code, total } = largeScript(20_000);
      const result = await classic.exec(code);
      expect(result).to.include({ mode: 'classic', stdout: `${total}\r\n`, stderr: '' });
      rig.repl = classic;
    });

    it('stops sending when the board aborts on a syntax error deep in a large script, and stays usable', async function () {
      rig.repl = new RawRepl(rig.transport, OPTIONS);
      await rig.repl.enter();
      const { code } = largeScript(20_000, 40);
      const before = rig.board.cdc.hostActivity().bytesWritten;
      const result = await rig.repl.exec(code);
      expect(result.exception).to.include({ type: 'SyntaxError', line: 40 });
      expect(rig.board.cdc.hostActivity().bytesWritten - before).to.be.lessThan(code.length);
      expect(await rig.repl.execOrThrow("print('usable')")).to.equal('usable\r\n');
    });

    it('streams stdout while the code runs, so the code can wait for the host', async function () {
      const chunks: Uint8Array[] = [];
      let answered = false;
      const result = await rig.repl.exec("print('ready')\nreply = input()\nprint('got', reply)", {
        onStdout: (chunk) => {
          chunks.push(chunk);
          if (!answered && fromUtf8(concatBytes(chunks)).includes('ready\r\n')) {
            answered = true;
            void rig.transport.write(utf8('pong\r'));
          }
        },
        timeouts: { execIdleMs: 3000 },
      });
      expect(result.stdout).to.equal('ready\r\npong\r\ngot pong\r\n');
      expect(fromUtf8(concatBytes(chunks))).to.equal(result.stdout);
    });

    it('keeps stdout and the traceback apart and streams each to its own callback', async function () {
      const out: Uint8Array[] = [];
      const err: Uint8Array[] = [];
      const result = await rig.repl.exec("print('before')\nraise RuntimeError('after')", { onStdout: (c) => out.push(c), onStderr: (c) => err.push(c) });
      expect(result.stdout).to.equal('before\r\n');
      expect(result.stderr).to.equal('Traceback (most recent call last):\r\n  File "<stdin>", line 2, in <module>\r\nRuntimeError: after\r\n');
      expect(fromUtf8(concatBytes(out))).to.equal(result.stdout);
      expect(fromUtf8(concatBytes(err))).to.equal(result.stderr);
    });

    it('parses a ValueError with tuple args', async function () {
      const { exception } = await rig.repl.exec("def check():\n    raise ValueError('bad', 3, -1)\ncheck()");
      expect(exception).to.include({ type: 'ValueError', line: 2 });
      expect(exception?.args).to.deep.equal(['bad', 3, -1]);
    });

    it('parses OSError(110) printed as [Errno 110] ETIMEDOUT', async function () {
      const { exception } = await rig.repl.exec('raise OSError(110)');
      expect(exception).to.include({ type: 'OSError', message: '[Errno 110] ETIMEDOUT', errno: 110, line: 1 });
    });

    it('keeps a multi-line ValueError message intact', async function () {
      const { exception } = await rig.repl.exec("raise ValueError('\\nThe certificate validity starts in the future\\n')");
      expect(exception?.type).to.equal('ValueError');
      expect(exception?.message).to.equal('\nThe certificate validity starts in the future\n');
    });

    it('throws ExecError from execOrThrow with the exception and the stdout so far', async function () {
      const error = await failure(rig.repl.execOrThrow("print('partial')\nimport nothing_here"));
      expect(error.code).to.equal('EXEC_ERROR');
      expect(error.message).to.contain('ImportError');
    });

    it('times out in phase exec-idle when the code is silent too long, then recovers', async function () {
      const error = (await failure(rig.repl.exec('import time\ntime.sleep(3)', { timeouts: { execIdleMs: 150 } }))) as ReplTimeoutError;
      expect(error.code).to.equal('TIMEOUT');
      expect(error.phase).to.equal('exec-idle');
      expect(await rig.repl.execOrThrow("print('recovered')")).to.equal('recovered\r\n');
    });

    it('times out in phase exec-total when the code never ends, reports the whole wait, then recovers', async function () {
      const error = (await failure(
        rig.repl.exec("import time\nwhile True:\n    print('.')\n    time.sleep_ms(10)", { timeouts: { execIdleMs: 2000, execTotalMs: 300 } }),
      )) as ReplTimeoutError;
      expect(error.phase).to.equal('exec-total');
      expect(error.context.waitedMs).to.be.at.least(300);
      expect(await rig.repl.execOrThrow("print('recovered')")).to.equal('recovered\r\n');
    });

    it('recovers from a tight loop that ignores Ctrl-C (the board restarts its VM)', async function () {
      const error = (await failure(rig.repl.exec('while True:\n    pass', { timeouts: { execIdleMs: 200 } }))) as ReplTimeoutError;
      expect(error.phase).to.equal('exec-idle');
      expect(await rig.repl.execOrThrow("print('alive')")).to.equal('alive\r\n');
    });

    it('cancels a running exec with an AbortSignal, then recovers', async function () {
      const controller = new AbortController();
      const error = await failure(
        rig.repl.exec("import time\nprint('started')\ntime.sleep(5)", {
          signal: controller.signal,
          onStdout: () => controller.abort(),
        }),
      );
      expect(error.code).to.equal('ABORTED');
      expect(await rig.repl.execOrThrow("print('next')")).to.equal('next\r\n');
    });

    it('interrupt() stops running code, which ends with KeyboardInterrupt', async function () {
      const result = await rig.repl.exec("import time\nprint('started')\nwhile True:\n    time.sleep_ms(10)", {
        onStdout: () => void rig.repl.interrupt(),
      });
      expect(result.stdout).to.equal('started\r\n');
      expect(result.exception?.type).to.equal('KeyboardInterrupt');
      expect(rig.repl.state).to.equal('raw');
    });

    it('leaves raw REPL for the friendly REPL and re-enters on the next exec', async function () {
      await rig.repl.exitRaw();
      expect(rig.repl.state).to.equal('unknown');
      await rig.transport.write(utf8('1+1\r'));
      expect(await new Conversation(rig.transport).expect('>>> ')).to.equal('1+1\r\n2\r\n>>> ');
      expect(await rig.repl.execOrThrow('print(3)')).to.equal('3\r\n');
    });
  });

  describe('soft reset', function () {
    let rig: SimRig;

    before(async function () {
      rig = await startSimRig({}, OPTIONS);
    });

    after(async function () {
      await rig.dispose();
    });

    it('runs boot.py but not main.py, clears globals and keeps files', async function () {
      await rig.repl.execOrThrow("kept_global = 1\nwith open('kept.txt', 'w') as f:\n    f.write('data')");
      rig.board.flash.writeFile('boot.py', "print('boot ran')\n");
      rig.board.flash.writeFile('main.py', "open('main_ran.txt', 'w').close()\nprint('main ran')\n");
      const bootOutput = await rig.repl.softReset();
      expect(bootOutput).to.equal('boot ran\r\n');
      expect(rig.board.flash.exists('main_ran.txt')).to.equal(false);
      expect(await rig.repl.execOrThrow("import os\nprint('kept_global' in globals(), open('kept.txt').read(), 'main_ran.txt' in os.listdir())")).to.equal(
        'False data False\r\n',
      );
    });

    it('reports sys.exit() as a soft reboot back into raw REPL', async function () {
      await rig.repl.execOrThrow('marker = 1');
      const result = await rig.repl.exec("print('leaving')\nimport sys\nsys.exit()");
      expect(result.stdout).to.equal('leaving\r\n');
      expect(result.softReboot).to.deep.equal({ bootOutput: 'boot ran\r\n' });
      expect(await rig.repl.execOrThrow("print('marker' in globals())")).to.equal('False\r\n');
    });
  });
});
