import { expect } from 'chai';
import type { SimRig } from '../../support/sim-board.js';
import { startBoard } from './support.js';

describe('simulated board: Ctrl-C during a blocking call', function () {
  this.timeout(60_000);
  let rig: SimRig | undefined;

  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  async function interruptDuring(code: string): Promise<{ stdout: string; exception: string | undefined }> {
    rig = await startBoard({ profile: 'v1.24.1' });
    // The program prints "sleeping" right before it blocks: interrupt only once it is in the call.
    let printed!: () => void;
    const sleeping = new Promise<void>((resolve) => (printed = resolve));
    let seen = '';
    const running = rig.repl.exec(code, {
      onStdout: (chunk) => {
        seen += Buffer.from(chunk).toString('utf8');
        if (seen.includes('sleeping')) printed();
      },
    });
    await sleeping;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await rig.repl.interrupt();
    const result = await running;
    return { stdout: result.stdout, exception: result.exception?.type };
  }

  it('raises KeyboardInterrupt inside time.sleep_ms, where the program’s try can catch it (as on rp2)', async () => {
    const result = await interruptDuring("import time\ntry:\n    print('sleeping')\n    time.sleep_ms(60000)\nexcept KeyboardInterrupt:\n    print('caught')\nprint('after')");
    expect(result).to.deep.equal({ stdout: 'sleeping\r\ncaught\r\nafter\r\n', exception: undefined });
  });

  it('a loop that catches KeyboardInterrupt around its sleep survives the Ctrl-C and goes on', async () => {
    const result = await interruptDuring(
      "import time\nn = 0\nprint('sleeping')\nwhile n < 1:\n    try:\n        time.sleep_ms(60000)\n    except KeyboardInterrupt:\n        n += 1\nprint('survived', n)",
    );
    expect(result).to.deep.equal({ stdout: 'sleeping\r\nsurvived 1\r\n', exception: undefined });
  });

  it('after micropython.kbd_intr(-1) a Ctrl-C is ordinary input: the program runs to its end (as on rp2)', async () => {
    const result = await interruptDuring(
      "import micropython, time\nmicropython.kbd_intr(-1)\nprint('sleeping')\nt = time.ticks_ms()\nwhile time.ticks_diff(time.ticks_ms(), t) < 4000:\n    time.sleep_ms(1)\nprint('done')",
    );
    expect(result).to.deep.equal({ stdout: 'sleeping\r\ndone\r\n', exception: undefined });
    // The wrapper is still the whole micropython module.
    expect((await rig!.repl.exec("print(micropython.const(7))")).stdout).to.equal('7\r\n');
  });
});
