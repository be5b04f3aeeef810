import { randomBytes } from 'node:crypto';
import type { ConnectionRecord } from '../server/records.js';
import { STAT_GOT_IP } from '../results/taxonomy-table.js';
import { attemptRecord, classifyEvidence, harnessErrorOf, oneLine, serverView, startAttempt, tlsProbeTarget, type AttemptEvidence } from './attempt-record.js';
import type { CampaignBoard } from './board/campaign-board.js';
import { runDeviceStep, stepTimeoutMs } from './device-step.js';
import type { CampaignServers } from './echo-servers.js';
import type { Cell } from './matrix.js';
import type { AttemptTranscript } from './records/run-store.js';
import { isUnresponsiveError, performReset, recoverHungBoard, type ResetOptions } from './resets/index.js';
import { applyRtcMode } from './rtc/index.js';
import type { PlannedAttempt } from './runner.js';
import type { AttemptRecord, BoardTag, ResetOutcome, RtcOutcome, TlsProbeResult, WifiConnectResult } from './types.js';

/** Host ms on top of the whole attempt's budget before it is abandoned. */
const ATTEMPT_MARGIN_MS = 2_000;

export interface AttemptTimeouts {
  readonly connectMs: number;
  readonly tlsMs: number;
  readonly resetMs: number;
  /** The whole attempt, in board ms; past it the step under way is abandoned and the board recovered. */
  readonly attemptMs: number;
}

/** Everything one attempt needs; the same for every attempt of a run. */
export interface AttemptEnvironment {
  readonly runId: string;
  readonly board: CampaignBoard;
  readonly cells: ReadonlyMap<string, Cell>;
  readonly servers: CampaignServers;
  /** The DNS name the board connects to. */
  readonly serverHost: string;
  /** The password of an access point by its config name; undefined for an open network. */
  password(apName: string): string | undefined;
  readonly timeouts: AttemptTimeouts;
  readonly resetOptions?: ResetOptions;
  /** For host:local RTC (tests pin it; the host's zone otherwise). */
  readonly timeZone?: string | undefined;
  /** A transcript for the attempt (the run store's), or none. */
  openTranscript?(attempt: PlannedAttempt): AttemptTranscript;
  /** Written into every record: which board ran the attempt and its firmware (`sys.version`). */
  readonly boardTag?: BoardTag;
  readonly firmware?: string | null;
  /** Added to the attempt's number for a simulated board's per-attempt randomness (see RunCampaignOptions). */
  readonly attemptNumberBase?: number;
}

interface Steps {
  reset: ResetOutcome | null;
  rtc: RtcOutcome | null;
  wifi: WifiConnectResult | null;
  tls: TlsProbeResult | null;
  server: ConnectionRecord | null;
  boardMs: number;
  boardTimed: boolean;
  harnessError: { code: string; message: string } | null;
}

/**
 * One attempt of one cell: reset (verified) → Wi-Fi join → RTC mode → TLS probe, then its class.
 * Device failures are results. A board that stops answering is recovered (Ctrl-C, machine.reset(),
 * power driver) and the attempt recorded with the harness class; one that cannot be recovered is
 * recorded as `device-hung`, which ends the run.
 */
export async function runAttempt(env: AttemptEnvironment, planned: PlannedAttempt, signal: AbortSignal): Promise<AttemptRecord> {
  const start = startAttempt(env, planned);
  const { cell, transcript } = start;
  const { board } = env;
  const steps: Steps = { reset: null, rtc: null, wifi: null, tls: null, server: null, boardMs: 0, boardTimed: false, harnessError: null };
  const set = cell.certs === null ? undefined : env.servers.sets.get(cell.certs);
  const budget = AbortSignal.timeout(stepTimeoutMs(board, env.timeouts.attemptMs, ATTEMPT_MARGIN_MS));
  try {
    board.beginAttempt((env.attemptNumberBase ?? 0) + planned.seq);
    await runSteps(env, cell, planned, AbortSignal.any([signal, budget]), steps);
  } catch (error) {
    if (signal.aborted) throw error;
    steps.harnessError = budget.aborted
      ? { code: 'TIMEOUT', message: `the attempt took longer than timeouts.attemptMs (${env.timeouts.attemptMs} ms board time): ${oneLine(error)}` }
      : harnessErrorOf(error);
    if (budget.aborted || isUnresponsiveError(error) || steps.harnessError.code === 'TRANSPORT_LOST') {
      try {
        const recovery = await recoverHungBoard(board, { reconnectTimeoutMs: env.timeouts.resetMs, ...env.resetOptions, signal });
        transcript?.write(`\n[harness] board recovered: ${recovery.escalations.join(' → ')}\n`);
      } catch (hung) {
        if (signal.aborted) throw hung;
        steps.harnessError = harnessErrorOf(hung);
      }
    }
  } finally {
    start.untap();
  }
  const server = steps.server === null ? null : serverView(steps.server);
  const classification = classifyEvidence({ reset: steps.reset, wifi: steps.wifi, tls: steps.tls, harnessError: steps.harnessError, server }, set?.set);
  const evidence: AttemptEvidence = {
    mode: 'interactive',
    boardMs: steps.boardTimed ? steps.boardMs : null,
    reset: steps.reset,
    rtc: steps.rtc,
    wifi: steps.wifi,
    tls: steps.tls,
    server,
    harnessError: steps.harnessError,
  };
  return attemptRecord(env, planned, start, evidence, classification);
}

async function runSteps(env: AttemptEnvironment, cell: Cell, planned: PlannedAttempt, signal: AbortSignal, steps: Steps): Promise<void> {
  const { board, timeouts } = env;
  steps.reset = await performReset(board, cell.reset, { reconnectTimeoutMs: timeouts.resetMs, ...env.resetOptions, signal });
  if (!steps.reset.verified || cell.wifi === null) return;

  const wifi = cell.wifi;
  const password = env.password(wifi.ap.name);
  const join = await runDeviceStep(
    board,
    'wifi_connect',
    {
      ssid: wifi.ap.ssid,
      ...(password === undefined ? {} : { password }),
      mode: wifi.connect,
      timeout_ms: timeouts.connectMs,
      ...(wifi.pmValue === null ? {} : { pm: wifi.pmValue }),
      ...(wifi.country === undefined ? {} : { country: wifi.country }),
      ...(wifi.pinBssid && wifi.ap.bssid !== undefined ? { bssid: wifi.ap.bssid } : {}),
      ...(wifi.pinChannel && wifi.ap.channel !== undefined ? { channel: wifi.ap.channel } : {}),
    },
    { timeoutMs: stepTimeoutMs(board, timeouts.connectMs), signal },
  );
  steps.wifi = join.result;
  addBoardTime(steps, join.boardMs);
  if (join.result.finalStatus !== STAT_GOT_IP || cell.certs === null || cell.tlsApi === null) return;

  const served = env.servers.sets.get(cell.certs);
  if (served === undefined) throw new Error(`no echo server for certificate set ${cell.certs}`);
  steps.rtc = await applyRtcMode(board, cell.rtc.mode, { label: cell.rtc.text, signal, ...(env.timeZone === undefined ? {} : { timeZone: env.timeZone }) });
  await env.servers.takeRecords(cell.certs); // connections of earlier attempts are not this attempt's evidence
  const probe = await runDeviceStep(
    board,
    'tls_probe',
    {
      ...tlsProbeTarget(env, served, cell.tlsApi),
      correlation_id: `${env.runId}/${planned.seq}`,
      nonce: randomBytes(16).toString('hex'),
      timeout_ms: timeouts.tlsMs,
    },
    { timeoutMs: stepTimeoutMs(board, timeouts.tlsMs), signal },
  );
  steps.tls = probe.result;
  addBoardTime(steps, probe.boardMs);
  const reachedServer = probe.result.stage === 'handshake' || probe.result.stage === 'echo' || probe.result.stage === 'done';
  const records = await env.servers.takeRecords(cell.certs, { expectOne: reachedServer });
  steps.server = records[records.length - 1] ?? null;
}

function addBoardTime(steps: Steps, boardMs: number | null): void {
  if (boardMs === null) return;
  steps.boardMs += boardMs;
  steps.boardTimed = true;
}
