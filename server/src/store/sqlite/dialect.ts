// What SQLite's SQL says its own way (store/sql.ts Dialect): rows of a JSON parameter through
// jsonb_each (each column read from the parameter's one parsed binary form, not the JSON text
// parsed again per column), its constraint errors, node JSON rendered with json_object
// (node-json-sql.ts), and node rows read as one JSON text each.
import type { Dialect, Sql, SqlValue } from '../sql.js';
import { NODE_COLUMNS, nodeFromJson } from '../rows.js';
import type { NodeJsonRecord } from '../rows.js';
import { nodeJsonSql } from './node-json-sql.js';

/**
 * Each listed row as one JSON text: node-sqlite3 turns every column of every row into a JS value
 * through N-API, which for a 100-node page costs twice what SQLite's json_object + JSON.parse do.
 * The hardware column (JSON text) is embedded as JSON, so one JSON.parse gives the whole row.
 */
const NODE_JSON = `json_object(${NODE_COLUMNS.map((column) => `'${column}', ${column === 'hardware' ? 'json(hardware)' : column}`).join(', ')})`;

export const SQLITE_DIALECT: Dialect = {
  valuesOf: 'SELECT value FROM jsonb_each(?)',
  // JSON's own types are SQLite's (text, integer, null): no casts.
  rowsOf: (types, ordered = true) =>
    `SELECT ${types.map((_, i) => `value ->> '$[${i}]'`).join(', ')} FROM jsonb_each(?)${ordered ? ' ORDER BY key' : ''}`,
  writingCtes: false,
  isUniqueViolation: (error) => (error as { code?: string }).code === 'SQLITE_CONSTRAINT' && /UNIQUE/.test((error as Error).message),
  nodeJsonPage: (read, projection, rule, clauses) => {
    const params: SqlValue[] = [];
    const node = nodeJsonSql(projection, rule, params); // its parameters come first, as in the text
    return read.all<{ name: string; node: string }>(`SELECT name, ${node} AS node FROM nodes ${clauses(params)}`, params);
  },
  selectNodes: async (read: Sql, clauses: string, params: readonly SqlValue[]) => {
    const rows = await read.all<{ node: string }>(`SELECT ${NODE_JSON} AS node FROM nodes ${clauses}`, params);
    return rows.map((row) => nodeFromJson(JSON.parse(row.node) as NodeJsonRecord));
  },
};
