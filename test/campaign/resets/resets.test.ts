import { expect } from 'chai';
import type { CampaignBoard } from '../../../src/campaign/board/campaign-board.js';
import { PWRON_RESET, RESET_NOT_VERIFIED, WDT_RESET, performReset } from '../../../src/campaign/resets/index.js';
import { RP2_BOOT_EPOCH_MS } from '../../../src/sim/profiles.js';
import { PROFILES, ask, joinWifi, openSimBoard } from './support.js';

const BOOT_YEAR = new Date(RP2_BOOT_EPOCH_MS).getUTCFullYear();

describe('verified resets on a simulated board', function () {
  this.timeout(60_000);
  let board: CampaignBoard | undefined;

  afterEach(async () => {
    await board?.close();
    board = undefined;
  });

  for (const profile of PROFILES) {
    describe(`firmware ${profile}`, () => {
      it('proves a soft reset by the planted sentinel being gone and the soft reboot line, with ticks_ms still counting', async () => {
        board = await openSimBoard({ profile });
        const bootsBefore = board.sim!.counters.hardBoots;
        const outcome = await performReset(board, 'soft');
        expect(outcome.verified, outcome.problem).to.equal(true);
        expect(outcome.mode).to.equal('soft');
        expect(outcome.escalations).to.deep.equal([]);
        expect(outcome.evidence).to.include({ sentinelPlanted: true, sentinelGone: true, softRebootSeen: true, ticksContinued: true });
        expect(outcome.evidence['ticksMsAfter']).to.be.at.least(outcome.evidence['ticksMsBefore'] as number);
        expect(board.sim!.counters.hardBoots, 'no hard boot happened').to.equal(bootsBefore);
      });

      it('proves machine.reset() by finding the board again by serial with WDT_RESET and ticks_ms and the RTC restarted', async () => {
        board = await openSimBoard({ profile });
        await board.execOrThrow('import machine\nmachine.RTC().datetime((2030, 6, 1, 5, 12, 0, 0, 0))');
        const bootsBefore = board.sim!.counters.hardBoots;
        const outcome = await performReset(board, 'hard');
        expect(outcome.verified, outcome.problem).to.equal(true);
        expect(outcome.evidence).to.include({ portVanished: true, refoundBy: 'usb-serial', resetCause: 'WDT_RESET' });
        expect((outcome.evidence['rtc'] as number[])[0]).to.equal(BOOT_YEAR);
        expect(board.sim!.counters.hardBoots).to.equal(bootsBefore + 1);
        expect(await ask<number>(board, 'machine.reset_cause()', 'import machine')).to.equal(WDT_RESET);
      });

      it('proves a power cycle through the power driver by the port vanishing, PWRON_RESET and restarted clocks', async () => {
        board = await openSimBoard({ profile, power: 'sim' });
        await board.execOrThrow('import machine\nmachine.RTC().datetime((2030, 6, 1, 5, 12, 0, 0, 0))');
        const bootsBefore = board.sim!.counters.hardBoots;
        const outcome = await performReset(board, 'power-cycle');
        expect(outcome.verified, outcome.problem).to.equal(true);
        expect(outcome.evidence).to.include({ portVanished: true, refoundBy: 'usb-serial', resetCause: 'PWRON_RESET' });
        expect(outcome.evidence['driver']).to.match(/simulated power switch/);
        expect((outcome.evidence['rtc'] as number[])[0]).to.equal(BOOT_YEAR);
        expect(board.sim!.counters.hardBoots).to.equal(bootsBefore + 1);
        expect(await ask<number>(board, 'machine.reset_cause()', 'import machine')).to.equal(PWRON_RESET);
      });

      it('takes a joined Wi-Fi link down with wlan-deinit and proves isconnected() False and status() idle', async () => {
        board = await openSimBoard({ profile });
        await joinWifi(board);
        const outcome = await performReset(board, 'wlan-deinit');
        expect(outcome.verified, outcome.problem).to.equal(true);
        expect(outcome.evidence).to.include({ deinitCalled: true, isconnected: false, status: 0, active: false });
        expect(await ask<boolean>(board, 'network.WLAN(network.STA_IF).isconnected()', 'import network')).to.equal(false);
      });
    });
  }

  it('keeps the Wi-Fi association and the RTC across a soft reset, and loses both in a hard reset', async () => {
    board = await openSimBoard();
    await joinWifi(board);
    await board.execOrThrow('import machine\nmachine.RTC().datetime((2030, 6, 1, 5, 12, 0, 0, 0))');
    const state = async (): Promise<[boolean, number]> => ask(board!, '[network.WLAN(network.STA_IF).isconnected(), time.gmtime()[0]]', 'import network, time');

    expect((await performReset(board, 'soft')).verified).to.equal(true);
    expect(await state(), 'after the soft reset').to.deep.equal([true, 2030]);

    expect((await performReset(board, 'hard')).verified).to.equal(true);
    expect(await state(), 'after the hard reset').to.deep.equal([false, BOOT_YEAR]);
  });

  it('does nothing for reset mode none', async () => {
    board = await openSimBoard();
    await board.execOrThrow('kept = 7');
    const outcome = await performReset(board, 'none');
    expect(outcome).to.deep.include({ mode: 'none', verified: true, escalations: [] });
    expect(await ask<number>(board, 'kept')).to.equal(7);
  });

  it('reports a power cycle whose driver switched nothing as not verified (harness.reset-not-verified) and leaves the board as it was', async () => {
    board = await openSimBoard({ power: 'inert' });
    await board.execOrThrow('kept = 7');
    const outcome = await performReset(board, 'power-cycle', { vanishWithinMs: 300 });
    expect(outcome.verified).to.equal(false);
    expect(outcome.problem).to.match(new RegExp(`^${RESET_NOT_VERIFIED.replace('.', '\\.')}: `));
    expect(outcome.problem).to.include('did not cut the board');
    expect(outcome.evidence).to.include({ portVanished: false });
    expect(await ask<number>(board, 'kept'), 'the interpreter was never reset').to.equal(7);
  });

  it('refuses a power cycle on a board without a power driver as a usage error', async () => {
    board = await openSimBoard();
    const error = await performReset(board, 'power-cycle').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).to.have.property('code', 'USAGE');
  });

  it('reports a wlan-deinit whose network calls fail on the board as a result that is not verified, not as an exception', async () => {
    board = await openSimBoard();
    // Fault injection: the simulator's network module is Python, so its WLAN can be made to fail.
    await board.execOrThrow('import network\ndef broken(*args):\n    raise OSError(19)\nnetwork.WLAN = broken');
    const outcome = await performReset(board, 'wlan-deinit');
    expect(outcome.verified).to.equal(false);
    expect(outcome.problem).to.match(/^harness\.reset-not-verified: wlan-deinit reset: OSError/);
  });
});
