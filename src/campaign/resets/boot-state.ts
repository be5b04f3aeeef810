import { RP2_BOOT_EPOCH_MS } from '../../sim/profiles.js';
import { utf8 } from '../../util/bytes.js';
import type { BoardExecOptions, CampaignBoard } from '../board/campaign-board.js';
import { QueryAnswerError, queryBoard } from '../board/query.js';
import { asRtcTuple, formatRtcTuple, tupleEpochMs } from '../rtc/clock-tuple.js';
import { RTC_VALUE } from '../rtc/read.js';
import type { RtcTuple } from '../types.js';

/** machine.reset_cause() values on rp2 (ports/rp2/modmachine.c). */
export const PWRON_RESET = 1;
export const WDT_RESET = 3;

export function resetCauseName(value: number): string | undefined {
  return value === PWRON_RESET ? 'PWRON_RESET' : value === WDT_RESET ? 'WDT_RESET' : undefined;
}

/** What a freshly booted board shows: clocks since boot and why it booted. */
export interface BootState {
  readonly ticksMs: number;
  readonly resetCause: number;
  readonly rtc: RtcTuple;
}

export async function readBootState(board: CampaignBoard, options: BoardExecOptions): Promise<BootState> {
  const value = await queryBoard(board, { setup: 'import machine, time', value: `[time.ticks_ms(), machine.reset_cause(), ${RTC_VALUE}]` }, options);
  const [ticksMs, resetCause, rtcValue] = Array.isArray(value) ? (value as unknown[]) : [];
  const rtc = asRtcTuple(rtcValue);
  if (!Number.isInteger(ticksMs) || !Number.isInteger(resetCause) || rtc === undefined) {
    throw new QueryAnswerError(board.port, 'the board state query did not give [ticks_ms, reset_cause, datetime]', utf8(JSON.stringify(value)));
  }
  return { ticksMs: ticksMs as number, resetCause: resetCause as number, rtc };
}

export function bootStateEvidence(state: BootState): Record<string, unknown> {
  return { ticksMsAfter: state.ticksMs, resetCause: resetCauseName(state.resetCause) ?? state.resetCause, rtc: state.rtc };
}

/**
 * Why `state` is not a board that booted within the last `sinceResetBoardMs` for `expectedCause`
 * (empty when it is): reset_cause() must match, and ticks_ms and the RTC must both have restarted
 * (rp2's main() sets the RTC to 2021-01-01 00:00:00 at every hard boot, facts §3).
 */
export function freshBootFailures(state: BootState, expectedCause: number, sinceResetBoardMs: number, slackMs: number): string[] {
  const failures: string[] = [];
  const bound = Math.round(sinceResetBoardMs + slackMs);
  if (state.resetCause !== expectedCause) {
    failures.push(`reset_cause() is ${state.resetCause}${resetCauseName(state.resetCause) === undefined ? '' : ` (${resetCauseName(state.resetCause)})`}, expected ${expectedCause} (${resetCauseName(expectedCause)})`);
  }
  if (state.ticksMs > bound) failures.push(`ticks_ms() is ${state.ticksMs}, more than the ${bound} ms since the reset: it did not restart`);
  const rtcSinceBoot = tupleEpochMs(state.rtc) - RP2_BOOT_EPOCH_MS;
  if (rtcSinceBoot < 0 || rtcSinceBoot > bound) failures.push(`the RTC reads ${formatRtcTuple(state.rtc)}, not 2021-01-01 00:00:00 plus the time since the reset`);
  return failures;
}
