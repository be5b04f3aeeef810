import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import type { AttemptEnvironment } from '../attempt.js';
import type { CampaignBoard } from '../board/campaign-board.js';
import type { PlannedAttempt } from '../runner.js';
import type { AttemptRecord } from '../types.js';
import { ensurePort, runStandaloneAttempt, type StandaloneSettings } from './attempt.js';
import { deployRunner, restoreUserFiles, type RestoreReport } from './deploy.js';
import { startReportListener, type ReportListener } from './report-listener.js';

export interface StandaloneSessionOptions {
  readonly board: CampaignBoard;
  readonly runId: string;
  /** The run directory: the host copy of the backup goes to `<runDir>/standalone/`. */
  readonly runDir: string;
  /** Where the report listener listens (the echo servers' bind address). */
  readonly bindHost: string;
  readonly reportPort: number;
  readonly settings: StandaloneSettings;
  readonly signal?: AbortSignal | undefined;
}

/** A campaign's standalone part: the runner deployed, the report listener up, and their teardown. */
export interface StandaloneSession {
  readonly listener: ReportListener;
  runAttempt(env: AttemptEnvironment, planned: PlannedAttempt, signal: AbortSignal): Promise<AttemptRecord>;
  /** Restore the user's files and stop listening. Throws when the restore failed (the listener is closed either way). */
  finish(): Promise<RestoreReport>;
}

/** Where a run keeps the host copy of the user's files (and `backup.json`). */
export function standaloneDir(runDir: string): string {
  return join(runDir, 'standalone');
}

export async function startStandaloneSession(options: StandaloneSessionOptions): Promise<StandaloneSession> {
  if (options.board.power === undefined) {
    throw new UsageError('standalone cells power-cycle the board before every attempt: give board.power in the config (driver: manual asks you to unplug and replug it)');
  }
  const listener = await startReportListener({ host: options.bindHost, port: options.reportPort });
  try {
    await deployRunner(options.board, { runId: options.runId, hostDir: standaloneDir(options.runDir), signal: options.signal });
  } catch (error) {
    await listener.close();
    throw error;
  }
  return {
    listener,
    runAttempt: (env, planned, signal) => runStandaloneAttempt({ ...env, listener, settings: options.settings }, planned, signal),
    async finish() {
      try {
        // After an attempt that lost the board the port may be closed: find it again first.
        await ensurePort(options.board, options.settings.collectMs);
        return await restoreUserFiles(options.board, { timeoutMs: 20_000 });
      } finally {
        await listener.close();
      }
    },
  };
}
