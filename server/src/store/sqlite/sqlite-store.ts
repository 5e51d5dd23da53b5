// The Store on SQLite (sqlite3): WAL, one serialized writer, a separate reader. The statements
// are the ones both engines share (store/sql-store.ts); what is SQLite's own is how it opens
// (a file, created 0600, migrated) and the cluster marker.
import { dirname, resolve } from 'node:path';
import type { ApiTokenRow } from '../store.js';
import { SqlStore, insertApiToken } from '../sql-store.js';
import { SqliteConnections } from './connection.js';
import { SQLITE_DIALECT } from './dialect.js';
import { migrate } from './migrate.js';

export const DATABASE_FILE = 'otherix.db';

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

export class SqliteStore extends SqlStore<SqliteConnections> {
  /** One CP per data dir (its lock); `otherix-server admin-token` only inserts. */
  readonly shared = false;

  private constructor(
    db: SqliteConnections,
    /** The folder of the database file. */
    readonly directory: string,
    options: SqliteStoreOptions,
  ) {
    super(db, SQLITE_DIALECT, options.afterClose, false);
  }

  /** Opens `path`, creating it (0600) when missing, and migrates it. */
  static async open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    return new SqliteStore(await SqliteConnections.open(path, migrate), dirname(resolve(path)), options);
  }

  /** The engine's own handle, for the engine's own tests (fault injection, raw SQL). */
  get connections(): SqliteConnections {
    return this.db;
  }

  // --- the cluster marker ---

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
      if (firstAdminToken !== undefined) await insertApiToken(sql, firstAdminToken);
    });
  }
}
