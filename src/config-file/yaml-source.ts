import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError } from '../errors.js';

/** Where a node stands in the file's text: 1-based line and column, and the byte offset. */
export interface SourcePosition {
  readonly line: number;
  readonly col: number;
  readonly offset: number;
}

/**
 * A configuration document and the name it is reported under. A document read from text knows
 * where each value was written; one built in code (an override) has no positions.
 */
export interface ConfigSource {
  readonly file: string;
  /** The document as plain data (what the schema validates). */
  readonly value: unknown;
  /** Where the node at `path` stands (of the key itself when `key` is set), or undefined when the source has no text. */
  positionOf(path: readonly PropertyKey[], options?: { key?: boolean }): SourcePosition | undefined;
}

/**
 * A YAML file kept with its syntax tree so that a problem found later at a document path
 * (`matrix.wifi[1].ap`) can be reported at the line and column where the user wrote it.
 */
export interface YamlSource extends ConfigSource {
  /** The node at `path` (of the key itself when `key` is set), or the deepest ancestor that exists. */
  positionOf(path: readonly PropertyKey[], options?: { key?: boolean }): SourcePosition;
}

/** A document built in code, reported as `name: path: problem` (no line and column). */
export function documentSource(value: unknown, name: string): ConfigSource {
  return { file: name, value, positionOf: () => undefined };
}

/** `matrix.wifi[1].ap`; keys that are not identifiers are quoted: `names["a b"]`. */
export function documentPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (!/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(String(part))) out += `[${JSON.stringify(String(part))}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function resolve(node: unknown, document: Document): unknown {
  return isAlias(node) ? node.resolve(document) : node;
}

/** The node at `path` (its key node when `key`), or the deepest ancestor node that exists. */
function locate(document: Document, path: readonly PropertyKey[], key: boolean): Node | undefined {
  let node = resolve(document.contents, document) as Node | undefined;
  for (let index = 0; index < path.length; index++) {
    const part = path[index];
    const last = index === path.length - 1;
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)) === String(part));
      if (pair === undefined) return node;
      if (last && key && isScalar(pair.key)) return pair.key;
      next = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof part === 'number') {
      next = node.items[part];
    } else return node;
    const resolved = resolve(next, document) as Node | null | undefined;
    if (resolved === undefined || resolved === null || typeof resolved !== 'object' || !('range' in resolved)) return node;
    node = resolved;
  }
  return node;
}

/** Parse YAML (JSON is YAML too); a syntax error is a one-line `ConfigError` with line and column. */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const [error] = document.errors;
  if (error !== undefined) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const message = (error.message.split('\n')[0] ?? error.message).replace(/\s+at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${file}:${line}:${col}: ${message}`, { file, offset: error.pos[0] });
  }
  const value: unknown = document.toJS({ maxAliasCount: 1000 });
  return {
    file,
    value,
    positionOf(path, options = {}) {
      const node = locate(document, path, options.key === true);
      const offset = node?.range?.[0] ?? 0;
      const { line, col } = lineCounter.linePos(offset);
      return { line, col, offset };
    },
  };
}

/** A one-line `ConfigError`: `file:line:col: path: problem` (`name: path: problem` without positions). */
export function problemAt(source: ConfigSource, path: readonly PropertyKey[], problem: string, options: { key?: boolean } = {}): ConfigError {
  const position = source.positionOf(path, options);
  const where = path.length === 0 ? 'the document' : documentPath(path);
  const at = position === undefined ? source.file : `${source.file}:${position.line}:${position.col}`;
  const context = { file: source.file, path: documentPath(path) };
  return new ConfigError(`${at}: ${where}: ${problem}`, position === undefined ? context : { ...context, offset: position.offset });
}
