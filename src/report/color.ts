/** ANSI colour for terminal reports, on only for a TTY and never when NO_COLOR is set (no-color.org). */

export interface ColorTarget {
  readonly isTTY?: boolean;
}

/** Colour when `stream` is a terminal, NO_COLOR is unset or empty, and TERM is not `dumb`. */
export function shouldUseColor(stream: ColorTarget, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return stream.isTTY === true;
}

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'inverse';

const CODES: Record<Style, readonly [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  inverse: [7, 27],
};

export type Painter = (text: string, ...styles: Style[]) => string;

/** A painter that styles text when `enabled`, and returns it unchanged otherwise. */
export function painter(enabled: boolean): Painter {
  if (!enabled) return (text) => text;
  return (text, ...styles) =>
    styles.reduce((painted, style) => `\x1b[${CODES[style][0]}m${painted}\x1b[${CODES[style][1]}m`, text);
}
