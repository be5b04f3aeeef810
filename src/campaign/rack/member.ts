import type { CampaignBoard } from '../board/campaign-board.js';
import type { RunManifest } from '../records/manifest.js';
import type { ResumeState, RunStore } from '../records/run-store.js';
import type { AttemptGate } from '../runner.js';

/**
 * What `runCampaign` needs to run one board of a rack run (several boards, one run directory):
 * the shared run store, the board's label and report folder, the quarantine rule and the power
 * group's gate. The rack (`runRackCampaign`) opens the board and passes it as `options.board`.
 */
export interface RackMember {
  readonly label: string;
  /** The run's store: every board appends to the one attempts.jsonl (keyed by board). */
  readonly store: RunStore;
  /** What earlier invocations recorded (all boards; the runner skips this board's keys). */
  readonly resumed: ResumeState | null;
  /** `<run>/boards/<label>/`: this board's manifest, server logs and reports. */
  readonly boardDir: string;
  /** Consecutive infrastructure failures after which this board stops. */
  readonly quarantineAfter: number;
  /** Added to a fixed echo-server base port, so each board's servers get their own ports. */
  readonly serverPortOffset: number;
  /** The board's power group holds it between attempts while another member switches power. */
  readonly gate?: AttemptGate | undefined;
  /**
   * This board passed its preflight and its manifest is written under boardDir; resolves once the
   * run's top-level manifest is written (every board got this far or failed).
   */
  ready(manifest: RunManifest): Promise<void>;
  /** Before each attempt: e.g. find the board again after a ganged power switch cut it. */
  beforeAttempt(board: CampaignBoard, signal: AbortSignal): Promise<void>;
}
