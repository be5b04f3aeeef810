import { spawn } from 'node:child_process';
import type { Context } from 'mocha';
import { requireTool } from '../../support/tools.js';
import { WAIT_MS } from './clients.js';

export function requireOpenssl(context: Context): string {
  return requireTool(context, 'openssl', 'apt-get install openssl');
}

export interface SClientRun {
  /** stdout and stderr together, in arrival order. */
  readonly output: string;
  readonly code: number | null;
}

/**
 * `openssl s_client -connect 127.0.0.1:PORT ARGS…`, with `send` written to its stdin. Stdin stays
 * open until the output matches `until` (e.g. the echo, or an alert), or s_client exits by itself;
 * then it is closed, which makes s_client send close_notify and exit. Bounded by `timeoutMs`.
 */
export function sClient(binary: string, port: number, args: readonly string[], options: { send?: string; until?: RegExp; timeoutMs?: number } = {}): Promise<SClientRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['s_client', '-connect', `127.0.0.1:${port}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let stdinOpen = true;
    const closeStdin = (): void => {
      if (!stdinOpen) return;
      stdinOpen = false;
      child.stdin.end();
    };
    const onOutput = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (options.until !== undefined && options.until.test(output)) closeStdin();
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.stdin.on('error', () => undefined); // s_client may exit before reading its stdin
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? WAIT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ output, code });
    });
    if (options.send !== undefined) child.stdin.write(options.send);
    if (options.until === undefined) closeStdin();
  });
}

/** The subjects of the `Certificate chain` section s_client prints (`-showcerts` or not), in order. */
export function chainSubjects(output: string): string[] {
  return [...output.matchAll(/^\s*\d+ s:(.+)$/gm)].map((match) => (match[1] ?? '').trim());
}

/** The alert number s_client reports having received (`SSL alert number N`), if any. */
export function alertNumberReceived(output: string): number | undefined {
  const match = /SSL alert number (\d+)/.exec(output);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
