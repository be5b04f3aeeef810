import { UsageError } from '../errors.js';
import { loadDeviceScript } from './scripts.js';

/** The parameters a device script reads from its `ARGS` dict: plain JSON values. */
export type ScriptArgs = Readonly<Record<string, unknown>>;

/** How many lines `scriptWithArgs` puts before the script (a board traceback's line numbers are this much higher). */
export const ARGS_PREAMBLE_LINES = 1;

function escapeCodePoint(codePoint: number): string {
  if (codePoint <= 0xffff) return `\\u${codePoint.toString(16).padStart(4, '0')}`;
  return `\\U${codePoint.toString(16).padStart(8, '0')}`;
}

/**
 * `text` as a single-quoted Python string literal of printable ASCII only. Non-ASCII characters
 * become `\uXXXX` / `\UXXXXXXXX` escapes, which the MicroPython lexer turns back into the same
 * UTF-8; raw bytes never pass through the REPL line, so nothing can be mistaken for Ctrl-C/Ctrl-D.
 */
export function pythonStringLiteral(text: string): string {
  let literal = "'";
  for (const char of text) {
    const codePoint = char.codePointAt(0) as number;
    if (char === '\\' || char === "'") literal += `\\${char}`;
    else if (codePoint >= 0x20 && codePoint < 0x7f) literal += char;
    else if (codePoint < 0x20 || codePoint === 0x7f) literal += `\\x${codePoint.toString(16).padStart(2, '0')}`;
    else literal += escapeCodePoint(codePoint);
  }
  return `${literal}'`;
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The JSON text of `args`. Strings must be well-formed UTF-16: MicroPython's json decodes each
 * `\uXXXX` escape on its own, so a lone surrogate could only arrive as garbage.
 */
function argsJson(args: ScriptArgs): string {
  const checkText = (key: string, value: unknown): unknown => {
    if (LONE_SURROGATE.test(key) || (typeof value === 'string' && LONE_SURROGATE.test(value))) {
      throw new UsageError(`device script argument ${key === '' ? '(top level)' : JSON.stringify(key)} contains a lone UTF-16 surrogate`);
    }
    return value;
  };
  let json: string | undefined;
  try {
    json = JSON.stringify(args, checkText);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`device script arguments cannot be sent as JSON: ${(error as Error).message}`);
  }
  if (json === undefined || !json.startsWith('{')) throw new UsageError('device script arguments must be a JSON object');
  return json;
}

/**
 * The program sent to the board: one line that binds `ARGS` to `args`, then the script unchanged.
 * The JSON keeps non-ASCII characters as text (not `\u` escapes) and the Python literal carries
 * them as escapes, so every string arrives exactly as given.
 */
export function scriptWithArgs(source: string, args: ScriptArgs): string {
  return `import json; ARGS = json.loads(${pythonStringLiteral(argsJson(args))})\n${source}`;
}

/** `device-scripts/<name>` with `args` bound: what the harness executes on the board. */
export async function loadScriptWithArgs(name: string, args: ScriptArgs): Promise<string> {
  return scriptWithArgs(await loadDeviceScript(name), args);
}
