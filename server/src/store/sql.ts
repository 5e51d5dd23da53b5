// What the SQL both engines share is written against: the face of an engine's connections (Sql,
// Connections: store/sqlite/connection.ts, store/postgres/connection.ts), `?` placeholders on
// both, and the few things their SQL says differently (Dialect: store/sqlite/dialect.ts,
// store/postgres/dialect.ts). The shared statements are in sql-store.ts, sql-nodes.ts,
// sql-redemptions.ts, sql-renewals.ts and import-rows.ts.
import type { NodeProjection, StatusRule } from './node-store.js';
import type { NodeRow, WriteObserver } from './store.js';
import type { ColumnType, SqlValue } from './rows.js';

export type { ColumnType, SqlValue };

/** Statements on one connection (or, for reads, any connection of the engine). */
export interface Sql {
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  exec(sql: string): Promise<void>;
}

export interface TransactionOptions {
  /**
   * The transaction judges rules across rows (a token's cap, a name, the last admin token): on an
   * engine that replicas share, such transactions run one at a time across all of them
   * (PostgreSQL's advisory lock). SQLite's one writer runs every transaction alone anyway.
   */
  rules?: boolean;
  /** Every read of the transaction sees one snapshot (PostgreSQL: REPEATABLE READ; SQLite's write transaction is one). */
  snapshot?: boolean;
  /**
   * `work` runs one statement, atomic on its own: PostgreSQL runs it alone (autocommit: one
   * round trip, not BEGIN, the statement and COMMIT); SQLite runs it in its writer queue without
   * BEGIN IMMEDIATE and COMMIT (autocommit).
   */
  single?: boolean;
}

/** An engine's connections: reads that need no transaction, and write transactions. */
export interface Connections {
  readonly read: Sql;
  /** Runs `work` in one transaction: commits when it returns, rolls back when it throws. */
  transaction<T>(work: (sql: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>;
  observeWrites(observer: WriteObserver): void;
  close(): Promise<void>;
}

/** What the engines' SQL says differently. */
export interface Dialect {
  /** `SELECT value FROM ...`: the strings of one jsonParameter(array) parameter, for `column IN (...)`. */
  readonly valuesOf: string;
  /**
   * `SELECT ...`: the rows of one jsonParameter(array of arrays) parameter in the array's order,
   * column i of types[i]. The text is the same for any number of rows (prepared once).
   * `ordered` false: in any order, no sort (SQLite sorts the rows again for ORDER BY; a statement
   * that only matches them, as a heartbeat batch's UPDATE..FROM, needs none).
   */
  rowsOf(types: readonly ColumnType[], ordered?: boolean): string;
  /**
   * Data-modifying statements in WITH (PostgreSQL): a batch's writes go as one statement, one
   * round trip; SQLite runs them one after the other (in process, a statement costs no trip).
   */
  readonly writingCtes: boolean;
  /** True when `error` is a unique constraint's refusal. */
  isUniqueViolation(error: unknown): boolean;
  /**
   * The nodes `SELECT ... FROM nodes ${clauses(params)}` finds (`clauses` pushes its parameters),
   * each as the JSON text of its API projection, the status derived by `rule` (the twin of
   * services/node-projection.ts: SQLite writes it in SQL, store/sqlite/node-json-sql.ts; PostgreSQL
   * in the replica from the rows' text, store/postgres/node-json.ts), with its name for the cursor.
   */
  nodeJsonPage(
    read: Sql,
    projection: NodeProjection,
    rule: StatusRule,
    clauses: (params: SqlValue[]) => string,
  ): Promise<{ name: string; node: string }[]>;
  /** The node rows `SELECT ... FROM nodes ${clauses}` finds, read the way the engine reads them fastest. */
  selectNodes(read: Sql, clauses: string, params: readonly SqlValue[]): Promise<NodeRow[]>;
}

/** How JSON.stringify writes a lone surrogate (lower-case hex, U+D800..U+DFFF). */
const LONE_SURROGATE_ESCAPE = /\\ud[89a-f]/;

/**
 * Many values as one parameter (for Dialect.valuesOf and rowsOf): JSON text, its strings made
 * well-formed first. A bound string with a lone UTF-16 surrogate reaches either engine as U+FFFD,
 * and the JSON text must carry the same (SQLite would decode `\ud800` to invalid UTF-8).
 */
export function jsonParameter(value: unknown): string {
  const text = JSON.stringify(value);
  // JSON.stringify writes a lone surrogate as a `\udXXX` escape: without one (nearly always) the
  // text is already what the engine must get, and the replacer (a call per key and value, ~0.5 µs
  // a heartbeat) is skipped. A literal backslash-u text matches too: it takes the slow path.
  if (!LONE_SURROGATE_ESCAPE.test(text)) return text;
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' ? (v as string & { toWellFormed(): string }).toWellFormed() : v,
  );
}

/**
 * Promise.all that waits for every statement before failing: a transaction must not ROLLBACK
 * while its own statements are still running (they would then run outside it).
 */
export async function settled<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
