import type { PythonException } from '../errors.js';

type Literal = string | number | boolean | null;

const FRAME = /^ {2}File "(.*)", line (\d+)(?:, in (.+))?$/;
const EXCEPTION_LINE = /^([A-Za-z_][A-Za-z0-9_.]*): ?(.*)$/;
/** `[Errno 110] ETIMEDOUT`, or `[Errno 2] ENOENT: name` for an OSError with a second argument. */
const ERRNO_FORM = /^\[Errno (-?\d+)\] ([A-Z0-9_]+)(?:: ([\s\S]*))?$/;
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/;

/**
 * Parse what MicroPython prints for an uncaught exception (py/obj.c mp_obj_print_exception):
 * an optional `Traceback (most recent call last):` block of `  File "...", line N, in scope`
 * entries, then `Type: message`, where the message may span several lines.
 */
export function parseTraceback(text: string): PythonException {
  const lines = text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  const frames: { file: string; line: number; scope: string | undefined }[] = [];
  let index = 0;
  while (index < lines.length - 1 && lines[index] === '') index += 1;
  if (lines[index] === 'Traceback (most recent call last):') index += 1;
  for (; index < lines.length; index += 1) {
    const match = FRAME.exec(lines[index] ?? '');
    if (match === null) break;
    frames.push({ file: match[1] ?? '', line: Number(match[2]), scope: match[3] });
  }
  const head = EXCEPTION_LINE.exec(lines[index] ?? '');
  const stdinFrames = frames.filter((frame) => frame.file === '<stdin>');
  const line = stdinFrames.at(-1)?.line;
  if (head === null) {
    return { type: 'UnknownError', message: lines.slice(index).join('\n'), args: undefined, errno: undefined, line, frames, text };
  }
  const type = head[1] ?? 'UnknownError';
  const message = [head[2] ?? '', ...lines.slice(index + 1)].join('\n');
  const args = parseArgs(type, message);
  return { type, message, args, errno: errnoOf(type, message, args), line, frames, text };
}

/** `e.errno` is `args[0]` of an OSError; only OSError itself prints the `[Errno N] NAME` form. */
function errnoOf(type: string, message: string, args: readonly Literal[] | undefined): number | undefined {
  if (type !== 'OSError') return undefined;
  const errnoForm = ERRNO_FORM.exec(message);
  if (errnoForm !== null) return Number(errnoForm[1]);
  const first = args?.[0];
  return typeof first === 'number' && Number.isInteger(first) ? first : undefined;
}

/** The args as MicroPython prints them: one arg as its str(), several as a tuple repr. */
function parseArgs(type: string, message: string): Literal[] | undefined {
  if (message === '') return [];
  const errnoForm = type === 'OSError' ? ERRNO_FORM.exec(message) : null;
  if (errnoForm !== null) return errnoForm[3] === undefined ? [Number(errnoForm[1])] : [Number(errnoForm[1]), errnoForm[3]];
  const trimmed = message.trim();
  if (trimmed.startsWith('(') && trimmed.endsWith(')')) {
    const tuple = parseTupleRepr(trimmed);
    if (tuple !== undefined) return tuple;
  }
  if (/^-?\d+$/.test(trimmed)) return [Number(trimmed)];
  return [message];
}

/** A tiny reader for the tuple reprs of exception args: ints, floats, str/bytes literals, True/False/None. */
export function parseTupleRepr(text: string): Literal[] | undefined {
  let pos = 1;
  const items: Literal[] = [];
  const skipSpace = (): void => {
    while (text[pos] === ' ') pos += 1;
  };
  for (;;) {
    skipSpace();
    if (text[pos] === ')') break;
    const item = readLiteral();
    if (item === undefined) return undefined;
    items.push(item.value);
    skipSpace();
    if (text[pos] === ',') {
      pos += 1;
      continue;
    }
    if (text[pos] === ')') break;
    return undefined;
  }
  return pos === text.length - 1 ? items : undefined;

  function readLiteral(): { value: Literal } | undefined {
    const rest = text.slice(pos);
    const number = NUMBER.exec(rest);
    if (number !== null) {
      pos += number[0].length;
      return { value: Number(number[0]) };
    }
    for (const [word, value] of [['True', true], ['False', false], ['None', null], ['inf', Infinity], ['-inf', -Infinity], ['nan', NaN]] as const) {
      if (rest.startsWith(word)) {
        pos += word.length;
        return { value };
      }
    }
    // A bytes literal (b'...') is returned as a string of its byte values.
    if (text[pos] === 'b') pos += 1;
    const quote = text[pos];
    if (quote !== "'" && quote !== '"') return undefined;
    pos += 1;
    let value = '';
    while (pos < text.length && text[pos] !== quote) {
      const ch = text[pos] ?? '';
      if (ch === '\\') {
        const next = text[pos + 1] ?? '';
        const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
        if (next === 'x') {
          const code = parseInt(text.slice(pos + 2, pos + 4), 16);
          if (Number.isNaN(code)) return undefined;
          value += String.fromCharCode(code);
          pos += 4;
          continue;
        }
        value += simple[next] ?? next;
        pos += 2;
        continue;
      }
      value += ch;
      pos += 1;
    }
    if (text[pos] !== quote) return undefined;
    pos += 1;
    return { value };
  }
}
