// Where a stored node becomes an API node and its status is derived, for a single node; list
// pages are rendered by the store's twins (SQLite: store/sqlite/node-json-sql.ts; PostgreSQL:
// store/postgres/node-json.ts; the status by store/node-status-sql.ts), which the tests hold to
// these byte for byte.
import type { components } from '@otherix/sdk';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, MISSED_HEARTBEATS_FOR_NOT_READY, NODE_STATUS_RULE } from '../node-status-rule.js';
import type { StatusTest } from '../node-status-rule.js';
import type { NodeRow } from '../store/store.js';
import { isoTimestamp as iso, isoTimestampOrNull } from '../timestamps.js';

export type ApiNode = components['schemas']['Node'];
export type ApiNodeSummary = components['schemas']['NodeSummary'];
type NodeStatus = components['schemas']['NodeStatus'];

export { DEFAULT_HEARTBEAT_INTERVAL_MS, MISSED_HEARTBEATS_FOR_NOT_READY };

/** Each test of the rule (node-status-rule.ts) on a row, at `now`. */
const TESTS: Record<StatusTest, (row: NodeRow, now: number) => boolean> = {
  cordoned: (row) => row.cordoned,
  refused: (row) => row.lastRefusedHeartbeatAt !== null,
  never_heard: (row) => row.lastHeartbeatAt === null,
  heard_after_now: (row, now) => row.lastHeartbeatAt! > now,
  silent_too_long: (row, now) =>
    row.lastHeartbeatAt! + MISSED_HEARTBEATS_FOR_NOT_READY * (row.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS) < now,
};

/** The node's status by the rule (node-status-rule.ts): the first case that holds. */
export function nodeStatus(row: NodeRow, now: number): NodeStatus {
  for (const { status, when } of NODE_STATUS_RULE) if (when === undefined || TESTS[when](row, now)) return status;
  return 'ready';
}

/** The full projection (admin, operator). */
export function nodeToApi(row: NodeRow, now: number): ApiNode {
  return {
    projection: 'full',
    id: row.id,
    name: row.name,
    status: nodeStatus(row, now),
    architecture: row.architecture,
    advertised_endpoint: row.advertisedEndpoint,
    migration: {
      host: row.migrationHost,
      port_range_start: row.migrationPortRangeStart,
      port_range_end: row.migrationPortRangeEnd,
    },
    hardware: row.hardware,
    agent_version: row.agentVersion,
    vm_count: row.vmCount,
    active_migrations: row.activeMigrations,
    certificate: { serial: row.certSerial, not_after: iso(row.certNotAfter) },
    created_at: iso(row.createdAt),
    last_heartbeat_at: isoTimestampOrNull(row.lastHeartbeatAt),
  };
}

/** The reduced projection (developer, viewer). */
export function nodeToSummary(row: NodeRow, now: number): ApiNodeSummary {
  return {
    projection: 'summary',
    id: row.id,
    name: row.name,
    status: nodeStatus(row, now),
    architecture: row.architecture,
    last_heartbeat_at: isoTimestampOrNull(row.lastHeartbeatAt),
  };
}
