/** Small text formatting shared by the human-facing reports. */
import type { ExpectationOutcome } from '../results/tally.js';

/**
 * `ok` of `n` as a percentage with one decimal. Only an exact 0 or 100 % prints as such: 1999/2000
 * prints 99.9 %, not 100.0 %, so a flaky cell never looks clean.
 */
export function formatPercent(ok: number, n: number): string {
  if (n <= 0) return '-';
  if (ok <= 0) return '0.0%';
  if (ok >= n) return '100.0%';
  const tenths = Math.min(999, Math.max(1, Math.round((ok / n) * 1000)));
  return `${(tenths / 10).toFixed(1)}%`;
}

/** A duration for people: `42s`, `3m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Cuts `text` to at most `width` characters, marking the cut with an ellipsis. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  return `${chars.slice(0, width - 1).join('')}…`;
}

/**
 * Where a line may break, best first: after a space, then after a separator between parts of an
 * identifier (cell ids: `reset=hard/wifi=hidden`), then inside a part (`tls.verify.future`).
 */
const BREAK_TIERS: readonly (readonly string[])[] = [[' '], ['/', ',', ';', '|', '&'], ['=', ':', '+'], ['-', '_', '.']];

function breakPoint(chars: readonly string[], width: number): number {
  // Breaking very early wastes the line; a hard break reads better than a stub.
  const earliest = Math.ceil(width / 3);
  for (const tier of BREAK_TIERS) {
    for (let index = width; index >= earliest; index -= 1) {
      // A space may also sit just past the width: the line ends before it.
      if (tier.includes(chars[index - 1] ?? '') || (tier.includes(' ') && chars[index] === ' ')) return index;
    }
  }
  return width;
}

/**
 * Wraps `text` into lines of at most `width` characters, breaking at the best place in reach
 * (see BREAK_TIERS) and mid-word otherwise. Spaces at a break are dropped; newlines are kept.
 */
export function wrap(text: string, width: number): string[] {
  if (width < 1) return [text];
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let rest = Array.from(paragraph);
    while (rest.length > width) {
      const cut = breakPoint(rest, width);
      lines.push(rest.slice(0, cut).join('').trimEnd());
      rest = rest.slice(cut);
      while (rest[0] === ' ') rest = rest.slice(1);
    }
    lines.push(rest.join(''));
  }
  return lines;
}

/** Visible width in terminal columns (code points; the reports write no wide characters themselves). */
export const displayWidth = (text: string): number => Array.from(text).length;

/** A rate or count as measured, without float noise (0.8, not 0.8000000000000002). */
export const formatObserved = (observed: number | string): string =>
  typeof observed === 'number' ? String(Number(observed.toFixed(4))) : observed;

/** The outcome's text, prefixed with the cell id unless it names the cell already. */
export const namingCell = (outcome: ExpectationOutcome): string =>
  outcome.text.includes(outcome.cell) ? outcome.text : `${outcome.cell}: ${outcome.text}`;

