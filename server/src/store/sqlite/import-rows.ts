// Whole tables written as they are (Store.importRows): migrate-store's copy and tests' seeds. Each
// table is one INSERT of a JSON array (jsonb_each keeps the array's order, so seq follows it; each
// column is read from the one parsed binary form).
import type { StoreRows } from '../store.js';
import { jsonParameter } from './connection.js';
import type { Sql, SqlValue } from './connection.js';
import { NODE_COLUMNS, nodeValues } from '../rows.js';

const columns = (count: number): string => Array.from({ length: count }, (_, i) => `value ->> '$[${i}]'`).join(', ');

async function insertAll(sql: Sql, table: string, names: readonly string[], rows: readonly SqlValue[][]): Promise<void> {
  if (rows.length === 0) return;
  await sql.run(`INSERT INTO ${table} (${names.join(', ')}) SELECT ${columns(names.length)} FROM jsonb_each(?) ORDER BY key`, [
    jsonParameter(rows),
  ]);
}

export async function importRows(sql: Sql, rows: Partial<StoreRows>): Promise<void> {
  await insertAll(
    sql,
    'api_tokens',
    ['id', 'name', 'role', 'token_hash', 'expires_at', 'revoked_at', 'created_by', 'created_at'],
    (rows.apiTokens ?? []).map((r) => [r.id, r.name, r.role, r.tokenHash, r.expiresAt, r.revokedAt, r.createdBy, r.createdAt]),
  );
  await insertAll(
    sql,
    'join_tokens',
    ['id', 'token_hash', 'node_name', 'max_uses', 'consumed', 'expires_at', 'revoked_at', 'created_by', 'created_at'],
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
    (rows.consumptions ?? []).map((r) => [r.id, r.joinTokenId, r.nodeId, r.consumedAt, r.sourceIp]),
  );
  await insertAll(sql, 'nodes', NODE_COLUMNS, (rows.nodes ?? []).map(nodeValues));
  await insertAll(
    sql,
    'node_certificates',
    ['serial', 'node_id', 'not_after', 'status', 'issued_at'],
    (rows.certificates ?? []).map((r) => [r.serial, r.nodeId, r.notAfter, r.status, r.issuedAt]),
  );
}
