// Migrations of the node side, appended after the join side's in migrations.ts.
// Lists page by name (the UNIQUE index on nodes.name); these partial indexes keep the status
// filters that select few rows (cordoned, pending) from scanning every node.
export const NODE_SIDE_MIGRATIONS: readonly string[] = [
  // 2: indexes for GET /v1/nodes filters.
  `
  CREATE INDEX nodes_cordoned_by_name ON nodes (name) WHERE cordoned = 1;
  CREATE INDEX nodes_pending_by_name ON nodes (name) WHERE cordoned = 0 AND last_heartbeat_at IS NULL;
  `,
  // 3: not_ready nodes are few in a healthy cluster; find them without scanning every node. The
  // expression is the status rule's (node-status-sql.ts, notReadyCondition) with its constants, 3 missed
  // intervals and the 30 s default: a query matches it only while those stay the same.
  `
  CREATE INDEX nodes_silent_since ON nodes (last_heartbeat_at + 3 * COALESCE(heartbeat_interval_ms, 30000))
    WHERE cordoned = 0 AND last_heartbeat_at IS NOT NULL;
  `,
  // 4: when a heartbeat from the node's current certificate was last refused; NULL once
  // one is accepted. A node with a refusal since its last accepted heartbeat is not_ready
  // (services/node-projection.ts).
  `
  ALTER TABLE nodes ADD COLUMN last_refused_heartbeat_at INTEGER;
  `,
];
