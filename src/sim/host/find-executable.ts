import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** The absolute path of an executable found on PATH (or given as an absolute path), else undefined. */
export function findExecutable(name: string, searchPath: string | undefined = process.env.PATH): string | undefined {
  const candidates = isAbsolute(name) ? [name] : (searchPath ?? '').split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
