import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { UsageError } from '../../errors.js';
import type { ConnectionRecord } from '../../server/records.js';
import { escapeBytes } from '../../util/bytes.js';
import type { AttemptEnvironment } from '../attempt.js';
import { attemptRecord, classifyEvidence, harnessErrorOf, oneLine, serverView, startAttempt, tlsProbeTarget, type AttemptEvidence } from '../attempt-record.js';
import type { CampaignBoard } from '../board/campaign-board.js';
import type { Cell } from '../matrix.js';
import { PWRON_RESET, resetCauseName } from '../resets/boot-state.js';
import type { PlannedAttempt } from '../runner.js';
import type { AttemptRecord, ResetOutcome, RtcOutcome } from '../types.js';
import { readBoardFile, removeBoardFile, writeBoardFile } from './board-files.js';
import { RUNNER_CONFIG_FILE, RUNNER_LOG_FILE } from './deploy.js';
import type { ReportListener } from './report-listener.js';
import { parseRunnerLine, parseRunnerLog, type RunnerRecord } from './runner-record.js';
import { hostSilenceSince, silenceMark, type HostSilence } from './silence.js';

/** The `standalone:` section of the campaign config (board ms unless named host ms). */
export interface StandaloneSettings {
  readonly windowMs: number;
  readonly settleMs: number;
  /** Host ms to find the board again after the window and to collect its log. */
  readonly collectMs: number;
  readonly logMaxBytes: number;
}

export interface StandaloneEnvironment extends AttemptEnvironment {
  readonly listener: ReportListener;
  readonly settings: StandaloneSettings;
}

/** Host ms for each raw-REPL step of the collection. */
const STEP_MS = 15_000;
const REPORT_TIMEOUT_MS = 5_000;
/**
 * Host ms a simulated board's interpreter needs to start after power-on, which its time scale does
 * not shorten (the CPU is a worker thread running MicroPython in WebAssembly): added to its window.
 */
const SIM_START_ALLOWANCE_MS = 3_000;

/** The runner's config for one attempt (it holds the Wi-Fi password: removed after the attempt). */
export function runnerConfig(env: StandaloneEnvironment, cell: Cell, planned: PlannedAttempt): Record<string, unknown> {
  const { wifi } = cell;
  if (wifi === null) throw new UsageError(`standalone cell ${cell.id} has no Wi-Fi variant`);
  const password = env.password(wifi.ap.name);
  const served = cell.certs === null ? undefined : env.servers.sets.get(cell.certs);
  const correlationId = `${env.runId}/${planned.seq}`;
  return {
    v: 1,
    runId: env.runId,
    seq: planned.seq,
    correlationId,
    wifi: {
      ssid: wifi.ap.ssid,
      password: password ?? null,
      mode: wifi.connect,
      timeout_ms: env.timeouts.connectMs,
      pm: wifi.pmValue,
      country: wifi.country ?? null,
      bssid: wifi.pinBssid && wifi.ap.bssid !== undefined ? wifi.ap.bssid : null,
      channel: wifi.pinChannel && wifi.ap.channel !== undefined ? wifi.ap.channel : null,
    },
    clock: cell.rtc.mode.kind === 'ntp' ? 'ntp' : 'cold',
    ntpHost: cell.rtc.mode.kind === 'ntp' ? (cell.rtc.mode.host ?? null) : null,
    tls:
      served === undefined || cell.tlsApi === null
        ? null
        : {
            ...tlsProbeTarget(env, served, cell.tlsApi),
            nonce: randomBytes(16).toString('hex'),
            timeout_ms: env.timeouts.tlsMs,
          },
    report: { host: env.serverHost, port: env.listener.port, timeout_ms: REPORT_TIMEOUT_MS },
    log: { path: RUNNER_LOG_FILE, max_bytes: env.settings.logMaxBytes },
  };
}

interface Collected {
  board: RunnerRecord | null;
  network: RunnerRecord | null;
  /** What the board printed while no host listened (the newest 256 bytes at most), as the port opened. */
  outputTail: string | null;
  silence: HostSilence | null;
  logInvalidLines: number;
  powerCycleMs: number;
  windowMs: number;
  harnessError: { code: string; message: string } | null;
}

/**
 * Power-cycle, stay silent through the window, then collect. Returns what each side saw; errors
 * of the rig become `harnessError` (a board that never comes back: TRANSPORT_LOST / DEVICE_NOT_FOUND).
 */
async function powerCycleAndCollect(env: StandaloneEnvironment, correlationId: string, signal: AbortSignal): Promise<Collected> {
  const { board, settings } = env;
  const collected: Collected = { board: null, network: null, outputTail: null, silence: null, logInvalidLines: 0, powerCycleMs: 0, windowMs: 0, harnessError: null };
  const power = board.power;
  if (power === undefined) throw new UsageError('standalone mode needs a power driver for the board (board.power in the config; manual asks you to replug it)');
  // The port is closed before power goes off and stays closed until the window ends.
  await board.connection.transport.close();
  const mark = silenceMark(board);
  const cycleStarted = performance.now();
  await power.cycle({ signal });
  const poweredOn = performance.now();
  collected.powerCycleMs = Math.round(poweredOn - cycleStarted);
  const windowHostMs = settings.windowMs / board.timeScale + (board.sim === undefined ? 0 : SIM_START_ALLOWANCE_MS);
  const report = await env.listener.waitFor(correlationId, windowHostMs, signal);
  if (report !== null) {
    const settle = Math.min(settings.settleMs / board.timeScale, Math.max(0, poweredOn + windowHostMs - performance.now()));
    if (settle > 0) await delay(settle, undefined, { signal });
  }
  collected.windowMs = Math.round((performance.now() - poweredOn) * board.timeScale);
  collected.silence = hostSilenceSince(board, mark);
  const taken = env.listener.take(correlationId);
  if (taken !== null) {
    try {
      collected.network = parseRunnerLine(taken.value, `network report ${correlationId}`);
    } catch (error) {
      collected.harnessError = { code: 'SCRIPT_OUTPUT_INVALID', message: oneLine(error) };
    }
  }

  try {
    await board.reconnect({ timeoutMs: settings.collectMs, signal });
    // What the board kept while no host listened arrives as the port opens, before the host sends anything.
    await delay(Math.min(200, STEP_MS), undefined, { signal });
    const tailBytes = board.connection.transport.drain();
    collected.outputTail = tailBytes.length === 0 ? null : escapeBytes(tailBytes);
    const log = await readBoardFile(board, RUNNER_LOG_FILE, { timeoutMs: STEP_MS, signal });
    if (log !== null) {
      const parsed = parseRunnerLog(Buffer.from(log).toString('utf8'), RUNNER_LOG_FILE);
      collected.board = parsed.records.get(correlationId) ?? null;
      collected.logInvalidLines = parsed.invalid;
      await board.execOrThrow(`_f = open(${JSON.stringify(RUNNER_LOG_FILE)}, "w")\n_f.close()`, { timeoutMs: STEP_MS, signal });
    }
    // The config holds the Wi-Fi password; without it the runner does nothing at the next boot.
    await removeBoardFile(board, RUNNER_CONFIG_FILE, { timeoutMs: STEP_MS, signal });
  } catch (error) {
    if (signal.aborted) throw error;
    collected.harnessError = harnessErrorOf(error);
  }
  // A report that came after the window (while the harness looked for the board) still counts.
  const late = collected.network === null ? env.listener.take(correlationId) : null;
  if (late !== null) {
    try {
      collected.network = parseRunnerLine(late.value, `network report ${correlationId}`);
    } catch (error) {
      collected.harnessError ??= { code: 'SCRIPT_OUTPUT_INVALID', message: oneLine(error) };
    }
  }
  return collected;
}

/**
 * A board lost by an earlier attempt (it never came back after its power cycle) is looked for
 * again, and power-cycled once more if it is still missing, before this attempt starts.
 */
export async function ensurePort(board: CampaignBoard, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  if (board.isPortOpen) return;
  try {
    await board.reconnect({ timeoutMs, signal });
    return;
  } catch (error) {
    if (signal?.aborted === true || board.power === undefined) throw error;
  }
  await board.power.cycle({ ...(signal === undefined ? {} : { signal }) });
  await board.reconnect({ timeoutMs, signal });
}

function seenByOf(collected: Collected): AttemptRecord['seenBy'] | undefined {
  if (collected.board !== null && collected.network !== null) return 'both';
  if (collected.board !== null) return 'board';
  if (collected.network !== null) return 'server';
  return undefined;
}

/** Which side's record the attempt is built from: the board's log (complete), else the network's. */
function chosen(collected: Collected): RunnerRecord | null {
  return collected.board ?? collected.network;
}

function resetOutcome(runner: RunnerRecord | null, collected: Collected, board: CampaignBoard): ResetOutcome {
  const evidence: Record<string, unknown> = {
    driver: board.power?.describe() ?? null,
    seenBy: seenByOf(collected) ?? 'none',
    resetCause: runner?.resetCause ?? null,
    resetCauseName: runner?.resetCause === null || runner?.resetCause === undefined ? null : (resetCauseName(runner.resetCause) ?? null),
    bootRtc: runner?.bootRtc ?? null,
    windowMs: collected.windowMs,
    ...(collected.silence === null ? {} : { hostSilence: collected.silence }),
    ...(collected.network?.log === null || collected.network?.log === undefined ? {} : { runnerLog: collected.network.log }),
    ...(collected.logInvalidLines > 0 ? { logInvalidLines: collected.logInvalidLines } : {}),
    ...(collected.outputTail === null ? {} : { outputWhileDetached: collected.outputTail }),
  };
  const verified = runner !== null && runner.resetCause === PWRON_RESET;
  return {
    mode: 'power-cycle',
    verified,
    evidence,
    escalations: [],
    durationMs: collected.powerCycleMs,
    ...(verified ? {} : { problem: runner === null ? 'the runner left no record' : `reset_cause() was ${runner.resetCause ?? 'unknown'}, not PWRON_RESET` }),
  };
}

/**
 * One standalone attempt: write the runner's config, power-cycle the board, keep the port closed
 * through the window (the runner joins Wi-Fi, sets its clock, probes, logs and reports), then
 * collect the flash log and merge it with the network report. Classified exactly as interactive
 * attempts are (`classifyAttempt`).
 */
export async function runStandaloneAttempt(env: StandaloneEnvironment, planned: PlannedAttempt, signal: AbortSignal): Promise<AttemptRecord> {
  const start = startAttempt(env, planned);
  const { cell } = start;
  const { board } = env;
  const correlationId = `${env.runId}/${planned.seq}`;
  const served = cell.certs === null ? undefined : env.servers.sets.get(cell.certs);
  let collected: Collected | null = null;
  let harnessError: { code: string; message: string } | null = null;
  let serverRecord: ConnectionRecord | null = null;
  try {
    board.beginAttempt((env.attemptNumberBase ?? 0) + planned.seq);
    await ensurePort(board, env.settings.collectMs, signal);
    await writeBoardFile(board, RUNNER_CONFIG_FILE, new TextEncoder().encode(JSON.stringify(runnerConfig(env, cell, planned))), { timeoutMs: STEP_MS, signal });
    if (cell.certs !== null) await env.servers.takeRecords(cell.certs); // earlier connections are not this attempt's evidence
    collected = await powerCycleAndCollect(env, correlationId, signal);
    harnessError = collected.harnessError;
    const runner = chosen(collected);
    if (cell.certs !== null) {
      const stage = runner?.tls?.stage;
      const records = await env.servers.takeRecords(cell.certs, { expectOne: stage === 'handshake' || stage === 'echo' || stage === 'done' });
      serverRecord = records.find((record) => record.correlationId === correlationId) ?? records[records.length - 1] ?? null;
    }
    if (runner === null && harnessError === null) {
      const tail = collected.outputTail === null ? 'nothing' : collected.outputTail;
      harnessError = { code: 'SCRIPT_OUTPUT_INVALID', message: `the boot runner left no record on flash and sent none within the window; it printed ${tail}` };
    }
  } catch (error) {
    if (signal.aborted) throw error;
    harnessError = harnessErrorOf(error);
  } finally {
    start.untap();
  }
  const runner = collected === null ? null : chosen(collected);
  const reset = collected === null ? null : resetOutcome(runner, collected, board);
  const rtc: RtcOutcome | null =
    runner?.clock === null || runner?.clock === undefined
      ? null
      : { mode: cell.rtc.text, before: runner.clock.before, after: runner.clock.after, ...(runner.clock.problem === undefined ? {} : { problem: runner.clock.problem }) };
  const server = serverRecord === null ? null : serverView(serverRecord);
  const runnerError = runner?.error ?? null;
  const classification = classifyEvidence(
    {
      // Without a runner record the reset proves nothing either way: the harness error says what happened.
      reset: runner === null ? null : reset,
      wifi: runner?.wifi ?? null,
      tls: runner?.tls ?? null,
      harnessError: harnessError ?? (runnerError === null ? null : { code: 'EXEC_ERROR', message: `the boot runner raised ${runnerError.type}: ${runnerError.text}` }),
      server,
    },
    served?.set,
  );
  const log = collected?.network?.log;
  const logNote = log !== undefined && log !== null && log.status !== 'ok' ? ` [flash log: ${log.status === 'full' ? `not written, OSError(${log.errno ?? 28}) flash full` : log.status === 'cap' ? 'not written, size cap reached' : `not written, errno ${log.errno ?? '?'}`}]` : '';
  const seenBy = collected === null ? undefined : seenByOf(collected);
  const evidence: AttemptEvidence = {
    mode: 'standalone',
    ...(seenBy === undefined ? {} : { seenBy }),
    boardMs: runner?.boardMs ?? null,
    reset,
    rtc,
    wifi: runner?.wifi ?? null,
    tls: runner?.tls ?? null,
    server,
    harnessError,
  };
  return attemptRecord(env, planned, start, evidence, { ...classification, detail: classification.detail + logNote });
}
