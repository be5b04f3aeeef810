import { expect } from 'chai';
import { openCampaignBoard, type CampaignBoard } from '../../../src/campaign/board/campaign-board.js';
import { SimDriver } from '../../../src/campaign/power/sim.js';
import { RESET_NOT_VERIFIED, performReset, recoverHungBoard } from '../../../src/campaign/resets/index.js';
import type { HarnessError } from '../../../src/errors.js';
import { SWALLOWS_CTRL_C, ask, leaveRunning, openSimBoard, startProgram, testWorld } from './support.js';

/** Short waits: the simulated board answers in milliseconds when it answers at all. */
const FAST = { responsiveTimeoutMs: 1500 } as const;

async function rejection(promise: Promise<unknown>): Promise<HarnessError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as HarnessError,
  );
}

describe('recovering a hung board', function () {
  this.timeout(60_000);
  let board: CampaignBoard | undefined;

  afterEach(async () => {
    await board?.close();
    board = undefined;
  });

  it('stops a looping program with Ctrl-C, then resets with machine.reset() because the raw prompt answers', async () => {
    board = await openSimBoard();
    const looping = await startProgram(board, 'import time\nwhile True:\n    time.sleep_ms(10)');
    const outcome = await recoverHungBoard(board, FAST);
    expect((await looping.finished).exception?.type, 'the program was interrupted').to.equal('KeyboardInterrupt');
    expect(outcome.escalations).to.deep.equal(['ctrl-c', 'machine.reset']);
    expect(outcome.mode).to.equal('hard');
    expect(outcome.verified, outcome.problem).to.equal(true);
    expect(outcome.evidence).to.include({ resetCause: 'WDT_RESET' });
  });

  it('power-cycles a board whose program swallows Ctrl-C, never sending machine.reset()', async () => {
    board = await openSimBoard({ power: 'sim' });
    await leaveRunning(board, SWALLOWS_CTRL_C);
    const outcome = await recoverHungBoard(board, FAST);
    expect(outcome.escalations).to.deep.equal(['ctrl-c', 'power-cycle']);
    expect(outcome.mode).to.equal('power-cycle');
    expect(outcome.verified, outcome.problem).to.equal(true);
    expect(outcome.evidence['failedSteps']).to.deep.equal(['ctrl-c: the raw prompt did not answer']);
    expect(await ask<number>(board, '1 + 1'), 'the board answers again').to.equal(2);
  });

  it('declares a board that swallows Ctrl-C and has no power driver hung (DEVICE_HUNG, exit 3)', async () => {
    board = await openSimBoard();
    await leaveRunning(board, SWALLOWS_CTRL_C);
    const error = await rejection(recoverHungBoard(board, FAST));
    expect(error.code).to.equal('DEVICE_HUNG');
    expect(error.context['escalations']).to.deep.equal(['ctrl-c']);
    expect(error.message).to.include('no power driver');
  });

  it('declares hung a board whose power driver switches nothing', async () => {
    board = await openSimBoard({ power: 'inert' });
    await leaveRunning(board, SWALLOWS_CTRL_C);
    const error = await rejection(recoverHungBoard(board, { ...FAST, vanishWithinMs: 300 }));
    expect(error.code).to.equal('DEVICE_HUNG');
    expect(error.context['escalations']).to.deep.equal(['ctrl-c', 'power-cycle']);
    expect(error.message).to.include('did not cut the board');
  });

  it('tries to find a board whose port is gone before giving up on it', async () => {
    board = await openSimBoard();
    // machine.bootloader(): the CPU stops in the USB bootloader; no serial port until a reset.
    await board.exec('import machine\nmachine.bootloader()', { timeoutMs: 300 }).catch(() => undefined);
    const error = await rejection(recoverHungBoard(board, { ...FAST, lostPortWaitMs: 500 }));
    expect(error.code).to.equal('DEVICE_HUNG');
    expect(error.context['escalations']).to.deep.equal(['ctrl-c', 'reconnect']);
  });

  it('brings a board in its bootloader back with a power cycle', async () => {
    board = await openSimBoard({ power: 'sim' });
    await board.exec('import machine\nmachine.bootloader()', { timeoutMs: 300 }).catch(() => undefined);
    const outcome = await recoverHungBoard(board, { ...FAST, lostPortWaitMs: 500 });
    expect(outcome.escalations).to.deep.equal(['ctrl-c', 'reconnect', 'power-cycle']);
    expect(outcome.verified, outcome.problem).to.equal(true);
    expect(board.sim!.inBootloader).to.equal(false);
  });

  it('records a soft reset of a hung board as not verified when only a power cycle brought it back', async () => {
    board = await openSimBoard({ power: 'sim' });
    await leaveRunning(board, SWALLOWS_CTRL_C);
    const outcome = await performReset(board, 'soft', FAST);
    expect(outcome.mode).to.equal('soft');
    expect(outcome.verified).to.equal(false);
    expect(outcome.escalations).to.deep.equal(['ctrl-c', 'power-cycle']);
    expect(outcome.evidence).to.include({ recoveredBy: 'power-cycle' });
    expect(outcome.problem).to.match(new RegExp(`^${RESET_NOT_VERIFIED.replace('.', '\\.')}: the board did not answer`));
  });

  it('declares hung a board that never comes back from a power cycle, after trying once more', async () => {
    /** A supply that goes off and never on again. */
    class DeadSupply extends SimDriver {
      override async cycle(): Promise<void> {
        await this.off();
      }
    }
    board = await openCampaignBoard({ spec: 'sim', world: testWorld(), power: (target) => new DeadSupply(target.sim!) });
    const error = await rejection(performReset(board, 'power-cycle', { ...FAST, reconnectTimeoutMs: 500, lostPortWaitMs: 300 }));
    expect(error.code).to.equal('DEVICE_HUNG');
    expect(error.context['escalations']).to.deep.equal(['ctrl-c', 'reconnect', 'power-cycle']);
  });

  it('gives up on a hung board with DEVICE_HUNG when a reset needs it to answer and nothing can recover it', async () => {
    board = await openSimBoard();
    await leaveRunning(board, SWALLOWS_CTRL_C);
    const error = await rejection(performReset(board, 'wlan-deinit', FAST));
    expect(error.code).to.equal('DEVICE_HUNG');
  });
});
