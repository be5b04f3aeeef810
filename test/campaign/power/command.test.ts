import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandDriver, type CommandDriverOptions } from '../../../src/campaign/power/command.js';
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

/** A process is gone once it is neither listed nor a zombie awaiting its reaper. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('command power driver', function () {
  let dir: string;
  let log: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'picow-power-cmd-'));
    log = join(dir, 'actions.log');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Commands that append their action (and the serial they were given) to the log. */
  function logging(options: Partial<CommandDriverOptions> = {}): { driver: CommandDriver; clock: ReturnType<typeof fakeClock> } {
    const clock = fakeClock();
    const append = (action: string) => `echo "${action} $PICOW_POWER_ACTION $PICOW_BOARD_SERIAL" >> '${log}'`;
    return { driver: new CommandDriver({ on: append('on'), off: append('off'), serialNumber: 'e6614c311b7e6f35', clock, ...options }), clock };
  }

  it('runs an argument list without a shell and a string through /bin/sh -c, telling each the action and board serial', async () => {
    const literal = join(dir, 'on $HOME `x`.marker');
    const driver = new CommandDriver({
      on: ['touch', literal],
      off: `printf '%s %s' "$PICOW_POWER_ACTION" "$PICOW_BOARD_SERIAL" > '${join(dir, 'off.marker')}'`,
      serialNumber: 'e6614c311b7e6f35',
      clock: fakeClock(),
    });
    await driver.off();
    expect(await readFile(join(dir, 'off.marker'), 'utf8')).to.equal('off e6614c311b7e6f35');
    await driver.on();
    expect(existsSync(literal)).to.equal(true);
  });

  it('a cycle without a cycle command is off, at least offMs, then on', async () => {
    const { driver, clock } = logging({ offMs: 2500 });
    await driver.cycle();
    expect(await readFile(log, 'utf8')).to.equal('off off e6614c311b7e6f35\non on e6614c311b7e6f35\n');
    expect(clock.sleeps).to.deep.equal([2500]);
  });

  it('a cycle command, when given, is the whole cycle', async () => {
    const { driver } = logging({ cycle: `echo "cycle $PICOW_POWER_ACTION" >> '${log}'` });
    await driver.cycle();
    expect(await readFile(log, 'utf8')).to.equal('cycle cycle\n');
  });

  it('on right after off waits out the minimum off time first', async () => {
    const { driver, clock } = logging();
    await driver.off();
    await driver.on();
    expect(clock.sleeps).to.deep.equal([2000]);
    expect(await readFile(log, 'utf8')).to.equal('off off e6614c311b7e6f35\non on e6614c311b7e6f35\n');
  });

  it('refuses an off time under 2 s', async () => {
    expect(() => logging({ offMs: 500 }).driver).to.throw(HarnessError, 'power-cycle off time must be at least 2000 ms, got 500 ms');
    const error = await rejection(logging().driver.cycle({ offMs: 1999 }));
    expect(error.code).to.equal('USAGE');
    expect(existsSync(log)).to.equal(false);
  });

  it('a command that fails is an error quoting the end of its stderr', async () => {
    const driver = new CommandDriver({ on: 'true', off: 'echo "connecting to relay" >&2; echo "relay 3 not responding" >&2; exit 4' });
    const error = await rejection(driver.off());
    expect(error.code).to.equal('POWER_FAILED');
    expect(error.message).to.equal(
      'the power off command exited with status 4 (stderr ends "connecting to relay\\nrelay 3 not responding"): echo "connecting to relay" >&2; echo "relay 3 not responding" >&2; exit 4',
    );
  });

  it('a command that outlives its timeout is killed together with what it started', async () => {
    const pidFile = join(dir, 'child.pid');
    const driver = new CommandDriver({ on: 'true', off: `sleep 30 & echo $! > '${pidFile}'; wait`, timeoutMs: 300 });
    const error = await rejection(driver.off());
    expect(error.message).to.match(/^the power off command did not finish within 300 ms and was killed: sleep 30 &/);
    const child = Number(await readFile(pidFile, 'utf8'));
    expect(alive(child), `background child ${child} still running`).to.equal(false);
  });

  it('a program that is not there is an error naming it', async () => {
    const error = await rejection(new CommandDriver({ on: [join(dir, 'no-such-relay-tool'), 'on'], off: 'true' }).on());
    expect(error.message).to.equal(`cannot start the power on command (ENOENT): ${join(dir, 'no-such-relay-tool')}`);
  });

  it('preflight proves each command can start without running any', async () => {
    const { driver: ready } = logging({ cycle: ['true'] });
    expect(await ready.check()).to.match(/^command driver ready \(on: sh -c ".*"; off: sh -c ".*"; cycle: \/.*\/true; nothing run\)$/);
    expect(existsSync(log)).to.equal(false);

    expect((await rejection(logging({ off: 'if then fi' }).driver.check())).message).to.match(/^the power off command is not valid shell: ".*" \(if then fi\)$/);
    expect((await rejection(logging({ on: ['no-such-relay-tool', 'on'] }).driver.check())).message).to.equal("the power on command's program is not found or not executable: no-such-relay-tool");
  });
});
