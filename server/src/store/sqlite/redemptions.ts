// Join-token redemptions on SQLite, a batch per transaction of the one writer. The transaction's
// length bounds joins per second: each statement is a trip through libuv's pool, which the
// joins' P-384 operations keep busy, so one transaction per join (BEGIN, reads, writes, COMMIT:
// four trips, ~2.4 ms under load) capped joins near 400/s. A batch pays BEGIN and COMMIT once
// and two trips per attempt. Each attempt still sees what the ones before it wrote (the same
// connection, inside the same transaction), so its rules judge exactly the state it will change.
import type { NodeRow, RedemptionAttempt, RedemptionOutcome } from '../store.js';
import { settled } from './connection.js';
import type { Sql, SqlValue, SqliteConnections } from './connection.js';
import { NODE_COLUMNS, joinTokenFrom, nodeFrom, nodeValues } from './rows.js';
import type { JoinTokenRecord, NodeRecord } from './rows.js';

export async function redeemBatch(db: SqliteConnections, attempts: readonly RedemptionAttempt[]): Promise<RedemptionOutcome[]> {
  try {
    return await db.transaction(async (sql) => {
      const outcomes: RedemptionOutcome[] = [];
      for (const attempt of attempts) outcomes.push(await redeemOne(sql, attempt));
      return outcomes;
    });
  } catch (error) {
    if (attempts.length === 1) return [{ ok: false, error }];
    // A write (or the COMMIT) failed and the whole batch rolled back: each attempt again in a
    // transaction of its own, so one that cannot be written does not fail the others.
    const outcomes: RedemptionOutcome[] = [];
    for (const attempt of attempts) {
      outcomes.push(await db.transaction((sql) => redeemOne(sql, attempt)).catch((alone: unknown): RedemptionOutcome => ({ ok: false, error: alone })));
    }
    return outcomes;
  }
}

/**
 * Reads, rules, writes. A refusal (the rules, or a read that failed) is returned, having written
 * nothing, so the batch goes on; a write that fails throws, and the batch rolls back.
 */
async function redeemOne(sql: Sql, attempt: RedemptionAttempt): Promise<RedemptionOutcome> {
  let node: NodeRow;
  let tokenId: string;
  let reissued: boolean;
  try {
    // Independent statements go out together: one trip through the pool for the three.
    const [tokenRecord, existingRecord, colliding] = await settled([
      sql.get<JoinTokenRecord>('SELECT * FROM join_tokens WHERE token_hash = ?', [attempt.tokenHash]),
      sql.get<NodeRecord>('SELECT * FROM nodes WHERE name = ?', [attempt.node.name]),
      nodesWithHosts(sql, attempt.hosts, attempt.node.name),
    ] as const);
    const token = tokenRecord && joinTokenFrom(tokenRecord);
    const existingNode = existingRecord && nodeFrom(existingRecord);
    attempt.decide({ token, existingNode, collidingNodes: colliding });
    if (token === undefined) throw new Error('redemption rules accepted an unknown token');
    tokenId = token.id;
    reissued = existingNode !== undefined;
    node = existingNode === undefined
      ? attempt.node
      : {
          ...attempt.node,
          id: existingNode.id,
          cordoned: existingNode.cordoned,
          hardware: existingNode.hardware,
          vmCount: existingNode.vmCount,
          activeMigrations: existingNode.activeMigrations,
          createdAt: existingNode.createdAt,
          // Pending again until the new certificate's first heartbeat.
          heartbeatIntervalMs: null,
          lastHeartbeatAt: null,
        };
  } catch (error) {
    return { ok: false, error };
  }
  const writes: Promise<{ changes: number }>[] = [
    // Belt and braces under the rules: the cap holds even if a rule were skipped.
    sql.run(
      'UPDATE join_tokens SET consumed = consumed + 1 WHERE id = ? AND revoked_at IS NULL AND (max_uses = 0 OR consumed < max_uses)',
      [tokenId],
    ),
    sql.run("INSERT INTO node_certificates (serial, node_id, not_after, status, issued_at) VALUES (?, ?, ?, 'current', ?)", [
      attempt.certificate.serial, node.id, attempt.certificate.notAfter, attempt.consumption.consumedAt,
    ]),
    sql.run('INSERT INTO join_token_consumptions (id, join_token_id, node_id, consumed_at, source_ip) VALUES (?, ?, ?, ?, ?)', [
      attempt.consumption.id, tokenId, node.id, attempt.consumption.consumedAt, attempt.consumption.sourceIp,
    ]),
  ];
  if (!reissued) {
    writes.push(sql.run(`INSERT INTO nodes (${NODE_COLUMNS.join(', ')}) VALUES (${NODE_COLUMNS.map(() => '?').join(', ')})`, nodeValues(node)));
  } else {
    const assignments = NODE_COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = ?`).join(', ');
    writes.push(sql.run(`UPDATE nodes SET ${assignments} WHERE id = ?`, [...nodeValues(node).slice(1), node.id]));
    // Every other certificate of the node, whatever the order the writes run in.
    writes.push(sql.run("UPDATE node_certificates SET status = 'replaced' WHERE node_id = ? AND status = 'current' AND serial <> ?", [
      node.id, attempt.certificate.serial,
    ]));
  }
  const [consumed] = await settled(writes);
  if (consumed!.changes !== 1) throw new Error('join token cap reached inside the redemption transaction');
  return { ok: true, result: { node, reissued } };
}

/** Nodes other than `exceptName` whose endpoint or migration host is one of `hosts`. */
async function nodesWithHosts(sql: Sql, hosts: string[], exceptName: string): Promise<NodeRow[]> {
  if (hosts.length === 0) return [];
  const marks = hosts.map(() => '?').join(', ');
  const params: SqlValue[] = [...hosts, ...hosts, exceptName];
  const rows = await sql.all<NodeRecord>(
    `SELECT * FROM nodes WHERE (endpoint_host IN (${marks}) OR migration_host IN (${marks})) AND name <> ?`,
    params,
  );
  return rows.map(nodeFrom);
}
