import { HarnessError } from '../errors.js';

/** The board came back from a flash running something other than what the UF2 says it holds. */
export class FirmwareMismatchError extends HarnessError {
  readonly expected: string;
  readonly version: string;
  readonly implementation: string;

  constructor(details: { file: string; expected: string; version: string; implementation: string; problem: string }) {
    super(
      'FIRMWARE_MISMATCH',
      `flashed ${details.file} (MicroPython ${details.expected}) but the board runs something else: ${details.problem}; sys.version=${JSON.stringify(details.version)}, sys.implementation=${details.implementation}`,
      { context: { ...details } },
    );
    this.expected = details.expected;
    this.version = details.version;
    this.implementation = details.implementation;
  }
}

/** Which step of a flash a wait or a failure belongs to. */
export type FlashStep = 'read-uf2' | 'query-before' | 'bootloader' | 'find-drive' | 'copy' | 'picotool' | 'reconnect' | 'query-after';

/** A flash step failed or ran out of time (infrastructure: exit 3). The message names the step and what it waited for. */
export class FlashError extends HarnessError {
  readonly step: FlashStep;

  constructor(step: FlashStep, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('FLASH_FAILED', message, { cause: options.cause, context: { step, ...options.context } });
    this.step = step;
  }
}
