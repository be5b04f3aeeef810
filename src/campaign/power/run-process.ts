import { spawn } from 'node:child_process';
import { AbortError } from '../../errors.js';

export interface ProcessResult {
  /** Exit status, or null when a signal ended the process. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the process outlived `timeoutMs` and was killed. */
  readonly timedOut: boolean;
}

/** The program could not be started at all (not found, not executable). */
export class SpawnFailure extends Error {
  constructor(
    readonly file: string,
    readonly errno: string,
    cause: unknown,
  ) {
    super(`cannot run ${file}: ${errno}`, { cause });
  }
}

export interface RunOptions {
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Bytes kept per stream; the rest is dropped (a tool printing forever must not fill memory). */
  readonly maxOutputBytes?: number;
}

const KILL_GRACE_MS = 2000;
const DEFAULT_MAX_OUTPUT_BYTES = 1 << 20;

/**
 * Runs `file` with `args` (never through a shell) in its own process group, so a timeout or an
 * abort kills everything it started — a shell's children too, which would otherwise hold its
 * output pipes open and keep the caller waiting.
 */
export function runProcess(file: string, args: readonly string[], options: RunOptions): Promise<ProcessResult> {
  const maxBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted === true) {
      reject(new AbortError());
      return;
    }
    const child = spawn(file, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const sizes = { stdout: 0, stderr: 0 };
    const collect = (into: Buffer[], key: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (sizes[key] >= maxBytes) return;
      const kept = chunk.subarray(0, maxBytes - sizes[key]);
      sizes[key] += kept.length;
      into.push(kept);
    };
    child.stdout.on('data', collect(stdout, 'stdout'));
    child.stderr.on('data', collect(stderr, 'stderr'));

    let timedOut = false;
    let aborted = false;
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let hardStop: NodeJS.Timeout | undefined;

    const killGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const stop = (): void => {
      killGroup('SIGTERM');
      hardStop ??= setTimeout(() => {
        killGroup('SIGKILL');
        // Whatever still holds the pipes is dead or unkillable: stop waiting for them.
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (hardStop !== undefined) clearTimeout(hardStop);
      options.signal?.removeEventListener('abort', onAbort);
      if (aborted) {
        reject(new AbortError());
        return;
      }
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
      });
    };

    child.once('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(new SpawnFailure(file, error.code ?? error.message, error));
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
    });
    child.once('close', (code, signal) => {
      exit ??= { code, signal };
      finish();
    });
  });
}

/** The last `maxChars` characters of a tool's output, trimmed, as one quoted line. */
export function quoteTail(text: string, maxChars = 400): string {
  const trimmed = text.trim();
  const tail = trimmed.length > maxChars ? `…${trimmed.slice(-maxChars)}` : trimmed;
  return JSON.stringify(tail);
}

/** A tool's whole output as one quoted line, capped at `maxChars` (head kept, the rest counted). */
export function quoteOutput(text: string, maxChars = 2000): string {
  const trimmed = text.trimEnd();
  if (trimmed.length <= maxChars) return JSON.stringify(trimmed);
  return `${JSON.stringify(trimmed.slice(0, maxChars))} (+${trimmed.length - maxChars} more characters)`;
}
