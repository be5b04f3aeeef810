import { join } from 'node:path';
import { writeFileAtomic } from '../../campaign/records/durable-fs.js';
import { ConfigError, UsageError } from '../../errors.js';
import type { Finding } from '../../results/findings/index.js';
import { readJsonFile } from '../../util/json-file.js';
import type { BisectBuild } from './builds.js';
import type { BisectSummary } from './report.js';
import type { NextStep } from './search.js';
import type { RateWithInterval, StepCounts, Verdict, VerdictRule } from './verdict.js';

export const BISECT_STATE_FILE = 'bisect.json';
export const BISECT_REPORT_FILE = 'bisect.md';
const FORMAT = 'picow-harness/bisect/1';

/** One step: one build flashed and the cell run on it n times. Paths are relative to the bisect folder. */
export interface BisectStep {
  /** 1-based, in the order run. */
  readonly number: number;
  readonly buildIndex: number;
  readonly role: 'first' | 'last' | 'middle';
  /** Where this step's campaign run directories go. */
  readonly stepDir: string;
  /** The campaign run directory, once the run has started (an interrupted step resumes it). */
  runDir: string | null;
  status: 'running' | 'done';
  /** What flashing proved: the UF2's version and the board's sys.version after it. */
  flash: { readonly programVersion: string | null; readonly before: string; readonly after: string; readonly durationMs: number } | null;
  counts: StepCounts | null;
  verdict: Verdict | null;
  okRate: RateWithInterval | null;
  /** The findings of the step's run (for the first bad build's report). */
  findings: readonly Finding[];
  readonly startedAt: string;
  finishedAt: string | null;
}

export type BisectOutcome =
  | { readonly kind: 'found'; readonly lastGood: number; readonly firstBad: number }
  | { readonly kind: 'first-build-bad' }
  | { readonly kind: 'last-build-good' };

/** Everything a bisect decided so far: written after every change, so `--resume` continues it. */
export interface BisectState {
  readonly format: typeof FORMAT;
  readonly createdAt: string;
  /** What the steps run; a resume loads the campaign config again with exactly these. */
  readonly setup: {
    readonly configFile: string;
    readonly port: string | null;
    readonly cell: string;
    readonly successClass: string;
    readonly seed: number;
    readonly rule: VerdictRule;
  };
  readonly builds: readonly BisectBuild[];
  readonly steps: BisectStep[];
  outcome: BisectOutcome | null;
  /** The report in numbers (first bad / last good build, pooled rates, findings), refreshed whenever bisect.md is written. */
  summary?: BisectSummary;
  updatedAt: string;
}

export function newBisectState(setup: BisectState['setup'], builds: readonly BisectBuild[]): BisectState {
  const now = new Date().toISOString();
  return { format: FORMAT, createdAt: now, setup, builds, steps: [], outcome: null, updatedAt: now };
}

export function outcomeOf(next: NextStep): BisectOutcome | null {
  return next.kind === 'test' ? null : next.kind === 'found' ? { kind: 'found', lastGood: next.lastGood, firstBad: next.firstBad } : { kind: next.kind };
}

/** Writes bisect.json atomically and durably. */
export async function saveBisectState(dir: string, state: BisectState): Promise<void> {
  state.updatedAt = new Date().toISOString();
  await writeFileAtomic(join(dir, BISECT_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** Reads a bisect folder's bisect.json (one-line errors naming the file). */
export async function loadBisectState(dir: string): Promise<BisectState> {
  const file = join(dir, BISECT_STATE_FILE);
  const value = await readJsonFile(file, () => new UsageError(`--resume ${dir}: no ${BISECT_STATE_FILE} there; not a bisect folder`));
  const state = value as Partial<BisectState> | null;
  if (state?.format !== FORMAT || !Array.isArray(state.builds) || !Array.isArray(state.steps) || typeof state.setup !== 'object') {
    throw new ConfigError(`${file}: not a ${FORMAT} state file`, { file });
  }
  return state as BisectState;
}
