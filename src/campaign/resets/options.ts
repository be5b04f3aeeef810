import type { ResetMode, ResetOutcome } from '../types.js';

/** The taxonomy class of an attempt whose reset could not be proven; every `problem` starts with it. */
export const RESET_NOT_VERIFIED = 'harness.reset-not-verified';

export interface ResetOptions {
  readonly signal?: AbortSignal | undefined;
  /** Host ms to find the board again (by USB serial number, or the same URL for tcp:// and rfc2217://) after a hard reset or power cycle. */
  readonly reconnectTimeoutMs?: number;
  /** Host ms a hung board whose port is gone gets to come back on its own before the next escalation. */
  readonly lostPortWaitMs?: number;
  /** Host ms within which the port must vanish after `machine.reset()` or the power cut. */
  readonly vanishWithinMs?: number;
  /** Host ms the power stays off in a cycle; default: the power driver's own. */
  readonly powerOffMs?: number;
  /** Host ms the raw prompt has to answer within for the board to count as responsive. */
  readonly responsiveTimeoutMs?: number;
  /** Host ms for each small query the verification runs. */
  readonly queryTimeoutMs?: number;
  /** Board ms of slack when judging that ticks_ms and the RTC restarted at boot. */
  readonly bootClockSlackMs?: number;
}

export const RESET_DEFAULTS = {
  reconnectTimeoutMs: 20_000,
  lostPortWaitMs: 5_000,
  vanishWithinMs: 5_000,
  responsiveTimeoutMs: 3_000,
  queryTimeoutMs: 10_000,
  bootClockSlackMs: 3_000,
} as const;

export type ResolvedResetOptions = Omit<Required<ResetOptions>, 'signal' | 'powerOffMs'> & Pick<ResetOptions, 'signal' | 'powerOffMs'>;

export function resolveResetOptions(options: ResetOptions): ResolvedResetOptions {
  return {
    reconnectTimeoutMs: options.reconnectTimeoutMs ?? RESET_DEFAULTS.reconnectTimeoutMs,
    lostPortWaitMs: options.lostPortWaitMs ?? RESET_DEFAULTS.lostPortWaitMs,
    vanishWithinMs: options.vanishWithinMs ?? RESET_DEFAULTS.vanishWithinMs,
    responsiveTimeoutMs: options.responsiveTimeoutMs ?? RESET_DEFAULTS.responsiveTimeoutMs,
    queryTimeoutMs: options.queryTimeoutMs ?? RESET_DEFAULTS.queryTimeoutMs,
    bootClockSlackMs: options.bootClockSlackMs ?? RESET_DEFAULTS.bootClockSlackMs,
    signal: options.signal,
    powerOffMs: options.powerOffMs,
  };
}

/** The outcome of a reset step: verified when no check failed; otherwise the failures, in one line. */
export function resetOutcome(
  mode: ResetMode,
  startedAt: number,
  evidence: Readonly<Record<string, unknown>>,
  failures: readonly string[],
  escalations: readonly string[] = [],
): ResetOutcome {
  const base = { mode, verified: failures.length === 0, evidence, escalations, durationMs: performance.now() - startedAt };
  return failures.length === 0 ? base : { ...base, problem: `${RESET_NOT_VERIFIED}: ${failures.join('; ')}` };
}
