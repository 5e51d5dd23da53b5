// A promise face over sqlite3 for one database file, with two connections: a writer whose
// transactions run one at a time through a queue, and a reader for everything else.
// Why the queue: sqlite3 runs every statement of a Database on one connection, so two requests'
// BEGIN..COMMIT would interleave there (SPEC §4) and a max_uses check could be overtaken.
// Why a second connection: in WAL mode readers see the last committed state and never wait for
// the writer, and never see a transaction half-way.
import { constants } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import sqlite3 from 'sqlite3';
import type { WriteObserver } from '../store.js';
import type { Connections, Sql, SqlValue, TransactionOptions } from '../sql.js';

export type { Sql, SqlValue };

export const BUSY_TIMEOUT_MS = 5000;

/**
 * Creates `path` 0600 unless it exists: the database holds the cluster's secrets (SQLite would
 * use 0644 & ~umask, and its -wal and -shm follow the database's mode).
 */
async function createPrivately(path: string): Promise<void> {
  try {
    await (await openFile(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)).close();
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
  }
}

function open(path: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, mode, (error) => (error === null ? resolve(db) : reject(error)));
  });
}

/**
 * The WAL's bound. SQLite checkpoints inside the commit that takes the WAL past 1,000 frames (its
 * default, kept) and then reuses the file from its start, so it stays near 4 MiB; a read that keeps
 * a checkpoint from finishing lets it grow, and without a limit it would keep that size for good.
 * `journal_size_limit` has the first commit after the next finished checkpoint cut it back to
 * 32 MiB. A crash leaves the WAL as it was: the next open reads it back, and a CP that closes
 * checkpoints and deletes it.
 *
 * The checkpoint interval stays at 1,000 frames, by decision. With synchronous = NORMAL a commit
 * is in the WAL when it is answered (a process crash loses none), but the WAL is synced only at
 * each checkpoint, so a power loss can lose what was committed since the last one. 4,000 frames
 * cost the checkpoint's copy ~0.8 µs less per heartbeat (its share of the write 8.8% -> 4.3% in a
 * profile on 2,000 nodes), and made that window four times as long: on a quiet cluster, minutes
 * of joins rather than seconds.
 */
const WAL_BOUNDS = `PRAGMA journal_size_limit = ${32 * 1024 * 1024};`;

/** Prepared statements kept per connection; beyond this many distinct SQL texts the oldest is finalized. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Prepared statements, reused: `db.run(sql)` would prepare, step and finalize each time, three
 * trips through libuv's pool for one statement, and the writer's transactions are serialized.
 * Every statement is stepped to completion (`all`, `run`, never `get`): a statement left
 * mid-result keeps its connection's read snapshot open, and the reader would see stale data.
 */
class StatementCache {
  private readonly statements = new Map<string, Promise<sqlite3.Statement>>();

  constructor(private readonly db: sqlite3.Database) {}

  get(sql: string): Promise<sqlite3.Statement> {
    let statement = this.statements.get(sql);
    if (statement !== undefined) {
      // Most recently used last, so eviction takes the oldest.
      this.statements.delete(sql);
      this.statements.set(sql, statement);
      return statement;
    }
    statement = new Promise((resolve, reject) => {
      const prepared: sqlite3.Statement = this.db.prepare(sql, (error: Error | null) =>
        error === null ? resolve(prepared) : reject(error),
      );
    });
    this.statements.set(sql, statement);
    statement.catch(() => this.statements.delete(sql));
    if (this.statements.size > STATEMENT_CACHE_SIZE) {
      const [oldest, evicted] = this.statements.entries().next().value as [string, Promise<sqlite3.Statement>];
      this.statements.delete(oldest);
      // finalize is queued behind the statement's pending work.
      evicted.then(
        (s) => s.finalize(),
        () => undefined,
      );
    }
    return statement;
  }

  async finalizeAll(): Promise<void> {
    const all = [...this.statements.values()];
    this.statements.clear();
    await Promise.all(
      all.map((p) =>
        p.then(
          (s) => new Promise<void>((resolve) => s.finalize(() => resolve())),
          () => undefined,
        ),
      ),
    );
  }
}

interface CachedSql extends Sql {
  statements: StatementCache;
}

function sqlOf(db: sqlite3.Database): CachedSql {
  const statements = new StatementCache(db);
  const all = async <T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> => {
    const statement = await statements.get(sql);
    return new Promise<T[]>((resolve, reject) => {
      statement.all(params, (error: Error | null, rows: T[]) => (error !== null ? reject(error) : resolve(rows)));
    });
  };
  return {
    statements,
    run: async (sql, params = []) => {
      const statement = await statements.get(sql);
      return new Promise((resolve, reject) => {
        statement.run(params, function (this: sqlite3.RunResult, error: Error | null) {
          if (error !== null) reject(error);
          else resolve({ changes: this.changes });
        });
      });
    },
    get: async <T>(sql: string, params: readonly SqlValue[] = []) => (await all<T>(sql, params))[0],
    all,
    exec: (sql) => new Promise((resolve, reject) => db.exec(sql, (error) => (error === null ? resolve() : reject(error)))),
  };
}

function close(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((error) => (error === null ? resolve() : reject(error))));
}

export class SqliteConnections implements Connections {
  /** Reads that need no transaction. */
  readonly read: Sql;
  private readonly write: CachedSql;
  private readonly readSql: CachedSql;
  private queue: Promise<unknown> = Promise.resolve();
  private observer: WriteObserver | undefined;

  private constructor(
    private readonly writer: sqlite3.Database,
    private readonly reader: sqlite3.Database,
  ) {
    this.write = sqlOf(writer);
    this.readSql = sqlOf(reader);
    this.read = this.readSql;
  }

  /** Opens (creating if needed) the file; `prepare` runs on the writer before the reader opens (migrations). */
  static async open(path: string, prepare: (sql: Sql) => Promise<void>): Promise<SqliteConnections> {
    await createPrivately(path);
    const writer = await open(path, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE);
    writer.configure('busyTimeout', BUSY_TIMEOUT_MS);
    const write = sqlOf(writer);
    await write.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; ${WAL_BOUNDS}`);
    await prepare(write);
    await write.statements.finalizeAll();
    const reader = await open(path, sqlite3.OPEN_READONLY);
    reader.configure('busyTimeout', BUSY_TIMEOUT_MS);
    await sqlOf(reader).exec('PRAGMA foreign_keys = ON;');
    return new SqliteConnections(writer, reader);
  }

  /** One observer of every write transaction's end (replaces an earlier one). */
  observeWrites(observer: WriteObserver): void {
    this.observer = observer;
  }

  /**
   * Runs `work` inside BEGIN IMMEDIATE..COMMIT, after every earlier transaction finished; rolls
   * back if it throws. Every transaction runs alone and sees one snapshot, so a rules or snapshot
   * transaction (TransactionOptions) needs nothing more.
   */
  transaction<T>(work: (sql: Sql) => Promise<T>, options?: TransactionOptions): Promise<T> {
    // One statement is atomic on its own (autocommit): BEGIN IMMEDIATE and COMMIT around it would
    // be two more trips through libuv's pool for a heartbeat batch. Same queue, same observers.
    const single = async (): Promise<T> => {
      try {
        const result = await work(this.write);
        this.observer?.committed();
        return result;
      } catch (error) {
        this.observer?.failed(error);
        throw error;
      }
    };
    const run = async (): Promise<T> => {
      try {
        await this.write.exec('BEGIN IMMEDIATE');
      } catch (error) {
        this.observer?.failed(error);
        throw error;
      }
      try {
        const result = await work(this.write);
        await this.write.exec('COMMIT');
        this.observer?.committed();
        return result;
      } catch (error) {
        await this.write.exec('ROLLBACK').catch(() => undefined);
        this.observer?.failed(error);
        throw error;
      }
    };
    const step = options?.single === true ? single : run;
    const result = this.queue.then(step, step);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    await this.queue;
    // sqlite3_close refuses a connection with statements still prepared.
    await Promise.all([this.readSql.statements.finalizeAll(), this.write.statements.finalizeAll()]);
    await close(this.reader);
    await close(this.writer);
  }
}
