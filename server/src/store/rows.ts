// Column <-> row mapping, the same for both engines (snake_case columns, camelCase rows): their
// schemas keep the same columns with the same meaning (store/migrations.ts).
import type {
  ApiTokenRow,
  ConsumptionRow,
  JoinTokenRow,
  NodeCertificateRow,
  NodeHardware,
  NodeRow,
  Role,
  CertificateStatus,
} from './store.js';

/** A value bound to a statement's parameter, on either engine. */
export type SqlValue = string | number | null;

/** A column's type, for rows passed as one JSON parameter (PostgreSQL casts to it; SQLite keeps JSON's). */
export type ColumnType = 'text' | 'integer' | 'bigint';

export interface ApiTokenRecord {
  seq: number;
  id: string;
  name: string;
  role: string;
  token_hash: string;
  expires_at: number | null;
  revoked_at: number | null;
  created_by: string;
  created_at: number;
}

export const apiTokenFrom = (r: ApiTokenRecord): ApiTokenRow => ({
  id: r.id,
  name: r.name,
  role: r.role as Role,
  tokenHash: r.token_hash,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export interface JoinTokenRecord {
  seq: number;
  id: string;
  token_hash: string;
  node_name: string | null;
  max_uses: number;
  consumed: number;
  expires_at: number;
  revoked_at: number | null;
  created_by: string;
  created_at: number;
}

export const joinTokenFrom = (r: JoinTokenRecord): JoinTokenRow => ({
  id: r.id,
  tokenHash: r.token_hash,
  nodeName: r.node_name,
  maxUses: r.max_uses,
  consumed: r.consumed,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export interface ConsumptionRecord {
  seq: number;
  id: string;
  join_token_id: string;
  node_id: string;
  consumed_at: number;
  source_ip: string;
}

export const consumptionFrom = (r: ConsumptionRecord): ConsumptionRow => ({
  id: r.id,
  joinTokenId: r.join_token_id,
  nodeId: r.node_id,
  consumedAt: r.consumed_at,
  sourceIp: r.source_ip,
});

export interface NodeRecord {
  id: string;
  name: string;
  architecture: string;
  advertised_endpoint: string;
  endpoint_host: string;
  migration_host: string;
  migration_port_start: number;
  migration_port_end: number;
  hardware: string | null;
  agent_version: string;
  vm_count: number;
  active_migrations: number;
  cert_serial: string;
  cert_not_after: number;
  cordoned: number;
  heartbeat_interval_ms: number | null;
  last_heartbeat_at: number | null;
  created_at: number;
  last_refused_heartbeat_at: number | null;
}

/** A node record as the list query's json_object() gives it: the hardware column already parsed. */
export type NodeJsonRecord = Omit<NodeRecord, 'hardware'> & { hardware: NodeHardware | null };

/** The hardware column holds the Hardware object as JSON text (null before the first heartbeat). */
export const nodeFrom = (r: NodeRecord): NodeRow =>
  nodeFromJson({ ...r, hardware: r.hardware === null ? null : (JSON.parse(r.hardware) as NodeHardware) });

export const nodeFromJson = (r: NodeJsonRecord): NodeRow => ({
  id: r.id,
  name: r.name,
  architecture: r.architecture,
  advertisedEndpoint: r.advertised_endpoint,
  endpointHost: r.endpoint_host,
  migrationHost: r.migration_host,
  migrationPortRangeStart: r.migration_port_start,
  migrationPortRangeEnd: r.migration_port_end,
  hardware: r.hardware,
  agentVersion: r.agent_version,
  vmCount: r.vm_count,
  activeMigrations: r.active_migrations,
  certSerial: r.cert_serial,
  certNotAfter: r.cert_not_after,
  cordoned: r.cordoned !== 0,
  heartbeatIntervalMs: r.heartbeat_interval_ms,
  lastHeartbeatAt: r.last_heartbeat_at,
  createdAt: r.created_at,
  lastRefusedHeartbeatAt: r.last_refused_heartbeat_at,
});

/** Column list and values of a node row, in NODE_COLUMNS order. */
export const NODE_COLUMNS = [
  'id',
  'name',
  'architecture',
  'advertised_endpoint',
  'endpoint_host',
  'migration_host',
  'migration_port_start',
  'migration_port_end',
  'hardware',
  'agent_version',
  'vm_count',
  'active_migrations',
  'cert_serial',
  'cert_not_after',
  'cordoned',
  'heartbeat_interval_ms',
  'last_heartbeat_at',
  'created_at',
  'last_refused_heartbeat_at',
] as const;

/** The column types of a node row, in NODE_COLUMNS order. */
export const NODE_COLUMN_TYPES: readonly ColumnType[] = [
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'integer',
  'integer',
  'text',
  'text',
  'integer',
  'integer',
  'text',
  'bigint',
  'integer',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
];

export const nodeValues = (n: NodeRow): SqlValue[] => [
  n.id,
  n.name,
  n.architecture,
  n.advertisedEndpoint,
  n.endpointHost,
  n.migrationHost,
  n.migrationPortRangeStart,
  n.migrationPortRangeEnd,
  n.hardware === null ? null : JSON.stringify(n.hardware),
  n.agentVersion,
  n.vmCount,
  n.activeMigrations,
  n.certSerial,
  n.certNotAfter,
  n.cordoned ? 1 : 0,
  n.heartbeatIntervalMs,
  n.lastHeartbeatAt,
  n.createdAt,
  n.lastRefusedHeartbeatAt,
];

export interface NodeCertificateRecord {
  serial: string;
  node_id: string;
  not_after: number;
  status: string;
  issued_at: number;
}

export const nodeCertificateFrom = (r: NodeCertificateRecord): NodeCertificateRow => ({
  serial: r.serial,
  nodeId: r.node_id,
  notAfter: r.not_after,
  status: r.status as CertificateStatus,
  issuedAt: r.issued_at,
});

/** node_certificates' columns and their types. */
export const CERTIFICATE_COLUMNS = ['serial', 'node_id', 'not_after', 'status', 'issued_at'] as const;
export const CERTIFICATE_COLUMN_TYPES: readonly ColumnType[] = ['text', 'text', 'bigint', 'text', 'bigint'];

/** join_token_consumptions' columns (seq aside) and their types. */
export const CONSUMPTION_COLUMNS = ['id', 'join_token_id', 'node_id', 'consumed_at', 'source_ip'] as const;
export const CONSUMPTION_COLUMN_TYPES: readonly ColumnType[] = ['text', 'text', 'text', 'bigint', 'text'];

/**
 * Each table's columns, as a SELECT or RETURNING list for the statements the CP runs per request:
 * named rather than `*`, so PostgreSQL keeps them prepared (store/postgres/connection.ts).
 */
export const COLUMNS = {
  apiTokens: 'seq, id, name, role, token_hash, expires_at, revoked_at, created_by, created_at',
  joinTokens: 'seq, id, token_hash, node_name, max_uses, consumed, expires_at, revoked_at, created_by, created_at',
  nodes: NODE_COLUMNS.join(', '),
  certificates: CERTIFICATE_COLUMNS.join(', '),
} as const;
