// The Store on SQLite (sqlite3): WAL, one serialized writer, a separate reader.
import { dirname, resolve } from 'node:path';
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
} from '../store.js';
import { decodeCursor, pageOf } from '../cursor.js';
import { SqliteConnections } from './connection.js';
import { countLiveJoinTokens } from '../fleet-counts.js';
import { sqliteRedemptionTransaction } from './redemptions.js';
import { migrate } from './migrate.js';
import { importRows } from './import-rows.js';
import { SqliteNodeStore } from './nodes.js';
import { SqliteRenewalStore } from './renewals.js';
import { CaRotationStore } from '../ca-rotation-store.js';
import { apiTokenFrom, consumptionFrom, joinTokenFrom, nodeCertificateFrom, nodeFrom } from '../rows.js';
import type { ApiTokenRecord, ConsumptionRecord, JoinTokenRecord, NodeCertificateRecord, NodeRecord } from '../rows.js';

export const DATABASE_FILE = 'otherix.db';

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === 'SQLITE_CONSTRAINT' && /UNIQUE/.test((error as Error).message);
}

/** Token and consumption pages are in insertion order, keyed by the row's seq. */
const bySeq = (r: { seq: number }): number => r.seq;

/** The cluster marker (table `cluster`): which cluster this database belongs to. */
export interface ClusterMarker {
  id: string;
  /** The fingerprint of the CA the cluster was created with. */
  caFingerprint: string;
  createdAt: number;
}

interface SqliteStoreOptions {
  /** Runs after the database is closed (the data dir's lock is released there). */
  afterClose?: () => Promise<void>;
}

export class SqliteStore implements Store {
  /** The node side (store/sqlite/nodes.ts). */
  readonly nodes: SqliteNodeStore;
  /** Node certificate renewal (store/sqlite/renewals.ts). */
  readonly renewals: SqliteRenewalStore;
  /** The CA rotation's state (store/ca-rotation-store.ts). */
  readonly caRotation: CaRotationStore;
  /** One CP per data dir (its lock); `otherix-server admin-token` only inserts. */
  readonly shared = false;

  private constructor(
    private readonly db: SqliteConnections,
    /** The folder of the database file. */
    readonly directory: string,
    private readonly options: SqliteStoreOptions,
  ) {
    this.nodes = new SqliteNodeStore(db);
    this.renewals = new SqliteRenewalStore(db);
    this.caRotation = new CaRotationStore({ read: db.read, transaction: (work) => db.transaction(work), clusterHoldsCa: false });
  }

  /** Opens `path`, creating it (0600) when missing, and migrates it. */
  static async open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    return new SqliteStore(await SqliteConnections.open(path, migrate), dirname(resolve(path)), options);
  }

  /** The engine's own handle, for the node side's queries that are not in the interface yet. */
  get connections(): SqliteConnections {
    return this.db;
  }

  // --- API tokens ---

  async insertApiToken(row: ApiTokenRow): Promise<void> {
    try {
      await this.db.transaction((sql) =>
        sql.run(
          'INSERT INTO api_tokens (id, name, role, token_hash, expires_at, revoked_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          [row.id, row.name, row.role, row.tokenHash, row.expiresAt, row.revokedAt, row.createdBy, row.createdAt],
        ),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new OtherixError('conflict', `an API token named ${row.name} already exists`);
      throw error;
    }
  }

  async findApiTokenByHash(tokenHash: string): Promise<ApiTokenRow | undefined> {
    const r = await this.db.read.get<ApiTokenRecord>('SELECT * FROM api_tokens WHERE token_hash = ?', [tokenHash]);
    return r && apiTokenFrom(r);
  }

  async findApiTokenById(id: string): Promise<ApiTokenRow | undefined> {
    const r = await this.db.read.get<ApiTokenRecord>('SELECT * FROM api_tokens WHERE id = ?', [id]);
    return r && apiTokenFrom(r);
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
    return this.db.transaction(async (sql) => {
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
      await sql.run('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now, id]);
      const after = await sql.get<ApiTokenRecord>('SELECT * FROM api_tokens WHERE id = ?', [id]);
      return { row: apiTokenFrom(after!) };
    });
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

  async findJoinTokenByHash(tokenHash: string): Promise<JoinTokenRow | undefined> {
    const r = await this.db.read.get<JoinTokenRecord>('SELECT * FROM join_tokens WHERE token_hash = ?', [tokenHash]);
    return r && joinTokenFrom(r);
  }

  async findJoinTokenById(id: string): Promise<JoinTokenRow | undefined> {
    const r = await this.db.read.get<JoinTokenRecord>('SELECT * FROM join_tokens WHERE id = ?', [id]);
    return r && joinTokenFrom(r);
  }

  async listJoinTokens(query: PageRequest & { includeExpired: boolean; now: number }): Promise<Page<JoinTokenRow>> {
    const after = query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor<number>(query.cursor, 'number');
    const rows = await this.db.read.all<JoinTokenRecord>(
      'SELECT * FROM join_tokens WHERE seq < ? AND (? OR expires_at > ?) ORDER BY seq DESC LIMIT ?',
      [after, query.includeExpired ? 1 : 0, query.now, query.limit + 1],
    );
    return pageOf(rows, query.limit, bySeq, joinTokenFrom);
  }

  revokeJoinToken(id: string, now: number): Promise<JoinTokenRow | undefined> {
    return this.db.transaction(async (sql) => {
      await sql.run('UPDATE join_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now, id]);
      const r = await sql.get<JoinTokenRecord>('SELECT * FROM join_tokens WHERE id = ?', [id]);
      return r && joinTokenFrom(r);
    });
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

  // --- the redemption (redemptions.ts) ---

  redemptionTransaction<T>(work: (tx: RedemptionTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction((sql) => work(sqliteRedemptionTransaction(sql)));
  }

  // --- nodes ---

  async findNodeByName(name: string): Promise<NodeRow | undefined> {
    const r = await this.db.read.get<NodeRecord>('SELECT * FROM nodes WHERE name = ?', [name]);
    return r && nodeFrom(r);
  }

  async findNodeById(id: string): Promise<NodeRow | undefined> {
    const r = await this.db.read.get<NodeRecord>('SELECT * FROM nodes WHERE id = ?', [id]);
    return r && nodeFrom(r);
  }

  async findNodeCertificate(serial: string): Promise<NodeCertificateRow | undefined> {
    const r = await this.db.read.get<NodeCertificateRecord>('SELECT * FROM node_certificates WHERE serial = ?', [serial]);
    return r && nodeCertificateFrom(r);
  }

  // --- whole tables ---

  exportRows(): Promise<StoreRows> {
    // Inside a write transaction: one consistent snapshot of every table.
    return this.db.transaction(async (sql) => ({
      apiTokens: (await sql.all<ApiTokenRecord>('SELECT * FROM api_tokens ORDER BY seq')).map(apiTokenFrom),
      joinTokens: (await sql.all<JoinTokenRecord>('SELECT * FROM join_tokens ORDER BY seq')).map(joinTokenFrom),
      consumptions: (await sql.all<ConsumptionRecord>('SELECT * FROM join_token_consumptions ORDER BY seq')).map(consumptionFrom),
      nodes: (await sql.all<NodeRecord>('SELECT * FROM nodes ORDER BY name')).map(nodeFrom),
      certificates: (await sql.all<NodeCertificateRecord>('SELECT * FROM node_certificates ORDER BY issued_at, serial')).map(
        nodeCertificateFrom,
      ),
    }));
  }

  importRows(rows: Partial<StoreRows>): Promise<void> {
    return this.db.transaction((sql) => importRows(sql, rows));
  }

  // --- the cluster marker and the write probe ---

  async readClusterMarker(): Promise<ClusterMarker | undefined> {
    const r = await this.db.read.get<{ id: string; ca_fingerprint: string; created_at: number }>(
      'SELECT id, ca_fingerprint, created_at FROM cluster',
    );
    return r && { id: r.id, caFingerprint: r.ca_fingerprint, createdAt: r.created_at };
  }

  /** The first start's one transaction: the cluster marker and the first admin token (when given). */
  markCluster(marker: ClusterMarker, firstAdminToken?: ApiTokenRow): Promise<void> {
    return this.db.transaction(async (sql) => {
      await sql.run('INSERT INTO cluster (singleton, id, ca_fingerprint, created_at) VALUES (1, ?, ?, ?)', [
        marker.id,
        marker.caFingerprint,
        marker.createdAt,
      ]);
      if (firstAdminToken !== undefined) {
        const row = firstAdminToken;
        await sql.run(
          'INSERT INTO api_tokens (id, name, role, token_hash, expires_at, revoked_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          [row.id, row.name, row.role, row.tokenHash, row.expiresAt, row.revokedAt, row.createdBy, row.createdAt],
        );
      }
    });
  }

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
      await this.options.afterClose?.();
    }
  }
}
