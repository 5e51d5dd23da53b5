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
 * 9 (appended after the CA rotation's in migrations.ts): no index of nodes holds the time of the
 * last heartbeat, whose value every heartbeat changes.
 * - PostgreSQL: an UPDATE that changes no indexed column is HOT (heap-only: the new row version
 *   goes on the same page and no index is touched); last_heartbeat_at was in two indexes (2's
 *   pending predicate, 3's silence expression), so every heartbeat wrote a new entry into every one
 *   of the nodes' nine indexes, which cost the database more than the rest of the heartbeat.
 *   Without them a status=pending or status=not_ready page walks the names in order and filters (a
 *   few ms per 10,000 nodes when few match), once per page asked for.
 * - SQLite drops the silence index only. Its key changes with every heartbeat, so every heartbeat
 *   deleted and re-inserted an entry on the writer, and SQLite's planner never used it for what it
 *   was for: status=not_ready pages walk the name index (ordered by name, they stop at the page's
 *   end), while status=ready, most nodes, took it and then sorted every ready node by name for
 *   each page (16 ms a page at 50,000 nodes, against under 1 ms by the name index;
 *   test/store/node-list-plans checks the plans). The pending index stays: a heartbeat moves no row
 *   into or out of its predicate after the first, so SQLite leaves its B-tree alone.
 */
export const HOT_HEARTBEATS_MIGRATION: Migration = {
  sqlite: 'DROP INDEX IF EXISTS nodes_silent_since;',
  postgres: `
  DROP INDEX IF EXISTS nodes_silent_since;
  DROP INDEX IF EXISTS nodes_pending_by_name;
  `,
};
