import { randomBytes } from 'node:crypto';
import { utf8 } from '../../util/bytes.js';
import type { CampaignBoard } from '../board/campaign-board.js';
import { QueryAnswerError, queryBoard } from '../board/query.js';
import type { ResetOutcome } from '../types.js';
import { resetOutcome, type ResolvedResetOptions } from './options.js';

const SENTINEL = '__picow_sentinel';
/** ticks_ms wraps at 2**30 on rp2 (time.ticks_diff arithmetic). */
const TICKS_PERIOD = 2 ** 30;

function ticksDiff(after: number, before: number): number {
  return ((((after - before) % TICKS_PERIOD) + TICKS_PERIOD + TICKS_PERIOD / 2) % TICKS_PERIOD) - TICKS_PERIOD / 2;
}

function pair(board: CampaignBoard, value: unknown): [unknown, number] {
  if (!Array.isArray(value) || value.length !== 2 || !Number.isInteger(value[1])) {
    throw new QueryAnswerError(board.port, 'the sentinel query did not give [sentinel, ticks_ms]', utf8(JSON.stringify(value)));
  }
  return [value[0], value[1] as number];
}

/**
 * Soft reset (Ctrl-D at the raw prompt). A soft reset leaves no trace in the RTC, reset cause,
 * uptime or Wi-Fi (facts §3, §10), so it is proven by a random sentinel planted in the interpreter
 * that is gone afterwards, plus the board's `soft reboot` line; ticks_ms must have kept counting
 * (a hard reboot in between would restart it).
 */
export async function softReset(board: CampaignBoard, options: ResolvedResetOptions): Promise<ResetOutcome> {
  const started = performance.now();
  const exec = { timeoutMs: options.queryTimeoutMs, signal: options.signal };
  const token = randomBytes(8).toString('hex');
  const [planted, ticksBefore] = pair(
    board,
    await queryBoard(board, { setup: `global ${SENTINEL}\n${SENTINEL} = '${token}'\nimport time`, value: `[${SENTINEL}, time.ticks_ms()]` }, exec),
  );
  // Resolves only once the board printed `soft reboot` and came back to the raw prompt.
  const bootOutput = await board.repl.softReset(options.signal);
  const [left, ticksAfter] = pair(board, await queryBoard(board, { setup: 'import time', value: `[globals().get('${SENTINEL}'), time.ticks_ms()]` }, exec));
  const ticksContinued = ticksDiff(ticksAfter, ticksBefore) >= 0;
  const failures: string[] = [];
  if (planted !== token) failures.push(`the sentinel could not be planted (read back ${JSON.stringify(planted)})`);
  if (left !== null) failures.push('the sentinel planted before the reset is still there: the interpreter did not restart');
  if (!ticksContinued) failures.push(`ticks_ms() went from ${ticksBefore} to ${ticksAfter}: the board rebooted instead`);
  const evidence = {
    sentinel: token,
    sentinelPlanted: planted === token,
    sentinelGone: left === null,
    softRebootSeen: true,
    ...(bootOutput === '' ? {} : { bootOutput }),
    ticksMsBefore: ticksBefore,
    ticksMsAfter: ticksAfter,
    ticksContinued,
  };
  return resetOutcome('soft', started, evidence, failures);
}
