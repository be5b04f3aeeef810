import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Context } from 'mocha';
import { requireTool } from '../support/tools.js';

const run = promisify(execFile);

export function requireOpenssl(context: Context): string {
  return requireTool(context, 'openssl', 'apt-get install openssl');
}

/** Run openssl; resolves with stdout+stderr and the exit code instead of throwing on a nonzero exit. */
export async function openssl(binary: string, args: readonly string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(binary, [...args], { timeout: 20_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** Seconds since the epoch, for `openssl verify -attime`. */
export function epochSeconds(iso: string): string {
  return String(Math.floor(Date.parse(iso) / 1000));
}

/** Every file under `dir` (one level of folders) → its bytes. */
export async function snapshot(dir: string): Promise<Map<string, { bytes: Buffer; mtimeMs: number; mode: number }>> {
  const out = new Map<string, { bytes: Buffer; mtimeMs: number; mode: number }>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      for (const [name, value] of await snapshot(path)) out.set(join(entry.name, name), value);
    } else {
      const info = await stat(path);
      out.set(entry.name, { bytes: await readFile(path), mtimeMs: info.mtimeMs, mode: info.mode & 0o777 });
    }
  }
  return out;
}
