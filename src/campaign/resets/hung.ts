import { DeviceHungError, isHarnessError } from '../../errors.js';
import type { CampaignBoard } from '../board/campaign-board.js';
import { describeBoardAnswer, isBoardAnswerError } from '../board/query.js';
import type { ResetOutcome } from '../types.js';
import { hardReset } from './hard.js';
import { resetOutcome, resolveResetOptions, type ResetOptions } from './options.js';
import { powerCycleReset } from './power-cycle.js';

/**
 * Harness errors that mean "the board is not answering" (as opposed to a cancelled run or a bug):
 * the step that met one escalates to the next.
 */
const UNRESPONSIVE_CODES = new Set(['TIMEOUT', 'RAW_REPL_ENTER_FAILED', 'RAW_REPL_PROTOCOL', 'TRANSPORT_LOST', 'TRANSPORT_OPEN_FAILED', 'DEVICE_NOT_FOUND']);

export function isUnresponsiveError(error: unknown): boolean {
  return isHarnessError(error) && UNRESPONSIVE_CODES.has(error.code);
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
}

/**
 * Bring a board that stopped answering back, one step at a time, each recorded in `escalations`:
 * Ctrl-C (after reopening a lost port); `machine.reset()` only if the raw prompt then answers;
 * else a power cycle through the board's power driver. Returns the reset that brought it back (mode
 * `hard` or `power-cycle`, verified as those are). When nothing works — or there is no power
 * driver — throws `DeviceHungError`: the runner quarantines the board and the run exits 3.
 */
export async function recoverHungBoard(board: CampaignBoard, options: ResetOptions = {}): Promise<ResetOutcome> {
  const resolved = resolveResetOptions(options);
  const escalations: string[] = [];
  const failed: string[] = [];
  const withSteps = (outcome: ResetOutcome): ResetOutcome => ({
    ...outcome,
    escalations,
    evidence: failed.length === 0 ? outcome.evidence : { ...outcome.evidence, failedSteps: [...failed] },
  });

  escalations.push('ctrl-c');
  if (!board.isPortOpen) {
    escalations.push('reconnect');
    try {
      await board.reconnect({ timeoutMs: resolved.lostPortWaitMs, signal: resolved.signal });
    } catch (error) {
      if (!isUnresponsiveError(error)) throw error;
      failed.push(`reconnect: ${oneLine(error)}`);
    }
  }
  if (board.isPortOpen) {
    try {
      await board.interrupt();
    } catch (error) {
      failed.push(`ctrl-c: ${oneLine(error)}`);
    }
  }

  if (await board.isResponsive({ timeoutMs: resolved.responsiveTimeoutMs, signal: resolved.signal })) {
    escalations.push('machine.reset');
    const started = performance.now();
    try {
      return withSteps(await hardReset(board, resolved));
    } catch (error) {
      // The board answers, just not as the verification asked: it is back, the reset is not proven.
      if (isBoardAnswerError(error)) return withSteps(resetOutcome('hard', started, {}, [`machine.reset: ${describeBoardAnswer(error)}`]));
      if (!isUnresponsiveError(error)) throw error;
      failed.push(`machine.reset: ${oneLine(error)}`);
    }
  } else {
    failed.push('ctrl-c: the raw prompt did not answer');
  }

  if (board.power !== undefined) {
    escalations.push('power-cycle');
    const started = performance.now();
    try {
      const outcome = await powerCycleReset(board, resolved);
      // A cycle that cut nothing left the board as hung as it was, unless it answers now.
      if (outcome.evidence['portVanished'] !== false || (await board.isResponsive({ timeoutMs: resolved.responsiveTimeoutMs, signal: resolved.signal }))) {
        return withSteps(outcome);
      }
      failed.push(`power-cycle: ${outcome.problem ?? 'the board still does not answer'}`);
    } catch (error) {
      if (isBoardAnswerError(error)) return withSteps(resetOutcome('power-cycle', started, {}, [`power-cycle: ${describeBoardAnswer(error)}`]));
      // A switch that fails leaves the board as hung as it was: one more step that did not help.
      if (!isUnresponsiveError(error) && !(isHarnessError(error) && error.code === 'POWER_FAILED')) throw error;
      failed.push(`power-cycle: ${oneLine(error)}`);
    }
  } else {
    failed.push('power-cycle: no power driver');
  }

  throw new DeviceHungError(`${board.describe()} is hung and could not be recovered (${failed.join('; ')})`, { port: board.port, escalations: [...escalations] });
}
