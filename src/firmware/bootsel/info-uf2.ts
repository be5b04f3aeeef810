import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BOOTSEL_LABELS, type BootselInfo } from './types.js';

export const INFO_FILE = 'INFO_UF2.TXT';

/** Parse INFO_UF2.TXT; undefined unless it names a Raspberry Pi boot ROM (Board-ID RPI-RP2 or RP2350). */
export function parseInfoUf2(text: string): BootselInfo | undefined {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  const field = (name: string): string | undefined => {
    const prefix = `${name.toLowerCase()}:`;
    const line = lines.find((candidate) => candidate.toLowerCase().startsWith(prefix));
    return line?.slice(prefix.length).trim();
  };
  const boardId = field('Board-ID');
  if (boardId === undefined || !(BOOTSEL_LABELS as readonly string[]).includes(boardId.split(/\s/)[0] ?? '')) return undefined;
  return { bootloader: lines.find((line) => /^UF2 Bootloader/i.test(line)), model: field('Model'), boardId, text };
}

/** The boot ROM's info file in `dir` (the name's case varies with the mount options), if it is a Raspberry Pi drive. */
export async function readBootselInfo(dir: string): Promise<BootselInfo | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const name = names.find((candidate) => candidate.toUpperCase() === INFO_FILE);
  if (name === undefined) return undefined;
  try {
    return parseInfoUf2(await readFile(join(dir, name), 'utf8'));
  } catch {
    return undefined;
  }
}
