/**
 * The history schema and its migrations. `schema_version` holds the version the file is at;
 * `migrate` applies the missing steps in one transaction each, so a file written by an older
 * picow-harness is upgraded in place and a newer one is refused rather than misread.
 */
import { ConfigError } from '../errors.js';
import type { SqliteFile } from './database.js';

const MIGRATIONS: readonly string[] = [
  // 1: the first schema.
  `
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    dir TEXT NOT NULL,
    campaign TEXT NOT NULL,
    config_hash TEXT,
    series_key TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('sim', 'real')),
    sim_world_hash TEXT,
    sim_seed TEXT,
    sim_time_scale REAL,
    started_at TEXT,
    finished_at TEXT,
    exit_code INTEGER,
    exit_reason TEXT,
    planned INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    harness_version TEXT,
    gate_verdict TEXT,
    imported_at TEXT NOT NULL
  );
  CREATE INDEX runs_by_series ON runs (series_key, started_at, id);
  CREATE INDEX runs_by_start ON runs (started_at, id);
  CREATE TABLE boards (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    serial TEXT NOT NULL DEFAULT '',
    unique_id TEXT NOT NULL DEFAULT '',
    UNIQUE (label, serial, unique_id)
  );
  CREATE TABLE firmware (
    id INTEGER PRIMARY KEY,
    version TEXT NOT NULL UNIQUE
  );
  CREATE TABLE cells (
    id INTEGER PRIMARY KEY,
    cell TEXT NOT NULL,
    facets TEXT NOT NULL,
    UNIQUE (cell, facets)
  );
  CREATE INDEX cells_by_name ON cells (cell);
  CREATE TABLE outcomes (
    run_id TEXT NOT NULL,
    cell_ref INTEGER NOT NULL REFERENCES cells (id),
    board_ref INTEGER NOT NULL REFERENCES boards (id),
    firmware_ref INTEGER NOT NULL REFERENCES firmware (id),
    ok_class TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    classes TEXT NOT NULL,
    PRIMARY KEY (run_id, cell_ref, board_ref, firmware_ref)
  ) WITHOUT ROWID;
  CREATE INDEX outcomes_by_cell ON outcomes (cell_ref, run_id);
  CREATE INDEX outcomes_by_board ON outcomes (board_ref, run_id);
  CREATE INDEX outcomes_by_firmware ON outcomes (firmware_ref, run_id);
  CREATE TABLE timings (
    run_id TEXT NOT NULL,
    cell_ref INTEGER NOT NULL REFERENCES cells (id),
    time_to_ip_count INTEGER NOT NULL,
    time_to_ip_p50 REAL,
    time_to_ip_p90 REAL,
    time_to_ip_p99 REAL,
    handshake_count INTEGER NOT NULL,
    handshake_p50 REAL,
    handshake_p90 REAL,
    handshake_p99 REAL,
    PRIMARY KEY (run_id, cell_ref)
  ) WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the file to SCHEMA_VERSION; refuses a file written by a newer picow-harness. */
export function migrate(db: SqliteFile): void {
  db.transaction((tx) => {
    tx.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const row = tx.get<{ version: number }>('SELECT max(version) AS version FROM schema_version');
    const current = row?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new ConfigError(`${db.file}: history schema version ${current} is newer than this picow-harness understands (${SCHEMA_VERSION}); upgrade picow-harness or use another --history file`, { file: db.file });
    }
    for (let version = current + 1; version <= SCHEMA_VERSION; version += 1) {
      tx.exec(MIGRATIONS[version - 1] as string);
      tx.run('INSERT INTO schema_version (version) VALUES (?)', [version]);
    }
  });
}
