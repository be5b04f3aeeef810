import { expect } from 'chai';
import { Conversation, startSimRig, type SimRig } from '../support/sim-board.js';

describe('simulated board: friendly REPL', function () {
  let rig: SimRig;
  let board: Conversation;

  before(async function () {
    rig = await startSimRig();
    board = new Conversation(rig.transport);
    await board.send('\x03');
    await board.settle();
  });

  after(async function () {
    await rig.dispose();
  });

  it('answers Ctrl-C at the prompt with a new prompt', async function () {
    await board.send('\x03');
    expect(await board.expect('>>> ')).to.equal('\r\n>>> ');
  });

  it('echoes what is typed and prints the value of an expression', async function () {
    await board.send('1+1\r');
    expect(await board.expect('>>> ')).to.equal('1+1\r\n2\r\n>>> ');
  });

  it('prints the banner again on Ctrl-B', async function () {
    await board.send('\x02');
    expect(await board.expect('>>> ')).to.equal(
      '\r\nMicroPython v1.24.1 on 2024-11-29; Raspberry Pi Pico W with RP2040\r\nType "help()" for more information.\r\n>>> ',
    );
  });

  it('asks for more lines for a compound statement and auto-indents them', async function () {
    await board.send('for i in range(2):\r');
    expect(await board.expect('...     ')).to.equal('for i in range(2):\r\n...     ');
    await board.send('print(i)\r\r\r\r');
    const rest = await board.expect('>>> ');
    expect(rest).to.match(/0\r\n1\r\n>>> $/);
  });

  it('lets backspace remove a whole auto-indent', async function () {
    await board.send('if True:\r');
    await board.expect('...     ');
    await board.send('x = 5\r\x7f\r');
    const rest = await board.expect('>>> ');
    expect(rest).to.contain('\b\b\b\b');
    await board.send('x\r');
    expect(await board.expect('>>> ')).to.equal('x\r\n5\r\n>>> ');
  });

  it('runs paste mode on Ctrl-D and cancels it on Ctrl-C', async function () {
    await board.send('\x05');
    expect(await board.expect('=== ')).to.equal('\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ');
    await board.send('a = 6\rprint(a * 7)\r');
    expect(await board.expect('print(a * 7)\r\n=== ')).to.equal('a = 6\r\n=== print(a * 7)\r\n=== ');
    await board.send('\x04');
    expect(await board.expect('>>> ')).to.equal('\r\n42\r\n>>> ');
    await board.send('\x05nothing\x03');
    expect(await board.expect('>>> ')).to.match(/=== nothing\r\n>>> $/);
  });

  it('prints a traceback for an uncaught exception and keeps going', async function () {
    await board.send('1/0\r');
    expect(await board.expect('>>> ')).to.equal(
      '1/0\r\nTraceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nZeroDivisionError: divide by zero\r\n>>> ',
    );
  });

  it('reads input() from the serial line with echo instead of hanging', async function () {
    await board.send('name = input("who? ")\r');
    await board.expect('who? ');
    await board.send('pico\r');
    await board.expect('>>> ');
    await board.send('name\r');
    expect(await board.expect('>>> ')).to.equal("name\r\n'pico'\r\n>>> ");
  });

  it('enters the raw REPL on Ctrl-A and comes back on Ctrl-B', async function () {
    await board.send('\x01');
    expect(await board.expect('>')).to.equal('\r\nraw REPL; CTRL-B to exit\r\n>');
    await board.send('\x02');
    expect(await board.expect('>>> ')).to.match(/^\r\nMicroPython v1\.24\.1 on 2024-11-29; Raspberry Pi Pico W with RP2040\r\n/);
  });

  it('soft-reboots on Ctrl-D at an empty prompt with a fresh interpreter', async function () {
    await board.send('keep = 1\r');
    await board.expect('>>> ');
    await board.send('\x04');
    const reboot = await board.expect('>>> ');
    expect(reboot).to.match(/^\r\nMPY: soft reboot\r\nMicroPython v1\.24\.1/);
    await board.send('keep\r');
    expect(await board.expect('>>> ')).to.contain("NameError: name 'keep' isn't defined");
  });
});
