import type { CampaignBoard } from '../board/campaign-board.js';

/**
 * Proof that the host stayed silent: on a simulated board, what the host did to the USB port
 * (writes, DTR changes, opens) in every phase since the mark, summed. A real board cannot count
 * this; there the proof is the harness's own code path (the port is closed for the whole window).
 */
export interface HostSilence {
  readonly writes: number;
  readonly bytesWritten: number;
  readonly dtrChanges: number;
  readonly opens: number;
  /** The board phases the counts cover, in order (power-off, power-on, boot, exec:boot.py, exec:main.py, idle:friendly …). */
  readonly phases: readonly string[];
}

/** The phase index to count from (undefined for a real board). */
export function silenceMark(board: CampaignBoard): number | undefined {
  return board.sim === undefined ? undefined : board.sim.cdc.currentPhaseIndex + 1;
}

export function hostSilenceSince(board: CampaignBoard, mark: number | undefined): HostSilence | null {
  if (board.sim === undefined || mark === undefined) return null;
  const phases = board.sim.cdc.phaseActivity(mark);
  return {
    writes: phases.reduce((sum, phase) => sum + phase.writes, 0),
    bytesWritten: phases.reduce((sum, phase) => sum + phase.bytesWritten, 0),
    dtrChanges: phases.reduce((sum, phase) => sum + phase.dtrChanges, 0),
    opens: phases.reduce((sum, phase) => sum + phase.opens, 0),
    phases: phases.map((phase) => phase.phase),
  };
}
