import type { CampaignBoard } from '../board/campaign-board.js';
import { describeBoardAnswer, isBoardAnswerError } from '../board/query.js';
import type { ResetMode, ResetOutcome } from '../types.js';
import { hardReset } from './hard.js';
import { isUnresponsiveError, recoverHungBoard } from './hung.js';
import { noReset } from './none.js';
import { RESET_NOT_VERIFIED, resetOutcome, resolveResetOptions, type ResetOptions, type ResolvedResetOptions } from './options.js';
import { powerCycleReset } from './power-cycle.js';
import { softReset } from './soft.js';
import { wlanDeinitReset } from './wlan-deinit.js';

export { RESET_DEFAULTS, RESET_NOT_VERIFIED, type ResetOptions } from './options.js';
export { recoverHungBoard, isUnresponsiveError } from './hung.js';
export { PWRON_RESET, WDT_RESET } from './boot-state.js';

type BoardStep = (board: CampaignBoard, options: ResolvedResetOptions) => Promise<ResetOutcome>;

const STEPS: Record<Exclude<ResetMode, 'none'>, BoardStep> = {
  soft: softReset,
  hard: hardReset,
  'power-cycle': powerCycleReset,
  'wlan-deinit': wlanDeinitReset,
};

/**
 * Reset the board as `mode` says and prove it (never assumed). A board that does not answer is
 * recovered by `recoverHungBoard` (its steps in `escalations`); the outcome is then verified only
 * when that recovery was itself the requested reset. The board's own failures (an exception, a
 * check that does not hold) are results with `verified: false`; a board that cannot be recovered
 * throws `DeviceHungError`; a cancelled signal throws `AbortError`.
 */
export async function performReset(board: CampaignBoard, mode: ResetMode, options: ResetOptions = {}): Promise<ResetOutcome> {
  const resolved = resolveResetOptions(options);
  if (mode === 'none') return noReset();
  const started = performance.now();
  // A power cycle needs nothing from the board until it is back; every other reset starts at the raw prompt.
  if (mode !== 'power-cycle' && !(await board.isResponsive({ timeoutMs: resolved.responsiveTimeoutMs, signal: resolved.signal }))) {
    return escalate(board, mode, started, resolved, 'the board did not answer at the raw prompt');
  }
  try {
    return await STEPS[mode](board, resolved);
  } catch (error) {
    if (isBoardAnswerError(error)) return resetOutcome(mode, started, {}, [`${mode} reset: ${describeBoardAnswer(error)}`]);
    if (!isUnresponsiveError(error)) throw error;
    const reason = `the board stopped answering during the ${mode} reset (${(error as Error).message.replace(/\s*\n\s*/g, ' ')})`;
    return escalate(board, mode, started, resolved, reason);
  }
}

async function escalate(board: CampaignBoard, mode: ResetMode, started: number, options: ResolvedResetOptions, reason: string): Promise<ResetOutcome> {
  const recovery = await recoverHungBoard(board, options);
  const evidence = { ...recovery.evidence, hung: reason, recoveredBy: recovery.mode };
  const durationMs = performance.now() - started;
  if (recovery.mode === mode) return { ...recovery, mode, evidence, durationMs };
  const by = recovery.mode === 'hard' ? 'machine.reset()' : 'a power cycle';
  return { mode, verified: false, evidence, escalations: recovery.escalations, durationMs, problem: `${RESET_NOT_VERIFIED}: ${reason}; recovered by ${by} instead of a ${mode} reset` };
}
