/**
 * The SQLite file behind the history: opened through node-sqlite3-wasm (SQLite compiled to
 * WebAssembly, reading and writing the file with node:fs, so no native build). Its VFS locks the
 * database by creating the directory `<file>.lock` (any lock level is exclusive) and answers
 * SQLITE_BUSY while another connection holds it; this module retries such statements until a
 * deadline, so two processes writing at once queue instead of failing or corrupting the file.
 */
import { rmdirSync, statSync } from 'node:fs';
import sqlite from 'node-sqlite3-wasm';
import { ConfigError } from '../errors.js';

export type SqlValue = number | bigint | string | Uint8Array | null;
export type SqlRow = Record<string, SqlValue>;
export type SqlParams = readonly (SqlValue | boolean)[] | Record<string, SqlValue | boolean>;

/** How long a statement waits for another process's lock before giving up. */
export const DEFAULT_BUSY_TIMEOUT_MS = 15_000;
/**
 * A lock directory older than this belongs to a process that died inside a transaction (the lock
 * is held only while a statement or transaction runs): it is removed and SQLite rolls the hot
 * journal back on the next read.
 */
export const STALE_LOCK_MS = 120_000;

const CACHE_KIB = 32 * 1024;
const BUSY_PATTERN = /database is locked|SQLITE_BUSY/i;
const CORRUPT_PATTERN = /malformed|not a database|file is encrypted|disk image/i;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface SqliteFileOptions {
  readonly busyTimeoutMs?: number;
  readonly staleLockMs?: number;
  readonly readOnly?: boolean;
}

/** A one-line error naming the file, for anything SQLite says about it. */
export function databaseError(file: string, error: unknown): ConfigError {
  const message = error instanceof Error ? error.message : String(error);
  if (CORRUPT_PATTERN.test(message)) {
    return new ConfigError(`${file}: not a usable history database (${message}); if it is a damaged history, move it aside and rebuild it from the run folders with \`picow-harness history import\``, { file });
  }
  return new ConfigError(`${file}: history database error: ${message}`, { file });
}

export class SqliteFile {
  readonly file: string;
  private readonly db: InstanceType<typeof sqlite.Database>;
  private readonly busyTimeoutMs: number;
  private readonly staleLockMs: number;

  private constructor(file: string, db: InstanceType<typeof sqlite.Database>, options: SqliteFileOptions) {
    this.file = file;
    this.db = db;
    this.busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    this.staleLockMs = options.staleLockMs ?? STALE_LOCK_MS;
  }

  static open(file: string, options: SqliteFileOptions = {}): SqliteFile {
    let db: InstanceType<typeof sqlite.Database>;
    try {
      db = new sqlite.Database(file, options.readOnly === true ? { readOnly: true, fileMustExist: true } : {});
    } catch (error) {
      throw new ConfigError(`${file}: cannot open the history database (${error instanceof Error ? error.message : String(error)})`, { file });
    }
    const opened = new SqliteFile(file, db, options);
    // The WASM build reads pages with a system call each; a larger page cache keeps a query's pages once read.
    opened.exec(`PRAGMA cache_size = -${CACHE_KIB}`);
    return opened;
  }

  get isOpen(): boolean {
    return this.db.isOpen;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  exec(sql: string): void {
    this.retrying(() => this.db.exec(sql));
  }

  run(sql: string, params?: SqlParams): { changes: number } {
    return this.retrying(() => this.db.run(sql, params as never));
  }

  all<T = SqlRow>(sql: string, params?: SqlParams): T[] {
    return this.retrying(() => this.db.all(sql, params as never) as T[]);
  }

  get<T = SqlRow>(sql: string, params?: SqlParams): T | undefined {
    return this.retrying(() => (this.db.get(sql, params as never) as T | null) ?? undefined);
  }

  /**
   * Runs `body` in one write transaction (BEGIN IMMEDIATE: the lock is taken up front, so two
   * writers never interleave). A body that throws rolls everything back. The whole transaction
   * is retried when the lock is busy at BEGIN; inside it, this connection holds the lock.
   */
  transaction<T>(body: (db: SqliteFile) => T): T {
    this.retrying(() => this.db.exec('BEGIN IMMEDIATE'));
    try {
      const result = body(this);
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Prepared statement for many executions inside a transaction. */
  prepare(sql: string): { run(params: SqlParams): void; finalize(): void } {
    const statement = this.db.prepare(sql);
    return {
      run: (params) => void statement.run(params as never),
      finalize: () => statement.finalize(),
    };
  }

  private retrying<T>(operation: () => T): T {
    const deadline = Date.now() + this.busyTimeoutMs;
    let pause = 2;
    for (;;) {
      try {
        return operation();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!BUSY_PATTERN.test(message) || this.db.inTransaction) throw this.wrap(error);
        if (this.removeStaleLock()) continue;
        if (Date.now() >= deadline) {
          throw new ConfigError(
            `${this.file}: locked by another process for ${this.busyTimeoutMs} ms (lock directory ${this.file}.lock; remove it if no picow-harness process is running)`,
            { file: this.file },
          );
        }
        sleepSync(pause);
        pause = Math.min(pause * 2, 50);
      }
    }
  }

  private wrap(error: unknown): unknown {
    if (error instanceof ConfigError) return error;
    if (error instanceof Error && error.name === 'SQLite3Error') return databaseError(this.file, error);
    return error;
  }

  private removeStaleLock(): boolean {
    const lock = `${this.file}.lock`;
    try {
      const info = statSync(lock);
      if (Date.now() - info.mtimeMs < this.staleLockMs) return false;
      rmdirSync(lock);
      return true;
    } catch {
      return false;
    }
  }
}
