// The API forms of a node (openapi.yaml Node and NodeSummary) for PostgreSQL's list pages: the
// twin of nodeToApi()/nodeToSummary() (services/node-projection.ts) and of SQLite's
// node-json-sql.ts. The rows come as their columns' text (PgSql.texts: no type parsing, no row
// objects) with the status already derived by the rule's SQL (node-status-sql.ts), and each node
// is written by one template: numbers as PostgreSQL wrote them, strings through JSON.stringify,
// the hardware column spliced as stored. That column holds JSON.stringify's text of the report
// (heartbeats, joins, imports all write it so), which is what JSON.stringify of the parsed object
// gives again, as SQLite's json(hardware) relies on too. Building this text in SQL (to_json and
// to_char per value) would cost the database, which all replicas share, ~20 times what reading the
// rows does; reading them as row objects and stringifying API objects cost the replica ~3 times
// this. test/store/node-json-sql holds both forms to the JS projections byte for byte.
import { isoTimestamp } from '../../timestamps.js';
import type { NodeProjection } from '../node-store.js';

/** A row of the page query: each column's text, NULL as null. */
export type TextRow = readonly (string | null)[];

/** The columns each projection renders from, after `name` and the status (in this order). */
export const NODE_JSON_COLUMNS: Record<NodeProjection, string> = {
  full: `id, architecture, advertised_endpoint, migration_host, migration_port_start, migration_port_end, hardware,
    agent_version, vm_count, active_migrations, cert_serial, cert_not_after, created_at, last_heartbeat_at`,
  summary: 'id, architecture, last_heartbeat_at',
};

const text = JSON.stringify;
/** A BIGINT epoch-ms column as isoTimestamp's JSON string (null stays null). */
const time = (ms: string | null): string => (ms === null ? 'null' : `"${isoTimestamp(Number(ms))}"`);

/** One node's JSON text from its row: [name, status, ...NODE_JSON_COLUMNS[projection]]. */
export const NODE_JSON: Record<NodeProjection, (r: TextRow) => string> = {
  full: (r) =>
    `{"projection":"full","id":${text(r[2])},"name":${text(r[0])},"status":"${r[1]}","architecture":${text(r[3])},` +
    `"advertised_endpoint":${text(r[4])},"migration":{"host":${text(r[5])},"port_range_start":${r[6]},"port_range_end":${r[7]}},` +
    `"hardware":${r[8] ?? 'null'},"agent_version":${text(r[9])},"vm_count":${r[10]},"active_migrations":${r[11]},` +
    `"certificate":{"serial":${text(r[12])},"not_after":${time(r[13])}},"created_at":${time(r[14])},"last_heartbeat_at":${time(r[15])}}`,
  summary: (r) =>
    `{"projection":"summary","id":${text(r[2])},"name":${text(r[0])},"status":"${r[1]}","architecture":${text(r[3])},` +
    `"last_heartbeat_at":${time(r[4])}}`,
};
