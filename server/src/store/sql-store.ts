// The Store's statements both engines share (API and join tokens, consumptions, node and
// certificate lookups, whole tables, the write probe), over an engine's Connections and Dialect
// (sql.ts). Each engine extends it with how it opens, and with its cluster row
// (store/sqlite/sqlite-store.ts, store/postgres/postgres-store.ts).
import { OtherixError } from '@otherix/sdk';
import type {
  ApiTokenRevocation,
  ApiTokenRow,
  ConsumptionRow,
  JoinTokenRow,
  NodeCertificateRow,
  NodeRow,
  Page,
  PageRequest,
  RedemptionTransaction,
  Store,
  StoreRows,
  WriteObserver,
} from './store.js';
import { decodeCursor, pageOf } from './cursor.js';
import { countLiveJoinTokens } from './fleet-counts.js';
import { importRows } from './import-rows.js';
import { COLUMNS, apiTokenFrom, consumptionFrom, joinTokenFrom, nodeCertificateFrom, nodeFrom } from './rows.js';
import type { ApiTokenRecord, ConsumptionRecord, JoinTokenRecord, NodeCertificateRecord, NodeRecord, SqlValue } from './rows.js';
import type { Connections, Dialect, Sql } from './sql.js';
import { SqlNodeStore } from './sql-nodes.js';
import { redemptionStatements } from './sql-redemptions.js';
import { SqlRenewalStore } from './sql-renewals.js';
import { CaRotationStore } from './ca-rotation-store.js';

/** Token and consumption pages are in insertion order, keyed by the row's seq. */
const bySeq = (r: { seq: number }): number => r.seq;

/** Inserts one API token row (the first admin token goes in with the cluster row). */
export function insertApiToken(sql: Sql, row: ApiTokenRow): Promise<unknown> {
  return sql.run(
    'INSERT INTO api_tokens (id, name, role, token_hash, expires_at, revoked_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    [row.id, row.name, row.role, row.tokenHash, row.expiresAt, row.revokedAt, row.createdBy, row.createdAt],
  );
}

export abstract class SqlStore<C extends Connections> implements Store {
  /** The node side (sql-nodes.ts). */
  readonly nodes: SqlNodeStore;
  /** Node certificate renewal (sql-renewals.ts). */
  readonly renewals: SqlRenewalStore;
  /** The CA rotation's state (ca-rotation-store.ts). */
  readonly caRotation: CaRotationStore;
  abstract readonly shared: boolean;

  protected constructor(
    protected readonly db: C,
    protected readonly dialect: Dialect,
    /** Runs after the connections are closed (a data dir's lock is released there). */
    private readonly afterClose: (() => Promise<void>) | undefined,
    /** The cluster row holds the CA (PostgreSQL: every replica shares it), so a completed rotation writes it there. */
    clusterHoldsCa: boolean,
  ) {
    this.nodes = new SqlNodeStore(db, dialect);
    this.renewals = new SqlRenewalStore(db, dialect);
    // A phase change judges the rotation's state and the fleet's: one at a time across replicas.
    this.caRotation = new CaRotationStore({ read: db.read, transaction: (work) => db.transaction(work, { rules: true }), clusterHoldsCa });
  }

  /** The row one read finds, mapped; undefined when there is none. */
  private async one<R, T>(sql: string, params: readonly SqlValue[], map: (record: R) => T): Promise<T | undefined> {
    const record = await this.db.read.get<R>(sql, params);
    return record && map(record);
  }

  // --- API tokens ---

  async insertApiToken(row: ApiTokenRow): Promise<void> {
    try {
      await this.db.transaction((sql) => insertApiToken(sql, row));
    } catch (error) {
      if (this.dialect.isUniqueViolation(error)) throw new OtherixError('conflict', `an API token named ${row.name} already exists`);
      throw error;
    }
  }

  findApiTokenByHash(tokenHash: string): Promise<ApiTokenRow | undefined> {
    return this.one<ApiTokenRecord, ApiTokenRow>(
      `SELECT ${COLUMNS.apiTokens} FROM api_tokens WHERE token_hash = ?`,
      [tokenHash],
      apiTokenFrom,
    );
  }

  findApiTokenById(id: string): Promise<ApiTokenRow | undefined> {
    return this.one<ApiTokenRecord, ApiTokenRow>(`SELECT ${COLUMNS.apiTokens} FROM api_tokens WHERE id = ?`, [id], apiTokenFrom);
  }

  async listApiTokens(page: PageRequest): Promise<Page<ApiTokenRow>> {
    const after = page.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor<number>(page.cursor, 'number');
    const rows = await this.db.read.all<ApiTokenRecord>('SELECT * FROM api_tokens WHERE seq < ? ORDER BY seq DESC LIMIT ?', [
      after,
      page.limit + 1,
    ]);
    return pageOf(rows, page.limit, bySeq, apiTokenFrom);
  }

  revokeApiToken(id: string, now: number, successorUntil: (expiresAt: number | null) => number): Promise<ApiTokenRevocation | undefined> {
    return this.db.transaction(
      async (sql) => {
        const before = await sql.get<ApiTokenRecord>('SELECT * FROM api_tokens WHERE id = ?', [id]);
        if (before === undefined) return undefined;
        const live = (r: ApiTokenRecord): boolean => r.revoked_at === null && (r.expires_at === null || r.expires_at > now);
        if (before.role === 'admin' && live(before)) {
          // The other live admin tokens' latest expiry (+inf for one without): NULL when there is none.
          const others = await sql.get<{ n: number; forever: number; latest: number | null }>(
            "SELECT count(*) AS n, count(*) - count(expires_at) AS forever, max(expires_at) AS latest FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) AND id <> ?",
            [now, id],
          );
          const until = successorUntil(before.expires_at);
          if (others === undefined || others.n === 0)
            return { row: apiTokenFrom(before), refused: 'last_live_admin' as const, othersLiveUntil: undefined };
          if (others.forever === 0 && (others.latest ?? now) < until)
            return { row: apiTokenFrom(before), refused: 'last_live_admin' as const, othersLiveUntil: others.latest ?? now };
        }
        const rows = await sql.all<ApiTokenRecord>('UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING *', [
          now,
          id,
        ]);
        return { row: apiTokenFrom(rows[0]) };
      },
      { rules: true },
    );
  }

  async countApiTokens(): Promise<number> {
    const r = await this.db.read.get<{ n: number }>('SELECT count(*) AS n FROM api_tokens');
    return r?.n ?? 0;
  }

  // --- join tokens ---

  async insertJoinToken(row: JoinTokenRow): Promise<void> {
    await this.db.transaction((sql) =>
      sql.run(
        'INSERT INTO join_tokens (id, token_hash, node_name, max_uses, consumed, expires_at, revoked_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [row.id, row.tokenHash, row.nodeName, row.maxUses, row.consumed, row.expiresAt, row.revokedAt, row.createdBy, row.createdAt],
      ),
    );
  }

  findJoinTokenByHash(tokenHash: string): Promise<JoinTokenRow | undefined> {
    return this.one<JoinTokenRecord, JoinTokenRow>(
      `SELECT ${COLUMNS.joinTokens} FROM join_tokens WHERE token_hash = ?`,
      [tokenHash],
      joinTokenFrom,
    );
  }

  findJoinTokenById(id: string): Promise<JoinTokenRow | undefined> {
    return this.one<JoinTokenRecord, JoinTokenRow>(`SELECT ${COLUMNS.joinTokens} FROM join_tokens WHERE id = ?`, [id], joinTokenFrom);
  }

  async listJoinTokens(query: PageRequest & { includeExpired: boolean; now: number }): Promise<Page<JoinTokenRow>> {
    const after = query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor<number>(query.cursor, 'number');
    const rows = query.includeExpired
      ? await this.db.read.all<JoinTokenRecord>('SELECT * FROM join_tokens WHERE seq < ? ORDER BY seq DESC LIMIT ?', [
          after,
          query.limit + 1,
        ])
      : await this.db.read.all<JoinTokenRecord>('SELECT * FROM join_tokens WHERE seq < ? AND expires_at > ? ORDER BY seq DESC LIMIT ?', [
          after,
          query.now,
          query.limit + 1,
        ]);
    return pageOf(rows, query.limit, bySeq, joinTokenFrom);
  }

  async revokeJoinToken(id: string, now: number): Promise<JoinTokenRow | undefined> {
    const rows = await this.db.transaction((sql) =>
      sql.all<JoinTokenRecord>('UPDATE join_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING *', [now, id]),
    );
    return rows[0] && joinTokenFrom(rows[0]);
  }

  countLiveJoinTokens(now: number): Promise<number> {
    return countLiveJoinTokens(this.db.read, now);
  }

  async listConsumptions(joinTokenId: string, page: PageRequest): Promise<Page<ConsumptionRow>> {
    const after = page.cursor === undefined ? 0 : decodeCursor<number>(page.cursor, 'number');
    const rows = await this.db.read.all<ConsumptionRecord>(
      'SELECT * FROM join_token_consumptions WHERE join_token_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?',
      [joinTokenId, after, page.limit + 1],
    );
    return pageOf(rows, page.limit, bySeq, consumptionFrom);
  }

  // --- the redemption (sql-redemptions.ts) ---

  redemptionTransaction<T>(work: (tx: RedemptionTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction((sql) => work(redemptionStatements(sql, this.dialect)), { rules: true });
  }

  // --- nodes ---

  findNodeByName(name: string): Promise<NodeRow | undefined> {
    return this.one<NodeRecord, NodeRow>(`SELECT ${COLUMNS.nodes} FROM nodes WHERE name = ?`, [name], nodeFrom);
  }

  findNodeById(id: string): Promise<NodeRow | undefined> {
    return this.one<NodeRecord, NodeRow>(`SELECT ${COLUMNS.nodes} FROM nodes WHERE id = ?`, [id], nodeFrom);
  }

  findNodeCertificate(serial: string): Promise<NodeCertificateRow | undefined> {
    return this.one<NodeCertificateRecord, NodeCertificateRow>(
      `SELECT ${COLUMNS.certificates} FROM node_certificates WHERE serial = ?`,
      [serial],
      nodeCertificateFrom,
    );
  }

  // --- whole tables ---

  exportRows(): Promise<StoreRows> {
    return this.db.transaction(
      async (sql) => ({
        apiTokens: (await sql.all<ApiTokenRecord>('SELECT * FROM api_tokens ORDER BY seq')).map(apiTokenFrom),
        joinTokens: (await sql.all<JoinTokenRecord>('SELECT * FROM join_tokens ORDER BY seq')).map(joinTokenFrom),
        consumptions: (await sql.all<ConsumptionRecord>('SELECT * FROM join_token_consumptions ORDER BY seq')).map(consumptionFrom),
        nodes: (await sql.all<NodeRecord>('SELECT * FROM nodes ORDER BY name')).map(nodeFrom),
        certificates: (await sql.all<NodeCertificateRecord>('SELECT * FROM node_certificates ORDER BY issued_at, serial')).map(
          nodeCertificateFrom,
        ),
      }),
      { snapshot: true },
    );
  }

  importRows(rows: Partial<StoreRows>): Promise<void> {
    return this.db.transaction((sql) => importRows(sql, this.dialect, rows), { rules: true });
  }

  // --- the write probe ---

  async probeWrite(now: number): Promise<void> {
    await this.db.transaction((sql) =>
      sql.run(
        'INSERT INTO write_probe (singleton, written_at) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET written_at = excluded.written_at',
        [now],
      ),
    );
  }

  observeWrites(observer: WriteObserver): void {
    this.db.observeWrites(observer);
  }

  async close(): Promise<void> {
    try {
      await this.db.close();
    } finally {
      await this.afterClose?.();
    }
  }
}
