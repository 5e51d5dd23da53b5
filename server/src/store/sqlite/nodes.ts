// The node side on SQLite: list, as rows or as API JSON rendered by SQLite, filtered by the status
// rule in SQL (node-status-sql.ts); a batch of heartbeats as one UPDATE..FROM, a transaction of
// its own in the shared write queue; cordon and delete.
import type { NodeRow, Page } from '../store.js';
import type {
  FleetCounts,
  FleetCountsQuery,
  HeartbeatLanded,
  HeartbeatWrite,
  NodeListQuery,
  NodeProjection,
  NodeStore,
} from '../node-store.js';
import { decodeCursor, pageOf } from '../cursor.js';
import { jsonParameter } from './connection.js';
import { countFleet } from '../fleet-counts.js';
import type { SqliteConnections, SqlValue } from './connection.js';
import { NODE_COLUMNS, nodeFrom, nodeFromJson } from '../rows.js';
import type { NodeJsonRecord, NodeRecord } from '../rows.js';
import { nodeJsonSql } from './node-json-sql.js';
import { statusCondition } from '../node-status-sql.js';

/**
 * Each listed row as one JSON text: node-sqlite3 turns every column of every row into a JS value
 * through N-API, which for a 100-node page costs twice what SQLite's json_object + JSON.parse do.
 * The hardware column (JSON text) is embedded as JSON, so one JSON.parse gives the whole row.
 */
const NODE_JSON = `json_object(${NODE_COLUMNS.map((column) => `'${column}', ${column === 'hardware' ? 'json(hardware)' : column}`).join(', ')})`;

/**
 * A whole batch of heartbeats in one statement, the batch passed as one JSON parameter: the SQL
 * text is the same for every batch size, so it is prepared once (a VALUES list per size would
 * churn the connection's statement cache). Each row lands only if the node still has that serial;
 * a landed heartbeat clears the node's refusal (it is heard again). jsonb_each, not json_each:
 * each row's `value` is then a slice of the one parsed binary form, and each `->>` reads it
 * there; with json_each every `->>` parsed the row's JSON text again (nine times a row).
 */
const RECORD_HEARTBEATS = `WITH hb AS (
    SELECT value ->> 'nodeId' AS id, value ->> 'certSerial' AS serial, value ->> 'architecture' AS architecture,
      value ->> 'agentVersion' AS agent_version, value ->> 'heartbeatIntervalMs' AS interval_ms, value ->> 'hardwareJson' AS hardware,
      value ->> 'vmCount' AS vm_count, value ->> 'activeMigrations' AS active_migrations, value ->> 'at' AS at
    FROM jsonb_each(?))
  UPDATE nodes SET architecture = hb.architecture, agent_version = hb.agent_version,
    heartbeat_interval_ms = hb.interval_ms, hardware = hb.hardware, vm_count = hb.vm_count,
    active_migrations = hb.active_migrations, last_heartbeat_at = hb.at, last_refused_heartbeat_at = NULL
  FROM hb WHERE nodes.id = hb.id AND nodes.cert_serial = hb.serial
  RETURNING nodes.id AS id, nodes.cert_serial AS serial, nodes.cordoned AS cordoned`;

/** WHERE (cursor, filters), ORDER BY name and LIMIT (one more, to know there is a next page). */
function pageClauses(query: NodeListQuery, params: SqlValue[]): string {
  const where: string[] = [];
  if (query.cursor !== undefined) {
    where.push('name > ?');
    params.push(decodeCursor<string>(query.cursor, 'string'));
  }
  if (query.architecture !== undefined) {
    where.push('architecture = ?');
    params.push(query.architecture);
  }
  if (query.status !== undefined) where.push(statusCondition(query.status, query.rule, params));
  if (query.schedulable !== undefined) {
    const ready = statusCondition('ready', query.rule, params);
    where.push(query.schedulable ? ready : `NOT ${ready}`);
  }
  if (query.certExpiresBefore !== undefined) {
    where.push('cert_not_after < ?');
    params.push(query.certExpiresBefore);
  }
  params.push(query.limit + 1);
  return `${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY name LIMIT ?`;
}

export class SqliteNodeStore implements NodeStore {
  constructor(private readonly db: SqliteConnections) {}

  async list(query: NodeListQuery): Promise<Page<NodeRow>> {
    const params: SqlValue[] = [];
    const rows = await this.db.read.all<{ node: string }>(`SELECT ${NODE_JSON} AS node FROM nodes ${pageClauses(query, params)}`, params);
    const records = rows.map((row) => JSON.parse(row.node) as NodeJsonRecord);
    return pageOf(records, query.limit, (r) => r.name, nodeFromJson);
  }

  async listJson(query: NodeListQuery, projection: NodeProjection): Promise<Page<string>> {
    const params: SqlValue[] = [];
    const node = nodeJsonSql(projection, query.rule, params); // its parameters come first, as in the text
    const rows = await this.db.read.all<{ name: string; node: string }>(
      `SELECT name, ${node} AS node FROM nodes ${pageClauses(query, params)}`,
      params,
    );
    return pageOf(
      rows,
      query.limit,
      (row) => row.name,
      (row) => row.node,
    );
  }

  async recordHeartbeats(writes: readonly HeartbeatWrite[]): Promise<(HeartbeatLanded | undefined)[]> {
    // The latest write per (node, serial) wins: UPDATE..FROM with two matching source rows for
    // one target row would pick one arbitrarily. Two serials of one node cannot both match.
    const keyOf = (w: { nodeId: string; certSerial: string }): string => `${w.nodeId}/${w.certSerial}`;
    const latest = new Map<string, HeartbeatWrite>();
    for (const write of writes) {
      const seen = latest.get(keyOf(write));
      if (seen === undefined || seen.at <= write.at) latest.set(keyOf(write), write);
    }
    const unique = [...latest.values()];
    // One statement: its own transaction (connection.ts, statement()).
    const rows = await this.db.statement<{ id: string; serial: string; cordoned: number }>(RECORD_HEARTBEATS, [jsonParameter(unique)]);
    const landed = new Map<string, HeartbeatLanded>();
    for (const row of rows) landed.set(keyOf({ nodeId: row.id, certSerial: row.serial }), { cordoned: row.cordoned !== 0 });
    return writes.map((write) => landed.get(keyOf(write)));
  }

  recordRefusedHeartbeat(nodeId: string, certSerial: string, at: number): Promise<boolean> {
    return this.db.transaction(async (sql) => {
      const result = await sql.run('UPDATE nodes SET last_refused_heartbeat_at = ? WHERE id = ? AND cert_serial = ?', [
        at,
        nodeId,
        certSerial,
      ]);
      return result.changes > 0;
    });
  }

  setCordoned(id: string, cordoned: boolean): Promise<NodeRow | undefined> {
    return this.db.transaction(async (sql) => {
      const rows = await sql.all<NodeRecord>('UPDATE nodes SET cordoned = ? WHERE id = ? RETURNING *', [cordoned ? 1 : 0, id]);
      return rows[0] && nodeFrom(rows[0]);
    });
  }

  delete(id: string, decide: (node: NodeRow) => void): Promise<NodeRow | undefined> {
    return this.db.transaction(async (sql) => {
      const record = await sql.get<NodeRecord>('SELECT * FROM nodes WHERE id = ?', [id]);
      if (record === undefined) return undefined;
      const node = nodeFrom(record);
      decide(node);
      await sql.run('DELETE FROM nodes WHERE id = ?', [id]);
      await sql.run("UPDATE node_certificates SET status = 'revoked' WHERE node_id = ? AND status IN ('current', 'pending')", [id]);
      return node;
    });
  }

  fleetCounts(query: FleetCountsQuery): Promise<FleetCounts> {
    return countFleet(this.db.read, query);
  }
}
