import { execFile } from 'node:child_process';

export interface ToolResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an external tool to completion or `timeoutMs` (then kills it); never throws for a non-zero exit. */
export type ToolRunner = (tool: string, args: readonly string[], options: { timeoutMs: number; signal?: AbortSignal | undefined }) => Promise<ToolResult>;

export const runTool: ToolRunner = (tool, args, options) =>
  new Promise((resolve, reject) => {
    execFile(tool, [...args], { timeout: options.timeoutMs, signal: options.signal, encoding: 'utf8', maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error !== null && typeof (error as NodeJS.ErrnoException).code === 'string') {
        reject(error as Error); // could not start it (ENOENT, EACCES) or aborted
        return;
      }
      const killed = error !== null && (error as { killed?: boolean }).killed === true;
      resolve({ code: error === null ? 0 : killed ? null : ((error as { code?: number }).code ?? 1), stdout, stderr: killed ? `${stderr}(killed after ${options.timeoutMs} ms)` : stderr });
    });
  });
