import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

/**
 * Read and parse a JSON file. A missing file throws what `missing()` gives; an unreadable or
 * malformed one a one-line ConfigError naming the file.
 */
export async function readJsonFile(file: string, missing: () => Error): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw missing();
    throw new ConfigError(`${file}: cannot be read (${code ?? (error as Error).message})`, { file });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${(error as Error).message})`, { file });
  }
}
