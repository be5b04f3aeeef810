import type { CpuMessage, CpuStart, ExecContext, ReplMode } from '../channel.js';
import { bannerLine, type FirmwareProfile } from '../profiles.js';
import {
  CONTINUATION_PROMPT,
  CTRL_A,
  CTRL_B,
  CTRL_C,
  CTRL_D,
  CTRL_E,
  FRIENDLY_PROMPT,
  HELP_LINE,
  PASTE_MODE_BANNER,
  RAW_PASTE_WINDOW_SIZE,
  RAW_REPL_BANNER,
  RAW_REPL_PROMPT,
  SOFT_REBOOT_LINE,
} from '../../transport/repl-bytes.js';
import { needsContinuation, quotesAndBracketsClosed } from './continuation.js';
import type { DeviceIo } from './device-io.js';
import { Interpreter, PyExec, type ExecOutcome } from './interpreter.js';
import { LineEditor } from './line-editor.js';
import { LineReader } from './line-reader.js';
import type { CpuHardware } from './main.js';

/** Re-check a raw-paste prefix for a syntax error after this many more bytes. */
const EARLY_ABORT_CHECK_BYTES = 1024;

type ReplResult = 0 | typeof PyExec.FORCED_EXIT;

/**
 * The firmware's REPL, as ports/rp2/main.c and shared/runtime/pyexec.c run it: boot.py, main.py,
 * the friendly REPL with paste mode, the raw REPL with raw-paste and flow control, and the soft
 * reboot loop. It runs synchronously on the worker thread and blocks on USB input like the board.
 */
export class Firmware {
  private interpreter: Interpreter | undefined;
  private readonly editor: LineEditor;
  private readonly lines: LineReader;
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly io: DeviceIo,
    private readonly profile: FirmwareProfile,
    private readonly hardware: CpuHardware,
    private mode: ReplMode,
    private readonly post: (message: CpuMessage) => void,
  ) {
    this.editor = new LineEditor((text) => io.txRaw(text));
    this.lines = new LineReader(io);
  }

  async main(start: CpuStart): Promise<void> {
    let firstBoot = start.kind === 'hard-boot';
    let resume: ExecContext | undefined = start.kind === 'vm-restart' ? start.interrupted : undefined;
    for (;;) {
      // A fresh heap: the old one's finalisers close its sockets (lwIP PCBs), the radio stays up.
      this.io.rpc('board.interpreter-start', []);
      this.interpreter = await Interpreter.create(this.io, this.lines, { profile: this.profile, hardware: this.hardware });
      let forcedExit = false;
      if (resume === undefined) {
        forcedExit = this.runBootScripts(firstBoot);
        firstBoot = false;
      }
      if (!forcedExit) this.replLoop(resume);
      resume = undefined;
      this.io.txRaw(SOFT_REBOOT_LINE);
    }
  }

  /** boot.py, then USB comes up, then main.py in the friendly REPL mode if boot.py did not fail. */
  private runBootScripts(firstBoot: boolean): boolean {
    this.phaseExec('boot.py');
    let ret = this.runScript('boot.py');
    if (firstBoot) this.post({ t: 'usb-up', txFrom: this.io.txPosition() });
    if ((ret & PyExec.FORCED_EXIT) !== 0) return true;
    if (this.mode === 'friendly' && ret !== PyExec.EXCEPTION) {
      this.phaseExec('main.py');
      ret = this.runScript('main.py');
      if ((ret & PyExec.FORCED_EXIT) !== 0) return true;
    }
    return false;
  }

  private runScript(path: string): number {
    const outcome = this.interp().runFile(path);
    this.printTraceback(outcome);
    return outcome.result;
  }

  /** Alternate between the raw and friendly REPL until one of them asks for a soft reboot. */
  private replLoop(resume: ExecContext | undefined): void {
    if (resume !== undefined) {
      // The VM was restarted because running code ignored Ctrl-C; finish that exec as if interrupted.
      const interrupted = 'KeyboardInterrupt: \r\n';
      if (resume === 'raw') this.io.txRaw(`\x04${interrupted}\x04`);
      else this.io.txRaw(interrupted);
    }
    let resumeRepl = resume === 'raw' || resume === 'friendly';
    for (;;) {
      const result = this.mode === 'raw' ? this.rawRepl(resumeRepl) : this.friendlyRepl(resumeRepl);
      resumeRepl = false;
      if (result !== 0) return;
    }
  }

  // ---- raw REPL ----

  private rawRepl(resume: boolean): ReplResult {
    if (!resume) this.io.txRaw(RAW_REPL_BANNER);
    let line: number[] = [];
    this.io.txRaw(RAW_REPL_PROMPT);
    this.phaseIdle();
    for (;;) {
      const c = this.io.readByte();
      if (c === CTRL_A) {
        if (line.length === 2 && line[0] === CTRL_E) {
          const ret = this.rawPaste(line[1] ?? 0);
          if (ret !== 0) return ret;
        } else {
          this.io.txRaw(RAW_REPL_BANNER);
        }
        line = [];
        this.io.txRaw(RAW_REPL_PROMPT);
        this.phaseIdle();
      } else if (c === CTRL_B) {
        this.io.txRaw('\r\n');
        this.mode = 'friendly';
        return 0;
      } else if (c === CTRL_C) {
        line = [];
      } else if (c === CTRL_D) {
        this.io.txRaw('OK');
        if (line.length === 0) {
          this.io.txRaw('\r\n');
          return PyExec.FORCED_EXIT;
        }
        const ret = this.executeWithEof(this.decoder.decode(Uint8Array.from(line)));
        if (ret !== 0) return ret;
        line = [];
        this.io.txRaw(RAW_REPL_PROMPT);
        this.phaseIdle();
      } else {
        line.push(c);
      }
    }
  }

  /**
   * Raw-paste (do_reader_stdin): R\x01, window header, a \x01 credit per consumed window, \x04 to
   * acknowledge the end, then compile and run. A syntax error found while reading ends the
   * transfer early: \x04 mid-stream, input discarded until Ctrl-C/Ctrl-D.
   */
  private rawPaste(command: number): ReplResult {
    if (command !== 0x41) {
      this.io.txRaw('R\x00');
      return 0;
    }
    this.io.txRaw('R\x01');
    this.io.txRaw(Uint8Array.of(RAW_PASTE_WINDOW_SIZE & 0xff, RAW_PASTE_WINDOW_SIZE >> 8, 0x01));
    const source: number[] = [];
    let windowRemain = RAW_PASTE_WINDOW_SIZE;
    let checkedAt = 0;
    for (;;) {
      const c = this.io.readByte();
      if (c === CTRL_C || c === CTRL_D) {
        this.io.txRaw('\x04');
        if (c === CTRL_C) {
          this.io.txRaw('\x04KeyboardInterrupt: \r\n\x04');
          return 0;
        }
        break;
      }
      source.push(c);
      windowRemain -= 1;
      if (windowRemain === 0) {
        this.io.txRaw('\x01');
        windowRemain = RAW_PASTE_WINDOW_SIZE;
        if (source.length - checkedAt >= EARLY_ABORT_CHECK_BYTES) {
          checkedAt = source.length;
          const early = this.syntaxErrorSoFar(source);
          if (early !== undefined) {
            this.abortRawPaste(early);
            return 0;
          }
        }
      }
    }
    return this.executeWithEof(this.decoder.decode(Uint8Array.from(source)));
  }

  /**
   * The parser fails at the first bad token while it is still reading. Judge the complete lines
   * received so far: a prefix with no open quote or bracket whose "invalid syntax"/indentation error
   * lies before its last line fails the same way with any continuation.
   */
  private syntaxErrorSoFar(source: number[]): string | undefined {
    const lastNewline = source.lastIndexOf(0x0a);
    if (lastNewline < 0) return undefined;
    const prefix = this.decoder.decode(Uint8Array.from(source.slice(0, lastNewline + 1)));
    if (!quotesAndBracketsClosed(prefix)) return undefined;
    const traceback = this.interp().syntaxErrorIn(prefix);
    const match = /line (\d+)\n(SyntaxError: invalid syntax|IndentationError: .*)\n$/.exec(traceback);
    if (match === null) return undefined;
    const completeLines = prefix.split('\n').length - 1;
    return Number(match[1]) < completeLines - 1 ? traceback : undefined;
  }

  private abortRawPaste(traceback: string): void {
    this.io.txRaw('\x04'); // mp_reader_stdin_close: tell the host to stop sending
    for (;;) {
      const c = this.io.readByte();
      if (c === CTRL_C || c === CTRL_D) break;
    }
    this.io.txRaw('\x04');
    this.printTraceback({ result: PyExec.EXCEPTION, traceback });
    this.io.txRaw('\x04');
  }

  /** parse_compile_execute with EXEC_FLAG_PRINT_EOF: stdout \x04 traceback \x04. */
  private executeWithEof(source: string): ReplResult {
    this.phaseExec('raw');
    const outcome = this.interp().run(source, '<stdin>', 'exec');
    this.io.txRaw('\x04');
    this.printTraceback(outcome);
    this.io.txRaw('\x04');
    return (outcome.result & PyExec.FORCED_EXIT) !== 0 ? PyExec.FORCED_EXIT : 0;
  }

  // ---- friendly REPL ----

  private friendlyBanner(): void {
    this.io.txRaw(`${bannerLine(this.profile)}\r\n${HELP_LINE}`);
  }

  private friendlyRepl(resume: boolean): ReplResult {
    if (!resume) this.friendlyBanner();
    for (;;) {
      this.phaseIdle();
      const first = this.readLine('', FRIENDLY_PROMPT);
      let source = this.editor.text;
      let kind: 'single' | 'exec' = 'single';
      if (first === CTRL_A) {
        this.io.txRaw('\r\n');
        this.mode = 'raw';
        return 0;
      } else if (first === CTRL_B) {
        this.io.txRaw('\r\n');
        this.friendlyBanner();
        continue;
      } else if (first === CTRL_C) {
        this.io.txRaw('\r\n');
        continue;
      } else if (first === CTRL_D) {
        this.io.txRaw('\r\n');
        return PyExec.FORCED_EXIT;
      } else if (first === CTRL_E) {
        const pasted = this.pasteMode();
        if (pasted === undefined) continue;
        source = pasted;
        kind = 'exec';
      } else if (source.length === 0) {
        continue;
      } else {
        let cancelled = false;
        while (needsContinuation(source)) {
          const next = this.readLine(`${source}\n`, CONTINUATION_PROMPT);
          if (next === CTRL_C) {
            this.io.txRaw('\r\n');
            cancelled = true;
            break;
          }
          source = this.editor.text;
          if (next === CTRL_D) break;
        }
        if (cancelled) continue;
      }
      this.phaseExec('friendly');
      const outcome = this.interp().run(source, '<stdin>', kind);
      this.printTraceback(outcome);
      if ((outcome.result & PyExec.FORCED_EXIT) !== 0) return PyExec.FORCED_EXIT;
    }
  }

  /** Edit one line; returns the control character that ended it, or 0 for Enter. */
  private readLine(buffer: string, prompt: string): number {
    this.editor.init(buffer, prompt);
    for (;;) {
      const result = this.editor.process(this.io.readByte());
      if (result.kind === 'line') return 0;
      if (result.kind === 'control') return result.char;
    }
  }

  /** Ctrl-E paste mode: echo everything, "=== " after each CR, Ctrl-D runs, Ctrl-C cancels. */
  private pasteMode(): string | undefined {
    this.io.txRaw(`\r\n${PASTE_MODE_BANNER}`);
    const bytes: number[] = [];
    for (;;) {
      const c = this.io.readByte();
      if (c === CTRL_C) {
        this.io.txRaw('\r\n');
        return undefined;
      }
      if (c === CTRL_D) {
        this.io.txRaw('\r\n');
        return this.decoder.decode(Uint8Array.from(bytes));
      }
      bytes.push(c);
      if (c === 0x0d) this.io.txRaw('\r\n=== ');
      else this.io.txRaw(Uint8Array.of(c));
    }
  }

  // ---- helpers ----

  private interp(): Interpreter {
    if (this.interpreter === undefined) throw new Error('interpreter not started');
    return this.interpreter;
  }

  /** Tracebacks go through the cooked stdout path like mp_obj_print_exception. */
  private printTraceback(outcome: ExecOutcome): void {
    for (const byte of this.encoder.encode(outcome.traceback)) this.io.txCooked(byte);
  }

  private phaseIdle(): void {
    this.post({ t: 'phase', phase: { kind: 'idle', repl: this.mode } });
  }

  private phaseExec(context: ExecContext): void {
    this.post({ t: 'phase', phase: { kind: 'exec', context } });
  }
}
