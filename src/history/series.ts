/**
 * Which runs may be compared. A series is one campaign under one kind of conditions:
 * - the board kind, always: a simulated board's success rate says nothing about a real one, so
 *   sim and real runs never share a series;
 * - the campaign's name (else its config file name): the same nightly campaign, even when its
 *   iterations or expectations are edited (the config hash is kept per run, not in the key —
 *   an edit that changes the cells shows up as new cells, not as a new series);
 * - for the simulator, the world hash: the world *is* the radio environment (signal, loss,
 *   APs); a world edit changes the conditions the way moving the rig to another building
 *   would, so runs in different worlds are different series. The seed is not in the key: seeds
 *   are the night-to-night noise the gate is meant to see through.
 * Boards and firmware are not in the key: a firmware change is what the gate should catch, and
 * per-board/per-firmware views filter within a series.
 */
import type { BoardKind } from './types.js';

const WORLD_HASH_CHARS = 12;

export function seriesKeyOf(input: { kind: BoardKind; campaign: string; worldHash?: string | null }): string {
  if (input.kind === 'real') return `real:${input.campaign}`;
  const hash = (input.worldHash ?? 'unknown').replace(/^sha256:/, '').slice(0, WORLD_HASH_CHARS);
  return `sim:${input.campaign}@world:${hash}`;
}

/** The board kind a series key belongs to. */
export function kindOfSeries(key: string): BoardKind {
  return key.startsWith('sim:') ? 'sim' : 'real';
}
