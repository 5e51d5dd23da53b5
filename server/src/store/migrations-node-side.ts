// Migrations of the node side, appended after the join side's in migrations.ts.
// Lists page by name (the UNIQUE index on nodes.name); these partial indexes keep the status
// filters that select few rows (cordoned, pending) from scanning every node.
import { SILENT_SINCE_INDEX_SQL } from './node-status-sql.js';
import type { Migration } from './migrations.js';

const same = (sql: string): Migration => ({ sqlite: sql, postgres: sql });

export const NODE_SIDE_MIGRATIONS: readonly Migration[] = [
  // 2: indexes for GET /v1/nodes filters (the same text on both engines).
  same(`
  CREATE INDEX nodes_cordoned_by_name ON nodes (name) WHERE cordoned = 1;
  CREATE INDEX nodes_pending_by_name ON nodes (name) WHERE cordoned = 0 AND last_heartbeat_at IS NULL;
  `),
  // 3: not_ready nodes are few in a healthy cluster; find them without scanning every node. The
  // expression is the status rule's silence (store/node-status-sql.ts) with the rule's constants
  // (node-status-rule.ts: 3 missed intervals, the 30 s default), generated from them: a query
  // matches it only while those stay the same. SQLite drops it again in migration 9.
  same(`
  CREATE INDEX nodes_silent_since ON nodes ((${SILENT_SINCE_INDEX_SQL}))
    WHERE cordoned = 0 AND last_heartbeat_at IS NOT NULL;
  `),
  // 4: when a heartbeat from the node's current certificate was last refused; NULL once
  // one is accepted. A node with a refusal since its last accepted heartbeat is not_ready
  // (services/node-projection.ts).
  {
    sqlite: 'ALTER TABLE nodes ADD COLUMN last_refused_heartbeat_at INTEGER;',
    postgres: 'ALTER TABLE nodes ADD COLUMN last_refused_heartbeat_at BIGINT;',
  },
];

/**
 * 9: on SQLite the silent-nodes index of migration 3 cost more than it gave. Its key is the time of
 * the node's last heartbeat, so every heartbeat deleted and re-inserted an index entry (a B-tree
 * walk on the writer, per heartbeat, at 10,000 heartbeats/s), and SQLite's planner never used it for
 * what it was for: `status=not_ready` pages walk the name index (they are ordered by name and stop
 * at the page's end), while `status=ready`, which is most nodes, took the index and then sorted every
 * ready node by name for each page (16 ms a page at 50,000 nodes, against under 1 ms by the name
 * index). test/store/node-list-plans checks the plans. PostgreSQL keeps it for now: its planner is
 * another matter (issue 18).
 */
export const SQLITE_DROPS_SILENT_INDEX: Migration = {
  sqlite: 'DROP INDEX IF EXISTS nodes_silent_since;',
  postgres: async () => undefined,
};
