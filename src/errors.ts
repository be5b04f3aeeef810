import { describeBytes } from './util/bytes.js';

/**
 * Every error the library throws carries a stable `code`. Match on `code`, not on `instanceof`:
 * codes survive `postMessage` out of a simulator worker and land verbatim in records.
 */
export type ErrorCode =
  | 'USAGE'
  | 'CONFIG_INVALID'
  | 'TOOL_MISSING'
  | 'DEVICE_NOT_FOUND'
  | 'DEVICE_AMBIGUOUS'
  | 'TRANSPORT_OPEN_FAILED'
  | 'PORT_BUSY'
  | 'TRANSPORT_LOST'
  | 'RAW_REPL_ENTER_FAILED'
  | 'RAW_REPL_PROTOCOL'
  | 'TIMEOUT'
  | 'EXEC_ERROR'
  | 'ABORTED'
  | 'SIM_FAILURE'
  | 'DEVICE_HUNG'
  | 'SCRIPT_OUTPUT_INVALID'
  | 'PREFLIGHT_FAILED'
  | 'POWER_FAILED'
  | 'UF2_INVALID'
  | 'FIRMWARE_MISMATCH'
  | 'FLASH_FAILED'
  | 'GATE_INFRASTRUCTURE'
  | 'STANDALONE_RESTORE_FAILED';

/** Which wait ran out. Each phase has its own named timeout option. */
export type TimeoutPhase =
  | 'enter'
  | 'exec-idle'
  | 'exec-total'
  | 'soft-reset'
  | 'raw-paste'
  | 'interrupt'
  | 'open'
  | 'refind';

export interface ErrorContext {
  readonly [key: string]: unknown;
}

export class HarnessError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; context?: ErrorContext } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = options.context ?? {};
  }

  toJSON(): { name: string; code: ErrorCode; message: string; context: ErrorContext } {
    return { name: this.name, code: this.code, message: this.message, context: this.context };
  }
}

export class UsageError extends HarnessError {
  constructor(message: string, context: ErrorContext = {}) {
    super('USAGE', message, { context });
  }
}

/** A configuration or data file (world, campaign, inventory) that does not validate. */
export class ConfigError extends HarnessError {
  constructor(message: string, context: { file?: string; path?: string; offset?: number } = {}) {
    super('CONFIG_INVALID', message, { context });
  }
}

export class ToolMissingError extends HarnessError {
  constructor(tool: string, purpose: string, hint: string) {
    super('TOOL_MISSING', `${tool} is not installed; it is needed ${purpose} (${hint})`, { context: { tool } });
  }
}

export class DeviceNotFoundError extends HarnessError {
  constructor(message: string, context: ErrorContext = {}) {
    super('DEVICE_NOT_FOUND', message, { context });
  }
}

export class AmbiguousDeviceError extends HarnessError {
  constructor(message: string, candidates: readonly string[]) {
    super('DEVICE_AMBIGUOUS', message, { context: { candidates } });
  }
}

export class TransportOpenError extends HarnessError {
  constructor(port: string, reason: string, cause?: unknown) {
    super('TRANSPORT_OPEN_FAILED', `cannot open ${port}: ${reason}`, { cause, context: { port } });
  }
}

export class PortBusyError extends HarnessError {
  constructor(port: string, holder: string | undefined, cause?: unknown) {
    const by = holder === undefined ? 'another program' : holder;
    super('PORT_BUSY', `${port} is held by ${by}; close it and retry`, { cause, context: { port, holder } });
  }
}

/** The port went away: unplugged, reset, power cut, PTY peer gone, TCP peer closed. */
export class TransportLostError extends HarnessError {
  constructor(port: string, reason: string, cause?: unknown) {
    super('TRANSPORT_LOST', `lost ${port}: ${reason}`, { cause, context: { port } });
  }
}

export class ReplTimeoutError extends HarnessError {
  readonly phase: TimeoutPhase;

  constructor(phase: TimeoutPhase, details: { port: string; waitedMs: number; expected?: string; seen?: Uint8Array }) {
    const expected = details.expected === undefined ? '' : ` waiting for ${JSON.stringify(details.expected)}`;
    const seen = details.seen === undefined ? '' : `; last bytes seen: ${describeBytes(details.seen)}`;
    super('TIMEOUT', `${phase} timeout after ${Math.round(details.waitedMs)} ms on ${details.port}${expected}${seen}`, {
      context: {
        phase,
        port: details.port,
        waitedMs: Math.round(details.waitedMs),
        expected: details.expected,
        seen: details.seen === undefined ? undefined : describeBytes(details.seen),
      },
    });
    this.phase = phase;
  }
}

export class RawReplEnterError extends HarnessError {
  constructor(port: string, attempts: number, seen: Uint8Array, cause?: unknown) {
    super('RAW_REPL_ENTER_FAILED', `could not enter raw REPL on ${port} after ${attempts} attempts; last bytes seen: ${describeBytes(seen)}`, {
      cause,
      context: { port, attempts, seen: describeBytes(seen) },
    });
  }
}

export class ProtocolError extends HarnessError {
  constructor(port: string, what: string, seen: Uint8Array) {
    super('RAW_REPL_PROTOCOL', `${what} on ${port}; last bytes seen: ${describeBytes(seen)}`, {
      context: { port, seen: describeBytes(seen) },
    });
  }
}

/** A Python exception raised by code the harness ran on the board. */
export interface PythonException {
  /** Exception class name as printed, e.g. `OSError`, `ValueError`. */
  readonly type: string;
  /** Everything after `Type: ` (may span lines, e.g. mbedTLS verify-info text). */
  readonly message: string;
  /** The exception's arguments when the message is a tuple repr MicroPython prints for several args. */
  readonly args: readonly (string | number | boolean | null)[] | undefined;
  /** `errno` for an `OSError` printed as `[Errno N] NAME` or with a leading integer argument. */
  readonly errno: number | undefined;
  /** Innermost line of the traceback in `<stdin>` (the code the harness sent), if any. */
  readonly line: number | undefined;
  readonly frames: readonly { file: string; line: number; scope: string | undefined }[];
  /** The traceback exactly as the board printed it. */
  readonly text: string;
}

export class ExecError extends HarnessError {
  readonly exception: PythonException;
  readonly stdout: string;

  constructor(port: string, exception: PythonException, stdout: string) {
    const at = exception.line === undefined ? '' : ` (line ${exception.line})`;
    const message = exception.message.trim().replace(/\s*\n\s*/g, ' ');
    super('EXEC_ERROR', `${exception.type}${message === '' ? '' : `: ${message}`}${at}`, {
      context: { port, exception },
    });
    this.exception = exception;
    this.stdout = stdout;
  }
}

export class AbortError extends HarnessError {
  constructor(reason = 'operation cancelled') {
    super('ABORTED', reason);
  }
}

export class SimError extends HarnessError {
  constructor(message: string, cause?: unknown) {
    super('SIM_FAILURE', message, { cause });
  }
}

/** The board answers nothing and every recovery step the rig allows has failed: it is quarantined. */
export class DeviceHungError extends HarnessError {
  constructor(message: string, context: { port?: string; escalations?: readonly string[] } = {}) {
    super('DEVICE_HUNG', message, { context });
  }
}

/** A device script ran but printed something its strict parser refuses: the board answered, the script (or firmware) is at fault. */
export class ScriptOutputError extends HarnessError {
  constructor(message: string, cause?: unknown) {
    super('SCRIPT_OUTPUT_INVALID', message, { cause });
  }
}

/** A power driver (hub, command, manual) could not switch the board's power. */
export class PowerError extends HarnessError {
  constructor(message: string, context: ErrorContext = {}) {
    super('POWER_FAILED', message, { context });
  }
}

export function isHarnessError(value: unknown): value is HarnessError {
  return value instanceof HarnessError || (typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string' && 'context' in value);
}

/** Exit codes shared by every command: 1 Python exception, 2 usage/config, 3 transport/infrastructure. */
export function exitCodeFor(error: unknown): number {
  if (!isHarnessError(error)) return 3;
  switch (error.code) {
    case 'EXEC_ERROR':
    case 'FIRMWARE_MISMATCH':
      return 1;
    case 'USAGE':
    case 'CONFIG_INVALID':
    case 'UF2_INVALID':
      return 2;
    default:
      return 3;
  }
}
