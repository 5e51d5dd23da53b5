// Many rows as one parameter: a JSON array of arrays, unpacked by PostgreSQL in the array's order.
// A statement's text is then the same for any number of rows (prepared once by the server).
import type { SqlValue } from '../rows.js';

/**
 * `SELECT (value ->> 0)::type0, ... FROM json_array_elements(?::json) ... ORDER BY n`: the rows of
 * the parameter `jsonRows(values)` gives, each column cast to its type.
 */
export function selectJsonRows(types: readonly string[]): string {
  const columns = types.map((type, i) => `(value ->> ${i})::${type}`).join(', ');
  return `SELECT ${columns} FROM json_array_elements(?::json) WITH ORDINALITY AS r (value, n) ORDER BY n`;
}

/**
 * The rows as JSON text, its strings made well-formed first (a lone UTF-16 surrogate becomes
 * U+FFFD, what a bound string becomes on its way to the server).
 */
export function jsonRows(rows: readonly (readonly SqlValue[])[] | readonly unknown[]): string {
  return JSON.stringify(rows, (_key, v: unknown) =>
    typeof v === 'string' ? (v as string & { toWellFormed(): string }).toWellFormed() : v,
  );
}

/** The column types of a node row, in NODE_COLUMNS order. */
export const NODE_COLUMN_TYPES = [
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
] as const;
