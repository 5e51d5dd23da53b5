// What PostgreSQL's SQL says its own way (store/sql.ts Dialect): rows of a JSON parameter through
// json_array_elements, cast to their columns' types; its unique violation (SQLSTATE 23505). List
// pages are rendered in the replica from the rows' text (node-json.ts), not in SQL.
import { OtherixError } from '@otherix/sdk';
import type { Dialect, Sql, SqlValue } from '../sql.js';
import { statusExpression } from '../node-status-sql.js';
import { nodeFrom } from '../rows.js';
import type { NodeRecord } from '../rows.js';
import type { PgSql } from './connection.js';
import { NODE_JSON, NODE_JSON_COLUMNS } from './node-json.js';

/** The Sql this dialect is given is its own engine's (PgStore passes its pool's). */
function pgSql(read: Sql): PgSql {
  if (!('texts' in read)) throw new OtherixError('internal', "PostgreSQL's dialect was given another engine's connections");
  return read as PgSql;
}

export const POSTGRES_DIALECT: Dialect = {
  valuesOf: 'SELECT value FROM json_array_elements_text(?::json)',
  rowsOf: (types, ordered = true) =>
    `SELECT ${types.map((type, i) => `(value ->> ${i})::${type}`).join(', ')} FROM json_array_elements(?::json)${ordered ? ' WITH ORDINALITY AS r (value, n) ORDER BY n' : ''}`,
  writingCtes: true,
  isUniqueViolation: (error) => (error as { code?: string }).code === '23505',
  nodeJsonPage: async (read, projection, rule, clauses) => {
    const params: SqlValue[] = [];
    const status = statusExpression(rule, params); // its parameters come first, as in the text
    const rows = await pgSql(read).texts(`SELECT name, ${status}, ${NODE_JSON_COLUMNS[projection]} FROM nodes ${clauses(params)}`, params);
    const render = NODE_JSON[projection];
    return rows.map((row) => ({ name: row[0]!, node: render(row) }));
  },
  selectNodes: async (read: Sql, clauses: string, params: readonly SqlValue[]) =>
    (await read.all<NodeRecord>(`SELECT * FROM nodes ${clauses}`, params)).map(nodeFrom),
};
