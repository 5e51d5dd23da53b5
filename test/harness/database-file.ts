// A CP's database file (otherix.db in its data dir), as tests need it beyond the API:
// - read through the store's public interface (SqliteStore, the engine a data dir holds), for
//   what no API answers: the cluster marker, every API token row;
// - left as something other than this CP leaves it, for real: another process holding its write
//   lock (a sqlite3 shell, a backup tool), a garbled page, the file of an older otherix-server.
// Outside test/store/ this is the only place that opens the file itself, and it never reads
// what the CP stored through SQL.
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { SqliteStore } from '@otherix/server';

export const databasePath = (dataDir: string): string => join(dataDir, 'otherix.db');

/** Opens the data dir's existing database as a store (never creates one), and closes it after `use`. */
export async function withDataDirStore<T>(dataDir: string, use: (store: SqliteStore) => Promise<T>): Promise<T> {
  const path = databasePath(dataDir);
  if (!existsSync(path)) throw new Error(`no database at ${path}`);
  const store = await SqliteStore.open(path);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** What the database says of its cluster: the marker (id, CA fingerprint) and the names of its API tokens. */
export function storedCluster(
  dataDir: string,
): Promise<{ id: string | undefined; caFingerprint: string | undefined; apiTokenNames: string[] }> {
  return withDataDirStore(dataDir, async (store) => {
    const marker = await store.readClusterMarker();
    const tokens = await store.listApiTokens({ limit: 500 });
    return { id: marker?.id, caFingerprint: marker?.caFingerprint, apiTokenNames: tokens.items.map((row) => row.name) };
  });
}

function openFile(path: string, mode = sqlite3.OPEN_READWRITE): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, mode, (error) => (error === null ? resolve(db) : reject(error)));
  });
}

const exec = (db: sqlite3.Database, sql: string): Promise<void> =>
  new Promise((resolve, reject) => db.exec(sql, (error) => (error === null ? resolve() : reject(error))));

const closeFile = (db: sqlite3.Database): Promise<void> => new Promise((resolve) => db.close(() => resolve()));

/** Another process's write lock on the database (BEGIN IMMEDIATE), held until release(). */
export async function lockDatabase(dataDir: string): Promise<{ release(): Promise<void> }> {
  const db = await openFile(databasePath(dataDir));
  try {
    await exec(db, 'BEGIN IMMEDIATE');
  } catch (error) {
    await closeFile(db);
    throw error;
  }
  let released: Promise<void> | undefined;
  return {
    release: () =>
      (released ??= (async () => {
        await exec(db, 'ROLLBACK').catch(() => undefined);
        await closeFile(db);
      })()),
  };
}

/** Overwrites the first page of `table` with random bytes (the CP must be stopped); returns that page's number. */
export async function garbleTablePage(dataDir: string, table: string): Promise<number> {
  const path = databasePath(dataDir);
  const db = await openFile(path, sqlite3.OPEN_READONLY);
  const get = <T>(sql: string, params: unknown[] = []): Promise<T> =>
    new Promise((resolve, reject) => db.get<T>(sql, params, (error, row) => (error === null ? resolve(row) : reject(error))));
  let pageSize: number;
  let rootpage: number;
  try {
    pageSize = (await get<{ page_size: number }>('PRAGMA page_size')).page_size;
    rootpage = (await get<{ rootpage: number }>('SELECT rootpage FROM sqlite_master WHERE name = ?', [table])).rootpage;
  } finally {
    await closeFile(db);
  }
  const handle = await open(path, 'r+');
  try {
    await handle.write(randomBytes(pageSize), 0, pageSize, (rootpage - 1) * pageSize);
  } finally {
    await handle.close();
  }
  return rootpage;
}

/** Takes the cluster marker out of the database, as a data dir made before cluster markers has it. */
export async function asBeforeClusterMarkers(dataDir: string): Promise<void> {
  const db = await openFile(databasePath(dataDir));
  try {
    await exec(db, 'DELETE FROM cluster');
  } finally {
    await closeFile(db);
  }
}

/**
 * The database as schema 5 had it (an otherix-server from before canonical hosts and renewals):
 * node_certificates with its old CHECK (current, replaced, revoked; its rows must all fit it) and
 * without the renewal indexes, user_version 5. Every later migration then runs on it.
 */
const SCHEMA_5 = `
  CREATE TABLE node_certificates_v5 (serial TEXT PRIMARY KEY, node_id TEXT NOT NULL, not_after INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('current', 'replaced', 'revoked')), issued_at INTEGER NOT NULL);
  INSERT INTO node_certificates_v5 SELECT serial, node_id, not_after, status, issued_at FROM node_certificates;
  DROP TABLE node_certificates;
  ALTER TABLE node_certificates_v5 RENAME TO node_certificates;
  CREATE INDEX node_certificates_node ON node_certificates (node_id, status);
  DROP INDEX nodes_cert_not_after;
  PRAGMA user_version = 5;
`;

/** Puts the database back as an otherix-server of schema 5 left it (SCHEMA_5). The CP must be stopped. */
export async function asSchema5(dataDir: string): Promise<void> {
  const db = await openFile(databasePath(dataDir));
  try {
    await exec(db, SCHEMA_5);
  } finally {
    await closeFile(db);
  }
}

/**
 * Puts a node's hosts back as a CP before the canonical host form stored them (a final dot kept,
 * an IPv4-mapped IPv6 address as given), in the schema that CP left (5): the migration after it
 * must bring them to the canonical form. The CP must be stopped.
 */
export async function asBeforeCanonicalHosts(
  dataDir: string,
  node: string,
  hosts: { endpointHost: string; migrationHost: string },
): Promise<void> {
  const db = await openFile(databasePath(dataDir));
  const run = (sql: string, params: unknown[]): Promise<void> =>
    new Promise((resolve, reject) => db.run(sql, params, (error) => (error === null ? resolve() : reject(error))));
  try {
    await run('UPDATE nodes SET endpoint_host = ?, migration_host = ? WHERE name = ?', [hosts.endpointHost, hosts.migrationHost, node]);
    await exec(db, SCHEMA_5);
  } finally {
    await closeFile(db);
  }
}
