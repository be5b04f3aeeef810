import { UsageError } from '../../errors.js';
import type { CampaignBoard } from '../board/campaign-board.js';
import type { ResetOutcome } from '../types.js';
import { PWRON_RESET, bootStateEvidence, freshBootFailures, readBootState } from './boot-state.js';
import { resetOutcome, type ResolvedResetOptions } from './options.js';
import { waitForPortLoss } from './port-loss.js';

/**
 * Power cycle through the board's power driver: proven by the port vanishing during the cycle or
 * within `vanishWithinMs` of its start (if it did not, the hub did not cut power and nothing else is
 * checked), then the board found again by its USB serial number with reset_cause() == PWRON_RESET and
 * ticks_ms and the RTC restarted (facts §3).
 */
export async function powerCycleReset(board: CampaignBoard, options: ResolvedResetOptions): Promise<ResetOutcome> {
  const power = board.power;
  if (power === undefined) throw new UsageError('reset mode power-cycle needs a power driver for the board (power: in the config)');
  const started = performance.now();
  const portBefore = board.port;
  // A port already gone (board in its bootloader, crashed) cannot prove the cut; the boot state still can.
  const portPresentBefore = board.isPortOpen;
  await power.cycle({
    ...(options.powerOffMs === undefined ? {} : { offMs: options.powerOffMs }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  // A port that vanished stays closed, so this also catches a cycle slower than vanishWithinMs.
  const portVanished = await waitForPortLoss(board, Math.max(0, started + options.vanishWithinMs - performance.now()), options.signal);
  const driver = power.describe();
  if (portPresentBefore && !portVanished) {
    return resetOutcome('power-cycle', started, { driver, portBefore, portVanished }, [
      `the port ${portBefore} stayed present through the power cycle: ${driver} did not cut the board's power`,
    ]);
  }
  await board.reconnect({ timeoutMs: options.reconnectTimeoutMs, signal: options.signal });
  const state = await readBootState(board, { timeoutMs: options.queryTimeoutMs, signal: options.signal });
  const sinceCut = (performance.now() - started) * board.timeScale;
  const evidence = {
    driver,
    portBefore,
    portAfter: board.port,
    ...(portPresentBefore ? { portVanished } : { portPresentBefore }),
    refoundBy: board.refoundBy,
    ...bootStateEvidence(state),
  };
  return resetOutcome('power-cycle', started, evidence, freshBootFailures(state, PWRON_RESET, sinceCut, options.bootClockSlackMs));
}
