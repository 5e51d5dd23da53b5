// Join-token redemptions: the SQL of Store.redemptionTransaction on either engine, a batch per
// transaction (the rules that drive it are in services/redemption-batch.ts; the transaction is a
// rules transaction: on PostgreSQL it holds the advisory lock, so batches from every replica run
// one at a time). Every statement costs the writer a round trip (SQLite: a trip through libuv's
// pool, which the joins' P-384 operations keep busy, ~0.2 ms under load), and a join needs three
// reads and four writes; one transaction per join capped joins near 400/s. A batch reads every
// attempt's state with two statements (sent together) and writes its new nodes with one UPDATE
// of the tokens' uses and three INSERTs (rows passed as one JSON parameter, so each statement's text, and
// its prepared form, is the same for any size).
import { OtherixError } from '@otherix/sdk';
import type { RedemptionKey, RedemptionState, RedemptionTransaction, RedemptionWrite } from './store.js';
import { CERTIFICATE_COLUMNS, CERTIFICATE_COLUMN_TYPES, CONSUMPTION_COLUMNS, CONSUMPTION_COLUMN_TYPES } from './rows.js';
import { COLUMNS, NODE_COLUMNS, NODE_COLUMN_TYPES, joinTokenFrom, nodeFrom, nodeValues } from './rows.js';
import type { JoinTokenRecord, NodeRecord, SqlValue } from './rows.js';
import { jsonParameter, settled } from './sql.js';
import type { Dialect, Sql } from './sql.js';

/** The redemption transaction's statements on `sql` (inside the engine's transaction). */
export function redemptionStatements(sql: Sql, dialect: Dialect): RedemptionTransaction {
  return {
    readStates: (keys) => readStates(sql, dialect, keys),
    writeNewNodes: (writes) => writeNewNodes(sql, dialect, writes),
    writeReissue: (write) => writeReissue(sql, dialect, write),
  };
}

/**
 * Every key's state, as the transaction finds it: two statements for the whole batch (sent
 * together), its tokens and every node that holds one of its names or hosts.
 */
async function readStates(sql: Sql, dialect: Dialect, keys: readonly RedemptionKey[]): Promise<RedemptionState[]> {
  const names = jsonParameter(keys.map((k) => k.name));
  const hosts = jsonParameter([...new Set(keys.flatMap((key) => key.hosts))]);
  const anyOf = dialect.valuesOf;
  const [tokens, nodes] = await settled([
    sql.all<JoinTokenRecord>(`SELECT ${COLUMNS.joinTokens} FROM join_tokens WHERE token_hash IN (${anyOf})`, [
      jsonParameter(keys.map((k) => k.tokenHash)),
    ]),
    sql.all<NodeRecord>(
      `SELECT ${COLUMNS.nodes} FROM nodes WHERE name IN (${anyOf}) OR endpoint_host IN (${anyOf}) OR migration_host IN (${anyOf})`,
      [names, hosts, hosts],
    ),
  ] as const);
  const tokenByHash = new Map(tokens.map((r) => [r.token_hash, joinTokenFrom(r)]));
  const found = nodes.map(nodeFrom);
  const nodeByName = new Map(found.map((n) => [n.name, n]));
  return keys.map((key) => ({
    token: tokenByHash.get(key.tokenHash),
    existingNode: nodeByName.get(key.name),
    // Other nodes (not the one of this name) on one of this join's hosts.
    collidingNodes: found.filter((n) => n.name !== key.name && (key.hosts.includes(n.endpointHost) || key.hosts.includes(n.migrationHost))),
  }));
}

/** A statement and its parameters. */
interface Statement {
  text: string;
  params: SqlValue[];
}

/**
 * Uses of each token, one UPDATE for the batch: the cap is checked again by the UPDATE itself, so
 * it holds even if a rule were skipped; a token it did not update makes the batch throw (and roll
 * back). `uses`: how many uses each token id takes.
 */
function consumeTokens(dialect: Dialect, uses: ReadonlyMap<string, number>): Statement {
  return {
    text: `WITH uses (id, n) AS (${dialect.rowsOf(['text', 'integer'])})
     UPDATE join_tokens SET consumed = join_tokens.consumed + uses.n FROM uses
     WHERE join_tokens.id = uses.id AND join_tokens.revoked_at IS NULL
       AND (join_tokens.max_uses = 0 OR join_tokens.consumed + uses.n <= join_tokens.max_uses)`,
    params: [jsonParameter([...uses])],
  };
}

function usesOf(tokenIds: readonly string[]): Map<string, number> {
  const uses = new Map<string, number>();
  for (const id of tokenIds) uses.set(id, (uses.get(id) ?? 0) + 1);
  return uses;
}

function assertConsumed(updated: number, uses: ReadonlyMap<string, number>): void {
  if (updated !== uses.size) throw new OtherixError('internal', 'join token cap reached inside the redemption transaction');
}

/** The new nodes' rows, their current certificates and their consumptions: three INSERTs. */
function insertNewNodes(dialect: Dialect, gathered: readonly RedemptionWrite[]): Statement[] {
  return [
    {
      text: `INSERT INTO nodes (${NODE_COLUMNS.join(', ')}) ${dialect.rowsOf(NODE_COLUMN_TYPES)}`,
      params: [jsonParameter(gathered.map(({ node }) => nodeValues(node)))],
    },
    {
      text: `INSERT INTO node_certificates (${CERTIFICATE_COLUMNS.join(', ')}) ${dialect.rowsOf(CERTIFICATE_COLUMN_TYPES)}`,
      params: [
        jsonParameter(
          gathered.map(({ certificate, consumption, node }): SqlValue[] => [
            certificate.serial,
            node.id,
            certificate.notAfter,
            'current',
            consumption.consumedAt,
          ]),
        ),
      ],
    },
    {
      text: `INSERT INTO join_token_consumptions (${CONSUMPTION_COLUMNS.join(', ')}) ${dialect.rowsOf(CONSUMPTION_COLUMN_TYPES)}`,
      params: [
        jsonParameter(
          gathered.map(({ consumption, tokenId, node }): SqlValue[] => [
            consumption.id,
            tokenId,
            node.id,
            consumption.consumedAt,
            consumption.sourceIp,
          ]),
        ),
      ],
    },
  ];
}

async function writeNewNodes(sql: Sql, dialect: Dialect, gathered: readonly RedemptionWrite[]): Promise<void> {
  const uses = usesOf(gathered.map((g) => g.tokenId));
  const consume = consumeTokens(dialect, uses);
  const inserts = insertNewNodes(dialect, gathered);
  if (dialect.writingCtes) {
    // One statement, one round trip under the rules' lock: every part runs to completion (an
    // error in any fails the statement), the tokens' UPDATE counted by what it returns.
    const parts = [consume, ...inserts].map((part, i) => `w${i} AS (${part.text}${i === 0 ? ' RETURNING join_tokens.id' : ''})`);
    const row = await sql.get<{ n: number }>(
      `WITH ${parts.join(',\n')}\nSELECT count(*) AS n FROM w0`,
      [consume, ...inserts].flatMap((part) => part.params),
    );
    assertConsumed(row?.n ?? 0, uses);
    return;
  }
  // One statement after the other: if one fails in a way that ends the transaction (SQLite on a
  // full disk), no later one runs outside it.
  assertConsumed((await sql.run(consume.text, consume.params)).changes, uses);
  for (const insert of inserts) await sql.run(insert.text, insert.params);
}

/** An existing node's new certificate: the node row updated, its other certificates replaced. */
async function writeReissue(sql: Sql, dialect: Dialect, { tokenId, node, certificate, consumption }: RedemptionWrite): Promise<void> {
  const assignments = NODE_COLUMNS.filter((c) => c !== 'id')
    .map((c) => `${c} = ?`)
    .join(', ');
  const uses = usesOf([tokenId]);
  const consume = consumeTokens(dialect, uses);
  assertConsumed((await sql.run(consume.text, consume.params)).changes, uses);
  await sql.run(`UPDATE nodes SET ${assignments} WHERE id = ?`, [...nodeValues(node).slice(1), node.id]);
  // The current certificate and a renewal's pending leaf, if any: a re-issue ends both.
  await sql.run("UPDATE node_certificates SET status = 'replaced' WHERE node_id = ? AND status IN ('current', 'pending')", [node.id]);
  await sql.run(`INSERT INTO node_certificates (${CERTIFICATE_COLUMNS.join(', ')}) VALUES (?, ?, ?, 'current', ?)`, [
    certificate.serial,
    node.id,
    certificate.notAfter,
    consumption.consumedAt,
  ]);
  await sql.run(`INSERT INTO join_token_consumptions (${CONSUMPTION_COLUMNS.join(', ')}) VALUES (?, ?, ?, ?, ?)`, [
    consumption.id,
    tokenId,
    node.id,
    consumption.consumedAt,
    consumption.sourceIp,
  ]);
}
