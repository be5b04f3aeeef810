import { HarnessError } from '../errors.js';
import { quoteTail, runProcess, SpawnFailure } from './power/run-process.js';

const AP_COMMAND_TIMEOUT_MS = 120_000;

/** An access point hook (`apCommand.up`/`down`) that failed: the rig is not in the declared state. */
export class ApCommandError extends HarnessError {
  constructor(message: string) {
    super('PREFLIGHT_FAILED', message);
  }
}

/** Runs one `apCommand` argument list (no shell) and fails with its stderr's tail when it exits non-zero. */
export async function runApCommand(argv: readonly string[], options: { what: string; signal?: AbortSignal | undefined; timeoutMs?: number }): Promise<void> {
  const [file, ...args] = argv;
  if (file === undefined) throw new ApCommandError(`${options.what}: empty command`);
  let result;
  try {
    result = await runProcess(file, args, { timeoutMs: options.timeoutMs ?? AP_COMMAND_TIMEOUT_MS, signal: options.signal });
  } catch (error) {
    if (error instanceof SpawnFailure) throw new ApCommandError(`${options.what}: ${error.message}`);
    throw error;
  }
  if (result.timedOut) throw new ApCommandError(`${options.what}: ${file} did not finish within ${(options.timeoutMs ?? AP_COMMAND_TIMEOUT_MS) / 1000} s`);
  if (result.exitCode !== 0) {
    const said = quoteTail(result.stderr.trim() === '' ? result.stdout : result.stderr);
    throw new ApCommandError(`${options.what}: ${file} exited ${result.exitCode ?? result.signal ?? '?'}${said === '' ? '' : `: ${said}`}`);
  }
}
