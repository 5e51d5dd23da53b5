// Join-token redemptions on SQLite: the SQL of Store.redemptionTransaction, a batch per
// transaction of the one writer (the rules that drive it are in services/redemption-batch.ts).
// The writer's time per join bounds joins per second: every statement is a trip through libuv's
// pool, which the joins' P-384 operations keep busy (~0.2 ms a statement under load), and a join
// needs three reads and four writes; one transaction per join capped joins near 400/s. A batch
// reads every attempt's state with three statements (sent together) and writes its new nodes
// with one UPDATE per token and three INSERTs (rows passed as one JSON parameter, so each
// statement's text, and its prepared form, is the same for any size).
import { OtherixError } from '@otherix/sdk';
import type { RedemptionKey, RedemptionState, RedemptionTransaction, RedemptionWrite } from '../store.js';
import { jsonParameter, settled } from './connection.js';
import type { Sql } from './connection.js';
import { NODE_COLUMNS, joinTokenFrom, nodeFrom, nodeValues } from '../rows.js';
import type { JoinTokenRecord, NodeRecord } from '../rows.js';

/** The redemption transaction's statements on `sql` (inside BEGIN IMMEDIATE..COMMIT). */
export function sqliteRedemptionTransaction(sql: Sql): RedemptionTransaction {
  return {
    readStates: (keys) => readStates(sql, keys),
    writeNewNodes: (writes) => writeNewNodes(sql, writes),
    writeReissue: (write) => writeReissue(sql, write),
  };
}

/** Every key's state, as the transaction finds it: three statements for the whole batch. */
async function readStates(sql: Sql, keys: readonly RedemptionKey[]): Promise<RedemptionState[]> {
  const hosts = [...new Set(keys.flatMap((key) => key.hosts))];
  const [tokens, named, onHosts] = await settled([
    sql.all<JoinTokenRecord>('SELECT * FROM join_tokens WHERE token_hash IN (SELECT value FROM json_each(?))', [
      jsonParameter(keys.map((k) => k.tokenHash)),
    ]),
    sql.all<NodeRecord>('SELECT * FROM nodes WHERE name IN (SELECT value FROM json_each(?))', [jsonParameter(keys.map((k) => k.name))]),
    hosts.length === 0
      ? Promise.resolve([])
      : sql.all<NodeRecord>(
          'SELECT * FROM nodes WHERE endpoint_host IN (SELECT value FROM json_each(?1)) OR migration_host IN (SELECT value FROM json_each(?1))',
          [jsonParameter(hosts)],
        ),
  ] as const);
  const tokenByHash = new Map(tokens.map((r) => [r.token_hash, joinTokenFrom(r)]));
  const nodeByName = new Map(named.map((r) => [r.name, nodeFrom(r)]));
  const nodesOnHosts = onHosts.map(nodeFrom);
  return keys.map((key) => ({
    token: tokenByHash.get(key.tokenHash),
    existingNode: nodeByName.get(key.name),
    // Other nodes (not the one of this name) on one of this join's hosts.
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
      'UPDATE join_tokens SET consumed = consumed + ?1 WHERE id = ?2 AND revoked_at IS NULL AND (max_uses = 0 OR consumed + ?1 <= max_uses)',
      [n, id],
    );
    if (changes !== 1) throw new OtherixError('internal', 'join token cap reached inside the redemption transaction');
  }
}

/** A row's columns from a JSON array (jsonb_each: read from the parameter's one parsed binary form, not re-parsed per column). */
const JSON_COLUMNS = (count: number): string => Array.from({ length: count }, (_, i) => `value ->> '$[${i}]'`).join(', ');

async function writeNewNodes(sql: Sql, gathered: readonly RedemptionWrite[]): Promise<void> {
  await consumeTokens(
    sql,
    gathered.map((g) => g.tokenId),
  );
  await sql.run(`INSERT INTO nodes (${NODE_COLUMNS.join(', ')}) SELECT ${JSON_COLUMNS(NODE_COLUMNS.length)} FROM jsonb_each(?)`, [
    jsonParameter(gathered.map(({ node }) => nodeValues(node))),
  ]);
  await sql.run(
    `INSERT INTO node_certificates (serial, node_id, not_after, status, issued_at) SELECT ${JSON_COLUMNS(5)} FROM jsonb_each(?)`,
    [
      jsonParameter(
        gathered.map(({ certificate, consumption, node }) => [
          certificate.serial,
          node.id,
          certificate.notAfter,
          'current',
          consumption.consumedAt,
        ]),
      ),
    ],
  );
  await sql.run(
    `INSERT INTO join_token_consumptions (id, join_token_id, node_id, consumed_at, source_ip) SELECT ${JSON_COLUMNS(5)} FROM jsonb_each(?)`,
    [
      jsonParameter(
        gathered.map(({ consumption, tokenId, node }) => [consumption.id, tokenId, node.id, consumption.consumedAt, consumption.sourceIp]),
      ),
    ],
  );
}

/** An existing node's new certificate: the node row updated, its other certificates replaced. */
async function writeReissue(sql: Sql, { tokenId, node, certificate, consumption }: RedemptionWrite): Promise<void> {
  const assignments = NODE_COLUMNS.filter((c) => c !== 'id')
    .map((c) => `${c} = ?`)
    .join(', ');
  await consumeTokens(sql, [tokenId]);
  await sql.run(`UPDATE nodes SET ${assignments} WHERE id = ?`, [...nodeValues(node).slice(1), node.id]);
  // The current certificate and a renewal's pending leaf, if any: a re-issue ends both.
  await sql.run("UPDATE node_certificates SET status = 'replaced' WHERE node_id = ? AND status IN ('current', 'pending')", [node.id]);
  await sql.run("INSERT INTO node_certificates (serial, node_id, not_after, status, issued_at) VALUES (?, ?, ?, 'current', ?)", [
    certificate.serial,
    node.id,
    certificate.notAfter,
    consumption.consumedAt,
  ]);
  await sql.run('INSERT INTO join_token_consumptions (id, join_token_id, node_id, consumed_at, source_ip) VALUES (?, ?, ?, ?, ?)', [
    consumption.id,
    tokenId,
    node.id,
    consumption.consumedAt,
    consumption.sourceIp,
  ]);
}
