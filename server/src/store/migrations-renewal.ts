// Migration 7 (node certificate renewal), appended after the others in migrations.ts.
// node_certificates gains the statuses of a renewal. Its CHECK constraint cannot be altered in
// place in SQLite, so there the table is rebuilt (same columns, rows copied as they are):
//   pending     a renewal signed it; the node has not authenticated with it yet
//   renewed     the node's certificate before a renewal whose leaf the node has since used
//   superseded  a pending leaf that a later renewal replaced before it was used (its answer was lost)
// At most one pending leaf per node. nodes.cert_serial stays the node's current certificate; the
// index on cert_not_after serves `GET /v1/nodes?cert_expires_before=...`.
import type { Migration } from './migrations.js';

const SQLITE = `
  CREATE TABLE node_certificates_v7 (
    serial      TEXT PRIMARY KEY,
    node_id     TEXT NOT NULL,
    not_after   INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('current', 'pending', 'replaced', 'renewed', 'superseded', 'revoked')),
    issued_at   INTEGER NOT NULL
  );
  INSERT INTO node_certificates_v7 (serial, node_id, not_after, status, issued_at)
    SELECT serial, node_id, not_after, status, issued_at FROM node_certificates;
  DROP TABLE node_certificates;
  ALTER TABLE node_certificates_v7 RENAME TO node_certificates;
  CREATE INDEX node_certificates_node ON node_certificates (node_id, status);
  CREATE UNIQUE INDEX node_certificates_one_pending ON node_certificates (node_id) WHERE status = 'pending';
  CREATE INDEX nodes_cert_not_after ON nodes (cert_not_after);
`;

// PostgreSQL alters the CHECK in place.
const POSTGRES = `
  ALTER TABLE node_certificates DROP CONSTRAINT node_certificates_status_check;
  ALTER TABLE node_certificates ADD CONSTRAINT node_certificates_status_check
    CHECK (status IN ('current', 'pending', 'replaced', 'renewed', 'superseded', 'revoked'));
  CREATE UNIQUE INDEX node_certificates_one_pending ON node_certificates (node_id) WHERE status = 'pending';
  CREATE INDEX nodes_cert_not_after ON nodes (cert_not_after);
`;

export const RENEWAL_MIGRATION: Migration = { sqlite: SQLITE, postgres: POSTGRES };
