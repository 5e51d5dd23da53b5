// A look at the database file before the CP opens it for good (the start decides on it): is it
// there, is it a whole SQLite database (PRAGMA quick_check), which cluster does it belong to,
// does it hold nodes, and the newest time it records (to notice a clock that moved back).
// Nothing is created or migrated here; WAL recovery may run (the start holds the data dir's lock).
import { stat } from 'node:fs/promises';
import sqlite3 from 'sqlite3';
import type { ClusterMarker } from './sqlite-store.js';

/** quick_check stops after this many problems: enough to name the damage, bounded output. */
const QUICK_CHECK_MAX_ERRORS = 10;

export type DatabaseInspection =
  | { state: 'missing' }
  /** A 0-byte file, or a database without a single table (a first start that never got further). */
  | { state: 'empty' }
  | {
      state: 'initialized';
      schemaVersion: number;
      /** Absent in a database made before cluster markers existed. */
      marker: ClusterMarker | undefined;
      nodes: number;
      apiTokens: number;
      joinTokens: number;
      /** The newest time recorded (token, node, heartbeat, consumption, certificate), epoch ms. */
      latestTime: number | undefined;
    }
  /** SQLite refused it (SQLITE_CORRUPT, SQLITE_NOTADB, ...) or quick_check found damage. */
  | { state: 'damaged'; code: string; detail: string };

const DAMAGE_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_FORMAT', 'SQLITE_PROTOCOL']);

function openExisting(path: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, sqlite3.OPEN_READWRITE, (error) => (error === null ? resolve(db) : reject(error)));
  });
}

function all<T>(db: sqlite3.Database, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) =>
    db.all(sql, (error: Error | null, rows: T[]) => (error === null ? resolve(rows) : reject(error))),
  );
}

const LATEST_TIME_SQL = `
  SELECT max(t) AS latest FROM (
    SELECT max(created_at) AS t FROM api_tokens UNION ALL SELECT max(revoked_at) FROM api_tokens
    UNION ALL SELECT max(created_at) FROM join_tokens UNION ALL SELECT max(revoked_at) FROM join_tokens
    UNION ALL SELECT max(consumed_at) FROM join_token_consumptions
    UNION ALL SELECT max(created_at) FROM nodes UNION ALL SELECT max(last_heartbeat_at) FROM nodes
    UNION ALL SELECT max(issued_at) FROM node_certificates
  )`;

async function describe(db: sqlite3.Database): Promise<DatabaseInspection> {
  const problems = await all<{ quick_check: string }>(db, `PRAGMA quick_check(${QUICK_CHECK_MAX_ERRORS})`);
  if (problems.length !== 1 || problems[0].quick_check !== 'ok') {
    return { state: 'damaged', code: 'SQLITE_CORRUPT', detail: `quick_check: ${problems.map((p) => p.quick_check).join('; ')}` };
  }
  const [{ user_version: schemaVersion }] = (await all<{ user_version: number }>(db, 'PRAGMA user_version')) as [{ user_version: number }];
  const tables = new Set((await all<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => r.name));
  if (tables.size === 0) return { state: 'empty' };
  if (!tables.has('api_tokens') || !tables.has('nodes')) {
    return {
      state: 'damaged',
      code: 'SQLITE_SCHEMA',
      detail: `schema version ${schemaVersion} without the api_tokens and nodes tables: not an otherix database`,
    };
  }
  const markerRow = tables.has('cluster')
    ? (await all<{ id: string; ca_fingerprint: string; created_at: number }>(db, 'SELECT id, ca_fingerprint, created_at FROM cluster'))[0]
    : undefined;
  const [counts] = await all<{ nodes: number; api_tokens: number; join_tokens: number }>(
    db,
    'SELECT (SELECT count(*) FROM nodes) AS nodes, (SELECT count(*) FROM api_tokens) AS api_tokens, (SELECT count(*) FROM join_tokens) AS join_tokens',
  );
  const [latest] = await all<{ latest: number | null }>(db, LATEST_TIME_SQL);
  return {
    state: 'initialized',
    schemaVersion,
    marker: markerRow && { id: markerRow.id, caFingerprint: markerRow.ca_fingerprint, createdAt: markerRow.created_at },
    nodes: counts.nodes,
    apiTokens: counts.api_tokens,
    joinTokens: counts.join_tokens,
    latestTime: latest?.latest ?? undefined,
  };
}

export async function inspectDatabaseFile(path: string): Promise<DatabaseInspection> {
  try {
    await stat(path); // a 0-byte file is opened too: its -wal may hold what was written
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return { state: 'missing' };
    throw error;
  }
  let db: sqlite3.Database | undefined;
  try {
    db = await openExisting(path);
    return await describe(db);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    if (DAMAGE_CODES.has(code)) return { state: 'damaged', code, detail: (error as Error).message };
    throw error;
  } finally {
    if (db !== undefined) await new Promise<void>((resolve) => db!.close(() => resolve()));
  }
}

/**
 * The CA the CP serves from when a CA rotation moved it (phase update_servers): its certificate,
 * else undefined (the data dir's ca.crt is the one). Read beside a running CP (`ca-fingerprint`).
 */
export async function rotatedServingCaPem(path: string): Promise<string | undefined> {
  let db: sqlite3.Database | undefined;
  try {
    db = await openExisting(path);
    const tables = await all<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'ca_rotation'");
    if (tables.length === 0) return undefined;
    const [row] = await all<{ phase: string; next_ca_cert_pem: string | null }>(db, 'SELECT phase, next_ca_cert_pem FROM ca_rotation');
    return row?.phase === 'update_servers' && row.next_ca_cert_pem !== null ? row.next_ca_cert_pem : undefined;
  } catch {
    return undefined;
  } finally {
    if (db !== undefined) await new Promise<void>((resolve) => db!.close(() => resolve()));
  }
}
