import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { ManualDriver, type Terminal } from '../../../src/campaign/power/manual.js';
import { HarnessError } from '../../../src/errors.js';
import { fakeClock } from './clock.js';

async function rejection(promise: Promise<unknown>): Promise<HarnessError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(HarnessError);
    return error as HarnessError;
  }
  throw new Error('expected a rejection');
}

/** A terminal whose keyboard the test types on and whose screen it reads. */
function fakeTerminal(isTTY: boolean): Terminal & { screen(): string; type(text: string): void; waitFor(text: string): Promise<void> } {
  const input = Object.assign(new PassThrough(), { isTTY });
  const output = new PassThrough();
  let screen = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  output.on('data', (chunk: Buffer) => {
    screen += chunk.toString('utf8');
    for (const waiter of waiters.splice(0)) {
      if (screen.includes(waiter.text)) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  return {
    input,
    output,
    screen: () => screen,
    type: (text) => input.write(text),
    waitFor: (text) =>
      new Promise((resolve, reject) => {
        if (screen.includes(text)) return resolve();
        const timer = setTimeout(() => reject(new Error(`the screen never showed ${JSON.stringify(text)}; it shows ${JSON.stringify(screen)}`)), 5000);
        waiters.push({ text, resolve: () => (clearTimeout(timer), resolve()) });
      }),
  };
}

describe('manual power driver', function () {
  it('refuses at once when stdin is not a terminal, and prompts nobody', async () => {
    const terminal = fakeTerminal(false);
    const driver = new ManualDriver({ terminal });
    for (const attempt of [driver.off(), driver.on(), driver.cycle(), driver.check()]) {
      const error = await rejection(attempt);
      expect(error.code).to.equal('USAGE');
      expect(error.message).to.equal('the manual power driver needs an interactive terminal, and stdin is not a TTY; use the uhubctl or command driver for unattended runs');
    }
    expect(terminal.screen()).to.equal('');
  });

  it('walks the operator through a cycle: unplug, wait at least the off time, replug', async () => {
    const terminal = fakeTerminal(true);
    const clock = fakeClock();
    const driver = new ManualDriver({ terminal, clock, offMs: 3000 });
    expect(await driver.check()).to.match(/stdin is a TTY/);

    const cycle = driver.cycle();
    await terminal.waitFor('Power OFF the board now (unplug its USB cable), then press Enter: ');
    expect(terminal.screen()).not.to.include('Power ON');
    terminal.type('\n');
    await terminal.waitFor('Power ON the board now (plug its USB cable back in), then press Enter: ');
    terminal.type('\r\n');
    await cycle;

    expect(terminal.screen()).to.equal(
      'Power OFF the board now (unplug its USB cable), then press Enter: Keep it unplugged for at least 3 s…\nPower ON the board now (plug its USB cable back in), then press Enter: ',
    );
    expect(clock.sleeps).to.deep.equal([3000]);
  });

  it('gives up when nobody answers the prompt in time', async () => {
    const driver = new ManualDriver({ terminal: fakeTerminal(true), promptTimeoutMs: 50, clock: fakeClock() });
    const error = await rejection(driver.off());
    expect(error.code).to.equal('POWER_FAILED');
    expect(error.message).to.equal('no answer at the power prompt within 50 ms');
  });

  it('fails when the terminal closes mid-prompt, and stops when aborted', async () => {
    const closing = fakeTerminal(true);
    const off = new ManualDriver({ terminal: closing, clock: fakeClock() }).off();
    await closing.waitFor('Power OFF');
    closing.input.emit('end');
    expect((await rejection(off)).message).to.equal('the terminal closed while waiting for the operator');

    const abortable = fakeTerminal(true);
    const controller = new AbortController();
    const on = new ManualDriver({ terminal: abortable, clock: fakeClock() }).on(controller.signal);
    await abortable.waitFor('Power ON');
    controller.abort();
    expect((await rejection(on)).code).to.equal('ABORTED');
  });
});
