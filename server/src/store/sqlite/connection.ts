// A promise face over sqlite3 for one database file, with two connections: a writer whose
// transactions run one at a time through a queue, and a reader for everything else.
// Why the queue: sqlite3 runs every statement of a Database on one connection, so two requests'
// BEGIN..COMMIT would interleave there (SPEC §4) and a max_uses check could be overtaken.
// Why a second connection: in WAL mode readers see the last committed state and never wait for
// the writer, and never see a transaction half-way.
import sqlite3 from 'sqlite3';

export type SqlValue = string | number | null;

export interface Sql {
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number; lastID: number }>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  exec(sql: string): Promise<void>;
}

const BUSY_TIMEOUT_MS = 5000;

function open(path: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, mode, (error) => (error === null ? resolve(db) : reject(error)));
  });
}

function sqlOf(db: sqlite3.Database): Sql {
  return {
    run: (sql, params = []) =>
      new Promise((resolve, reject) => {
        db.run(sql, params, function (this: sqlite3.RunResult, error: Error | null) {
          if (error !== null) reject(error);
          else resolve({ changes: this.changes, lastID: this.lastID });
        });
      }),
    get: <T>(sql: string, params: readonly SqlValue[] = []) =>
      new Promise<T | undefined>((resolve, reject) => {
        db.get(sql, params, (error: Error | null, row: T | undefined) => (error !== null ? reject(error) : resolve(row)));
      }),
    all: <T>(sql: string, params: readonly SqlValue[] = []) =>
      new Promise<T[]>((resolve, reject) => {
        db.all(sql, params, (error: Error | null, rows: T[]) => (error !== null ? reject(error) : resolve(rows)));
      }),
    exec: (sql) => new Promise((resolve, reject) => db.exec(sql, (error) => (error === null ? resolve() : reject(error)))),
  };
}

function close(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((error) => (error === null ? resolve() : reject(error))));
}

export class SqliteConnections {
  /** Reads that need no transaction. */
  readonly read: Sql;
  private readonly write: Sql;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly writer: sqlite3.Database,
    private readonly reader: sqlite3.Database,
  ) {
    this.write = sqlOf(writer);
    this.read = sqlOf(reader);
  }

  /** Opens (creating if needed) the file; `prepare` runs on the writer before the reader opens (migrations). */
  static async open(path: string, prepare: (sql: Sql) => Promise<void>): Promise<SqliteConnections> {
    const writer = await open(path, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE);
    writer.configure('busyTimeout', BUSY_TIMEOUT_MS);
    const write = sqlOf(writer);
    await write.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
    await prepare(write);
    const reader = await open(path, sqlite3.OPEN_READONLY);
    reader.configure('busyTimeout', BUSY_TIMEOUT_MS);
    await sqlOf(reader).exec('PRAGMA foreign_keys = ON;');
    return new SqliteConnections(writer, reader);
  }

  /** Runs `work` inside BEGIN IMMEDIATE..COMMIT, after every earlier transaction finished; rolls back if it throws. */
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      await this.write.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.write);
        await this.write.exec('COMMIT');
        return result;
      } catch (error) {
        await this.write.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    await this.queue;
    await close(this.reader);
    await close(this.writer);
  }
}
