import { CTRL_A, CTRL_C, CTRL_E } from '../../transport/repl-bytes.js';

const HISTORY_SIZE = 8; // MICROPY_READLINE_HISTORY_SIZE
const ESC = 0x1b;
const BACKSPACE = 0x08;
const DELETE = 0x7f;
const TAB = 0x09;

type Escape = 'none' | 'esc' | 'bracket' | 'bracket-digit' | 'esc-o';

/** Result of one key: a control character handed back to the REPL, a finished line, or nothing yet. */
export type KeyResult = { kind: 'control'; char: number } | { kind: 'line' } | { kind: 'pending' };

/**
 * The friendly REPL's line editor with the behaviour of shared/readline on rp2 (VT100 terminal,
 * auto-indent, 8 lines of history): echo, cursor movement, backspace that removes a whole
 * 4-space indent, control characters that only count on an empty line. Tab completion of names
 * is not modelled (a tab after whitespace still inserts 4 spaces).
 */
export class LineEditor {
  private buffer = '';
  private origLen = 0;
  private cursor = 0;
  private escape: Escape = 'none';
  private escapeDigit = '';
  private historyCursor = -1;
  private autoIndentEnabled = false;
  private autoIndentJustAdded = false;
  private readonly history: string[] = [];

  constructor(private readonly out: (text: string) => void) {}

  get text(): string {
    return this.buffer;
  }

  /** Start editing `buffer` (empty for a new statement) after printing `prompt`. */
  init(buffer: string, prompt: string): void {
    this.buffer = buffer;
    this.origLen = buffer.length;
    this.cursor = this.origLen;
    this.escape = 'none';
    this.historyCursor = -1;
    this.out(prompt);
    if (buffer.length === 0) this.autoIndentEnabled = true;
    this.autoIndent();
  }

  process(c: number): KeyResult {
    const lastLength = this.buffer.length;
    let stepBack = 0;
    let redrawFromCursor = false;
    let stepForward = 0;
    if (this.escape === 'none') {
      const lineEmpty = this.buffer.length === this.origLen;
      if (c >= CTRL_A && c <= CTRL_E && lineEmpty) return { kind: 'control', char: c };
      if (c === CTRL_A) {
        stepBack = this.cursor - this.origLen; // home
      } else if (c === CTRL_C) {
        return { kind: 'control', char: c };
      } else if (c === CTRL_E) {
        stepForward = this.buffer.length - this.cursor; // end
      } else if (c === 0x0d) {
        this.out('\r\n');
        this.pushHistory(this.buffer.slice(this.origLen));
        return { kind: 'line' };
      } else if (c === ESC) {
        this.escape = 'esc';
      } else if (c === BACKSPACE || c === DELETE) {
        if (this.cursor > this.origLen) {
          const beforeCursor = this.buffer.slice(this.origLen, this.cursor);
          const count = /^ {4,}$/.test(beforeCursor) ? 4 : 1;
          this.buffer = this.buffer.slice(0, this.cursor - count) + this.buffer.slice(this.cursor);
          stepBack = count;
          redrawFromCursor = true;
        }
      } else if (this.autoIndentJustAdded && (c === TAB || c === 0x20)) {
        // A tab or space right after auto-indent turns auto-indent off (a space also undoes 3 of the 4 spaces).
        this.autoIndentEnabled = false;
        if (c === 0x20) {
          this.buffer = this.buffer.slice(0, -3);
          stepBack = 3;
        }
      } else if (c === TAB) {
        const previous = this.buffer[this.cursor - 1];
        if (this.buffer.length !== 0 && previous !== undefined && /\s/.test(previous)) {
          this.insert('    ');
          redrawFromCursor = true;
          stepForward = 4;
        }
      } else if (c >= 0x20 && c <= 0x7e) {
        this.insert(String.fromCharCode(c));
        redrawFromCursor = true;
        stepForward = 1;
      }
    } else if (this.escape === 'esc') {
      this.escape = c === 0x5b ? 'bracket' : c === 0x4f ? 'esc-o' : 'none';
    } else if (this.escape === 'bracket') {
      if (c >= 0x30 && c <= 0x39) {
        this.escape = 'bracket-digit';
        this.escapeDigit = String.fromCharCode(c);
      } else {
        this.escape = 'none';
        const key = String.fromCharCode(c);
        if (key === 'A' || key === 'B') {
          const moved = this.browseHistory(key === 'A' ? 1 : -1);
          if (moved) {
            stepBack = this.cursor - this.origLen;
            redrawFromCursor = true;
            stepForward = this.buffer.length - this.origLen;
          }
        } else if (key === 'C') {
          if (this.cursor < this.buffer.length) stepForward = 1;
        } else if (key === 'D') {
          if (this.cursor > this.origLen) stepBack = 1;
        } else if (key === 'H') {
          stepBack = this.cursor - this.origLen;
        } else if (key === 'F') {
          stepForward = this.buffer.length - this.cursor;
        }
      }
    } else if (this.escape === 'bracket-digit') {
      this.escape = 'none';
      if (c === 0x7e) {
        if (this.escapeDigit === '1' || this.escapeDigit === '7') {
          stepBack = this.cursor - this.origLen;
        } else if (this.escapeDigit === '4' || this.escapeDigit === '8') {
          stepForward = this.buffer.length - this.cursor;
        } else if (this.escapeDigit === '3' && this.cursor < this.buffer.length) {
          this.buffer = this.buffer.slice(0, this.cursor) + this.buffer.slice(this.cursor + 1);
          redrawFromCursor = true;
        }
      }
    } else {
      // ESC O H / ESC O F
      this.escape = 'none';
      if (c === 0x48) stepBack = this.cursor - this.origLen;
      else if (c === 0x46) stepForward = this.buffer.length - this.cursor;
    }
    this.redraw(lastLength, stepBack, redrawFromCursor, stepForward);
    this.autoIndentJustAdded = false;
    return { kind: 'pending' };
  }

  private insert(text: string): void {
    this.buffer = this.buffer.slice(0, this.cursor) + text + this.buffer.slice(this.cursor);
  }

  private redraw(lastLength: number, stepBack: number, fromCursor: boolean, stepForward: number): void {
    if (stepBack > 0) {
      this.moveBack(stepBack);
      this.cursor -= stepBack;
    }
    if (fromCursor) {
      if (this.buffer.length < lastLength) this.out('\x1b[K');
      this.out(this.buffer.slice(this.cursor));
      this.moveBack(this.buffer.length - (this.cursor + stepForward));
      this.cursor += stepForward;
    } else if (stepForward > 0) {
      this.out(this.buffer.slice(this.cursor, this.cursor + stepForward));
      this.cursor += stepForward;
    }
  }

  private moveBack(count: number): void {
    if (count <= 0) return;
    this.out(count <= 4 ? '\b'.repeat(count) : `\x1b[${count}D`);
  }

  private browseHistory(direction: 1 | -1): boolean {
    const next = this.historyCursor + direction;
    if (direction === 1 && (next >= HISTORY_SIZE || this.history[next] === undefined)) return false;
    if (direction === -1 && this.historyCursor < 0) return false;
    this.historyCursor = next;
    this.buffer = this.buffer.slice(0, this.origLen) + (next >= 0 ? (this.history[next] ?? '') : '');
    return true;
  }

  private pushHistory(line: string): void {
    if (line.length === 0 || line === this.history[0]) return;
    this.history.unshift(line);
    if (this.history.length > HISTORY_SIZE) this.history.length = HISTORY_SIZE;
  }

  /** After a line ending in ':', indent the next line by one more level; keep the previous level otherwise. */
  private autoIndent(): void {
    if (!this.autoIndentEnabled) return;
    const text = this.buffer;
    if (text.length <= 1 || !text.endsWith('\n')) return;
    const lineStart = text.lastIndexOf('\n', text.length - 2) + 1;
    let firstNonSpace = lineStart;
    while (firstNonSpace < text.length && text[firstNonSpace] === ' ') firstNonSpace += 1;
    if (lineStart > 0 && firstNonSpace + 1 === text.length) {
      // The previous line is blank; don't indent after two blank lines.
      const previousStart = text.lastIndexOf('\n', lineStart - 2) + 1;
      if (/^ *$/.test(text.slice(previousStart, lineStart - 1)) && previousStart > 0) return;
    }
    let levels = Math.floor((firstNonSpace - lineStart) / 4);
    if (text[text.length - 2] === ':') levels += 1;
    for (let i = 0; i < levels; i += 1) {
      this.buffer += '    ';
      this.out('    ');
      this.cursor += 4;
      this.autoIndentJustAdded = true;
    }
  }
}
