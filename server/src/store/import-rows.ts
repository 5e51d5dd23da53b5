// Whole tables written as they are (Store.importRows): migrate-store's copy and tests' seeds, on
// either engine. Each table is one INSERT of a JSON array, in the array's order (seq follows it).
import type { StoreRows } from './store.js';
import {
  CERTIFICATE_COLUMNS,
  CERTIFICATE_COLUMN_TYPES,
  CONSUMPTION_COLUMNS,
  CONSUMPTION_COLUMN_TYPES,
  NODE_COLUMNS,
  NODE_COLUMN_TYPES,
  nodeValues,
} from './rows.js';
import type { ColumnType, SqlValue } from './rows.js';
import { jsonParameter } from './sql.js';
import type { Dialect, Sql } from './sql.js';

async function insertAll(
  sql: Sql,
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  types: readonly ColumnType[],
  rows: readonly SqlValue[][],
): Promise<void> {
  if (rows.length === 0) return;
  await sql.run(`INSERT INTO ${table} (${columns.join(', ')}) ${dialect.rowsOf(types)}`, [jsonParameter(rows)]);
}

export async function importRows(sql: Sql, dialect: Dialect, rows: Partial<StoreRows>): Promise<void> {
  await insertAll(
    sql,
    dialect,
    'api_tokens',
    ['id', 'name', 'role', 'token_hash', 'expires_at', 'revoked_at', 'created_by', 'created_at'],
    ['text', 'text', 'text', 'text', 'bigint', 'bigint', 'text', 'bigint'],
    (rows.apiTokens ?? []).map((r) => [r.id, r.name, r.role, r.tokenHash, r.expiresAt, r.revokedAt, r.createdBy, r.createdAt]),
  );
  await insertAll(
    sql,
    dialect,
    'join_tokens',
    ['id', 'token_hash', 'node_name', 'max_uses', 'consumed', 'expires_at', 'revoked_at', 'created_by', 'created_at'],
    ['text', 'text', 'text', 'integer', 'integer', 'bigint', 'bigint', 'text', 'bigint'],
    (rows.joinTokens ?? []).map((r) => [
      r.id,
      r.tokenHash,
      r.nodeName,
      r.maxUses,
      r.consumed,
      r.expiresAt,
      r.revokedAt,
      r.createdBy,
      r.createdAt,
    ]),
  );
  await insertAll(
    sql,
    dialect,
    'join_token_consumptions',
    CONSUMPTION_COLUMNS,
    CONSUMPTION_COLUMN_TYPES,
    (rows.consumptions ?? []).map((r) => [r.id, r.joinTokenId, r.nodeId, r.consumedAt, r.sourceIp]),
  );
  await insertAll(sql, dialect, 'nodes', NODE_COLUMNS, NODE_COLUMN_TYPES, (rows.nodes ?? []).map(nodeValues));
  await insertAll(
    sql,
    dialect,
    'node_certificates',
    CERTIFICATE_COLUMNS,
    CERTIFICATE_COLUMN_TYPES,
    (rows.certificates ?? []).map((r) => [r.serial, r.nodeId, r.notAfter, r.status, r.issuedAt]),
  );
}
