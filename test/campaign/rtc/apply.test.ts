import { expect } from 'chai';
import type { CampaignBoard } from '../../../src/campaign/board/campaign-board.js';
import { applyRtcMode, parseRtcMode, readRtc, tupleEpochMs } from '../../../src/campaign/rtc/index.js';
import type { RtcTuple } from '../../../src/campaign/types.js';
import { RP2_BOOT_EPOCH_MS } from '../../../src/sim/profiles.js';
import { DEFAULT_WORLD } from '../../../src/sim/world.js';
import { joinWifi, openSimBoard, testWorld } from '../resets/support.js';

const H = 3_600_000;
const NOON_UTC = Date.UTC(2024, 6, 1, 12, 0, 0); // Monday 2024-07-01
const fixedNow = (): number => NOON_UTC;

/** `actual` is the clock set to `expected` and left running for a few (fast) board seconds. */
function expectSetTo(actual: RtcTuple | null, expected: readonly number[]): void {
  expect(actual, 'the RTC was read back').to.not.equal(null);
  const ranMs = tupleEpochMs(actual!) - tupleEpochMs(expected as unknown as RtcTuple);
  expect(ranMs, `RTC ${JSON.stringify(actual)} vs set ${JSON.stringify(expected)}`).to.be.within(0, 60_000);
}

describe('applying RTC modes on a simulated board', function () {
  this.timeout(60_000);
  let board: CampaignBoard | undefined;

  afterEach(async () => {
    await board?.close();
    board = undefined;
  });

  it('cold reads the clock and leaves it at the boot epoch', async () => {
    board = await openSimBoard();
    const outcome = await applyRtcMode(board, parseRtcMode('cold'));
    expect(outcome.mode).to.equal('cold');
    expect(outcome.problem).to.equal(undefined);
    expect(outcome.before).to.deep.equal(outcome.after);
    expect(outcome.before?.slice(0, 3)).to.deep.equal([2021, 1, 1]);
    expect(tupleEpochMs(await readRtc(board)) - RP2_BOOT_EPOCH_MS, 'still counting from 2021-01-01').to.be.below(10 * 60_000);
  });

  for (const [zone, wallClock] of [
    ['America/New_York', [2024, 7, 1, 0, 8, 0, 0, 0]],
    ['Asia/Kolkata', [2024, 7, 1, 0, 17, 30, 0, 0]],
  ] as const) {
    it(`host:local under ${zone} puts the host's wall-clock time on the board, as Thonny does`, async () => {
      board = await openSimBoard();
      const outcome = await applyRtcMode(board, parseRtcMode('host:local'), { now: fixedNow, timeZone: zone });
      expect(outcome.problem).to.equal(undefined);
      expect(outcome.before?.[0]).to.equal(2021);
      expectSetTo(outcome.after, wallClock);
      expectSetTo(await readRtc(board), wallClock);
    });
  }

  it('host:utc sets UTC', async () => {
    board = await openSimBoard();
    const outcome = await applyRtcMode(board, parseRtcMode('host:utc'), { now: fixedNow, timeZone: 'Asia/Kolkata' });
    expect(outcome.problem).to.equal(undefined);
    expectSetTo(outcome.after, [2024, 7, 1, 0, 12, 0, 0, 0]);
  });

  it('skew sets host UTC plus the offset, and records the mode as the config wrote it', async () => {
    board = await openSimBoard();
    const outcome = await applyRtcMode(board, parseRtcMode('skew:-120m'), { now: fixedNow, label: 'skew:-120m' });
    expect(outcome.mode).to.equal('skew:-120m');
    expectSetTo(outcome.after, [2024, 7, 1, 0, 10, 0, 0, 0]);
    const forward = await applyRtcMode(board, parseRtcMode('skew:+3d'), { now: fixedNow });
    expect(forward.mode).to.equal('skew:+3d');
    expectSetTo(forward.after, [2024, 7, 4, 3, 12, 0, 0, 0]);
  });

  it("ntp has the board run ntptime.settime() against the world's NTP service", async () => {
    // The world's NTP runs 3 h ahead of the host, so the time can only have come from NTP.
    const world = testWorld({ network: { ...DEFAULT_WORLD.network, ntp: { ...DEFAULT_WORLD.network.ntp, offsetMs: 3 * H } } });
    board = await openSimBoard({ world });
    await joinWifi(board);
    const hostBefore = Date.now();
    const outcome = await applyRtcMode(board, parseRtcMode('ntp'));
    const hostAfter = Date.now();
    expect(outcome.problem).to.equal(undefined);
    expect(outcome.before?.[0]).to.equal(2021);
    const boardMs = tupleEpochMs(outcome.after!);
    expect(boardMs).to.be.within(hostBefore + 3 * H - 2000, hostAfter + 3 * H + (hostAfter - hostBefore) * world.timeScale + 2000);
  });

  it('ntp:HOST points ntptime at that server, and a later plain ntp goes back to pool.ntp.org', async () => {
    const world = testWorld({ network: { ...DEFAULT_WORLD.network, ntp: { ...DEFAULT_WORLD.network.ntp, names: ['time.lab.example'] } } });
    board = await openSimBoard({ world });
    await joinWifi(board);
    const outcome = await applyRtcMode(board, parseRtcMode('ntp:time.lab.example'));
    expect(outcome.mode).to.equal('ntp:time.lab.example');
    expect(outcome.problem).to.equal(undefined);
    expect(outcome.after?.[0]).to.be.at.least(2024);
    const fallback = await applyRtcMode(board, parseRtcMode('ntp'));
    expect(fallback.problem, 'pool.ntp.org is not a name in this world').to.match(/^ntptime\.settime\(\) failed: OSError/);
  });

  it('records an ntp failure (no Wi-Fi) in problem, without throwing and without touching the clock', async () => {
    board = await openSimBoard();
    const outcome = await applyRtcMode(board, parseRtcMode('ntp'));
    expect(outcome.problem).to.match(/^ntptime\.settime\(\) failed: OSError/);
    expect(outcome.before?.slice(0, 3)).to.deep.equal([2021, 1, 1]);
    expect(outcome.after?.slice(0, 3)).to.deep.equal([2021, 1, 1]);
  });
});
