// What PostgreSQL's SQL says its own way (store/sql.ts Dialect): rows of a JSON parameter through
// json_array_elements, cast to their columns' types; its unique violation (SQLSTATE 23505). List
// pages are rendered from rows in the replica (NodeStore.listJson), not in SQL.
import type { Dialect, Sql, SqlValue } from '../sql.js';
import { nodeFrom } from '../rows.js';
import type { NodeRecord } from '../rows.js';

export const POSTGRES_DIALECT: Dialect = {
  valuesOf: 'SELECT value FROM json_array_elements_text(?::json)',
  rowsOf: (types) =>
    `SELECT ${types.map((type, i) => `(value ->> ${i})::${type}`).join(', ')} FROM json_array_elements(?::json) WITH ORDINALITY AS r (value, n) ORDER BY n`,
  writingCtes: true,
  isUniqueViolation: (error) => (error as { code?: string }).code === '23505',
  selectNodes: async (read: Sql, clauses: string, params: readonly SqlValue[]) =>
    (await read.all<NodeRecord>(`SELECT * FROM nodes ${clauses}`, params)).map(nodeFrom),
};
