import { ProtocolError } from '../../errors.js';
import type { CampaignBoard } from '../board/campaign-board.js';

/**
 * Files on the board's flash through the raw REPL, byte for byte (hex on the wire, so no byte of
 * the file is ever taken for a REPL control character).
 */

const CHUNK_BYTES = 2048;
const MISSING = '@@picow-missing';
const DEFAULT_TIMEOUT_MS = 20_000;

export interface FileOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal | undefined;
}

function py(text: string): string {
  return JSON.stringify(text);
}

function execOptions(options: FileOptions): { timeoutMs: number; signal?: AbortSignal } {
  return { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...(options.signal === undefined ? {} : { signal: options.signal }) };
}

/** The file's bytes, or null when there is no such file. */
export async function readBoardFile(board: CampaignBoard, path: string, options: FileOptions = {}): Promise<Uint8Array | null> {
  const code = [
    'import binascii',
    'try:',
    ` _f = open(${py(path)}, "rb")`,
    'except OSError:',
    ` print(${py(MISSING)})`,
    'else:',
    ' while True:',
    `  _b = _f.read(${CHUNK_BYTES})`,
    '  if not _b:',
    '   break',
    '  print(binascii.hexlify(_b).decode())',
    ' _f.close()',
  ].join('\n');
  const stdout = await board.execOrThrow(code, execOptions(options));
  const lines = stdout.split(/\r?\n/).filter((line) => line.length > 0);
  if (lines.length === 1 && lines[0] === MISSING) return null;
  const hex = lines.join('');
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new ProtocolError(board.port, `reading ${path} from the board gave output that is not hex`, new TextEncoder().encode(stdout.slice(0, 200)));
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Write the whole file: to a temporary name first, then renamed over the target. */
export async function writeBoardFile(board: CampaignBoard, path: string, data: Uint8Array, options: FileOptions = {}): Promise<void> {
  const temporary = `${path}.picow-tmp`;
  for (let offset = 0; offset === 0 || offset < data.length; offset += CHUNK_BYTES * 4) {
    const slice = data.subarray(offset, offset + CHUNK_BYTES * 4);
    const lines = ['import binascii', `_f = open(${py(temporary)}, ${offset === 0 ? '"wb"' : '"ab"'})`];
    for (let at = 0; at < slice.length; at += CHUNK_BYTES) lines.push(`_f.write(binascii.unhexlify(${py(Buffer.from(slice.subarray(at, at + CHUNK_BYTES)).toString('hex'))}))`);
    lines.push('_f.close()');
    await board.execOrThrow(lines.join('\n'), execOptions(options));
    if (data.length === 0) break;
  }
  await board.execOrThrow(`import os\nos.rename(${py(temporary)}, ${py(path)})`, execOptions(options));
}

/** Remove a file; true when it existed. */
export async function removeBoardFile(board: CampaignBoard, path: string, options: FileOptions = {}): Promise<boolean> {
  const stdout = await board.execOrThrow(`import os\ntry:\n os.remove(${py(path)})\n print(1)\nexcept OSError:\n print(0)`, execOptions(options));
  return stdout.trim() === '1';
}

/** Rename on the board (atomic on LittleFS); the target is replaced. */
export async function renameBoardFile(board: CampaignBoard, from: string, to: string, options: FileOptions = {}): Promise<void> {
  await board.execOrThrow(`import os\nos.rename(${py(from)}, ${py(to)})`, execOptions(options));
}

export async function boardFileExists(board: CampaignBoard, path: string, options: FileOptions = {}): Promise<boolean> {
  const stdout = await board.execOrThrow(`import os\ntry:\n os.stat(${py(path)})\n print(1)\nexcept OSError:\n print(0)`, execOptions(options));
  return stdout.trim() === '1';
}

/** Create a directory unless it exists. */
export async function makeBoardDir(board: CampaignBoard, path: string, options: FileOptions = {}): Promise<void> {
  await board.execOrThrow(`import os\ntry:\n os.mkdir(${py(path)})\nexcept OSError as e:\n if e.args[0] != 17:\n  raise`, execOptions(options));
}

/** Remove a directory if it exists and is empty; true when it is gone afterwards. */
export async function removeBoardDir(board: CampaignBoard, path: string, options: FileOptions = {}): Promise<boolean> {
  const stdout = await board.execOrThrow(`import os\ntry:\n os.rmdir(${py(path)})\n print(1)\nexcept OSError as e:\n print(1 if e.args[0] == 2 else 0)`, execOptions(options));
  return stdout.trim() === '1';
}
