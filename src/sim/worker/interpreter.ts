import { readFileSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadMicroPython } from '@micropython/micropython-webassembly-pyscript';
import type { FirmwareProfile } from '../profiles.js';
import { versionString } from '../profiles.js';
import type { DeviceIo } from './device-io.js';
import type { LineReader } from './line-reader.js';
import type { CpuHardware } from './main.js';

/** pyexec results (shared/runtime/pyexec.c on rp2). */
export const PyExec = {
  EXCEPTION: 0,
  NORMAL: 1,
  KEYBOARD_INTERRUPT: 2,
  FORCED_EXIT: 0x100,
} as const;

const PRELUDE_DIR = new URL('../python/', import.meta.url);
const SIM_DIR = '/.sim';
/** The pystack and initial heap of the interpreter; the wasm build grows its heap on demand. */
const PYSTACK_WORDS = 4096;
const HEAP_BYTES = 256 * 1024;
const TICKS_PERIOD = 2 ** 30; // MICROPY_PY_TIME_TICKS_PERIOD for a 31-bit small int

function readPrelude(): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(PRELUDE_DIR)) {
    if (name.endsWith('.py')) files.set(name, readFileSync(new URL(name, PRELUDE_DIR), 'utf8'));
  }
  return files;
}

let preludeCache: Map<string, string> | undefined;

export interface BoardIdentity {
  readonly profile: FirmwareProfile;
  readonly hardware: CpuHardware;
}

type PyRun = (source: string, filename: string, mode: string) => string;
type PyRunFile = (path: string) => string;
type PySyntaxCheck = (source: string) => string;

/** A pyexec result and what the board prints for an uncaught exception ('' when none). */
export interface ExecOutcome {
  readonly result: number;
  readonly traceback: string;
}

function outcome(reply: string): ExecOutcome {
  const colon = reply.indexOf(':');
  return { result: Number(reply.slice(0, colon)), traceback: reply.slice(colon + 1) };
}

/**
 * A Python exception that escaped the prelude's own handler (e.g. a Ctrl-C landing inside it):
 * report it like any uncaught exception instead of killing the CPU.
 */
function escaped(error: unknown): ExecOutcome {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text.split('\n').filter((line) => !line.startsWith(`  File "${SIM_DIR}/`));
  if (lines[0] === 'Traceback (most recent call last):' && !(lines[1] ?? '').startsWith('  File ')) lines.shift();
  const type = (error as { type?: string }).type;
  return { result: type === 'KeyboardInterrupt' ? PyExec.KEYBOARD_INTERRUPT : PyExec.EXCEPTION, traceback: lines.join('\n') };
}

interface WasmModule {
  _mp_sched_keyboard_interrupt(): void;
}

/**
 * One MicroPython interpreter (one wasm instance). A soft reboot replaces it with a fresh one in the
 * same worker; the board's state lives outside it.
 */
export class Interpreter {
  private constructor(
    private readonly pyRun: PyRun,
    private readonly pyRunFile: PyRunFile,
    private readonly pySyntaxError: PySyntaxCheck,
  ) {}

  static async create(io: DeviceIo, lines: LineReader, identity: BoardIdentity): Promise<Interpreter> {
    let module: WasmModule | undefined;
    const mp = await loadMicroPython({
      pystack: PYSTACK_WORDS,
      heapsize: HEAP_BYTES,
      linebuffer: false,
      stdout: (bytes: Uint8Array) => {
        for (const byte of bytes) io.txCooked(byte);
      },
      stderr: (bytes: Uint8Array) => {
        for (const byte of bytes) io.txCooked(byte);
      },
      // sys.stdin: one byte at a time from USB; a Ctrl-C ends the read and raises KeyboardInterrupt.
      stdin: () => {
        const byte = io.readByteInterruptible();
        if (byte === undefined) {
          module?._mp_sched_keyboard_interrupt();
          return null;
        }
        return byte;
      },
    });
    module = mp._module as WasmModule;
    io.onInterrupt = () => module?._mp_sched_keyboard_interrupt();
    mp.registerJsModule('_simhost', hostModule(io, lines));
    preludeCache ??= readPrelude();
    mp.FS.mkdir(SIM_DIR);
    for (const [name, text] of preludeCache) mp.FS.writeFile(`${SIM_DIR}/${name}`, text);
    const profile = identity.profile;
    const config = JSON.stringify({
      git_tag: profile.gitTag,
      build_date: profile.buildDate,
      version: profile.version,
      version_has_prerelease: profile.versionHasPrerelease,
      prerelease: profile.prerelease,
      version_string: versionString(profile),
      build_type: profile.buildType,
      mpy: profile.mpy,
      board: profile.board,
      mcu: profile.mcu,
      unique_id: identity.hardware.uniqueIdHex,
      features: identity.hardware.features,
      heap_bytes: identity.hardware.heapBytes,
      boot_alloc_bytes: identity.hardware.bootAllocBytes,
    });
    mp.runPython(`import sys\nsys.path.insert(0, ${JSON.stringify(SIM_DIR)})\nimport picoboot`);
    const picoboot = mp.pyimport('picoboot') as {
      install(config: string): void;
      run: PyRun;
      run_file: PyRunFile;
      syntax_error_in: PySyntaxCheck;
    };
    const { run, run_file: runFile, syntax_error_in: syntaxErrorIn } = picoboot;
    picoboot.install(config);
    return new Interpreter(run, runFile, syntaxErrorIn);
  }

  /** parse_compile_execute for REPL input (`exec` for raw/paste, `single` for the friendly prompt). */
  run(source: string, filename: string, mode: 'exec' | 'single'): ExecOutcome {
    try {
      return outcome(this.pyRun(source, filename, mode));
    } catch (error) {
      return escaped(error);
    }
  }

  /** pyexec_file_if_exists. */
  runFile(path: string): ExecOutcome {
    try {
      return outcome(this.pyRunFile(path));
    } catch (error) {
      return escaped(error);
    }
  }

  /** The printed SyntaxError if `source` does not compile, else ''. */
  syntaxErrorIn(source: string): string {
    try {
      return this.pySyntaxError(source);
    } catch {
      return '';
    }
  }
}

/** The `_simhost` module: hardware access for the prelude. Functions never throw. */
function hostModule(io: DeviceIo, lines: LineReader): Record<string, (...args: never[]) => unknown> {
  const guard = <A extends unknown[], R>(fallback: R, fn: (...args: A) => R) => (...args: A): R => {
    try {
      return fn(...args);
    } catch {
      return fallback;
    }
  };
  return {
    ticks_ms: guard(0, () => Math.floor(io.uptimeMs()) % TICKS_PERIOD),
    ticks_us: guard(0, () => Math.floor(io.uptimeMs() * 1000) % TICKS_PERIOD),
    rtc_ms: guard(0, () => io.rtcMs()),
    sleep_ms: guard(0, (ms: number) => (io.sleepMs(Number(ms)) ? 1 : 0)),
    // mp_hal_set_interrupt_char; when disabling, reports (and clears) a Ctrl-C that was still pending.
    set_intr: guard(false, (char: number) => {
      io.setInterruptChar(Number(char));
      return Number(char) === -1 ? io.takeInterrupt() : false;
    }),
    readline: guard('E', (prompt: string) => lines.readLine(String(prompt))),
    urandom_hex: guard('', (count: number) => randomBytes(Math.max(0, Math.floor(Number(count)))).toString('hex')),
    // A call into the board's hardware models; the prelude turns the JSON reply into a value or an exception.
    call: guard('{"errno":5}', (method: string, argsJson: string) => JSON.stringify(io.rpc(String(method), JSON.parse(String(argsJson)) as unknown))),
    wake_seq: guard(0, () => io.wakeSeq()),
    wait_wake: guard(0, (seq: number, ms: number) => (io.waitForWake(Number(seq), Number(ms)) ? 1 : 0)),
    fs: guard('{"errno":5}', (op: string, argsJson: string) => {
      const reply = io.rpc(`fs.${String(op)}`, JSON.parse(String(argsJson)) as unknown);
      if (reply.errno !== undefined) return JSON.stringify({ errno: reply.errno });
      if (reply.error !== undefined) return JSON.stringify({ errno: 5 }); // EIO
      return JSON.stringify({ value: reply.value });
    }),
  };
}
