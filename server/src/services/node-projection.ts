// Where a stored node becomes an API node and its status is derived, for a single node; list
// pages use the SQL twins (store/sqlite/node-json-sql.ts, node-status-sql.ts), which the tests
// hold to these byte for byte.
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from '@otherix/sdk';
import type { components } from '@otherix/sdk';
import type { NodeRow } from '../store/store.js';
import { isoTimestamp as iso, isoTimestampOrNull } from './timestamps.js';

export type ApiNode = components['schemas']['Node'];
export type ApiNodeSummary = components['schemas']['NodeSummary'];
type NodeStatus = components['schemas']['NodeStatus'];

/** A node is not_ready after this many of its own reported intervals without a heartbeat. */
export const MISSED_HEARTBEATS_FOR_NOT_READY = 3;
/** The interval assumed for a node that reported none: the agent's default cadence, the SDK's. */
export { DEFAULT_HEARTBEAT_INTERVAL_MS };

/**
 * cordoned wins (maintenance is a decision, liveness stays visible in last_heartbeat_at); then
 * not_ready when a heartbeat from its current certificate was refused since the last accepted one
 * (it is not heard, whatever the times say); then pending (no heartbeat yet); then not_ready when
 * silent for 3 intervals, or when its last heartbeat is later than now (the CP's clock stepped
 * back since: the silence cannot be measured, and a dead node must not stay ready until the clock
 * catches up; a live node's next heartbeat is stamped with the clock as it is now); else ready.
 */
export function nodeStatus(row: NodeRow, now: number): NodeStatus {
  if (row.cordoned) return 'cordoned';
  if (row.lastRefusedHeartbeatAt !== null) return 'not_ready';
  if (row.lastHeartbeatAt === null) return 'pending';
  if (row.lastHeartbeatAt > now) return 'not_ready';
  const interval = row.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  return now - row.lastHeartbeatAt > MISSED_HEARTBEATS_FOR_NOT_READY * interval ? 'not_ready' : 'ready';
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
