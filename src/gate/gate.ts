/**
 * `gate`: judge one run against its baseline in the history. The run folder is imported first
 * (idempotent), the baseline resolved within the run's series (a simulated run is never judged
 * against real runs, nor against another world or campaign), the counts compared per cell
 * (`compare.ts`), and the verdict written three ways: `gate.json` and `gate-junit.xml` in the run
 * folder, and the run's gate verdict in the history (a regressed run is never a `last-good`).
 */
import { access, constants, open, readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HarnessError, isHarnessError, UsageError } from '../errors.js';
import { GATE_FILE, History, REGRESSION_VERDICT, resolveBaseline, type HistoryRun } from '../history/index.js';
import { compareWithBaseline, type GateComparison, type GateOptions } from './compare.js';
import { formatGateJunit, GATE_JUNIT_FILE } from './junit.js';

export const PASS_VERDICT = 'pass';
export type GateVerdictWord = typeof PASS_VERDICT | typeof REGRESSION_VERDICT;

/** The rig failed (history or run folder unreadable): exit 3. */
export class GateInfrastructureError extends HarnessError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('GATE_INFRASTRUCTURE', message, options.cause === undefined ? {} : { cause: options.cause });
  }
}

export interface GateRequest extends GateOptions {
  /** A run folder, a run id under `reportsDir`, or a run id in the history. */
  readonly run: string;
  /** `last-good`, `rolling:N`, a run id or a run folder. */
  readonly baseline: string;
  readonly historyPath: string;
  readonly reportsDir: string;
  /** One line about a run folder under reportsDir that could not be added to the history. */
  readonly onNote?: (text: string) => void;
}

export interface GateRunRef {
  readonly id: string;
  readonly dir: string;
  readonly kind: HistoryRun['kind'];
  readonly series: string;
  readonly startedAt: string | null;
}

export interface GateOutcome {
  readonly verdict: GateVerdictWord;
  readonly run: GateRunRef;
  readonly baseline: { readonly spec: string; readonly runs: readonly GateRunRef[] };
  readonly comparison: GateComparison;
  readonly files: { readonly json: string; readonly junit: string };
  readonly historyFile: string;
}

/** What `gate.json` holds (the history reads `verdict` back when it is rebuilt). */
export interface GateDocument {
  readonly version: 1;
  readonly verdict: GateVerdictWord;
  readonly run: GateRunRef;
  readonly baseline: { readonly spec: string; readonly runs: readonly GateRunRef[] };
  readonly judgedAt: string;
  readonly test: GateComparison['test'];
  readonly correction: GateComparison['correction'];
  readonly alpha: number;
  readonly minAttempts: number;
  readonly minDrop: number;
  readonly perBoard: boolean;
  readonly compared: number;
  readonly regressed: number;
  readonly cells: GateComparison['cells'];
  readonly missing: readonly string[];
}

const READ_FAILURES = new Set(['EACCES', 'EPERM', 'EIO', 'EISDIR', 'ENOTDIR', 'ELOOP']);

/** The files a run is read from; a missing one is the history's to report (not a run folder: exit 2). */
const RUN_FILES = ['manifest.json', 'attempts.jsonl'];

function errnoOf(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && READ_FAILURES.has(code)) return code;
  }
  return undefined;
}

const refOf = (run: HistoryRun): GateRunRef => ({ id: run.id, dir: run.dir, kind: run.kind, series: run.seriesKey, startedAt: run.startedAt });

async function isDirectory(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info?.isDirectory() === true;
}

/** The run folder RUN names: a folder, a run id under reportsDir, or a run id the history knows. */
async function runFolder(value: string, reportsDir: string, history: History): Promise<string> {
  for (const candidate of [value, join(reportsDir, value)]) {
    if (await isDirectory(candidate)) return resolve(candidate);
  }
  const known = history.run(value);
  if (known !== undefined && (await isDirectory(known.dir))) return known.dir;
  throw new UsageError(`gate ${value}: unknown run — no run folder there, under ${reportsDir}/, nor a run id in ${history.file}`);
}

function openHistory(path: string): History {
  try {
    return History.open(path);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new GateInfrastructureError(`history ${path}: cannot be used: ${message}`, { cause: error });
  }
}

/** Reads a byte of each run file, so an unreadable folder is told apart from a damaged one. */
async function probeReadable(dir: string): Promise<void> {
  await access(dir, constants.R_OK | constants.X_OK);
  for (const name of RUN_FILES) {
    const handle = await open(join(dir, name), 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (handle === undefined) continue;
    try {
      await handle.read(Buffer.alloc(1), 0, 1, 0);
    } finally {
      await handle.close();
    }
  }
}

async function importJudgedRun(history: History, dir: string): Promise<HistoryRun> {
  try {
    await probeReadable(dir);
    return (await history.importRun(dir)).run;
  } catch (error) {
    const errno = errnoOf(error);
    if (errno !== undefined) throw new GateInfrastructureError(`run folder ${dir}: cannot be read (${errno})`, { cause: error });
    if (isHarnessError(error)) throw error;
    throw new GateInfrastructureError(`run folder ${dir}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * Adds the run folders under `reportsDir` the history does not know yet (a history deleted and
 * rebuilt, or runs made before it existed), so `rolling:N` and `last-good` see every earlier night.
 * A folder that cannot be read is skipped with a note: it must not block judging another run.
 */
async function catchUp(history: History, reportsDir: string, onNote: (text: string) => void): Promise<void> {
  const names = await readdir(reportsDir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    const dir = resolve(reportsDir, name);
    if (history.runByDir(dir) !== undefined) continue;
    const isRun = await stat(join(dir, 'manifest.json')).then((info) => info.isFile(), () => false);
    if (!isRun) continue;
    try {
      await history.importRun(dir);
    } catch (error) {
      onNote(`skipped ${dir}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** Wraps failures of the history itself (after it opened) as infrastructure, leaving usage errors alone. */
function historyCall<T>(history: History, what: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (isHarnessError(error) && error.code === 'USAGE') throw error;
    throw new GateInfrastructureError(`history ${history.file}: ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

export function gateDocument(outcome: Omit<GateOutcome, 'files' | 'historyFile'>, judgedAt: string): GateDocument {
  const { comparison } = outcome;
  return {
    version: 1,
    verdict: outcome.verdict,
    run: outcome.run,
    baseline: outcome.baseline,
    judgedAt,
    test: comparison.test,
    correction: comparison.correction,
    alpha: comparison.alpha,
    minAttempts: comparison.minAttempts,
    minDrop: comparison.minDrop,
    perBoard: comparison.perBoard,
    compared: comparison.compared,
    regressed: comparison.regressed,
    cells: comparison.cells,
    missing: comparison.missing,
  };
}

/**
 * Judges `request.run`. Throws UsageError (exit 2) for an unknown run, a bad baseline spec, a
 * baseline in another series or none at all; GateInfrastructureError (exit 3) when the history or
 * the run folder cannot be read or written.
 */
export async function runGate(request: GateRequest): Promise<GateOutcome> {
  const history = openHistory(request.historyPath);
  try {
    const dir = await runFolder(request.run, request.reportsDir, history);
    const current = await importJudgedRun(history, dir);
    await catchUp(history, request.reportsDir, request.onNote ?? (() => undefined));
    const baseline = await resolveBaseline(history, current.id, request.baseline);
    if (baseline.runs.length === 0) {
      throw new UsageError(`gate ${current.id}: no baseline available for ${request.baseline} — no earlier ${request.baseline === 'last-good' ? 'good ' : ''}run in series ${current.seriesKey} in ${history.file}`);
    }
    for (const run of baseline.runs) {
      // The history keeps series apart; this is the gate's own guard that sim and real never meet.
      if (run.kind !== current.kind) throw new UsageError(`gate ${current.id}: baseline run ${run.id} is a ${run.kind} run and this is a ${current.kind} run; they are never compared`);
    }
    const runRows = historyCall(history, 'reading the run', () => history.cellCounts(current.id));
    const baselineRows = historyCall(history, 'reading the baseline', () => [...history.cellCountsOf(baseline.runs.map((run) => run.id)).values()].flat());
    const comparison = compareWithBaseline(runRows, baselineRows, request);
    const verdict: GateVerdictWord = comparison.regressed > 0 ? REGRESSION_VERDICT : PASS_VERDICT;
    const judged = { verdict, run: refOf(current), baseline: { spec: request.baseline, runs: baseline.runs.map(refOf) }, comparison };

    const files = { json: join(dir, GATE_FILE), junit: join(dir, GATE_JUNIT_FILE) };
    try {
      await writeFile(files.json, `${JSON.stringify(gateDocument(judged, new Date().toISOString()), null, 2)}\n`);
      await writeFile(files.junit, formatGateJunit(judged));
    } catch (error) {
      throw new GateInfrastructureError(`run folder ${dir}: cannot write the gate's files (${errnoOf(error) ?? (error as Error).message})`, { cause: error });
    }
    historyCall(history, 'recording the verdict', () => history.setGateVerdict(current.id, verdict));
    return { ...judged, files, historyFile: history.file };
  } finally {
    history.close();
  }
}
