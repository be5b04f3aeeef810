/** A plain-text table that fits a width: fixed columns keep their size, flexible ones wrap. */
import type { Painter, Style } from './color.js';
import { displayWidth, wrap } from './format.js';

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** Flexible columns share the width left by the others and wrap their text. */
  readonly flexible?: boolean;
  readonly minWidth?: number;
}

export interface StyledText {
  readonly text: string;
  readonly style?: readonly Style[];
}

export type TableCell = string | StyledText;

export interface TableOptions {
  /** The widest a line may be. */
  readonly width: number;
  readonly paint: Painter;
  readonly gap?: number;
}

const textOf = (cell: TableCell | undefined): string => (cell === undefined ? '' : typeof cell === 'string' ? cell : cell.text);
const styleOf = (cell: TableCell | undefined): readonly Style[] => (cell === undefined || typeof cell === 'string' ? [] : cell.style ?? []);
const naturalWidth = (text: string): number => Math.max(0, ...text.split('\n').map(displayWidth));

/** Column widths: fixed columns at their natural width, flexible ones filling what is left, fairly. */
export function columnWidths(columns: readonly Column[], rows: readonly (readonly TableCell[])[], width: number, gap: number): number[] {
  const natural = columns.map((column, index) =>
    Math.max(displayWidth(column.header), ...rows.map((row) => naturalWidth(textOf(row[index])))),
  );
  const widths = [...natural];
  const flexible = columns.map((column, index) => (column.flexible === true ? index : -1)).filter((index) => index >= 0);
  const fixedTotal = natural.reduce((sum, value, index) => (flexible.includes(index) ? sum : sum + value), 0);
  let available = width - fixedTotal - gap * (columns.length - 1);
  // Water-filling: the narrowest flexible columns take what they need, the rest share the remainder;
  // no column takes so much that a later one could not have its minimum.
  const minimumOf = (index: number): number => Math.max(columns[index]?.minWidth ?? 6, Math.min(displayWidth(columns[index]?.header ?? ''), 12));
  const pending = [...flexible].sort((a, b) => (natural[a] ?? 0) - (natural[b] ?? 0));
  while (pending.length > 0) {
    const index = pending.shift() as number;
    const reserved = pending.reduce((sum, later) => sum + minimumOf(later), 0);
    const share = Math.min(Math.floor(available / (pending.length + 1)), available - reserved);
    widths[index] = Math.max(minimumOf(index), Math.min(natural[index] ?? 0, share));
    available -= widths[index] ?? 0;
  }
  return widths;
}

/** The table's lines: a header, a rule, then each row (a row may take several lines). */
export function renderTable(columns: readonly Column[], rows: readonly (readonly TableCell[])[], options: TableOptions): string[] {
  const gap = options.gap ?? 2;
  const widths = columnWidths(columns, rows, options.width, gap);
  const line = (cells: readonly TableCell[], extraStyle: readonly Style[] = []): string[] => {
    const wrapped = columns.map((_, index) => wrap(textOf(cells[index]), widths[index] ?? 1));
    const height = Math.max(...wrapped.map((lines) => lines.length));
    const out: string[] = [];
    for (let row = 0; row < height; row += 1) {
      const parts = columns.map((column, index) => {
        const text = wrapped[index]?.[row] ?? '';
        const padding = ' '.repeat(Math.max(0, (widths[index] ?? 0) - displayWidth(text)));
        const styles = [...styleOf(cells[index]), ...extraStyle];
        const painted = text === '' ? '' : options.paint(text, ...styles);
        return column.align === 'right' ? padding + painted : painted + padding;
      });
      out.push(parts.join(' '.repeat(gap)).trimEnd());
    }
    return out;
  };
  const total = widths.reduce((sum, value) => sum + value, 0) + gap * (columns.length - 1);
  return [
    ...line(columns.map((column) => column.header), ['bold']),
    '-'.repeat(Math.min(total, options.width)),
    ...rows.flatMap((row) => line(row)),
  ];
}
