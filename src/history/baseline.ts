/**
 * Which earlier runs a run is compared with. Only runs of the same series qualify: a simulated
 * run is never judged against a real baseline, nor one campaign against another.
 */
import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { History } from './history.js';
import { readRunRows } from './read-run.js';
import { REGRESSION_VERDICT, type HistoryRun } from './types.js';

export type BaselineSpec = 'last-good' | `rolling:${number}` | string;

export interface Baseline {
  readonly spec: string;
  readonly current: HistoryRun;
  /** Most recent first. Empty when the series has no earlier run that qualifies. */
  readonly runs: readonly HistoryRun[];
}

const ROLLING = /^rolling:(\d+)$/;
const MAX_ROLLING = 1000;

function seriesProblem(current: HistoryRun, baseline: HistoryRun): string | undefined {
  if (baseline.kind !== current.kind) {
    return `run ${current.id} is a ${current.kind} run and baseline ${baseline.id} is a ${baseline.kind} run; ${current.kind === 'sim' ? 'simulated' : 'real'} runs are only compared with ${current.kind === 'sim' ? 'simulated' : 'real'} runs`;
  }
  if (baseline.seriesKey !== current.seriesKey) {
    return `run ${current.id} (series ${current.seriesKey}) and baseline ${baseline.id} (series ${baseline.seriesKey}) are in different series`;
  }
  return undefined;
}

/** The run a spec names: a run id in the history, or a run folder (imported on the way when needed). */
async function namedRun(history: History, spec: string): Promise<HistoryRun | undefined> {
  const byId = history.run(spec);
  if (byId !== undefined) return byId;
  const info = await stat(spec).catch(() => undefined);
  if (info?.isDirectory() !== true) return undefined;
  const known = history.runByDir(spec);
  if (known !== undefined) return known;
  const rows = await readRunRows(spec);
  return history.run(rows.run.id) ?? (await history.importRun(spec)).run;
}

/**
 * Resolves `spec` for `currentRunId`:
 * - `last-good`: the most recent earlier run of the series that exited 0 and that the gate did not mark a regression;
 * - `rolling:N`: the N most recent earlier runs of the series (fewer when the series is shorter);
 * - a run id or run folder: that run, which must be in the same series (UsageError naming both kinds otherwise).
 */
export async function resolveBaseline(history: History, currentRunId: string, spec: BaselineSpec): Promise<Baseline> {
  const current = history.run(currentRunId);
  if (current === undefined) throw new UsageError(`run ${currentRunId} is not in the history ${history.file} (import it with \`picow-harness history import\`)`);
  if (spec === 'last-good') {
    const candidates = history.runs({ series: current.seriesKey, before: current.id, exitCode: 0 });
    const good = candidates.find((run) => run.gateVerdict !== REGRESSION_VERDICT);
    return { spec, current, runs: good === undefined ? [] : [good] };
  }
  const rolling = ROLLING.exec(spec);
  if (rolling !== null) {
    const count = Number(rolling[1]);
    if (count < 1 || count > MAX_ROLLING) throw new UsageError(`baseline ${spec}: N must be between 1 and ${MAX_ROLLING}`);
    return { spec, current, runs: history.runs({ series: current.seriesKey, before: current.id, limit: count }) };
  }
  if (spec.startsWith('rolling:')) throw new UsageError(`baseline ${spec}: expected rolling:N with N a whole number`);
  const named = await namedRun(history, spec);
  if (named === undefined) throw new UsageError(`baseline ${spec}: not a run id in ${history.file}, nor a run folder (expected last-good, rolling:N, a run id or a run folder)`);
  if (named.id === current.id) throw new UsageError(`baseline ${spec} is the run being judged (${current.id})`);
  const problem = seriesProblem(current, named);
  if (problem !== undefined) throw new UsageError(`baseline ${spec}: ${problem}`);
  return { spec, current, runs: [named] };
}
