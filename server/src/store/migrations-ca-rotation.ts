// Migration 8 (CA rotation, issue 19), appended after the others in migrations.ts. Two tables of
// their own, so the statements of tokens, nodes, redemptions and renewals are not touched:
//   ca_rotation        one row once a rotation was ever started: the phase (standby when none
//                      runs), since when, the new CA (its certificate; on PostgreSQL its key,
//                      sealed like the cluster's; on SQLite the key is a 0600 file in the data
//                      dir), the two cross-certificates, the CA the last completed rotation
//                      retired, and a version that every change increments (replicas poll it).
//   ca_rotation_nodes  per node, what its heartbeats last said: the CAs it trusts and the CA of
//                      the certificate it authenticated with. Written only when that changes.
// IF NOT EXISTS: a database taken back to an earlier schema version (a test that rebuilds an older
// CP's database, an operator's restore of user_version) runs it again.
import type { Migration } from './migrations.js';

const table = (integer: string): string => `
  CREATE TABLE IF NOT EXISTS ca_rotation (
    singleton           INTEGER PRIMARY KEY CHECK (singleton = 1),
    phase               TEXT NOT NULL CHECK (phase IN ('standby', 'init', 'update_clients', 'update_servers', 'rollback')),
    phase_since         ${integer} NOT NULL,
    started_at          ${integer},
    next_ca_cert_pem    TEXT,
    next_ca_key_sealed  TEXT,
    cross_pem           TEXT,
    retired_ca_cert_pem TEXT,
    version             ${integer} NOT NULL
  );
  CREATE TABLE IF NOT EXISTS ca_rotation_nodes (
    node_id               TEXT PRIMARY KEY,
    trusted_fingerprints  TEXT NOT NULL,
    leaf_ca_fingerprint   TEXT NOT NULL,
    updated_at            ${integer} NOT NULL
  );
`;

export const CA_ROTATION_MIGRATION: Migration = { sqlite: table('INTEGER'), postgres: table('BIGINT') };
