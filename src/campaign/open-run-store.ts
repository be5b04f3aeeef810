import type { LoadedCampaign } from './config/index.js';
import type { CampaignPlan } from './matrix.js';
import { createRun, openRunForResume, type ResumeState, type RunStore } from './records/run-store.js';
import type { Redactor } from './redact.js';
import type { AttemptRecord } from './types.js';

export interface OpenRunStoreOptions {
  readonly config: LoadedCampaign['config'];
  readonly plan: CampaignPlan;
  readonly redactor: Redactor;
  readonly reportsDir: string;
  /** A run directory to continue (--resume). */
  readonly resumeDir?: string | undefined;
  /** A rack run: this many boards append to the one store, each running the whole plan. */
  readonly boards?: number | undefined;
  /** One line for the operator. */
  readonly say?: ((text: string) => void) | undefined;
}

/** True when the record has its cell's success class. */
function isSuccess(plan: CampaignPlan, record: AttemptRecord): boolean {
  const cell = plan.cells.find((c) => c.id === record.cell);
  return cell?.successClass !== undefined && cell.successClass !== null && record.class === cell.successClass;
}

/**
 * The run's store: a new run directory, or the one --resume names (a torn last line cut off).
 * Transcripts of failures are the ones rotation keeps longest.
 */
export async function openRunStore(options: OpenRunStoreOptions): Promise<{ store: RunStore; resumed: ResumeState | null }> {
  const { config, plan } = options;
  const boards = options.boards ?? 1;
  const storeOptions = {
    redactor: options.redactor,
    total: plan.attempts.length * boards,
    ...(options.boards === undefined ? {} : { keyByBoard: true }),
    transcripts: { perAttemptBytes: config.transcripts.maxBytesPerAttempt, maxTotalBytes: config.transcripts.maxTotalBytes },
    keepTranscript: (record: AttemptRecord) => !isSuccess(plan, record),
  };
  if (options.resumeDir === undefined) return { store: await createRun({ ...storeOptions, baseDir: options.reportsDir }), resumed: null };
  const opened = await openRunForResume(options.resumeDir, storeOptions);
  if (opened.resume.torn !== null) options.say?.('resume: cut a torn last line off attempts.jsonl (that attempt runs again)');
  return { store: opened.store, resumed: opened.resume };
}
