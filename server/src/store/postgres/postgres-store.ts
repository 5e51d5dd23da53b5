// The Store on PostgreSQL (pg): a pool per replica, any number of replicas on one database. The
// statements are the ones both engines share (store/sql-store.ts); writes that judge rules across
// rows hold the rules' advisory lock (connection.ts); single-row writes (heartbeats, cordon) are
// conditional UPDATEs, atomic on their own. The cluster row also holds the CA every replica
// shares (its key sealed with the replicas' secret file).
import { OtherixError } from '@otherix/sdk';
import type { StoreRows } from '../store.js';
import { importRows } from '../import-rows.js';
import { SqlStore } from '../sql-store.js';
import { PgConnections } from './connection.js';
import { POSTGRES_DIALECT } from './dialect.js';
import { migrate } from './migrate.js';

/** The cluster row on PostgreSQL: the marker and the CA every replica shares. */
export interface SharedCluster {
  id: string;
  caFingerprint: string;
  createdAt: number;
  caCertPem: string;
  /** The CA's private key, sealed with the replicas' secret file (services/sealed-key.ts). */
  caKeySealed: string;
}

/** A URL for messages: without its password. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    // A libpq-style URL may carry secrets in its query too (`?password=`, `?sslpassword=`): every
    // parameter's value is hidden but those known to hold none, which help read an error.
    for (const name of [...parsed.searchParams.keys()]) {
      if (!SHOWN_URL_PARAMETERS.has(name.toLowerCase())) parsed.searchParams.set(name, '***');
    }
    return parsed.toString().replaceAll('%2A%2A%2A', '***');
  } catch {
    return 'the database URL';
  }
}

/** Query parameters of a database URL whose values a message may show. */
const SHOWN_URL_PARAMETERS = new Set([
  'sslmode',
  'application_name',
  'connect_timeout',
  'host',
  'port',
  'dbname',
  'user',
  'target_session_attrs',
]);

export class PgStore extends SqlStore<PgConnections> {
  /** Other replicas write this database too. */
  readonly shared = true;

  private constructor(db: PgConnections, afterClose: (() => Promise<void>) | undefined) {
    super(db, POSTGRES_DIALECT, afterClose, true);
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
        await importRows(sql, this.dialect, rows);
        return true;
      },
      { rules: true },
    );
  }
}
