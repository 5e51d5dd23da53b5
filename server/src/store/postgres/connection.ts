// A promise face over a pg Pool, the same one the SQLite engine has (Sql: run, get, all, exec with
// `?` placeholders), so the SQL both engines share (store/node-status-sql.ts) reads alike.
// Reads run on any pooled connection (READ COMMITTED: each statement sees what was committed when
// it began). Transactions take a connection for their life; the transactions that judge rules
// across rows (redemptions, renewals, a node's delete, an API token's revoke) first take one
// transaction-level advisory lock, so they run one at a time across every CP replica on the
// database, and every statement after the lock sees what the one before committed.
import pg from 'pg';
import type { WriteObserver } from '../store.js';
import type { Connections, Sql, SqlValue, TransactionOptions } from '../sql.js';

export type { Sql };

/** The advisory lock key of the rule transactions (any constant; "otherix" in ASCII). */
const RULES_LOCK_KEY = 0x6f74686572_69;

/** What pg_stat_activity shows for this replica's connections: which process holds which. */
export const APPLICATION_NAME = `otherix-server pid ${process.pid}`;

/** How long a new connection to the database may take. */
export const CONNECT_TIMEOUT_MS = 5000;

/** Connections per replica: the group commits keep writes few; reads (lists, lookups) use the rest. */
export const DEFAULT_POOL_SIZE = 16;

/** `?` placeholders as `$1..$n` (none of our SQL has a `?` inside a string or an operator). */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** BIGINT (epoch ms, seq) as a JS number: every value we store is below 2^53. */
function bigintAsNumber(value: string): number {
  return Number(value);
}
const types = {
  getTypeParser: ((oid: number, format?: string): unknown =>
    oid === 20 ? bigintAsNumber : (pg.types.getTypeParser(oid, format as 'text') as unknown)) as typeof pg.types.getTypeParser,
};

/** Every column as PostgreSQL's text of it: what PgSql.texts gives, for rows rendered as they are read. */
const asText = (value: string): string => value;
const textTypes = { getTypeParser: (() => asText) as unknown as typeof pg.types.getTypeParser };

/** Statements prepared by name on each connection (parsed and planned once there) at most; later texts go unnamed. */
const MAX_NAMED_STATEMENTS = 256;
/** A `*` that stands for columns (`SELECT *`, `RETURNING *`, `t.*`), not a product or count(*). */
const EVERY_COLUMN = /(?:\bSELECT|\bRETURNING|,)\s*\*|\.\*/i;
const statementNames = new Map<string, string>();

/**
 * The name `text` is prepared under on every connection (parsed and planned there once, then only
 * bound and run: the planning of a batch's UPDATE..FROM a JSON parameter cost the database more
 * than its execution), while there is room for one. A statement that selects `*` (SELECT *,
 * RETURNING *) goes unnamed: once a migration adds a column, PostgreSQL refuses to run a prepared statement
 * whose result columns changed, and a replica started before it must keep working.
 */
function statementName(text: string): string | undefined {
  if (EVERY_COLUMN.test(text)) return undefined;
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `otherix_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

/** PostgreSQL's Sql face, with a read that skips making row objects. */
export interface PgSql extends Sql {
  /**
   * Each row as an array of its columns' text (NULL as null), in the SELECT's order: no type
   * parsing, no object per row.
   */
  texts(sql: string, params: readonly SqlValue[]): Promise<(string | null)[][]>;
}

/**
 * The Sql face over the pool (each statement on any connection) or over one connection. Statements
 * given together on one connection (the shared SQL sends a batch's reads at once, store/sql.ts
 * settled) are queued here, one after the other: pg would queue them too, but deprecates that.
 */
function sqlOf(client: pg.Pool | pg.PoolClient): PgSql {
  let queue: Promise<unknown> = Promise.resolve();
  const query = (config: pg.QueryConfig): Promise<pg.QueryResult> => {
    if (client instanceof pg.Pool) return client.query(config);
    const result = queue.then(() => client.query(config));
    queue = result.catch(() => undefined);
    return result;
  };
  const statement = (text: string, params: readonly SqlValue[] = []) => {
    const sql = numbered(text);
    return query({ name: statementName(sql), text: sql, values: params as unknown[] });
  };
  return {
    run: async (text, params) => ({ changes: (await statement(text, params)).rowCount ?? 0 }),
    get: async <T>(text: string, params?: readonly SqlValue[]) => (await statement(text, params)).rows[0] as T | undefined,
    all: async <T>(text: string, params?: readonly SqlValue[]) => (await statement(text, params)).rows as T[],
    exec: async (text) => {
      await query({ text });
    },
    texts: async (text, params) => {
      const sql = numbered(text);
      const config: pg.QueryArrayConfig = {
        name: statementName(sql),
        text: sql,
        values: params as unknown[],
        rowMode: 'array',
        types: textTypes,
      };
      return (await query(config)).rows as (string | null)[][];
    },
  };
}

export class PgConnections implements Connections {
  /** Reads that need no transaction. */
  readonly read: PgSql;
  private observer: WriteObserver | undefined;

  private constructor(private readonly pool: pg.Pool) {
    this.read = sqlOf(pool);
  }

  static async open(
    url: string,
    prepare: (connections: PgConnections) => Promise<void>,
    poolSize = DEFAULT_POOL_SIZE,
  ): Promise<PgConnections> {
    // A database that does not answer is an error after CONNECT_TIMEOUT_MS, not a request (or a
    // /readyz probe) that hangs.
    const pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      types,
      application_name: APPLICATION_NAME,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    // An idle connection the server dropped must not crash the process: the next query reconnects.
    pool.on('error', () => undefined);
    const connections = new PgConnections(pool);
    try {
      await prepare(connections);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return connections;
  }

  observeWrites(observer: WriteObserver): void {
    this.observer = observer;
  }

  /** A connection of its own for `work` (LISTEN, a session-level lock): released after. */
  async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }

  /**
   * Runs `work` inside BEGIN..COMMIT on a connection of its own; rolls back if it throws.
   * `rules`: take the rules' advisory lock first (one such transaction at a time, cluster-wide);
   * `snapshot`: REPEATABLE READ (every statement sees the state at the first one); `single`: one
   * statement that commits alone, on any pooled connection.
   */
  async transaction<T>(work: (sql: Sql) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (options.single === true && options.rules !== true && options.snapshot !== true) return this.alone(work);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      this.observer?.failed(error);
      throw error;
    }
    let broken = false;
    try {
      // BEGIN and the lock in one round trip (a simple query of two statements): the lock is held
      // for every round trip that follows, across all replicas.
      const begin = options.snapshot === true ? 'BEGIN ISOLATION LEVEL REPEATABLE READ' : 'BEGIN';
      await client.query(options.rules === true ? `${begin}; SELECT pg_advisory_xact_lock(${RULES_LOCK_KEY})` : begin);
      const result = await work(sqlOf(client));
      await client.query('COMMIT');
      this.observer?.committed();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      this.observer?.failed(error);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** One statement in autocommit: it commits (or fails) alone. */
  private async alone<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    try {
      const result = await work(this.read);
      this.observer?.committed();
      return result;
    } catch (error) {
      this.observer?.failed(error);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
