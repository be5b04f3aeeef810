import { ExecError, ScriptOutputError } from '../errors.js';
import { loadScriptWithArgs, type ScriptArgs } from '../device/script-args.js';
import { deviceScriptFile, parseScriptReport, type DeviceScriptName, type ScriptResultOf } from '../device/script-results.js';
import type { CampaignBoard } from './board/campaign-board.js';

/** What one device script gave: its validated result and the board time it took. */
export interface DeviceStepResult<S extends DeviceScriptName> {
  readonly result: ScriptResultOf<S>;
  /** Board ms from the script's first line to its last (ticks_diff), null when the script did not finish. */
  readonly boardMs: number | null;
  /** Host ms of the whole exec (upload, run, output). */
  readonly hostMs: number;
}

const TIMING_MARKER = '@@picow-board-ms ';

/** Host ms on top of a step's own (board) timeout for upload, output and the scripts' own slack. */
export const STEP_MARGIN_MS = 15_000;

/** A step's exec timeout in host ms: its board-time budget at the board's time scale, plus a margin. */
export function stepTimeoutMs(board: CampaignBoard, boardMs: number, marginMs = STEP_MARGIN_MS): number {
  return Math.ceil(boardMs / board.timeScale) + marginMs;
}

/**
 * The script as sent: the ARGS line (which also starts the board's clock, on the same line so
 * traceback line numbers stay those of `scriptWithArgs`) and a last line printing the board time.
 * Both are harness additions around the unmodified script.
 */
function timed(program: string): string {
  return `import time as _picow_t; _picow_t0 = _picow_t.ticks_ms(); ${program}\nprint(${JSON.stringify(TIMING_MARKER.trimEnd())}, _picow_t.ticks_diff(_picow_t.ticks_ms(), _picow_t0))\n`;
}

function boardMsFrom(text: string): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(TIMING_MARKER)) continue;
    const ms = Number(line.slice(TIMING_MARKER.length).trim());
    if (Number.isFinite(ms)) return ms;
  }
  return null;
}

function withoutTiming(stdout: string): string {
  return stdout
    .split('\n')
    .filter((line) => !line.startsWith(TIMING_MARKER))
    .join('\n');
}

/**
 * Run a device script on the board with `args` and parse its output strictly. A Python exception
 * that escaped the script is an `ExecError`; a malformed output a `ProtocolError`; a board that
 * does not answer in `timeoutMs` host ms a `ReplTimeoutError` — all for the caller to classify.
 */
export async function runDeviceStep<S extends DeviceScriptName>(
  board: CampaignBoard,
  script: S,
  args: ScriptArgs,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<DeviceStepResult<S>> {
  const program = timed(await loadScriptWithArgs(deviceScriptFile(script), args));
  // A join that fails stays silent until its own timeout: the idle limit is the whole step's.
  const run = await board.exec(program, { timeoutMs: options.timeoutMs, idleMs: options.timeoutMs, signal: options.signal });
  if (run.exception !== undefined) throw new ExecError(board.port, run.exception, run.stdout);
  let report;
  try {
    report = parseScriptReport(script, withoutTiming(run.stdout), { port: board.port });
  } catch (error) {
    throw new ScriptOutputError((error as Error).message, error);
  }
  return { result: report.result, boardMs: boardMsFrom(run.stdout), hostMs: run.durationMs };
}
