import type { ChildProcess } from 'node:child_process';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

function exitOf(child: ChildProcess): ChildExit | undefined {
  return child.exitCode !== null || child.signalCode !== null ? { code: child.exitCode, signal: child.signalCode } : undefined;
}

/** Resolves with how the child ended, or undefined if it is still running after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<ChildExit | undefined> {
  const done = exitOf(child);
  if (done !== undefined) return Promise.resolve(done);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(undefined);
    }, timeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      resolve({ code, signal });
    };
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL if it has not gone within `graceMs`; resolves once it has exited (bounded). */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<ChildExit | undefined> {
  const done = exitOf(child);
  if (done !== undefined) return done;
  child.kill('SIGTERM');
  const ended = await waitForExit(child, graceMs);
  if (ended !== undefined) return ended;
  child.kill('SIGKILL');
  return waitForExit(child, graceMs);
}

/** Describes an exit for an error message: `exit code 1`, `signal SIGKILL`. */
export function describeExit(exit: ChildExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `exit code ${exit.code ?? '?'}`;
}
