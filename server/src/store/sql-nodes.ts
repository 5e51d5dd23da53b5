// The node side (store/node-store.ts) on either engine: list, as rows or as API JSON, filtered by
// the status rule in SQL (node-status-sql.ts); a batch of heartbeats as one UPDATE..FROM (a
// statement that commits alone; a second one for the few that report a new architecture or are
// refused); cordon and delete (a rules transaction: it reads the node, then decides).
import type { NodeRow, Page } from './store.js';
import type {
  FleetCounts,
  FleetCountsQuery,
  HeartbeatLanded,
  HeartbeatWrite,
  NodeListQuery,
  NodeProjection,
  NodeStore,
} from './node-store.js';
import { decodeCursor, pageOf } from './cursor.js';
import { countFleet } from './fleet-counts.js';
import { statusCondition } from './node-status-sql.js';
import { COLUMNS, nodeFrom } from './rows.js';
import type { NodeRecord, SqlValue } from './rows.js';
import { jsonParameter } from './sql.js';
import type { Connections, Dialect } from './sql.js';

/**
 * A whole batch of heartbeats in one statement, the batch passed as one JSON parameter: the text
 * is the same for every batch size, so it is prepared once. Each row lands only if the node still
 * has that serial; a landed heartbeat clears the node's refusal (it is heard again).
 *
 * `architecture` false (every batch first): only rows whose architecture is unchanged land, and
 * the column is not written. An UPDATE that assigns a column rewrites every index entry holding
 * it, changed or not: on SQLite that was the nodes_architecture entry of every heartbeat, 45 WAL
 * frames a 30-heartbeat batch instead of 30. `architecture` true: the rows that did not land
 * (a new architecture, or a serial that is no longer the node's), with the column written.
 *
 * It returns the serial, not the node's id: a serial names one certificate, issued to one node
 * (node_certificates.serial is its key), so it says which (node, serial) landed; one text column
 * less for node-sqlite3 to turn into JavaScript per row. The rows are matched, not inserted, so
 * their order does not matter (no sort).
 */
const recordHeartbeatsSql = (
  dialect: Dialect,
  architecture: boolean,
): string => `WITH hb (id, serial, architecture, agent_version, interval_ms, hardware, vm_count, active_migrations, at) AS (
    ${dialect.rowsOf(['text', 'text', 'text', 'text', 'bigint', 'text', 'integer', 'integer', 'bigint'], false)})
  UPDATE nodes SET ${architecture ? 'architecture = hb.architecture, ' : ''}agent_version = hb.agent_version,
    heartbeat_interval_ms = hb.interval_ms, hardware = hb.hardware, vm_count = hb.vm_count,
    active_migrations = hb.active_migrations, last_heartbeat_at = hb.at, last_refused_heartbeat_at = NULL
  FROM hb WHERE nodes.id = hb.id AND nodes.cert_serial = hb.serial${architecture ? '' : ' AND nodes.architecture = hb.architecture'}
  RETURNING nodes.cert_serial AS serial, nodes.cordoned AS cordoned`;

const heartbeatValues = (w: HeartbeatWrite): SqlValue[] => [
  w.nodeId,
  w.certSerial,
  w.architecture,
  w.agentVersion,
  w.heartbeatIntervalMs,
  w.hardwareJson,
  w.vmCount,
  w.activeMigrations,
  w.at,
];

/**
 * WHERE (cursor, filters), ORDER BY name and LIMIT (one more, to know there is a next page).
 * Exported for test/store/node-list-plans, which checks that SQLite reads each page in name order.
 */
export function pageClauses(query: NodeListQuery, params: SqlValue[]): string {
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

export class SqlNodeStore implements NodeStore {
  private readonly recordHeartbeatsSql: string;
  private readonly recordNewArchitecturesSql: string;

  constructor(
    private readonly db: Connections,
    private readonly dialect: Dialect,
  ) {
    this.recordHeartbeatsSql = recordHeartbeatsSql(dialect, false);
    this.recordNewArchitecturesSql = recordHeartbeatsSql(dialect, true);
  }

  async list(query: NodeListQuery): Promise<Page<NodeRow>> {
    const params: SqlValue[] = [];
    const rows = await this.dialect.selectNodes(this.db.read, pageClauses(query, params), params);
    return pageOf(
      rows,
      query.limit,
      (r) => r.name,
      (r) => r,
    );
  }

  async listJson(query: NodeListQuery, projection: NodeProjection): Promise<Page<string>> {
    const rows = await this.dialect.nodeJsonPage(this.db.read, projection, query.rule, (params) => pageClauses(query, params));
    return pageOf(
      rows,
      query.limit,
      (row) => row.name,
      (row) => row.node,
    );
  }

  async recordHeartbeats(writes: readonly HeartbeatWrite[]): Promise<(HeartbeatLanded | undefined)[]> {
    // The latest write per serial (so per node and serial: see recordHeartbeatsSql) wins:
    // UPDATE..FROM with two matching source rows for one target row would pick one arbitrarily.
    // Two serials of one node cannot both match.
    const latest = new Map<string, HeartbeatWrite>();
    for (const write of writes) {
      const seen = latest.get(write.certSerial);
      if (seen === undefined || seen.at <= write.at) latest.set(write.certSerial, write);
    }
    const landed = new Map<string, HeartbeatLanded>();
    const land = async (statement: string, batch: readonly HeartbeatWrite[]): Promise<void> => {
      const rows = await this.db.transaction(
        (sql) => sql.all<{ serial: string; cordoned: number }>(statement, [jsonParameter(batch.map(heartbeatValues))]),
        { single: true },
      );
      for (const row of rows) landed.set(row.serial, { cordoned: row.cordoned !== 0 });
    };
    const batch = [...latest.values()];
    await land(this.recordHeartbeatsSql, batch);
    // Nearly always none: a node's architecture rarely changes, and a refused serial is rare.
    // Each statement commits alone, and every heartbeat is answered after both.
    const rest = batch.filter((write) => !landed.has(write.certSerial));
    if (rest.length > 0) await land(this.recordNewArchitecturesSql, rest);
    return writes.map((write) => landed.get(write.certSerial));
  }

  async recordRefusedHeartbeat(nodeId: string, certSerial: string, at: number): Promise<boolean> {
    const result = await this.db.transaction(
      (sql) => sql.run('UPDATE nodes SET last_refused_heartbeat_at = ? WHERE id = ? AND cert_serial = ?', [at, nodeId, certSerial]),
      { single: true },
    );
    return result.changes > 0;
  }

  async setCordoned(id: string, cordoned: boolean): Promise<NodeRow | undefined> {
    const rows = await this.db.transaction(
      (sql) => sql.all<NodeRecord>(`UPDATE nodes SET cordoned = ? WHERE id = ? RETURNING ${COLUMNS.nodes}`, [cordoned ? 1 : 0, id]),
      { single: true },
    );
    return rows[0] && nodeFrom(rows[0]);
  }

  delete(id: string, decide: (node: NodeRow) => void): Promise<NodeRow | undefined> {
    return this.db.transaction(
      async (sql) => {
        const record = await sql.get<NodeRecord>(`SELECT ${COLUMNS.nodes} FROM nodes WHERE id = ?`, [id]);
        if (record === undefined) return undefined;
        const node = nodeFrom(record);
        decide(node);
        await sql.run('DELETE FROM nodes WHERE id = ?', [id]);
        await sql.run("UPDATE node_certificates SET status = 'revoked' WHERE node_id = ? AND status IN ('current', 'pending')", [id]);
        return node;
      },
      { rules: true },
    );
  }

  fleetCounts(query: FleetCountsQuery): Promise<FleetCounts> {
    return countFleet(this.db.read, query);
  }
}
