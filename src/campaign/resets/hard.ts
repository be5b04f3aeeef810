import { isHarnessError } from '../../errors.js';
import type { CampaignBoard } from '../board/campaign-board.js';
import { describePythonException } from '../board/query.js';
import type { ResetOutcome } from '../types.js';
import { WDT_RESET, bootStateEvidence, freshBootFailures, readBootState } from './boot-state.js';
import { resetOutcome, type ResolvedResetOptions } from './options.js';
import { waitForPortLoss } from './port-loss.js';

/** What the board shows when `machine.reset()` does not return (it never does on rp2). */
const EXPECTED_WHILE_RESETTING = new Set(['TRANSPORT_LOST', 'TIMEOUT']);

/**
 * Hard reset with `machine.reset()` (a watchdog reboot on rp2): proven by the board being found
 * again by its USB serial number with reset_cause() == WDT_RESET, ticks_ms restarted and the RTC
 * back at 2021-01-01 (facts §3).
 */
export async function hardReset(board: CampaignBoard, options: ResolvedResetOptions): Promise<ResetOutcome> {
  const started = performance.now();
  const portBefore = board.port;
  try {
    const result = await board.exec('import machine\nmachine.reset()', { timeoutMs: options.vanishWithinMs, signal: options.signal });
    if (result.exception !== undefined) {
      return resetOutcome('hard', started, {}, [`machine.reset() raised ${describePythonException(result.exception)}`]);
    }
  } catch (error) {
    if (!isHarnessError(error) || !EXPECTED_WHILE_RESETTING.has(error.code)) throw error;
  }
  const portVanished = await waitForPortLoss(board, Math.max(0, started + options.vanishWithinMs - performance.now()), options.signal);
  await board.reconnect({ timeoutMs: options.reconnectTimeoutMs, signal: options.signal });
  const state = await readBootState(board, { timeoutMs: options.queryTimeoutMs, signal: options.signal });
  const sinceReset = (performance.now() - started) * board.timeScale;
  const evidence = {
    portBefore,
    portAfter: board.port,
    portVanished,
    refoundBy: board.refoundBy,
    ...bootStateEvidence(state),
  };
  return resetOutcome('hard', started, evidence, freshBootFailures(state, WDT_RESET, sinceReset, options.bootClockSlackMs));
}
