/**
 * A run folder reduced to the rows the history keeps: one pass over attempts.jsonl (streamed by
 * `openRunData`), counting per (cell, board, firmware) and collecting timings per cell. The
 * records are the source of truth; nothing here writes.
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { AttemptRecord, CellFacets } from '../campaign/types.js';
import { readStatus } from '../campaign/records/status-file.js';
import { canonicalJson } from '../campaign/records/manifest.js';
import { openRunData } from '../results/run-data.js';
import { percentiles } from '../results/stats/index.js';
import { SUMMARY_JSON_FILE } from '../report/summary-json.js';
import { seriesKeyOf } from './series.js';
import type { HistoryRun } from './types.js';

export interface BoardRow {
  readonly label: string;
  readonly serial: string;
  readonly uniqueId: string;
}

export interface OutcomeRow {
  readonly cell: string;
  readonly board: BoardRow;
  readonly firmware: string;
  readonly okClass: string;
  attempts: number;
  ok: number;
  readonly classes: Record<string, number>;
}

export interface TimingRow {
  readonly cell: string;
  readonly timeToIpMs: number[];
  readonly handshakeMs: number[];
}

export interface RunRows {
  /** Its gate verdict is the one the gate left in the run folder (`gate.json`), so a rebuilt history keeps it. */
  readonly run: HistoryRun;
  /** Cell id → facets JSON (canonical). */
  readonly cells: ReadonlyMap<string, string>;
  readonly outcomes: readonly OutcomeRow[];
  readonly timings: readonly TimingRow[];
  readonly notes: readonly string[];
}

/** The file the gate may write into a run folder so a rebuilt history keeps its verdict. */
export const GATE_FILE = 'gate.json';

const UNKNOWN_FIRMWARE = 'unknown';

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

async function readJson(file: string): Promise<Record<string, unknown> | null> {
  try {
    const value: unknown = JSON.parse(await readFile(file, 'utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function campaignNameOf(config: Record<string, unknown> | undefined): string {
  const redacted = config?.redacted as { config?: { name?: unknown }; name?: unknown; file?: unknown } | undefined;
  const name = text(redacted?.config?.name) ?? text(redacted?.name);
  if (name !== null) return name;
  const file = text(redacted?.file);
  return file === null ? 'unnamed campaign' : basename(file).replace(/\.ya?ml$/i, '');
}

function okClassFor(cell: string, facets: ReadonlyMap<string, CellFacets>, sawTls: boolean): string {
  return facets.get(cell)?.successClass ?? (sawTls ? 'tls.ok' : 'wifi.ok');
}

/** Reads one run folder into rows. Throws a ConfigError naming the file when the folder is not a run. */
export async function readRunRows(runDir: string): Promise<RunRows> {
  const dir = resolve(runDir);
  const data = await openRunData(dir);
  const { manifest } = data;
  const board = manifest.board;
  const identity = board.identity ?? {};
  const defaultBoard: BoardRow = {
    label: text(identity.label) ?? text(identity.port) ?? (board.kind === 'sim' ? 'SIMULATED' : 'board'),
    serial: text(identity.serialNumber) ?? '',
    uniqueId: text(identity.uniqueId) ?? '',
  };
  const defaultFirmware = text(board.firmware?.version) ?? UNKNOWN_FIRMWARE;
  const facets = new Map<string, CellFacets>(data.cells.map((cell) => [cell.id, cell]));
  const cells = new Map<string, string>(data.cells.map((cell) => [cell.id, canonicalJson(cell)]));

  const outcomes = new Map<string, OutcomeRow>();
  const timings = new Map<string, TimingRow>();
  const seen = new Set<string>();
  const sawTls = new Set<string>();
  const pending: { record: AttemptRecord; boardRow: BoardRow; firmware: string }[] = [];
  for await (const record of data.records()) {
    const boardRow: BoardRow =
      record.board === undefined
        ? defaultBoard
        : { label: record.board.label, serial: record.board.serialNumber ?? '', uniqueId: record.board.uniqueId ?? '' };
    // One attempt per (board, cell, iteration): a resumed run may have written an attempt twice.
    const attemptKey = `${boardRow.label}\u0000${record.cell}\u0000${record.iteration}`;
    if (seen.has(attemptKey)) continue;
    seen.add(attemptKey);
    if (record.tls !== null || record.class.startsWith('tls.')) sawTls.add(record.cell);
    if (!cells.has(record.cell)) cells.set(record.cell, canonicalJson({ id: record.cell }));
    const firmware = text(record.firmware) ?? defaultFirmware;
    if (facets.has(record.cell)) addOutcome(outcomes, record, boardRow, firmware, okClassFor(record.cell, facets, true));
    else pending.push({ record, boardRow, firmware });
    let timing = timings.get(record.cell);
    if (timing === undefined) {
      timing = { cell: record.cell, timeToIpMs: [], handshakeMs: [] };
      timings.set(record.cell, timing);
    }
    const timeToIpMs = record.wifi?.timeToIpMs;
    const handshakeMs = record.tls?.handshakeMs;
    if (typeof timeToIpMs === 'number' && Number.isFinite(timeToIpMs)) timing.timeToIpMs.push(timeToIpMs);
    if (typeof handshakeMs === 'number' && Number.isFinite(handshakeMs)) timing.handshakeMs.push(handshakeMs);
  }
  // Cells outside the plan get their ok class the way the tally infers it: from all their records.
  for (const { record, boardRow, firmware } of pending) addOutcome(outcomes, record, boardRow, firmware, okClassFor(record.cell, facets, sawTls.has(record.cell)));

  const [summary, status, gate] = await Promise.all([readJson(join(dir, SUMMARY_JSON_FILE)), readStatus(dir).catch(() => null), readJson(join(dir, GATE_FILE))]);
  const exit = summary?.exit as { code?: unknown; reason?: unknown } | undefined;
  const statusState = status?.state;
  const exitCode = typeof exit?.code === 'number' ? exit.code : statusState === 'interrupted' ? 130 : null;
  const exitReason = text(exit?.reason) ?? (statusState === undefined ? null : statusState);
  const planned = data.plannedIterations === null ? 0 : data.plannedIterations * data.cells.length;
  let attempts = 0;
  let ok = 0;
  for (const outcome of outcomes.values()) {
    attempts += outcome.attempts;
    ok += outcome.ok;
  }
  const sim = board.sim;
  const campaign = campaignNameOf(manifest.config as Record<string, unknown> | undefined);
  const harness = (manifest as { harness?: { version?: unknown } }).harness;
  const run: HistoryRun = {
    id: manifest.runId,
    dir,
    campaign,
    configHash: text(manifest.config?.hash),
    seriesKey: seriesKeyOf({ kind: board.kind, campaign, worldHash: sim?.worldHash ?? null }),
    kind: board.kind,
    sim: sim === undefined ? null : { worldHash: sim.worldHash, seed: String(sim.seed), timeScale: sim.timeScale },
    startedAt: text(summary?.startedAt) ?? text(status?.startedAt) ?? text(manifest.createdAt),
    finishedAt: text(summary?.finishedAt) ?? (statusState !== undefined && statusState !== 'running' ? text(status?.updatedAt) : null),
    exitCode,
    exitReason,
    planned,
    attempts,
    ok,
    harnessVersion: text(harness?.version),
    gateVerdict: text(gate?.verdict),
  };
  return { run, cells, outcomes: [...outcomes.values()], timings: [...timings.values()], notes: [...data.notes] };
}

function addOutcome(outcomes: Map<string, OutcomeRow>, record: AttemptRecord, board: BoardRow, firmware: string, okClass: string): void {
  const key = `${record.cell}\u0000${board.label}\u0000${board.serial}\u0000${board.uniqueId}\u0000${firmware}`;
  let outcome = outcomes.get(key);
  if (outcome === undefined) {
    outcome = { cell: record.cell, board, firmware, okClass, attempts: 0, ok: 0, classes: {} };
    outcomes.set(key, outcome);
  }
  outcome.attempts += 1;
  if (record.class === okClass) outcome.ok += 1;
  outcome.classes[record.class] = (outcome.classes[record.class] ?? 0) + 1;
}

export function timingPercentiles(values: readonly number[]): { count: number; p50: number | null; p90: number | null; p99: number | null } {
  const p = percentiles(values);
  return { count: values.length, p50: p?.p50 ?? null, p90: p?.p90 ?? null, p99: p?.p99 ?? null };
}
