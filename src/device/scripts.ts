import { readFile } from 'node:fs/promises';

/** `device-scripts/` at the package root (two levels up from src/device and dist/device). */
const SCRIPTS_DIR = new URL('../../device-scripts/', import.meta.url);

/** The source of a device script, e.g. `info.py`, exactly as it goes to the board. */
export async function loadDeviceScript(name: string): Promise<string> {
  return readFile(new URL(name, SCRIPTS_DIR), 'utf8');
}
