// Join-token redemptions on PostgreSQL: the SQL of Store.redemptionTransaction (the rules that
// drive it are in services/redemption-batch.ts). The transaction holds the rules' advisory lock
// (connection.ts), so batches from every replica run one at a time: a capped token, a name and a
// host are judged on state nobody else is changing. A batch reads every attempt's state with three
// statements and writes its new nodes with one UPDATE per token and three INSERTs.
import { OtherixError } from '@otherix/sdk';
import type { RedemptionKey, RedemptionState, RedemptionTransaction, RedemptionWrite } from '../store.js';
import { NODE_COLUMNS, joinTokenFrom, nodeFrom, nodeValues } from '../rows.js';
import type { JoinTokenRecord, NodeRecord, SqlValue } from '../rows.js';
import type { Sql } from './connection.js';
import { NODE_COLUMN_TYPES, jsonRows, selectJsonRows } from './json-rows.js';

export function postgresRedemptionTransaction(sql: Sql): RedemptionTransaction {
  return {
    readStates: (keys) => readStates(sql, keys),
    writeNewNodes: (writes) => writeNewNodes(sql, writes),
    writeReissue: (write) => writeReissue(sql, write),
  };
}

const ANY_OF = 'SELECT value FROM json_array_elements_text(?::json)';

async function readStates(sql: Sql, keys: readonly RedemptionKey[]): Promise<RedemptionState[]> {
  const hosts = [...new Set(keys.flatMap((key) => key.hosts))];
  const tokens = await sql.all<JoinTokenRecord>(`SELECT * FROM join_tokens WHERE token_hash IN (${ANY_OF})`, [
    jsonRows(keys.map((k) => k.tokenHash)),
  ]);
  const named = await sql.all<NodeRecord>(`SELECT * FROM nodes WHERE name IN (${ANY_OF})`, [jsonRows(keys.map((k) => k.name))]);
  const onHosts =
    hosts.length === 0
      ? []
      : await sql.all<NodeRecord>(`SELECT * FROM nodes WHERE endpoint_host IN (${ANY_OF}) OR migration_host IN (${ANY_OF})`, [
          jsonRows(hosts),
          jsonRows(hosts),
        ]);
  const tokenByHash = new Map(tokens.map((r) => [r.token_hash, joinTokenFrom(r)]));
  const nodeByName = new Map(named.map((r) => [r.name, nodeFrom(r)]));
  const nodesOnHosts = onHosts.map(nodeFrom);
  return keys.map((key) => ({
    token: tokenByHash.get(key.tokenHash),
    existingNode: nodeByName.get(key.name),
    collidingNodes: nodesOnHosts.filter(
      (n) => n.name !== key.name && (key.hosts.includes(n.endpointHost) || key.hosts.includes(n.migrationHost)),
    ),
  }));
}

/** Uses of each token: the cap is checked again by the UPDATE itself, so it holds even if a rule were skipped. */
async function consumeTokens(sql: Sql, tokenIds: readonly string[]): Promise<void> {
  const uses = new Map<string, number>();
  for (const id of tokenIds) uses.set(id, (uses.get(id) ?? 0) + 1);
  for (const [id, n] of uses) {
    const { changes } = await sql.run(
      'UPDATE join_tokens SET consumed = consumed + ? WHERE id = ? AND revoked_at IS NULL AND (max_uses = 0 OR consumed + ? <= max_uses)',
      [n, id, n],
    );
    if (changes !== 1) throw new OtherixError('internal', 'join token cap reached inside the redemption transaction');
  }
}

const CERTIFICATE_COLUMNS = 'serial, node_id, not_after, status, issued_at';
const CONSUMPTION_COLUMNS = 'id, join_token_id, node_id, consumed_at, source_ip';

async function writeNewNodes(sql: Sql, gathered: readonly RedemptionWrite[]): Promise<void> {
  await consumeTokens(
    sql,
    gathered.map((g) => g.tokenId),
  );
  await sql.run(`INSERT INTO nodes (${NODE_COLUMNS.join(', ')}) ${selectJsonRows(NODE_COLUMN_TYPES)}`, [
    jsonRows(gathered.map(({ node }) => nodeValues(node))),
  ]);
  await sql.run(`INSERT INTO node_certificates (${CERTIFICATE_COLUMNS}) ${selectJsonRows(['text', 'text', 'bigint', 'text', 'bigint'])}`, [
    jsonRows(
      gathered.map(({ certificate, consumption, node }): SqlValue[] => [
        certificate.serial,
        node.id,
        certificate.notAfter,
        'current',
        consumption.consumedAt,
      ]),
    ),
  ]);
  await sql.run(
    `INSERT INTO join_token_consumptions (${CONSUMPTION_COLUMNS}) ${selectJsonRows(['text', 'text', 'text', 'bigint', 'text'])}`,
    [
      jsonRows(
        gathered.map(({ consumption, tokenId, node }): SqlValue[] => [
          consumption.id,
          tokenId,
          node.id,
          consumption.consumedAt,
          consumption.sourceIp,
        ]),
      ),
    ],
  );
}

async function writeReissue(sql: Sql, { tokenId, node, certificate, consumption }: RedemptionWrite): Promise<void> {
  const assignments = NODE_COLUMNS.filter((c) => c !== 'id')
    .map((c) => `${c} = ?`)
    .join(', ');
  await consumeTokens(sql, [tokenId]);
  await sql.run(`UPDATE nodes SET ${assignments} WHERE id = ?`, [...nodeValues(node).slice(1), node.id]);
  await sql.run("UPDATE node_certificates SET status = 'replaced' WHERE node_id = ? AND status IN ('current', 'pending')", [node.id]);
  await sql.run(`INSERT INTO node_certificates (${CERTIFICATE_COLUMNS}) VALUES (?, ?, ?, 'current', ?)`, [
    certificate.serial,
    node.id,
    certificate.notAfter,
    consumption.consumedAt,
  ]);
  await sql.run(`INSERT INTO join_token_consumptions (${CONSUMPTION_COLUMNS}) VALUES (?, ?, ?, ?, ?)`, [
    consumption.id,
    tokenId,
    node.id,
    consumption.consumedAt,
    consumption.sourceIp,
  ]);
}
