// The Store on PostgreSQL (pg): a pool per replica, any number of replicas on one database. Writes
// that judge rules across rows hold the rules' advisory lock (connection.ts); single-row writes
// (heartbeats, cordon) are conditional UPDATEs, atomic on their own. The cluster row also holds
// the CA every replica shares (its key sealed with the replicas' secret file).
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
import { countLiveJoinTokens } from '../fleet-counts.js';
import { apiTokenFrom, consumptionFrom, joinTokenFrom, nodeCertificateFrom, nodeFrom } from '../rows.js';
import type { ApiTokenRecord, ConsumptionRecord, JoinTokenRecord, NodeCertificateRecord, NodeRecord } from '../rows.js';
import { PgConnections } from './connection.js';
import { importRows } from './import-rows.js';
import { migrate } from './migrate.js';
import { PgNodeStore } from './nodes.js';
import { postgresRedemptionTransaction } from './redemptions.js';
import { PgRenewalStore } from './renewals.js';
import { CaRotationStore } from '../ca-rotation-store.js';

/** The cluster row on PostgreSQL: the marker and the CA every replica shares. */
export interface SharedCluster {
  id: string;
  caFingerprint: string;
  createdAt: number;
  caCertPem: string;
  /** The CA's private key, sealed with the replicas' secret file (services/sealed-key.ts). */
  caKeySealed: string;
}

const isUniqueViolation = (error: unknown): boolean => (error as { code?: string }).code === '23505';

const bySeq = (r: { seq: number }): number => r.seq;

const INSERT_API_TOKEN =
  'INSERT INTO api_tokens (id, name, role, token_hash, expires_at, revoked_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
const apiTokenValues = (row: ApiTokenRow) => [
  row.id,
  row.name,
  row.role,
  row.tokenHash,
  row.expiresAt,
  row.revokedAt,
  row.createdBy,
  row.createdAt,
];

/** A URL for messages: without its password. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the database URL';
  }
}

export class PgStore implements Store {
  readonly nodes: PgNodeStore;
  readonly renewals: PgRenewalStore;
  /** The CA rotation's state (store/ca-rotation-store.ts). */
  readonly caRotation: CaRotationStore;
  /** Other replicas write this database too. */
  readonly shared = true;

  private constructor(
    private readonly db: PgConnections,
    private readonly afterClose: (() => Promise<void>) | undefined,
  ) {
    this.nodes = new PgNodeStore(db);
    this.renewals = new PgRenewalStore(db);
    this.caRotation = new CaRotationStore({ read: db.read, transaction: (work) => db.transaction(work), clusterHoldsCa: true });
  }

  /** Connects to `url` and migrates the database (once, whichever replica comes first). */
  /** `afterClose` runs after the pool is closed (a replica's data dir lock is released there). */
  static async open(url: string, options: { poolSize?: number; afterClose?: () => Promise<void> } = {}): Promise<PgStore> {
    if (!/^postgres(ql)?:\/\//.test(url))
      throw new OtherixError(
        'config_invalid',
        `--database-url: expected postgres://user:password@host:port/database, got ${redactDatabaseUrl(url)}`,
      );
    try {
      return new PgStore(await PgConnections.open(url, migrate, options.poolSize), options.afterClose);
    } catch (error) {
      if (error instanceof OtherixError) throw error;
      const code = (error as { code?: string }).code;
      throw new OtherixError(
        'config_invalid',
        `cannot use the PostgreSQL database at ${redactDatabaseUrl(url)} (${code ?? ''}${code === undefined ? '' : ': '}${(error as Error).message}): check that it runs, the URL, the user's password and its rights (it creates tables)`,
      );
    }
  }

  countLiveJoinTokens(now: number): Promise<number> {
    return countLiveJoinTokens(this.db.read, now);
  }

  // --- API tokens ---

  async insertApiToken(row: ApiTokenRow): Promise<void> {
    try {
      await this.db.transaction((sql) => sql.run(INSERT_API_TOKEN, apiTokenValues(row)));
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
    return this.db.transaction(
      async (sql) => {
        const before = await sql.get<ApiTokenRecord>('SELECT * FROM api_tokens WHERE id = ?', [id]);
        if (before === undefined) return undefined;
        const live = (r: ApiTokenRecord): boolean => r.revoked_at === null && (r.expires_at === null || r.expires_at > now);
        if (before.role === 'admin' && live(before)) {
          const others = await sql.get<{ n: number; forever: number; latest: number | null }>(
            "SELECT count(*)::integer AS n, (count(*) - count(expires_at))::integer AS forever, max(expires_at) AS latest FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) AND id <> ?",
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
    const r = await this.db.read.get<{ n: number }>('SELECT count(*)::integer AS n FROM api_tokens');
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

  async listConsumptions(joinTokenId: string, page: PageRequest): Promise<Page<ConsumptionRow>> {
    const after = page.cursor === undefined ? 0 : decodeCursor<number>(page.cursor, 'number');
    const rows = await this.db.read.all<ConsumptionRecord>(
      'SELECT * FROM join_token_consumptions WHERE join_token_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?',
      [joinTokenId, after, page.limit + 1],
    );
    return pageOf(rows, page.limit, bySeq, consumptionFrom);
  }

  redemptionTransaction<T>(work: (tx: RedemptionTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction((sql) => work(postgresRedemptionTransaction(sql)), { rules: true });
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
    return this.db.transaction(async (sql) => {
      await sql.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      return {
        apiTokens: (await sql.all<ApiTokenRecord>('SELECT * FROM api_tokens ORDER BY seq')).map(apiTokenFrom),
        joinTokens: (await sql.all<JoinTokenRecord>('SELECT * FROM join_tokens ORDER BY seq')).map(joinTokenFrom),
        consumptions: (await sql.all<ConsumptionRecord>('SELECT * FROM join_token_consumptions ORDER BY seq')).map(consumptionFrom),
        nodes: (await sql.all<NodeRecord>('SELECT * FROM nodes ORDER BY name')).map(nodeFrom),
        certificates: (await sql.all<NodeCertificateRecord>('SELECT * FROM node_certificates ORDER BY issued_at, serial')).map(
          nodeCertificateFrom,
        ),
      };
    });
  }

  importRows(rows: Partial<StoreRows>): Promise<void> {
    return this.db.transaction((sql) => importRows(sql, rows), { rules: true });
  }

  // --- the shared cluster (the marker and the CA) ---

  async readCluster(): Promise<SharedCluster | undefined> {
    const r = await this.db.read.get<{
      id: string;
      ca_fingerprint: string;
      created_at: number;
      ca_cert_pem: string;
      ca_key_sealed: string;
    }>('SELECT * FROM cluster');
    return (
      r && { id: r.id, caFingerprint: r.ca_fingerprint, createdAt: r.created_at, caCertPem: r.ca_cert_pem, caKeySealed: r.ca_key_sealed }
    );
  }

  /**
   * Creates the cluster row (and the rows given: the first admin token, or a migrated cluster's
   * tables) in one transaction, unless a cluster is there already: then nothing is written and
   * false is returned (two replicas started on a new database: one creates, the other joins).
   * `requireEmpty`: refuse (OtherixError 'conflict') when any table holds a row.
   */
  createCluster(cluster: SharedCluster, rows: Partial<StoreRows>, options: { requireEmpty?: boolean } = {}): Promise<boolean> {
    return this.db.transaction(
      async (sql) => {
        if (options.requireEmpty === true) {
          const counts = await sql.get<{ n: number }>(
            'SELECT ((SELECT count(*) FROM cluster) + (SELECT count(*) FROM api_tokens) + (SELECT count(*) FROM join_tokens) + (SELECT count(*) FROM nodes) + (SELECT count(*) FROM node_certificates) + (SELECT count(*) FROM join_token_consumptions))::integer AS n',
          );
          if ((counts?.n ?? 0) > 0)
            throw new OtherixError(
              'conflict',
              'the PostgreSQL database already holds a cluster (or some of its rows): migrate-store copies into an empty database only; create a new database (CREATE DATABASE) and give its URL',
            );
        }
        const inserted = await sql.run(
          'INSERT INTO cluster (singleton, id, ca_fingerprint, created_at, ca_cert_pem, ca_key_sealed) VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (singleton) DO NOTHING',
          [cluster.id, cluster.caFingerprint, cluster.createdAt, cluster.caCertPem, cluster.caKeySealed],
        );
        if (inserted.changes === 0) return false;
        await importRows(sql, rows);
        return true;
      },
      { rules: true },
    );
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
      await this.afterClose?.();
    }
  }
}
