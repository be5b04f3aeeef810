/**
 * A run directory read back for reports: `manifest.json` (what ran, on which board, which cells)
 * and `attempts.jsonl` streamed record by record, so a report over a large run never holds the
 * file in memory. Everything here is read-only.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { ATTEMPTS_FILE } from '../campaign/records/attempts-file.js';
import { MANIFEST_FILE } from '../campaign/records/manifest.js';
import { RESET_MODES, TLS_APIS, type AttemptRecord, type CellFacets, type ServedCertificateSet } from '../campaign/types.js';
import { readJsonFile } from '../util/json-file.js';

const NEWLINE = 0x0a;
const READ_CHUNK_BYTES = 256 * 1024;

const simSchema = z.looseObject({
  worldHash: z.string(),
  seed: z.union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number')]),
  timeScale: z.number().positive(),
  world: z.string().optional(),
  profile: z.string().optional(),
});

const manifestSchema = z.looseObject({
  runId: z.string().min(1),
  createdAt: z.string().optional(),
  board: z.looseObject({
    kind: z.enum(['sim', 'real']),
    identity: z.record(z.string(), z.unknown()).optional(),
    firmware: z.record(z.string(), z.unknown()).optional(),
    sim: simSchema.optional(),
  }),
  config: z.looseObject({ redacted: z.unknown(), hash: z.string().optional() }).optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});

const cellFacetsSchema = z.looseObject({
  id: z.string().min(1),
  reset: z.enum(RESET_MODES as [string, ...string[]]),
  wifi: z
    .looseObject({
      variant: z.string(),
      ap: z.string(),
      ssid: z.string(),
      hidden: z.boolean(),
      channel: z.number().nullable(),
      pm: z.union([z.string(), z.number()]),
      pmValue: z.number().nullable(),
      country: z.string().nullable(),
      pinBssid: z.boolean(),
      pinChannel: z.boolean(),
      connect: z.enum(['fresh', 'as-is']),
    })
    .nullable(),
  certs: z.string().nullable(),
  tlsApi: z.enum(TLS_APIS as [string, ...string[]]).nullable(),
  rtc: z.string(),
  successClass: z.string(),
});

const servedSetSchema = z.looseObject({
  name: z.string(),
  serverHostname: z.string(),
  chainDer: z.array(z.string()),
  caDer: z.string(),
  certificates: z.array(
    z.looseObject({ role: z.enum(['leaf', 'intermediate', 'root']), subject: z.string(), notBefore: z.string(), notAfter: z.string() }),
  ),
  expected: z.looseObject({ synced: z.array(z.string()), coldBoot: z.array(z.string()) }),
});

/** `manifest.json` as far as reports rely on it; every other field is kept as written. */
export type RunDataManifest = z.infer<typeof manifestSchema>;

export interface RunData {
  readonly dir: string;
  readonly manifestFile: string;
  readonly attemptsFile: string;
  readonly manifest: RunDataManifest;
  /** The cells as the manifest describes them (`extra.cells`), or as far as the records tell when it does not. */
  readonly cells: readonly CellFacets[];
  readonly cellsFrom: 'manifest' | 'records';
  readonly certificateSets: readonly ServedCertificateSet[];
  /** Attempts per cell the plan asked for (`extra.plan.iterations`), or null when the manifest does not say. */
  readonly plannedIterations: number | null;
  /**
   * The records in file order, one line at a time. Each call reads the file again. A torn last line
   * (a write cut short) is skipped with a note; any other damaged line throws a ConfigError naming
   * the file and byte offset.
   */
  records(): AsyncIterable<AttemptRecord>;
  /** Notes made while reading (e.g. a torn last line), each once. */
  readonly notes: readonly string[];
}

export interface OpenRunDataOptions {
  /** Called once per distinct note (library code never prints). */
  readonly onNote?: (text: string) => void;
}

const pathText = (path: readonly PropertyKey[]): string =>
  path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');

function shapeError(file: string, prefix: string, error: z.ZodError): ConfigError {
  const issue = error.issues[0];
  const where = pathText([...(prefix === '' ? [] : [prefix]), ...(issue?.path ?? [])]);
  return new ConfigError(`${file}: ${where === '' ? 'the document' : where}: ${issue?.message ?? 'invalid'}`, { file, path: where });
}

async function readManifestFile(dir: string): Promise<{ file: string; manifest: RunDataManifest }> {
  const file = join(dir, MANIFEST_FILE);
  const value = await readJsonFile(file, () => new ConfigError(`${file}: missing; ${dir} is not a picow-harness run directory`, { file }));
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) throw shapeError(file, '', parsed.error);
  return { file, manifest: parsed.data };
}

function manifestCells(file: string, extra: Readonly<Record<string, unknown>> | undefined): CellFacets[] | undefined {
  if (extra?.cells === undefined) return undefined;
  const parsed = z.array(cellFacetsSchema).safeParse(extra.cells);
  if (!parsed.success) throw shapeError(file, 'extra.cells', parsed.error);
  return parsed.data as unknown as CellFacets[];
}

function manifestCertificateSets(file: string, extra: Readonly<Record<string, unknown>> | undefined): ServedCertificateSet[] {
  if (extra?.certificateSets === undefined) return [];
  const parsed = z.array(servedSetSchema).safeParse(extra.certificateSets);
  if (!parsed.success) throw shapeError(file, 'extra.certificateSets', parsed.error);
  return parsed.data as unknown as ServedCertificateSet[];
}

function plannedIterationsOf(extra: Readonly<Record<string, unknown>> | undefined): number | null {
  const plan = extra?.plan as { iterations?: unknown } | undefined;
  return typeof plan?.iterations === 'number' && Number.isSafeInteger(plan.iterations) && plan.iterations >= 0 ? plan.iterations : null;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** What is wrong with a parsed line as an attempt record of `runId`, or undefined. */
function recordProblem(value: unknown, runId: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not a JSON object';
  const record = value as Record<string, unknown>;
  if (record.v !== 1) return `has v ${JSON.stringify(record.v)}, expected 1`;
  if (typeof record.runId !== 'string') return 'has no runId';
  if (record.runId !== runId) return `belongs to run ${JSON.stringify(record.runId)}, not ${JSON.stringify(runId)}`;
  if (!isNonNegativeInteger(record.seq)) return 'has no valid seq';
  if (typeof record.cell !== 'string' || record.cell === '') return 'has no cell';
  if (!isNonNegativeInteger(record.iteration) || record.iteration < 1) return 'has no valid iteration';
  if (typeof record.class !== 'string') return 'has no class';
  if (!Array.isArray(record.classes)) return 'has no classes list';
  return undefined;
}

interface Line {
  readonly bytes: Buffer;
  /** Byte offset of the line's first byte in the file. */
  readonly offset: number;
  /** False for a last line without its newline. */
  readonly terminated: boolean;
}

/** The file's lines with their byte offsets; a missing file has none. */
async function* fileLines(file: string): AsyncGenerator<Line> {
  const stream = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  let pending: Buffer[] = [];
  let offset = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf(NEWLINE, start);
        if (newline === -1) break;
        const piece = chunk.subarray(start, newline);
        const bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
        pending = [];
        yield { bytes, offset, terminated: true };
        offset += bytes.length + 1;
        start = newline + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new ConfigError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file });
  } finally {
    stream.destroy();
  }
  if (pending.length > 0) yield { bytes: Buffer.concat(pending), offset, terminated: false };
}

/**
 * Streams the records of `file`. A bad line is held back one line: if it was the last line, it is
 * what an interrupted append leaves (a torn tail) and is skipped with a note; if another line
 * follows, the file is damaged and reading stops with an error.
 */
async function* streamRecords(file: string, runId: string, note: (text: string) => void): AsyncGenerator<AttemptRecord> {
  let lineNumber = 0;
  let heldBack: { offset: number; line: number; problem: string } | undefined;
  const damaged = (held: { offset: number; line: number; problem: string }): ConfigError =>
    new ConfigError(`${file}: line ${held.line} at byte ${held.offset} ${held.problem} (only a torn last line is skipped)`, { file, offset: held.offset });
  for await (const line of fileLines(file)) {
    lineNumber += 1;
    if (heldBack !== undefined) throw damaged(heldBack);
    if (!line.terminated) {
      note(`${file}: skipped a torn last line at byte ${line.offset} (${line.bytes.length} bytes without a newline: an interrupted write)`);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line.bytes.toString('utf8'));
    } catch {
      heldBack = { offset: line.offset, line: lineNumber, problem: 'is not valid JSON' };
      continue;
    }
    const problem = recordProblem(value, runId);
    if (problem !== undefined) throw new ConfigError(`${file}: the record on line ${lineNumber} at byte ${line.offset} ${problem}`, { file, offset: line.offset });
    yield value as AttemptRecord;
  }
  if (heldBack !== undefined) note(`${file}: skipped a torn last line at byte ${heldBack.offset} (not valid JSON: an interrupted write)`);
}

/** What a cell is, as far as its first record tells (for runs whose manifest has no `extra.cells`). */
function facetsFromRecord(record: AttemptRecord): CellFacets {
  const { wifi, tls } = record;
  return {
    id: record.cell,
    reset: record.reset?.mode ?? 'none',
    wifi:
      wifi === null
        ? null
        : {
            variant: '',
            ap: '',
            ssid: wifi.ssid,
            hidden: false,
            channel: null,
            pm: wifi.pm ?? 'default',
            pmValue: wifi.pm,
            country: wifi.country,
            pinBssid: false,
            pinChannel: false,
            connect: wifi.mode,
          },
    certs: null,
    tlsApi: tls?.api ?? null,
    rtc: record.rtc?.mode ?? 'cold',
    successClass: tls !== null || record.class.startsWith('tls.') ? 'tls.ok' : wifi !== null ? 'wifi.ok' : 'reset.ok',
  };
}

/** Opens a run directory for reading; throws a ConfigError naming the file when manifest.json is missing or damaged. */
export async function openRunData(dir: string, options: OpenRunDataOptions = {}): Promise<RunData> {
  const info = await stat(dir).catch(() => undefined);
  if (info?.isDirectory() !== true) throw new ConfigError(`${dir}: not a directory (expected a run directory with manifest.json and attempts.jsonl)`, { file: dir });
  const { file: manifestFile, manifest } = await readManifestFile(dir);
  const attemptsFile = join(dir, ATTEMPTS_FILE);
  const notes: string[] = [];
  const note = (text: string): void => {
    if (notes.includes(text)) return;
    notes.push(text);
    options.onNote?.(text);
  };
  const records = (): AsyncIterable<AttemptRecord> => ({ [Symbol.asyncIterator]: () => streamRecords(attemptsFile, manifest.runId, note) });

  let cells = manifestCells(manifestFile, manifest.extra);
  const cellsFrom = cells === undefined ? 'records' : 'manifest';
  if (cells === undefined) {
    const byId = new Map<string, CellFacets>();
    for await (const record of records()) if (!byId.has(record.cell)) byId.set(record.cell, facetsFromRecord(record));
    cells = [...byId.values()];
    note(`${manifestFile}: no extra.cells; the cells were derived from the records (their Wi-Fi and certificate facets are incomplete)`);
  }
  return {
    dir,
    manifestFile,
    attemptsFile,
    manifest,
    cells,
    cellsFrom,
    certificateSets: manifestCertificateSets(manifestFile, manifest.extra),
    plannedIterations: plannedIterationsOf(manifest.extra),
    records,
    notes,
  };
}
