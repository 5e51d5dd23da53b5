// Versioned schema migrations, tracked in PRAGMA user_version. Append new migrations; never
// edit one that has shipped.
import { OtherixError, canonicalHost } from '@otherix/sdk';
import type { Sql } from './connection.js';
import { NODE_SIDE_MIGRATIONS } from './migrations-node-side.js';
import { RENEWAL_MIGRATION } from './migrations-renewal.js';

/** SQL, or a step SQL alone cannot say (run in the same transaction). */
type Migration = string | ((sql: Sql) => Promise<void>);

/**
 * 6: every stored host in the one canonical form the join rules compare (the SDK's canonicalHost:
 * lower case, no final dot, an IPv4-mapped IPv6 address as IPv4). An older CP kept `victim.example.`
 * and `::ffff:10.0.0.1` as given, so a new join on `victim.example` or `10.0.0.1` did not collide.
 */
async function canonicalizeNodeHosts(sql: Sql): Promise<void> {
  const rows = await sql.all<{ id: string; endpoint_host: string; migration_host: string }>('SELECT id, endpoint_host, migration_host FROM nodes');
  for (const row of rows) {
    const endpoint = canonicalHost(row.endpoint_host);
    const migration = canonicalHost(row.migration_host);
    if (endpoint === row.endpoint_host && migration === row.migration_host) continue;
    await sql.run('UPDATE nodes SET endpoint_host = ?, migration_host = ? WHERE id = ?', [endpoint, migration, row.id]);
  }
}

const MIGRATIONS: readonly Migration[] = [
  // 1: the join side (API tokens, join tokens and their consumptions, nodes and their certificates).
  `
  CREATE TABLE api_tokens (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'developer', 'viewer')),
    token_hash  TEXT NOT NULL UNIQUE,
    expires_at  INTEGER,
    revoked_at  INTEGER,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
  );
  -- A name identifies a holder: unique among tokens that still work.
  CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;

  CREATE TABLE join_tokens (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    token_hash  TEXT NOT NULL UNIQUE,
    node_name   TEXT,
    max_uses    INTEGER NOT NULL CHECK (max_uses >= 0),
    consumed    INTEGER NOT NULL DEFAULT 0 CHECK (consumed >= 0),
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    CHECK (max_uses = 0 OR consumed <= max_uses)
  );
  CREATE INDEX join_tokens_expires_at ON join_tokens (expires_at);

  CREATE TABLE nodes (
    id                        TEXT PRIMARY KEY,
    name                      TEXT NOT NULL UNIQUE,
    architecture              TEXT NOT NULL,
    advertised_endpoint       TEXT NOT NULL,
    endpoint_host             TEXT NOT NULL,
    migration_host            TEXT NOT NULL,
    migration_port_start      INTEGER NOT NULL,
    migration_port_end        INTEGER NOT NULL,
    hardware                  TEXT,
    agent_version             TEXT NOT NULL,
    vm_count                  INTEGER NOT NULL DEFAULT 0,
    active_migrations         INTEGER NOT NULL DEFAULT 0,
    cert_serial               TEXT NOT NULL,
    cert_not_after            INTEGER NOT NULL,
    cordoned                  INTEGER NOT NULL DEFAULT 0,
    heartbeat_interval_ms     INTEGER,
    last_heartbeat_at         INTEGER,
    created_at                INTEGER NOT NULL
  );
  CREATE INDEX nodes_endpoint_host ON nodes (endpoint_host);
  CREATE INDEX nodes_migration_host ON nodes (migration_host);
  CREATE INDEX nodes_architecture ON nodes (architecture, name);

  -- The audit trail outlives a deleted node, so node_id is not a foreign key.
  CREATE TABLE join_token_consumptions (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    join_token_id  TEXT NOT NULL REFERENCES join_tokens (id),
    node_id        TEXT NOT NULL,
    consumed_at    INTEGER NOT NULL,
    source_ip      TEXT NOT NULL
  );
  CREATE INDEX join_token_consumptions_token ON join_token_consumptions (join_token_id, seq);

  -- Every certificate the CA gave a node; heartbeats are accepted only with the current one.
  CREATE TABLE node_certificates (
    serial      TEXT PRIMARY KEY,
    node_id     TEXT NOT NULL,
    not_after   INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('current', 'replaced', 'revoked')),
    issued_at   INTEGER NOT NULL
  );
  CREATE INDEX node_certificates_node ON node_certificates (node_id, status);
  `,
  // 2..: the node side (migrations-node-side.ts).
  ...NODE_SIDE_MIGRATIONS,
  // 5: the cluster marker (one row, written by the first start with the first admin token, never
  // changed: its id is also in the data dir's cluster-id file) and the row /readyz writes.
  `
  CREATE TABLE cluster (
    singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
    id              TEXT NOT NULL,
    ca_fingerprint  TEXT NOT NULL,
    created_at      INTEGER NOT NULL
  );
  CREATE TABLE write_probe (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    written_at  INTEGER NOT NULL
  );
  `,
  canonicalizeNodeHosts,
  // 7: renewal statuses of node certificates (migrations-renewal.ts).
  RENEWAL_MIGRATION,
];

/** Brings the database to the last migration's version, one transaction per migration. Refuses a newer database. */
export async function migrate(sql: Sql): Promise<void> {
  const row = await sql.get<{ user_version: number }>('PRAGMA user_version');
  const current = row?.user_version ?? 0;
  if (current > MIGRATIONS.length) {
    throw new OtherixError('data_dir_invalid', `the database is at schema version ${current}, newer than this otherix-server (${MIGRATIONS.length}): upgrade otherix-server`);
  }
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    await sql.exec('BEGIN IMMEDIATE');
    try {
      const migration = MIGRATIONS[version - 1];
      if (typeof migration === 'string') await sql.exec(migration);
      else await migration(sql);
      await sql.exec(`PRAGMA user_version = ${version}`);
      await sql.exec('COMMIT');
    } catch (error) {
      await sql.exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}
