import type { CampaignBoard } from '../board/campaign-board.js';
import { describeBoardAnswer, isBoardAnswerError, queryBoard } from '../board/query.js';
import type { RtcMode, RtcOutcome, RtcTuple } from '../types.js';
import { asRtcTuple, formatRtcTuple, hostTimeZone, tupleEpochMs, utcTuple, wallClockTuple } from './clock-tuple.js';
import { formatRtcMode } from './mode.js';
import { RTC_VALUE, readRtc } from './read.js';

export interface ApplyRtcOptions {
  /** The host clock (ms since 1970); default `Date.now`. */
  readonly now?: () => number;
  /** The zone `host:local` means; default the host's own (`TZ`). */
  readonly timeZone?: string;
  /** The mode as the config wrote it (RtcOutcome.mode); default its canonical text. */
  readonly label?: string;
  /** Host ms for each read or set (default 10 s). */
  readonly timeoutMs?: number;
  /** Host ms for `ntptime.settime()` (DNS + one UDP exchange with a 1 s board-side timeout; default 20 s). */
  readonly ntpTimeoutMs?: number;
  readonly signal?: AbortSignal | undefined;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_NTP_TIMEOUT_MS = 20_000;
/** micropython-lib ntptime's own default server (facts §3). */
export const NTPTIME_DEFAULT_HOST = 'pool.ntp.org';
/** Board ms the clock may lag what was set: the tuple carries whole seconds. */
const SET_SLACK_MS = 2000;

/** Python that sets the RTC to `tuple` (as Thonny and mpremote do; rp2 ignores weekday and subseconds). */
export function setRtcCode(tuple: RtcTuple): string {
  return `import machine\nmachine.RTC().datetime((${tuple.join(', ')}))`;
}

/**
 * Put the board's clock in the state an RTC mode names, before the TLS step, and record it:
 * `cold` reads only; `host:local` sets the host's wall time in `timeZone` (the IDE habit, facts §8);
 * `host:utc` sets UTC; `skew:<d>` sets UTC + d; `ntp[:HOST]` has the board run `ntptime.settime()`
 * against HOST (default pool.ntp.org; Wi-Fi must be up). Failures on the board are recorded in
 * `problem`, never thrown; a lost or silent board (a harness failure) is thrown.
 */
export async function applyRtcMode(board: CampaignBoard, mode: RtcMode, options: ApplyRtcOptions = {}): Promise<RtcOutcome> {
  const label = options.label ?? formatRtcMode(mode);
  const exec = { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: options.signal };
  const now = options.now ?? Date.now;
  const problems: string[] = [];
  const read = async (): Promise<RtcTuple | null> => {
    try {
      return await readRtc(board, exec);
    } catch (error) {
      if (!isBoardAnswerError(error)) throw error;
      problems.push(`reading the RTC failed: ${describeBoardAnswer(error)}`);
      return null;
    }
  };
  const outcome = (before: RtcTuple | null, after: RtcTuple | null): RtcOutcome =>
    problems.length === 0 ? { mode: label, before, after } : { mode: label, before, after, problem: problems.join('; ') };

  const before = await read();
  if (mode.kind === 'cold') return outcome(before, before);

  if (mode.kind === 'ntp') {
    // Always named: ntptime.host is a module global that outlives this exec (an earlier ntp:HOST would stick).
    const setup = ['import machine, ntptime', `ntptime.host = ${JSON.stringify(mode.host ?? NTPTIME_DEFAULT_HOST)}`, 'ntptime.settime()'].join('\n');
    try {
      const after = asRtcTuple(await queryBoard(board, { setup, value: RTC_VALUE }, { ...exec, timeoutMs: options.ntpTimeoutMs ?? DEFAULT_NTP_TIMEOUT_MS }));
      return outcome(before, after ?? null);
    } catch (error) {
      if (!isBoardAnswerError(error)) throw error;
      problems.push(`ntptime.settime() failed: ${describeBoardAnswer(error)}`);
      return outcome(before, await read());
    }
  }

  const hostMs = now();
  const target =
    mode.kind === 'host'
      ? mode.zone === 'local'
        ? wallClockTuple(hostMs, options.timeZone ?? hostTimeZone())
        : utcTuple(hostMs)
      : utcTuple(hostMs + mode.offsetMs);
  const started = performance.now();
  let after: RtcTuple | null;
  try {
    after = asRtcTuple(await queryBoard(board, { setup: setRtcCode(target), value: RTC_VALUE }, exec)) ?? null;
  } catch (error) {
    if (!isBoardAnswerError(error)) throw error;
    problems.push(`setting the RTC failed: ${describeBoardAnswer(error)}`);
    return outcome(before, await read());
  }
  const drift = after === null ? undefined : tupleEpochMs(after) - tupleEpochMs(target);
  const allowed = (performance.now() - started) * board.timeScale + SET_SLACK_MS;
  if (drift === undefined || drift < -SET_SLACK_MS || drift > allowed) {
    problems.push(`the RTC reads ${after === null ? 'nothing' : formatRtcTuple(after)} after it was set to ${formatRtcTuple(target)}`);
  }
  return outcome(before, after);
}
