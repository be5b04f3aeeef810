import { CTRL_C, CTRL_D } from '../../transport/repl-bytes.js';
import type { DeviceIo } from './device-io.js';
import { LineEditor } from './line-editor.js';

/** input() on the board: mp_builtin_input prints the prompt and reads one edited line. */
export class LineReader {
  private readonly editor: LineEditor;

  constructor(private readonly io: DeviceIo) {
    this.editor = new LineEditor((text) => io.txRaw(text));
  }

  /** 'L' + the line, 'I' for Ctrl-C (KeyboardInterrupt), 'E' for Ctrl-D on an empty line (EOFError). */
  readLine(prompt: string): string {
    for (const ch of new TextEncoder().encode(prompt)) this.io.txCooked(ch);
    this.editor.init('', '');
    for (;;) {
      const byte = this.io.readByteInterruptible();
      if (byte === undefined) return 'I';
      const result = this.editor.process(byte);
      if (result.kind === 'line') return `L${this.editor.text}`;
      if (result.kind === 'control') {
        if (result.char === CTRL_C) return 'I';
        if (result.char === CTRL_D && this.editor.text.length === 0) return 'E';
        return `L${this.editor.text}`;
      }
    }
  }
}
