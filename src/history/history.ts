/**
 * The run history: an index of run folders in one SQLite file. The folders stay the source of
 * truth — `importRun` reads one and replaces that run's rows in one transaction, so importing
 * twice changes nothing and a deleted database is rebuilt by importing the folders again.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { SqliteFile, type SqlRow, type SqliteFileOptions } from './database.js';
import { readRunRows, timingPercentiles, type BoardRow, type RunRows } from './read-run.js';
import { migrate } from './schema.js';
import type { BoardKind, CellCount, CellCountFilter, CellTimings, GateVerdict, HistoryRun, ImportResult, RunFilter } from './types.js';

/** Where the history lives unless told otherwise: next to the run folders. */
export const HISTORY_FILE = 'history.sqlite';

export function defaultHistoryPath(reportsDir: string): string {
  return join(reportsDir, HISTORY_FILE);
}

export type HistoryOpenOptions = SqliteFileOptions;

const RUN_COLUMNS = `r.id, r.dir, r.campaign, r.config_hash, r.series_key, r.kind, r.sim_world_hash, r.sim_seed, r.sim_time_scale,
  r.started_at, r.finished_at, r.exit_code, r.exit_reason, r.planned, r.attempts, r.ok, r.harness_version, r.gate_verdict`;

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : null);

function runOf(row: SqlRow): HistoryRun {
  const worldHash = str(row.sim_world_hash);
  return {
    id: String(row.id),
    dir: String(row.dir),
    campaign: String(row.campaign),
    configHash: str(row.config_hash),
    seriesKey: String(row.series_key),
    kind: row.kind as BoardKind,
    sim: worldHash === null ? null : { worldHash, seed: str(row.sim_seed) ?? '', timeScale: num(row.sim_time_scale) ?? 1 },
    startedAt: str(row.started_at),
    finishedAt: str(row.finished_at),
    exitCode: num(row.exit_code),
    exitReason: str(row.exit_reason),
    planned: num(row.planned) ?? 0,
    attempts: num(row.attempts) ?? 0,
    ok: num(row.ok) ?? 0,
    harnessVersion: str(row.harness_version),
    gateVerdict: str(row.gate_verdict),
  };
}

/** SQL matching a board by label, serial number or unique id. */
const BOARD_MATCH = '(b.label = :board OR b.serial = :board OR b.unique_id = :board)';
/** SQL matching firmware by exact version or a part of it (`v1.24.1`). */
const FIRMWARE_MATCH = "(f.version = :firmware OR instr(f.version, :firmware) > 0)";

export class History {
  readonly file: string;
  private readonly db: SqliteFile;

  private constructor(file: string, db: SqliteFile) {
    this.file = file;
    this.db = db;
  }

  /** Opens (creating it and its folder when missing) and migrates the history at `path`. */
  static open(path: string, options: HistoryOpenOptions = {}): History {
    const file = resolve(path);
    if (options.readOnly !== true) mkdirSync(dirname(file), { recursive: true });
    const db = SqliteFile.open(file, options);
    try {
      if (options.readOnly !== true) migrate(db);
      else db.get('SELECT max(version) AS version FROM schema_version');
    } catch (error) {
      db.close();
      throw error;
    }
    return new History(file, db);
  }

  close(): void {
    this.db.close();
  }

  /** Reads a run folder and replaces that run's rows; a gate verdict already recorded is kept. */
  async importRun(runDir: string): Promise<ImportResult> {
    const rows = await readRunRows(runDir);
    return this.storeRun(rows);
  }

  /** Writes rows read from a run folder (exposed for benchmarks and tests that build rows directly). */
  storeRun(rows: RunRows): ImportResult {
    const { run } = rows;
    const replaced = this.db.transaction((tx) => {
      const previous = tx.get<{ gate_verdict: string | null }>('SELECT gate_verdict FROM runs WHERE id = ?', [run.id]);
      tx.run('DELETE FROM outcomes WHERE run_id = ?', [run.id]);
      tx.run('DELETE FROM timings WHERE run_id = ?', [run.id]);
      tx.run('DELETE FROM runs WHERE id = ?', [run.id]);
      tx.run(
        `INSERT INTO runs (id, dir, campaign, config_hash, series_key, kind, sim_world_hash, sim_seed, sim_time_scale, started_at, finished_at,
           exit_code, exit_reason, planned, attempts, ok, harness_version, gate_verdict, imported_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          run.id, run.dir, run.campaign, run.configHash, run.seriesKey, run.kind, run.sim?.worldHash ?? null, run.sim?.seed ?? null,
          run.sim?.timeScale ?? null, run.startedAt, run.finishedAt, run.exitCode, run.exitReason, run.planned, run.attempts, run.ok,
          run.harnessVersion, previous?.gate_verdict ?? run.gateVerdict, new Date().toISOString(),
        ],
      );
      const cellRefs = new Map<string, number>();
      const cellRef = (cell: string): number => {
        const known = cellRefs.get(cell);
        if (known !== undefined) return known;
        const facets = rows.cells.get(cell) ?? JSON.stringify({ id: cell });
        tx.run('INSERT OR IGNORE INTO cells (cell, facets) VALUES (?, ?)', [cell, facets]);
        const ref = num(tx.get('SELECT id FROM cells WHERE cell = ? AND facets = ?', [cell, facets])?.id) as number;
        cellRefs.set(cell, ref);
        return ref;
      };
      const boardRefs = new Map<string, number>();
      const boardRef = (board: BoardRow): number => {
        const key = `${board.label}\u0000${board.serial}\u0000${board.uniqueId}`;
        const known = boardRefs.get(key);
        if (known !== undefined) return known;
        tx.run('INSERT OR IGNORE INTO boards (label, serial, unique_id) VALUES (?, ?, ?)', [board.label, board.serial, board.uniqueId]);
        const ref = num(tx.get('SELECT id FROM boards WHERE label = ? AND serial = ? AND unique_id = ?', [board.label, board.serial, board.uniqueId])?.id) as number;
        boardRefs.set(key, ref);
        return ref;
      };
      const firmwareRefs = new Map<string, number>();
      const firmwareRef = (version: string): number => {
        const known = firmwareRefs.get(version);
        if (known !== undefined) return known;
        tx.run('INSERT OR IGNORE INTO firmware (version) VALUES (?)', [version]);
        const ref = num(tx.get('SELECT id FROM firmware WHERE version = ?', [version])?.id) as number;
        firmwareRefs.set(version, ref);
        return ref;
      };
      const insertOutcome = tx.prepare(
        'INSERT INTO outcomes (run_id, cell_ref, board_ref, firmware_ref, ok_class, attempts, ok, classes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const insertTiming = tx.prepare(
        `INSERT INTO timings (run_id, cell_ref, time_to_ip_count, time_to_ip_p50, time_to_ip_p90, time_to_ip_p99,
           handshake_count, handshake_p50, handshake_p90, handshake_p99) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      try {
        for (const outcome of rows.outcomes) {
          insertOutcome.run([
            run.id, cellRef(outcome.cell), boardRef(outcome.board), firmwareRef(outcome.firmware), outcome.okClass,
            outcome.attempts, outcome.ok, JSON.stringify(outcome.classes),
          ]);
        }
        for (const timing of rows.timings) {
          const ip = timingPercentiles(timing.timeToIpMs);
          const hs = timingPercentiles(timing.handshakeMs);
          insertTiming.run([run.id, cellRef(timing.cell), ip.count, ip.p50, ip.p90, ip.p99, hs.count, hs.p50, hs.p90, hs.p99]);
        }
      } finally {
        insertOutcome.finalize();
        insertTiming.finalize();
      }
      return previous !== undefined;
    });
    const stored = this.run(run.id) as HistoryRun;
    return { run: stored, replaced, outcomes: rows.outcomes.length, notes: rows.notes };
  }

  /** Runs matching `filter`, most recent first (by start time, then id). */
  runs(filter: RunFilter = {}): HistoryRun[] {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    if (filter.series !== undefined) {
      where.push('r.series_key = :series');
      params[':series'] = filter.series;
    }
    if (filter.kind !== undefined) {
      where.push('r.kind = :kind');
      params[':kind'] = filter.kind;
    }
    if (filter.campaign !== undefined) {
      where.push('r.campaign = :campaign');
      params[':campaign'] = filter.campaign;
    }
    if (filter.exitCode !== undefined) {
      where.push('r.exit_code = :exit');
      params[':exit'] = filter.exitCode;
    }
    if (filter.board !== undefined) {
      where.push(`EXISTS (SELECT 1 FROM outcomes o JOIN boards b ON b.id = o.board_ref WHERE o.run_id = r.id AND ${BOARD_MATCH})`);
      params[':board'] = filter.board;
    }
    if (filter.firmware !== undefined) {
      where.push(`EXISTS (SELECT 1 FROM outcomes o JOIN firmware f ON f.id = o.firmware_ref WHERE o.run_id = r.id AND ${FIRMWARE_MATCH})`);
      params[':firmware'] = filter.firmware;
    }
    if (filter.before !== undefined) {
      const anchor = this.run(filter.before);
      if (anchor === undefined) throw new UsageError(`run ${filter.before} is not in the history ${this.file}`);
      where.push("(coalesce(r.started_at, '') < :beforeStart OR (coalesce(r.started_at, '') = :beforeStart AND r.id < :beforeId))");
      params[':beforeStart'] = anchor.startedAt ?? '';
      params[':beforeId'] = anchor.id;
    }
    const limit = filter.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
    const sql = `SELECT ${RUN_COLUMNS} FROM runs r${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`} ORDER BY coalesce(r.started_at, '') DESC, r.id DESC${limit}`;
    return this.db.all(sql, params).map(runOf);
  }

  run(id: string): HistoryRun | undefined {
    const row = this.db.get(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ?`, [id]);
    return row === undefined ? undefined : runOf(row);
  }

  /** The run imported from `dir` (resolved), if any. */
  runByDir(dir: string): HistoryRun | undefined {
    const row = this.db.get(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.dir = ? ORDER BY r.id DESC LIMIT 1`, [resolve(dir)]);
    return row === undefined ? undefined : runOf(row);
  }

  /** Per (cell, board, firmware) counts of a run, by cell id then board then firmware. */
  cellCounts(runId: string, filter: CellCountFilter = {}): CellCount[] {
    return this.cellCountsOf([runId], filter).get(runId) ?? [];
  }

  /** `cellCounts` for many runs in one query. */
  cellCountsOf(runIds: readonly string[], filter: CellCountFilter = {}): Map<string, CellCount[]> {
    const result = new Map<string, CellCount[]>(runIds.map((id) => [id, []]));
    if (runIds.length === 0) return result;
    const params: Record<string, string> = {};
    const placeholders = runIds.map((id, index) => {
      params[`:r${index}`] = id;
      return `:r${index}`;
    });
    const where = [`o.run_id IN (${placeholders.join(', ')})`];
    if (filter.board !== undefined) {
      where.push(BOARD_MATCH);
      params[':board'] = filter.board;
    }
    if (filter.firmware !== undefined) {
      where.push(FIRMWARE_MATCH);
      params[':firmware'] = filter.firmware;
    }
    const rows = this.db.all(
      `SELECT o.run_id, c.cell, b.label, f.version, o.ok_class, o.attempts, o.ok, o.classes
       FROM outcomes o JOIN cells c ON c.id = o.cell_ref JOIN boards b ON b.id = o.board_ref JOIN firmware f ON f.id = o.firmware_ref
       WHERE ${where.join(' AND ')} ORDER BY o.run_id, c.cell, b.label, f.version`,
      params,
    );
    for (const row of rows) {
      result.get(String(row.run_id))?.push({
        cell: String(row.cell),
        board: String(row.label),
        firmware: String(row.version),
        okClass: String(row.ok_class),
        attempts: num(row.attempts) ?? 0,
        ok: num(row.ok) ?? 0,
        classes: JSON.parse(String(row.classes)) as Record<string, number>,
      });
    }
    return result;
  }

  /** Time-to-IP and handshake percentiles per cell of a run. */
  timings(runId: string): CellTimings[] {
    return this.db
      .all(
        `SELECT c.cell, t.* FROM timings t JOIN cells c ON c.id = t.cell_ref WHERE t.run_id = ? ORDER BY c.cell`,
        [runId],
      )
      .map((row) => ({
        cell: String(row.cell),
        timeToIp: { count: num(row.time_to_ip_count) ?? 0, p50: num(row.time_to_ip_p50), p90: num(row.time_to_ip_p90), p99: num(row.time_to_ip_p99) },
        handshake: { count: num(row.handshake_count) ?? 0, p50: num(row.handshake_p50), p90: num(row.handshake_p90), p99: num(row.handshake_p99) },
      }));
  }

  /** Every series key with its kind, campaign and number of runs. */
  series(): { key: string; kind: BoardKind; campaign: string; runs: number; lastStartedAt: string | null }[] {
    return this.db
      .all(
        `SELECT series_key, kind, campaign, count(*) AS runs, max(started_at) AS last FROM runs GROUP BY series_key, kind, campaign ORDER BY series_key`,
      )
      .map((row) => ({ key: String(row.series_key), kind: row.kind as BoardKind, campaign: String(row.campaign), runs: num(row.runs) ?? 0, lastStartedAt: str(row.last) }));
  }

  /** Boards and firmware versions seen, with how many runs each appears in. */
  boards(): { label: string; serial: string; uniqueId: string; runs: number }[] {
    return this.db
      .all(`SELECT b.label, b.serial, b.unique_id, count(DISTINCT o.run_id) AS runs FROM boards b JOIN outcomes o ON o.board_ref = b.id GROUP BY b.id ORDER BY b.label, b.serial`)
      .map((row) => ({ label: String(row.label), serial: String(row.serial), uniqueId: String(row.unique_id), runs: num(row.runs) ?? 0 }));
  }

  firmwareVersions(): { version: string; runs: number }[] {
    return this.db
      .all(`SELECT f.version, count(DISTINCT o.run_id) AS runs FROM firmware f JOIN outcomes o ON o.firmware_ref = f.id GROUP BY f.id ORDER BY f.version`)
      .map((row) => ({ version: String(row.version), runs: num(row.runs) ?? 0 }));
  }

  /** Records the gate's verdict on a run; throws UsageError for a run not in the history. */
  setGateVerdict(runId: string, verdict: GateVerdict | null): void {
    const { changes } = this.db.run('UPDATE runs SET gate_verdict = ? WHERE id = ?', [verdict, runId]);
    if (changes === 0) throw new UsageError(`run ${runId} is not in the history ${this.file}`);
  }

  /** Removes a run's rows (the folder is untouched). */
  removeRun(runId: string): boolean {
    return this.db.transaction((tx) => {
      tx.run('DELETE FROM outcomes WHERE run_id = ?', [runId]);
      tx.run('DELETE FROM timings WHERE run_id = ?', [runId]);
      return tx.run('DELETE FROM runs WHERE id = ?', [runId]).changes > 0;
    });
  }
}
