import { ExecError, ProtocolError, type PythonException } from '../../errors.js';
import { utf8 } from '../../util/bytes.js';
import type { BoardExecOptions, CampaignBoard } from './campaign-board.js';

const MARKER = '@@picow-q ';

/** The board answered a query, but not with what it asked for (its output is quoted). */
export class QueryAnswerError extends ProtocolError {}

export interface BoardQuery {
  /** Statements run first (inside a function: names they bind do not stay in the interpreter). */
  readonly setup?: string;
  /** A Python expression whose value `json.dumps` can print. */
  readonly value: string;
}

function indent(code: string): string {
  return code
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** The Python that prints the query's value as one marked JSON line. */
export function queryCode(query: BoardQuery): string {
  const body = `${query.setup === undefined ? '' : `${indent(query.setup)}\n`}    return ${query.value}`;
  return `def __picow_query():\n${body}\nimport json\nprint(${JSON.stringify(MARKER)} + json.dumps(__picow_query()))\ndel __picow_query\n`;
}

/**
 * Run a small query on the board and return its value parsed from JSON. A Python exception is
 * thrown as `ExecError`; output without the marked line as `QueryAnswerError` quoting what came.
 */
export async function queryBoard(board: CampaignBoard, query: BoardQuery, options: BoardExecOptions = {}): Promise<unknown> {
  const result = await board.exec(queryCode(query), options);
  if (result.exception !== undefined) throw new ExecError(board.port, result.exception, result.stdout);
  const line = result.stdout.split(/\r?\n/).find((candidate) => candidate.startsWith(MARKER));
  if (line === undefined) throw new QueryAnswerError(board.port, 'the board printed no query result line', utf8(result.stdout));
  try {
    return JSON.parse(line.slice(MARKER.length)) as unknown;
  } catch {
    throw new QueryAnswerError(board.port, 'the board printed a query result that is not JSON', utf8(line));
  }
}

/**
 * Whether an error is the board's answer (a Python exception, or output that is not what the query
 * asked for) rather than a harness failure (lost port, timeout, cancelled).
 */
export function isBoardAnswerError(error: unknown): error is ExecError | QueryAnswerError {
  return error instanceof ExecError || error instanceof QueryAnswerError;
}

/** `OSError: [Errno 110] ETIMEDOUT`: a Python exception in one line. */
export function describePythonException(exception: PythonException): string {
  const text = exception.message.trim().replace(/\s*\n\s*/g, ' ');
  return text === '' ? exception.type : `${exception.type}: ${text}`;
}

/** The Python exception in one line for an ExecError, else the error's message. */
export function describeBoardAnswer(error: ExecError | QueryAnswerError): string {
  return error instanceof ExecError ? describePythonException(error.exception) : error.message;
}
