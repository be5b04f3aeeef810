/**
 * Every report of a run rebuilt from its directory alone: summary.json, results.csv, junit.xml,
 * summary.md and report.html. One streaming pass over attempts.jsonl feeds the tally, the findings
 * and the chart samples; a second pass streams results.csv. Memory grows with the number of cells,
 * not of records (apart from the tally's timing values, one number per measured attempt, which the
 * percentiles need).
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { evaluateExpectations, parseExpectationRule, type Expectation, type ExpectationRule } from '../campaign/expect.js';
import { readStatus, type RunStatus } from '../campaign/records/status-file.js';
import { MANIFEST_FILE } from '../campaign/records/manifest.js';
import { writeFileAtomic } from '../campaign/records/durable-fs.js';
import type { AttemptRecord } from '../campaign/types.js';
import { FindingsAccumulator } from '../results/findings/index.js';
import type { Finding } from '../results/findings/types.js';
import { openRunData, type RunData } from '../results/run-data.js';
import { Tallier, type PlannedCell, type Tally } from '../results/tally.js';
import { buildReportData, TimelineSampler } from './html/report-data.js';
import { formatReportHtml, REPORT_HTML_FILE } from './html.js';
import { formatSummaryMarkdown, SUMMARY_MD_FILE } from './markdown.js';
import type { RackBoardInfo, RunInfo } from './run-info.js';
import { SUMMARY_JSON_FILE, type RunExit } from './summary-json.js';
import { writeReportFiles, type ReportPaths } from './write-reports.js';

export interface AllReportPaths extends ReportPaths {
  readonly summaryMd: string;
  readonly reportHtml: string;
}

export interface RebuildOptions {
  /**
   * How the run ended, when the caller knows (the campaign that just ran) — or how to tell from the
   * number of expectations that failed; otherwise derived from status.json and the expectations.
   */
  readonly exit?: RunExit | ((failedExpectations: number) => RunExit);
  /** When the run began and ended (ISO 8601), when the caller knows; otherwise an earlier summary.json's, else status.json's. */
  readonly startedAt?: string;
  readonly finishedAt?: string | null;
  /** Notes about the data (a torn last line, cells derived from records), as they are made. */
  readonly onNote?: (text: string) => void;
  /**
   * A rack run's per-board report: only this board's records, written to `<run>/boards/<label>/`
   * (whose manifest.json, when there, describes the board).
   */
  readonly board?: string;
  /** A rack run's merged rebuild also rebuilds each board's reports (default true; the rack itself has just made them). */
  readonly perBoard?: boolean;
}

/** Where a rack run keeps each board's manifest and reports. */
export function boardReportDir(runDir: string, label: string): string {
  return join(runDir, BOARDS_DIR, label);
}

export const BOARDS_DIR = 'boards';

export interface RebuiltReports {
  readonly runDir: string;
  readonly run: RunInfo;
  readonly exit: RunExit;
  readonly tally: Tally;
  readonly findings: readonly Finding[];
  readonly paths: AllReportPaths;
  readonly notes: readonly string[];
}

/** Which iterations of each cell were seen: one bit per iteration, so a large run costs kilobytes. */
class SeenAttempts {
  private readonly byCell = new Map<string, Uint32Array>();

  /** True the first time (cell, iteration) is offered — per board: in a rack run every board runs every attempt. */
  firstTime(cell: string, iteration: number, board?: string): boolean {
    const key = board === undefined ? cell : `${board}\u0000${cell}`;
    let bits = this.byCell.get(key) ?? new Uint32Array(4);
    const word = iteration >>> 5;
    if (word >= bits.length) {
      const grown = new Uint32Array(Math.max(word + 1, bits.length * 2));
      grown.set(bits);
      bits = grown;
    }
    this.byCell.set(key, bits);
    const mask = 1 << (iteration & 31);
    if (((bits[word] as number) & mask) !== 0) return false;
    bits[word] = (bits[word] as number) | mask;
    return true;
  }
}

async function* uniqueRecords(records: AsyncIterable<AttemptRecord>): AsyncIterable<AttemptRecord> {
  const seen = new SeenAttempts();
  for await (const record of records) if (seen.firstTime(record.cell, record.iteration, record.board?.label)) yield record;
}

const ruleSchema = z.union([
  z.string(),
  z.looseObject({ kind: z.literal('fails'), text: z.string() }),
  z.looseObject({ kind: z.literal('rate'), className: z.string(), op: z.enum(['>=', '>', '<=', '<', '==']), threshold: z.number(), text: z.string() }),
]);
const expectationsSchema = z.array(z.looseObject({ cell: z.string(), rule: ruleSchema }));

/** The campaign's `expect:` rules from the manifest's redacted config (parsed rules, or rule texts). */
export function manifestExpectations(data: Pick<RunData, 'manifest' | 'manifestFile'>): Expectation[] {
  const redacted = data.manifest.config?.redacted as { config?: { expect?: unknown }; expect?: unknown } | undefined;
  const where = redacted?.config?.expect !== undefined ? 'config.redacted.config.expect' : 'config.redacted.expect';
  const raw = redacted?.config?.expect ?? redacted?.expect;
  if (raw === undefined) return [];
  const parsed = expectationsSchema.safeParse(raw);
  const file = data.manifestFile;
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${file}: ${where}${issue === undefined ? '' : issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('')}: ${issue?.message ?? 'invalid'}`, { file, path: where });
  }
  return parsed.data.map((entry, index): Expectation => {
    if (typeof entry.rule !== 'string') return { cell: entry.cell, rule: entry.rule as ExpectationRule };
    const rule = parseExpectationRule(entry.rule);
    if (!rule.ok) throw new ConfigError(`${file}: ${where}[${index}].rule: ${rule.problem}`, { file, path: `${where}[${index}].rule` });
    return { cell: entry.cell, rule: rule.rule };
  });
}

function runInfoOf(data: RunData, status: RunStatus | null, previous: PreviousSummary | null, options: RebuildOptions): RunInfo {
  const { board } = data.manifest;
  const identity = board.identity ?? {};
  const firmware = board.firmware ?? {};
  const sim = board.sim;
  const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
  return {
    runId: data.manifest.runId,
    board: {
      kind: board.kind,
      sim: sim === undefined ? null : { worldHash: sim.worldHash, seed: Number(sim.seed), timeScale: sim.timeScale },
      serialNumber: text(identity.serialNumber),
      firmware: text(firmware.version),
    },
    ...rackBoardsOf(data.manifest.extra),
    startedAt: options.startedAt ?? previous?.startedAt ?? status?.startedAt ?? data.manifest.createdAt ?? '',
    finishedAt: options.finishedAt !== undefined ? options.finishedAt : status?.state === 'running' ? null : (previous?.finishedAt ?? status?.updatedAt ?? null),
  };
}

const rackBoardsSchema = z.array(
  z.looseObject({
    label: z.string(),
    started: z.boolean().optional(),
    board: z.looseObject({ identity: z.looseObject({ serialNumber: z.string().nullable().optional() }).optional(), firmware: z.looseObject({ version: z.string().nullable().optional() }).optional() }).optional(),
  }),
);

/** A rack run's boards from `extra.rack.boards`; nothing for a single-board run (or a manifest that does not say). */
function rackBoardsOf(extra: Readonly<Record<string, unknown>> | undefined): { rack?: RackBoardInfo[] } {
  const parsed = rackBoardsSchema.safeParse((extra?.rack as { boards?: unknown } | undefined)?.boards);
  if (!parsed.success) return {};
  return {
    rack: parsed.data.map((entry) => ({
      label: entry.label,
      serialNumber: entry.board?.identity?.serialNumber ?? null,
      firmware: entry.board?.firmware?.version ?? null,
      started: entry.started ?? entry.board !== undefined,
    })),
  };
}

interface PreviousSummary {
  readonly startedAt?: string;
  readonly finishedAt?: string | null;
  readonly exit?: RunExit;
}

const previousSummarySchema = z.looseObject({
  startedAt: z.string().optional(),
  finishedAt: z.string().nullable().optional(),
  exit: z
    .looseObject({
      code: z.number(),
      reason: z.enum(['completed', 'expectation-failed', 'time-limit', 'interrupted', 'usage', 'infrastructure']),
      message: z.string().nullable(),
    })
    .optional(),
});

/** What an earlier summary.json recorded about how the run ended (only `run` knew why it stopped early). */
async function readPreviousSummary(dir: string): Promise<PreviousSummary | null> {
  try {
    const parsed = previousSummarySchema.safeParse(JSON.parse(await readFile(join(dir, SUMMARY_JSON_FILE), 'utf8')));
    return parsed.success ? (parsed.data as PreviousSummary) : null;
  } catch {
    return null;
  }
}

/**
 * How the run ended: a completed run (or one without status.json) by its expectations; a run that
 * stopped early as its earlier summary.json said, since only `run` knew whether it hit the time
 * limit or quarantined the board; a run still marked running as not finished.
 */
function deriveExit(status: RunStatus | null, previous: PreviousSummary | null, failedExpectations: number): RunExit {
  const state = status?.state ?? 'completed';
  if (state === 'completed') {
    return failedExpectations > 0
      ? { code: 1, reason: 'expectation-failed', message: `${failedExpectations} expectation(s) not met` }
      : { code: 0, reason: 'completed', message: 'completed' };
  }
  if (previous?.exit !== undefined && previous.exit.reason !== 'completed') return previous.exit;
  if (state === 'interrupted') return { code: 130, reason: 'interrupted', message: 'stopped by a signal; continue with --resume' };
  if (state === 'running') return { code: 130, reason: 'interrupted', message: 'not finished: status.json says running (a run in progress, or one that was killed); continue with --resume' };
  return { code: 0, reason: 'time-limit', message: 'stopped before every planned attempt ran; continue with --resume' };
}

function plannedCells(data: RunData): PlannedCell[] {
  return data.cells.map((cell) => ({ id: cell.id, iterations: data.plannedIterations ?? 0, okClass: cell.successClass }));
}

/** Rebuilds every report of the run in `dir` from its manifest.json and attempts.jsonl. */
export async function rebuildReports(runDir: string, options: RebuildOptions = {}): Promise<RebuiltReports> {
  const opened = await openRunData(runDir, options.onNote === undefined ? {} : { onNote: options.onNote });
  const dir = options.board === undefined ? runDir : boardReportDir(runDir, options.board);
  const data = options.board === undefined ? opened : await boardView(opened, options.board, dir);
  const expectationRules = manifestExpectations(data);
  const plan = plannedCells(data);
  const okClassByCell = new Map(plan.map((cell) => [cell.id, cell.okClass]));
  const okClassOf = (cell: string): string => okClassByCell.get(cell) ?? 'tls.ok';

  const tallier = new Tallier(plan);
  const findings = new FindingsAccumulator(data.cells, data.certificateSets, runFirmware(data));
  const timelines = new TimelineSampler(okClassOf);
  const seen = new SeenAttempts();
  for await (const record of data.records()) {
    tallier.add(record);
    if (!seen.firstTime(record.cell, record.iteration, record.board?.label)) continue;
    findings.add(record);
    timelines.add(record);
  }

  const counted = tallier.result();
  const expectations = evaluateExpectations(
    expectationRules,
    data.cells.map((cell) => ({ id: cell.id, successClass: cell.successClass })),
    counted.cells.map((cell) => ({
      cell: cell.cell,
      total: cell.attempts,
      counts: Object.fromEntries(cell.classes.map((entry) => [entry.name, entry.count])),
      reached: Object.fromEntries(cell.reached.map((entry) => [entry.name, entry.count])),
    })),
  );
  const tally = tallier.result(expectations);
  const [status, previous] = await Promise.all([readStatus(runDir).catch(() => null), readPreviousSummary(dir)]);
  const failedExpectations = expectations.filter((outcome) => !outcome.held).length;
  const exit = typeof options.exit === 'function' ? options.exit(failedExpectations) : options.exit ?? deriveExit(status, previous, failedExpectations);
  const run = runInfoOf(data, status, previous, options);
  const found = findings.findings();

  const machine = await writeReportFiles(dir, { run, tally, exit, records: uniqueRecords(data.records()) });
  const reportData = buildReportData({ run, exit, tally, facets: data.cells, findings: found, timelines, notes: data.notes });
  const paths: AllReportPaths = { ...machine, summaryMd: join(dir, SUMMARY_MD_FILE), reportHtml: join(dir, REPORT_HTML_FILE) };
  await writeFileAtomic(paths.summaryMd, formatSummaryMarkdown(reportData));
  await writeFileAtomic(paths.reportHtml, formatReportHtml(reportData));
  if (options.board === undefined && options.perBoard !== false) {
    for (const label of rackBoardLabels(data)) {
      const started = await stat(join(boardReportDir(runDir, label), MANIFEST_FILE)).then(() => true, () => false);
      if (started) await rebuildReports(runDir, { board: label, ...(options.onNote === undefined ? {} : { onNote: options.onNote }) });
    }
  }
  return { runDir: dir, run, exit, tally, findings: found, paths, notes: [...data.notes] };
}

/** The boards of a rack run as its manifest lists them (none for a single-board run). */
function rackBoardLabels(data: RunData): string[] {
  const rack = (data.manifest.extra as { rack?: { boards?: { label?: unknown }[] } } | undefined)?.rack;
  if (!Array.isArray(rack?.boards)) return [];
  return rack.boards.map((entry) => entry.label).filter((label): label is string => typeof label === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(label));
}

function runFirmware(data: RunData): string | null {
  const version = data.manifest.board.firmware?.version;
  return typeof version === 'string' && version !== '' ? version : null;
}

/** One board's records of a rack run, described by the board's own manifest when it has one. */
async function boardView(data: RunData, label: string, boardDir: string): Promise<RunData> {
  const own = await stat(join(boardDir, MANIFEST_FILE)).then(() => openRunData(boardDir), () => undefined);
  const records = (): AsyncIterable<AttemptRecord> => ({
    async *[Symbol.asyncIterator]() {
      for await (const record of data.records()) if (record.board?.label === label) yield record;
    },
  });
  await mkdir(boardDir, { recursive: true });
  // The board's manifest plans iterations per board; the run's, iterations × boards.
  const described = own === undefined ? {} : { manifest: own.manifest, manifestFile: own.manifestFile, cells: own.cells, plannedIterations: own.plannedIterations };
  return { ...data, ...described, records };
}
