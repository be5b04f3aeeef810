import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError } from '../../errors.js';
import type { CampaignBoard } from '../board/campaign-board.js';

const POLL_MS = 10;

/**
 * True once the board's port is gone (the USB device left the bus: a reset or a power cut), false
 * when it is still open after `withinMs` host ms.
 */
export async function waitForPortLoss(board: CampaignBoard, withinMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    if (!board.isPortOpen) return true;
    if (signal?.aborted === true) throw new AbortError('reset cancelled');
    const remaining = deadline - performance.now();
    if (remaining <= 0) return false;
    await sleep(Math.min(POLL_MS, remaining));
  }
}
