// The API forms of a node (openapi.yaml Node and NodeSummary), rendered by SQLite for list pages:
// the twin of nodeToApi()/nodeToSummary() in services/node-projection.ts, which still render a
// single node. A page of 100 full nodes is ~65 KB of JSON; building it here and sending the text
// as is skips a JSON.parse of every row and a re-serialization on the CP's event loop (about half
// of a page's cost there). test/store/node-json-sql checks both forms equal the JS projections.
import type { NodeProjection, StatusRule } from '../node-store.js';
import type { SqlValue } from '../sql.js';
import { statusExpression } from '../node-status-sql.js';

/**
 * Epoch ms as `YYYY-MM-DDTHH:MM:SS.sssZ`, what isoTimestamp() gives: SQLite rounds ms / 1000.0
 * back to the exact millisecond (its clock is integer milliseconds) and %f prints SS.sss. Years
 * 0000-9999 only (NULL outside), which holds every time a node has: the CP's clock and X.509
 * validity dates (GeneralizedTime ends at 9999).
 */
const iso = (column: string): string => `strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch')`;

/** json_object(...) of one node in `projection`, keys in the schema's order (`projection` first). Pushes its parameters. */
export function nodeJsonSql(projection: NodeProjection, rule: StatusRule, params: SqlValue[]): string {
  const status = statusExpression(rule, params);
  const lastHeartbeat = iso('last_heartbeat_at'); // NULL (json null) before the first heartbeat
  if (projection === 'summary') {
    return `json_object('projection', 'summary', 'id', id, 'name', name, 'status', ${status}, 'architecture', architecture, 'last_heartbeat_at', ${lastHeartbeat})`;
  }
  return `json_object('projection', 'full', 'id', id, 'name', name, 'status', ${status}, 'architecture', architecture,
    'advertised_endpoint', advertised_endpoint,
    'migration', json_object('host', migration_host, 'port_range_start', migration_port_start, 'port_range_end', migration_port_end),
    'hardware', json(hardware), 'agent_version', agent_version, 'vm_count', vm_count, 'active_migrations', active_migrations,
    'certificate', json_object('serial', cert_serial, 'not_after', ${iso('cert_not_after')}),
    'created_at', ${iso('created_at')}, 'last_heartbeat_at', ${lastHeartbeat})`;
}
