// Versioned schema migrations, one list for both engines: version N is the list's Nth entry, in
// SQLite's dialect and in PostgreSQL's (SQLite tracks it in PRAGMA user_version, PostgreSQL in the
// schema_version table). Append new migrations; never edit one that has shipped. The PostgreSQL
// forms keep SQLite's columns and their meaning (times as epoch ms in BIGINT, cordoned as 0/1), so
// the SQL the engines share (node-status-sql.ts) reads both alike.
import { canonicalHost } from '@otherix/sdk/internal';
import { HOT_HEARTBEATS_MIGRATION, NODE_SIDE_MIGRATIONS } from './migrations-node-side.js';
import { RENEWAL_MIGRATION } from './migrations-renewal.js';
import { CA_ROTATION_MIGRATION } from './migrations-ca-rotation.js';

/** What a migration step needs of an engine's connection (`?` placeholders on both). */
export interface MigrationSql {
  run(sql: string, params?: readonly (string | number | null)[]): Promise<unknown>;
  all<T>(sql: string, params?: readonly (string | number | null)[]): Promise<T[]>;
}

/** SQL, or a step SQL alone cannot say (run in the same transaction). */
export type MigrationStep = string | ((sql: MigrationSql) => Promise<void>);

export interface Migration {
  sqlite: MigrationStep;
  postgres: MigrationStep;
}

/**
 * 6: every stored host in the one canonical form the join rules compare (the SDK's canonicalHost:
 * lower case, no final dot, an IPv4-mapped IPv6 address as IPv4). An older CP kept `victim.example.`
 * and `::ffff:10.0.0.1` as given, so a new join on `victim.example` or `10.0.0.1` did not collide.
 */
async function canonicalizeNodeHosts(sql: MigrationSql): Promise<void> {
  const rows = await sql.all<{ id: string; endpoint_host: string; migration_host: string }>(
    'SELECT id, endpoint_host, migration_host FROM nodes',
  );
  for (const row of rows) {
    const endpoint = canonicalHost(row.endpoint_host);
    const migration = canonicalHost(row.migration_host);
    if (endpoint === row.endpoint_host && migration === row.migration_host) continue;
    await sql.run('UPDATE nodes SET endpoint_host = ?, migration_host = ? WHERE id = ?', [endpoint, migration, row.id]);
  }
}

/** What the join side's tables say differently on each engine; the rest of their text is one. */
interface JoinSideTypes {
  /** The insertion-order key of tokens and consumptions. */
  seq: string;
  /** Epoch milliseconds (and intervals in ms). */
  time: string;
  /** Node names sort byte-wise on both (SQLite's BINARY; PostgreSQL's "C"), so list pages agree. */
  nameCollation: string;
  /** PostgreSQL names the constraint migration 7 replaces; SQLite rebuilds the table. */
  statusCheck: string;
}

const joinSide = (t: JoinSideTypes): string => `
  CREATE TABLE api_tokens (
    seq         ${t.seq},
    id          TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'developer', 'viewer')),
    token_hash  TEXT NOT NULL UNIQUE,
    expires_at  ${t.time},
    revoked_at  ${t.time},
    created_by  TEXT NOT NULL,
    created_at  ${t.time} NOT NULL
  );
  -- A name identifies a holder: unique among tokens that still work.
  CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;

  CREATE TABLE join_tokens (
    seq         ${t.seq},
    id          TEXT NOT NULL UNIQUE,
    token_hash  TEXT NOT NULL UNIQUE,
    node_name   TEXT,
    max_uses    INTEGER NOT NULL CHECK (max_uses >= 0),
    consumed    INTEGER NOT NULL DEFAULT 0 CHECK (consumed >= 0),
    expires_at  ${t.time} NOT NULL,
    revoked_at  ${t.time},
    created_by  TEXT NOT NULL,
    created_at  ${t.time} NOT NULL,
    CHECK (max_uses = 0 OR consumed <= max_uses)
  );
  CREATE INDEX join_tokens_expires_at ON join_tokens (expires_at);

  CREATE TABLE nodes (
    id                        TEXT PRIMARY KEY,
    name                      TEXT${t.nameCollation} NOT NULL UNIQUE,
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
    cert_not_after            ${t.time} NOT NULL,
    cordoned                  INTEGER NOT NULL DEFAULT 0,
    heartbeat_interval_ms     ${t.time},
    last_heartbeat_at         ${t.time},
    created_at                ${t.time} NOT NULL
  );
  CREATE INDEX nodes_endpoint_host ON nodes (endpoint_host);
  CREATE INDEX nodes_migration_host ON nodes (migration_host);
  CREATE INDEX nodes_architecture ON nodes (architecture, name);

  -- The audit trail outlives a deleted node, so node_id is not a foreign key.
  CREATE TABLE join_token_consumptions (
    seq            ${t.seq},
    id             TEXT NOT NULL UNIQUE,
    join_token_id  TEXT NOT NULL REFERENCES join_tokens (id),
    node_id        TEXT NOT NULL,
    consumed_at    ${t.time} NOT NULL,
    source_ip      TEXT NOT NULL
  );
  CREATE INDEX join_token_consumptions_token ON join_token_consumptions (join_token_id, seq);

  -- Every certificate the CA gave a node; heartbeats are accepted only with the current one.
  CREATE TABLE node_certificates (
    serial      TEXT PRIMARY KEY,
    node_id     TEXT NOT NULL,
    not_after   ${t.time} NOT NULL,
    status      TEXT NOT NULL ${t.statusCheck}CHECK (status IN ('current', 'replaced', 'revoked')),
    issued_at   ${t.time} NOT NULL
  );
  CREATE INDEX node_certificates_node ON node_certificates (node_id, status);
`;

const JOIN_SIDE_SQLITE = joinSide({ seq: 'INTEGER PRIMARY KEY AUTOINCREMENT', time: 'INTEGER', nameCollation: '', statusCheck: '' });

const JOIN_SIDE_POSTGRES = joinSide({
  seq: 'BIGSERIAL PRIMARY KEY',
  time: 'BIGINT',
  nameCollation: ' COLLATE "C"',
  statusCheck: 'CONSTRAINT node_certificates_status_check ',
});

/**
 * 5: the cluster marker (one row, written by the first start with the first admin token, never
 * changed: its id is also in the data dir's cluster-id file) and the row /readyz writes. On
 * PostgreSQL the row also holds the cluster CA, shared by every replica: the certificate, and the
 * key sealed with the replicas' secret file (store/postgres/, services/sealed-key.ts).
 */
const CLUSTER_MARKER: Migration = {
  sqlite: `
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
  postgres: `
  CREATE TABLE cluster (
    singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
    id              TEXT NOT NULL,
    ca_fingerprint  TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    ca_cert_pem     TEXT NOT NULL,
    ca_key_sealed   TEXT NOT NULL
  );
  CREATE TABLE write_probe (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    written_at  BIGINT NOT NULL
  );
  `,
};

export const MIGRATIONS: readonly Migration[] = [
  // 1: the join side (API tokens, join tokens and their consumptions, nodes and their certificates).
  { sqlite: JOIN_SIDE_SQLITE, postgres: JOIN_SIDE_POSTGRES },
  // 2..: the node side (migrations-node-side.ts).
  ...NODE_SIDE_MIGRATIONS,
  // 5: the cluster marker (and on PostgreSQL the shared CA) and the write probe.
  CLUSTER_MARKER,
  // 6: canonical hosts (a no-op on a new database).
  { sqlite: canonicalizeNodeHosts, postgres: canonicalizeNodeHosts },
  // 7: renewal statuses of node certificates (migrations-renewal.ts).
  RENEWAL_MIGRATION,
  // 8: CA rotation (migrations-ca-rotation.ts).
  CA_ROTATION_MIGRATION,
  // 9: no index holds the last heartbeat's time (migrations-node-side.ts): PostgreSQL's heartbeats are HOT updates.
  HOT_HEARTBEATS_MIGRATION,
];
