// Whole tables on PostgreSQL (Store.exportRows / importRows): migrate-store's copy and tests' seeds.
// Each table is one INSERT of a JSON array, in the array's order (seq follows it).
import type { StoreRows } from '../store.js';
import { NODE_COLUMNS, nodeValues } from '../rows.js';
import type { SqlValue } from '../rows.js';
import type { Sql } from './connection.js';
import { NODE_COLUMN_TYPES, jsonRows, selectJsonRows } from './json-rows.js';

async function insertAll(
  sql: Sql,
  table: string,
  columns: readonly string[],
  types: readonly string[],
  rows: readonly SqlValue[][],
): Promise<void> {
  if (rows.length === 0) return;
  await sql.run(`INSERT INTO ${table} (${columns.join(', ')}) ${selectJsonRows(types)}`, [jsonRows(rows)]);
}

export async function importRows(sql: Sql, rows: Partial<StoreRows>): Promise<void> {
  await insertAll(
    sql,
    'api_tokens',
    ['id', 'name', 'role', 'token_hash', 'expires_at', 'revoked_at', 'created_by', 'created_at'],
    ['text', 'text', 'text', 'text', 'bigint', 'bigint', 'text', 'bigint'],
    (rows.apiTokens ?? []).map((r) => [r.id, r.name, r.role, r.tokenHash, r.expiresAt, r.revokedAt, r.createdBy, r.createdAt]),
  );
  await insertAll(
    sql,
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
    'join_token_consumptions',
    ['id', 'join_token_id', 'node_id', 'consumed_at', 'source_ip'],
    ['text', 'text', 'text', 'bigint', 'text'],
    (rows.consumptions ?? []).map((r) => [r.id, r.joinTokenId, r.nodeId, r.consumedAt, r.sourceIp]),
  );
  await insertAll(sql, 'nodes', NODE_COLUMNS, NODE_COLUMN_TYPES, (rows.nodes ?? []).map(nodeValues));
  await insertAll(
    sql,
    'node_certificates',
    ['serial', 'node_id', 'not_after', 'status', 'issued_at'],
    ['text', 'text', 'bigint', 'text', 'bigint'],
    (rows.certificates ?? []).map((r) => [r.serial, r.nodeId, r.notAfter, r.status, r.issuedAt]),
  );
}
