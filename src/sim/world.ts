import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { PROFILES } from './profiles.js';

/** The longest USB re-enumeration delay a world may ask for (a real Pico takes about 1 s). */
export const MAX_ENUMERATION_DELAY_MS = 5000;

const profileNames = PROFILES.map((profile) => profile.name);

/**
 * The simulated world a session runs in. For this milestone it describes the board only; access
 * points, DNS, NTP, TLS servers and radio conditions arrive with the simulated-hardware milestone.
 * Every object is strict: an unknown key is an error, so a typo never silently does nothing.
 */
const BoardSchema = z.strictObject({
  /** Board ms from USB start-up to the port appearing on the host (after power-on or a hard reset). */
  enumerationDelayMs: z.number().int().min(0).max(MAX_ENUMERATION_DELAY_MS).default(800),
  /** Firmware profile name; `--profile` and `--port sim:PROFILE` override it. */
  profile: z
    .string()
    .refine((name) => profileNames.includes(name), { message: `must be one of ${profileNames.join(', ')}` })
    .optional(),
  /** USB serial number (16 hex digits); derived from `--seed` when absent. */
  serialNumber: z
    .string()
    .regex(/^[0-9a-fA-F]{16}$/, 'must be 16 hex digits')
    .transform((serial) => serial.toLowerCase())
    .optional(),
});

export const WorldSchema = z.strictObject({
  /** Board milliseconds per host millisecond. */
  timeScale: z.number().positive().default(1),
  board: BoardSchema.default({ enumerationDelayMs: 800 }),
});

export type World = z.output<typeof WorldSchema>;

/** The world used when no `--world` file is given; `worlds/default.yaml` spells out the same values. */
export const DEFAULT_WORLD: World = WorldSchema.parse({});

function documentPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const part of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[part];
  return value;
}

function problemOf(issue: z.core.$ZodIssue, root: unknown): { path: string; problem: string } {
  const path = documentPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '?';
      const known = issue.path.length === 0 ? Object.keys(WorldSchema.shape) : issue.path[0] === 'board' ? Object.keys(BoardSchema.shape) : [];
      return { path: path === '' ? key : `${path}.${key}`, problem: `unknown key (known: ${known.join(', ')})` };
    }
    case 'too_big':
      return { path, problem: `must be ${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}` };
    case 'too_small':
      return { path, problem: `must be ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}` };
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'a whole number' : issue.expected === 'object' ? 'a mapping' : `a ${issue.expected}`;
      return { path, problem: `must be ${expected}, got ${describeType(valueAt(root, issue.path))}` };
    }
    default:
      return { path, problem: issue.message };
  }
}

/** Validate a parsed world document; `file` names it in errors. */
export function validateWorld(document: unknown, file: string): World {
  const result = WorldSchema.safeParse(document ?? {});
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  if (issue === undefined) throw new ConfigError(`${file}: invalid world`, { file });
  const { path, problem } = problemOf(issue, document);
  throw new ConfigError(`${file}: ${path === '' ? 'the document' : path}: ${problem}`, { file, path });
}

/** Parse world text (YAML; JSON is YAML too). Syntax errors name the line and column. */
export function parseWorld(text: string, file: string): World {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const [error] = document.errors;
  if (error !== undefined) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const message = (error.message.split('\n')[0] ?? error.message).replace(/\s+at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${file}:${line}:${col}: ${message}`, { file, offset: error.pos[0] });
  }
  return validateWorld(document.toJS(), file);
}

/** Read and validate a world file (`--world FILE`). */
export async function loadWorld(file: string): Promise<World> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new ConfigError(`${file}: cannot read the world file: ${reason}`, { file });
  }
  return parseWorld(text, file);
}

