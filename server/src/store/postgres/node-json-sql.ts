// The API forms of a node (openapi.yaml Node and NodeSummary), rendered by PostgreSQL for list
// pages as the exact text JSON.stringify gives for nodeToApi()/nodeToSummary() (keys in the
// schema's order, no spaces): the twin of store/sqlite/node-json-sql.ts. json_build_object would
// add spaces, so each value is to_json()'s text, joined here. test/store/node-json-sql checks it
// byte for byte on both engines.
import type { NodeProjection, StatusRule } from '../node-store.js';
import { statusExpression } from '../node-status-sql.js';
import type { SqlValue } from '../rows.js';

/** Epoch ms as `YYYY-MM-DDTHH:MM:SS.sssZ` (what isoTimestamp() gives); NULL stays NULL. */
const iso = (column: string): string =>
  `to_char(TIMESTAMP 'epoch' + ${column} * INTERVAL '1 millisecond', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A value as JSON text: `null` for NULL. */
const json = (expression: string): string => `COALESCE(to_json(${expression})::text, 'null')`;

/** `{"k":v,...}` from [key, JSON-text expression] pairs. */
function object(pairs: readonly (readonly [string, string])[]): string {
  const parts = pairs.map(([key, value], i) => `'${i === 0 ? '{' : ','}"${key}":' || ${value}`);
  return `(${parts.join(' || ')} || '}')`;
}

/** The JSON text of one node in `projection`, keys in the schema's order. Pushes its parameters. */
export function nodeJsonSql(projection: NodeProjection, rule: StatusRule, params: SqlValue[]): string {
  const status = json(statusExpression(rule, params));
  const lastHeartbeat = json(iso('last_heartbeat_at'));
  if (projection === 'summary') {
    return object([
      ['projection', `'"summary"'`],
      ['id', json('id')],
      ['name', json('name')],
      ['status', status],
      ['architecture', json('architecture')],
      ['last_heartbeat_at', lastHeartbeat],
    ]);
  }
  return object([
    ['projection', `'"full"'`],
    ['id', json('id')],
    ['name', json('name')],
    ['status', status],
    ['architecture', json('architecture')],
    ['advertised_endpoint', json('advertised_endpoint')],
    [
      'migration',
      object([
        ['host', json('migration_host')],
        ['port_range_start', json('migration_port_start')],
        ['port_range_end', json('migration_port_end')],
      ]),
    ],
    ['hardware', `COALESCE(hardware, 'null')`],
    ['agent_version', json('agent_version')],
    ['vm_count', json('vm_count')],
    ['active_migrations', json('active_migrations')],
    [
      'certificate',
      object([
        ['serial', json('cert_serial')],
        ['not_after', json(iso('cert_not_after'))],
      ]),
    ],
    ['created_at', json(iso('created_at'))],
    ['last_heartbeat_at', lastHeartbeat],
  ]);
}
