import { ProtocolError } from '../errors.js';
import { utf8 } from '../util/bytes.js';
import { jsonErrorIndex } from './json-error-index.js';

/** Device scripts print each structured result as one line: `@@picow <one JSON object>`. */
export const RESULT_MARKER = '@@picow ';

export interface ScriptOutput {
  /** The JSON objects of the marker lines, in order. */
  readonly results: readonly Record<string, unknown>[];
  /** Each result's marker line as printed (without `\r`) and its byte offset in the output. */
  readonly lines: readonly { readonly offset: number; readonly text: string }[];
  /** Every other line, as printed (ordinary output of the script). */
  readonly text: string;
}

function byteLength(text: string): number {
  return utf8(text).length;
}


/**
 * Split a device script's output into results and ordinary text. Strict: a marker line whose
 * payload is not one JSON object is a `ProtocolError` naming the byte offset in the output.
 */
export function parseScriptOutput(output: string, source: { port: string; script: string }): ScriptOutput {
  const results: Record<string, unknown>[] = [];
  const lines: { offset: number; text: string }[] = [];
  const text: string[] = [];
  let offset = 0;
  for (const rawLine of output.split('\n')) {
    const lineStart = offset;
    offset += byteLength(rawLine) + 1;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (!line.startsWith(RESULT_MARKER)) {
      text.push(rawLine);
      continue;
    }
    const json = line.slice(RESULT_MARKER.length);
    const jsonStart = lineStart + byteLength(RESULT_MARKER);
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (error) {
      const at = jsonErrorIndex(json);
      const byte = jsonStart + (at < 0 ? 0 : byteLength(json.slice(0, at)));
      throw new ProtocolError(source.port, `${source.script} printed a result line that is not valid JSON at byte ${byte} of its output (${(error as Error).message})`, utf8(line));
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ProtocolError(source.port, `${source.script} printed a result line at byte ${jsonStart} of its output that is not a JSON object`, utf8(line));
    }
    results.push(value as Record<string, unknown>);
    lines.push({ offset: lineStart, text: line });
  }
  return { results, lines, text: text.join('\n') };
}

/** The single result a script must print; anything else is a `ProtocolError`. */
export function singleResult(output: string, source: { port: string; script: string }): Record<string, unknown> {
  const { results } = parseScriptOutput(output, source);
  const [only] = results;
  if (results.length !== 1 || only === undefined) {
    throw new ProtocolError(source.port, `${source.script} printed ${results.length} result lines, expected 1`, utf8(output.slice(-200)));
  }
  return only;
}
