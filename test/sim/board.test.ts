import { expect } from 'chai';
import { SimBoard } from '../../src/sim/board.js';
import { SimBinding, SimUsbBus } from '../../src/sim/usb-bus.js';
import { SerialTransport } from '../../src/transport/serial.js';
import { Conversation, startSimRig, type SimRig } from '../support/sim-board.js';

async function run(rig: SimRig, code: string): Promise<string> {
  return rig.repl.execOrThrow(code);
}

describe('simulated board: identity and isolation', function () {
  let rig: SimRig;

  before(async function () {
    rig = await startSimRig();
  });

  after(async function () {
    await rig.dispose();
  });

  it('says Pico W with the profile firmware everywhere a script can read it', async function () {
    const out = await run(rig, 'import sys, os\nprint(sys.implementation)\nprint(sys.platform)\nprint(sys.version)\nprint(os.uname())\nprint(sys.implementation._machine, sys.implementation.version[:3])');
    expect(out.split('\r\n')).to.deep.equal([
      "(name='micropython', version=(1, 24, 1, ''), _machine='Raspberry Pi Pico W with RP2040', _mpy=4870)",
      'rp2',
      '3.4.0; MicroPython v1.24.1 on 2024-11-29',
      "(sysname='rp2', nodename='rp2', release='1.24.1', version='v1.24.1 on 2024-11-29 (GNU 14.2.0 MinSizeRel)', machine='Raspberry Pi Pico W with RP2040')",
      'Raspberry Pi Pico W with RP2040 (1, 24, 1)',
      '',
    ]);
  });

  it('uses the short u-prefixed aliases for the same modules', async function () {
    expect(await run(rig, 'import utime, time, uos, os, usys, sys\nprint(utime is time, uos is os, usys is sys)')).to.equal('True True True\r\n');
  });

  it('does not let user code import the host plumbing', async function () {
    for (const name of ['js', 'jsffi', '_simhost', 'picoboot', 'flashfs']) {
      const result = await rig.repl.exec(`import ${name}`);
      expect(result.exception?.type, name).to.equal('ImportError');
      expect(result.exception?.message).to.equal(`no module named '${name}'`);
    }
  });

  it('starts with an empty flash and sys.path of an rp2 board', async function () {
    expect(await run(rig, "import os, sys\nprint(os.listdir('/'), sys.path, os.getcwd())")).to.equal("[] ['', '.frozen', '/lib'] /\r\n");
  });

  it('raises rp2 errno values for filesystem errors', async function () {
    const missing = await rig.repl.exec("open('missing.txt')");
    expect(missing.exception?.errno).to.equal(2);
    expect(missing.exception?.message).to.equal('[Errno 2] ENOENT');
    const exists = await rig.repl.exec("import os\nos.mkdir('d')\nos.mkdir('d')");
    expect(exists.exception?.message).to.equal('[Errno 17] EEXIST');
  });

  it('reports a full flash as OSError 28 when a write no longer fits', async function () {
    const out = await rig.repl.exec(
      "import os\nf = open('fill.bin', 'wb')\ntry:\n    while True:\n        f.write(bytes(4096))\nexcept OSError as e:\n    print('full', e.errno)\nf.close()\nos.remove('fill.bin')",
    );
    expect(out.stdout).to.equal('full 28\r\n');
  });

  it('keeps the interpreter state between execs in the raw REPL', async function () {
    await run(rig, 'kept = [1, 2, 3]');
    expect(await run(rig, 'print(sum(kept))')).to.equal('6\r\n');
  });
});

describe('simulated board: resets and power', function () {
  let rig: SimRig;

  beforeEach(async function () {
    rig = await startSimRig();
  });

  afterEach(async function () {
    await rig.dispose();
  });

  it('keeps files across a soft reset, a hard reset and a power cycle', async function () {
    await run(rig, "with open('keep.txt', 'w') as f:\n    f.write('survives')");
    await rig.repl.softReset();
    expect(await run(rig, "print(open('keep.txt').read())")).to.equal('survives\r\n');
    await rig.board.hardReset();
    await rig.reconnect();
    expect(await run(rig, "print(open('keep.txt').read())")).to.equal('survives\r\n');
    await rig.board.powerOff();
    expect(rig.board.isUsbPresent).to.equal(false);
    await rig.board.powerOn();
    await rig.reconnect();
    expect(await run(rig, "print(open('keep.txt').read())")).to.equal('survives\r\n');
  });

  it('does not run main.py after a soft reset in the raw REPL, but runs boot.py', async function () {
    rig.board.flash.writeFile('boot.py', "print('boot ran')\n");
    rig.board.flash.writeFile('main.py', "print('main ran')\n");
    const bootOutput = await rig.repl.softReset();
    expect(bootOutput).to.equal('boot ran\r\n');
  });

  it('runs boot.py and main.py at a hard boot and keeps the last 256 bytes printed before a host opens the port', async function () {
    rig.board.flash.writeFile('main.py', "for i in range(200):\n    print('line', i)\n");
    await rig.transport.close();
    await rig.board.hardReset();
    await rig.board.waitForUsb();
    // Let main.py finish with nobody attached.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await rig.reconnect();
    const stale = await new Conversation(rig.transport).settle(150);
    expect(stale.length).to.be.at.most(256);
    expect(stale).to.contain('line 199\r\n');
    expect(stale).not.to.contain('line 0\r\n');
    expect(stale.endsWith('>>> ')).to.equal(true);
  });

  it('skips main.py when boot.py raises', async function () {
    rig.board.flash.writeFile('boot.py', "raise RuntimeError('bad boot')\n");
    rig.board.flash.writeFile('main.py', "open('main_ran', 'w').close()\n");
    await rig.transport.close();
    await rig.board.hardReset();
    await rig.reconnect();
    expect(await run(rig, "import os\nprint('main_ran' in os.listdir())")).to.equal('False\r\n');
  });

  it('soft-reboots when code in the raw REPL raises SystemExit', async function () {
    const talk = new Conversation(rig.transport);
    await rig.repl.enter();
    await talk.send('import sys\nsys.exit()\x04');
    expect(await talk.expect('raw REPL; CTRL-B to exit\r\n>')).to.equal('OK\x04\x04MPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n>');
  });

  it('restarts ticks and the RTC at 2021-01-01 on a hard reset, and comes back with the same serial number', async function () {
    await run(rig, 'import time\ntime.sleep_ms(300)');
    const serial = rig.board.serialNumber;
    const pathBefore = rig.bus.pathOf(rig.board);
    await rig.board.hardReset();
    expect(rig.bus.list()).to.deep.equal([]);
    await rig.reconnect();
    expect(rig.bus.list().map((port) => port.serialNumber)).to.deep.equal([serial]);
    expect(pathBefore).to.be.a('string');
    const out = await run(rig, 'import time\nprint(time.ticks_ms() < 5000, time.localtime()[:3])');
    expect(out).to.equal('True (2021, 1, 1)\r\n');
  });

  it('keeps ticks and the RTC across a soft reset', async function () {
    await run(rig, 'import time\ntime.sleep_ms(200)');
    const before = Number(await run(rig, 'import time\nprint(time.ticks_ms())'));
    await rig.repl.softReset();
    const after = Number(await run(rig, 'import time\nprint(time.ticks_ms())'));
    expect(after).to.be.at.least(before);
  });
});

describe('simulated board: Ctrl-C and blocking calls', function () {
  let rig: SimRig;
  let talk: Conversation;

  beforeEach(async function () {
    rig = await startSimRig();
    talk = new Conversation(rig.transport);
    await rig.repl.enter();
  });

  afterEach(async function () {
    await rig.dispose();
  });

  async function startAndInterrupt(code: string, waitFor: string): Promise<string> {
    await talk.send(`${code}\x04`);
    await talk.expect(waitFor);
    await talk.send('\x03');
    return talk.expect('\x04>');
  }

  it('interrupts a sleeping loop with a KeyboardInterrupt traceback', async function () {
    const rest = await startAndInterrupt("import time\nprint('go')\nwhile True:\n    time.sleep(1)", 'go\r\n');
    expect(rest).to.match(/\x04Traceback \(most recent call last\):\r\n {2}File "<stdin>", line 4, in <module>\r\nKeyboardInterrupt: \r\n\x04>$/);
  });

  it('interrupts a printing loop', async function () {
    const rest = await startAndInterrupt('i = 0\nwhile True:\n    print(i)\n    i += 1', '100\r\n');
    expect(rest).to.match(/KeyboardInterrupt: \r\n\x04>$/);
  });

  it('restarts the VM when a tight loop ignores Ctrl-C, and the host sees KeyboardInterrupt and the prompt, never a soft reboot', async function () {
    const restarts = rig.board.counters.vmRestarts;
    const rest = await startAndInterrupt("print('spin')\nwhile True:\n    pass", 'spin\r\n');
    expect(rest).to.match(/\x04KeyboardInterrupt: \r\n\x04>$/);
    expect(rest).not.to.contain('soft reboot');
    expect(rig.board.counters.vmRestarts).to.equal(restarts + 1);
    expect(await run(rig, 'print(7 * 6)')).to.equal('42\r\n');
  });

  it('interrupts input() waiting for a line', async function () {
    const rest = await startAndInterrupt("print('ask')\nx = input()", 'ask\r\n');
    expect(rest).to.match(/KeyboardInterrupt: \r\n\x04>$/);
  });

  it('lets time.sleep wait without spinning a core', async function () {
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    await run(rig, 'import time\ntime.sleep(1)');
    const wall = performance.now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    // A spinning core would burn about as much CPU as the sleep lasts; a blocked thread almost none.
    expect(cpuMs).to.be.below(wall * 0.5);
  });
});

describe('simulated board: time scale', function () {
  it('runs board time faster than host time by the declared factor', async function () {
    const rig = await startSimRig({ timeScale: 1000 });
    try {
      const out = await run(rig, 'import time\nt = time.ticks_ms()\ntime.sleep(600)\nprint(time.ticks_diff(time.ticks_ms(), t) >= 600000)');
      expect(out).to.equal('True\r\n');
    } finally {
      await rig.dispose();
    }
  });
});

describe('simulated board: USB bus', function () {
  it('lists a running board with the Pico USB identity and its serial number', async function () {
    const bus = new SimUsbBus();
    const board = new SimBoard({ name: 'ident', serialNumber: 'e660123456789abc', enumerationDelayMs: 20 });
    bus.add(board);
    try {
      expect(bus.list()).to.deep.equal([]);
      await board.powerOn();
      await board.waitForUsb();
      const [port] = bus.list();
      expect(port).to.include({ vendorId: '2e8a', productId: '0005', serialNumber: 'e660123456789abc', manufacturer: 'MicroPython' });
    } finally {
      await board.dispose();
    }
  });

  it('refuses a second open of a port that is in use', async function () {
    const rig = await startSimRig();
    try {
      const path = rig.bus.pathOf(rig.board) as string;
      const error = await SerialTransport.open({ path, binding: new SimBinding(rig.bus), kind: 'sim' }).catch((e: unknown) => e);
      expect((error as { code?: string }).code).to.equal('PORT_BUSY');
    } finally {
      await rig.dispose();
    }
  });
});
