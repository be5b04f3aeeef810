import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** The executable `tool` on PATH, or undefined. */
export async function findOnPath(tool: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, tool);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
