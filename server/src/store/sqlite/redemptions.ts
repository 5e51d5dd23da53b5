// Join-token redemptions on SQLite, a batch per transaction of the one writer. The writer's time
// per join bounds joins per second: every statement is a trip through libuv's pool, which the
// joins' P-384 operations keep busy (~0.2 ms a statement under load), and a join needs three
// reads and four writes; one transaction per join capped joins near 400/s. A batch reads every
// attempt's state with three statements (sent together) and writes its new nodes with one
// UPDATE per token and three INSERTs, one after the other (rows passed as one JSON parameter, so
// each statement's text, and its prepared form, is the same for any size).
//
// Exactness: every attempt's rules judge the state as the attempts before it in the batch left
// it. Its state was read when the transaction began, so an attempt that an earlier accepted one
// could have changed that state for (same name, a shared host, the same capped token, or a node
// the earlier one re-issued) waits for the writes so far and reads again before its rules run.
import { OtherixError } from '@otherix/sdk';
import type { NodeRow, RedemptionAttempt, RedemptionOutcome, RedemptionState } from '../store.js';
import { jsonParameter, settled } from './connection.js';
import type { Sql, SqliteConnections } from './connection.js';
import { NODE_COLUMNS, joinTokenFrom, nodeFrom, nodeValues } from './rows.js';
import type { JoinTokenRecord, NodeRecord } from './rows.js';

export async function redeemBatch(db: SqliteConnections, attempts: readonly RedemptionAttempt[]): Promise<RedemptionOutcome[]> {
  try {
    return await db.transaction((sql) => redeemInOrder(sql, attempts));
  } catch (error) {
    if (attempts.length === 1) return [{ ok: false, error }];
    // A statement (or the COMMIT) failed and the whole batch rolled back: each attempt again in
    // a transaction of its own, so one that cannot be written does not fail the others.
    const outcomes: RedemptionOutcome[] = [];
    for (const attempt of attempts) {
      try {
        outcomes.push((await db.transaction((sql) => redeemInOrder(sql, [attempt])))[0]);
      } catch (alone) {
        outcomes.push({ ok: false, error: alone });
      }
    }
    return outcomes;
  }
}

/** What an accepted attempt changes, for telling whether a later attempt's state is stale. */
interface Accepted {
  tokenHash: string;
  /** The token has a cap: its use count is part of later attempts' rules. */
  capped: boolean;
  name: string;
  hosts: readonly string[];
}

/** A failed statement throws (the caller rolls back); a refusal by the rules is an outcome. */
async function redeemInOrder(sql: Sql, attempts: readonly RedemptionAttempt[]): Promise<RedemptionOutcome[]> {
  const initial = await readStates(sql, attempts);
  const outcomes: RedemptionOutcome[] = [];
  const accepted: Accepted[] = [];
  const writes = new PendingWrites(sql);
  for (const [i, attempt] of attempts.entries()) {
    let state = initial[i];
    if (accepted.some((earlier) => mayAffect(earlier, attempt, state))) {
      await writes.flush();
      state = await readState(sql, attempt);
    }
    try {
      attempt.decide(state);
      if (state.token === undefined) throw new OtherixError('internal', 'redemption rules accepted an unknown token');
    } catch (error) {
      outcomes.push({ ok: false, error });
      continue;
    }
    const node = nodeToWrite(attempt, state.existingNode);
    if (state.existingNode === undefined) writes.addNew(attempt, state.token.id, node);
    else writes.addReissue(attempt, state.token.id, node);
    accepted.push({ tokenHash: attempt.tokenHash, capped: state.token.maxUses !== 0, name: node.name, hosts: attempt.hosts });
    outcomes.push({ ok: true, result: { node, reissued: state.existingNode !== undefined } });
  }
  await writes.flush();
  return outcomes;
}

/** Whether `earlier`'s writes can change what `attempt`'s rules see in `state`. */
function mayAffect(earlier: Accepted, attempt: RedemptionAttempt, state: RedemptionState): boolean {
  return (earlier.capped && earlier.tokenHash === attempt.tokenHash)
    || earlier.name === attempt.node.name
    || earlier.hosts.some((host) => attempt.hosts.includes(host))
    // A node the earlier attempt re-issued may have moved off the hosts it collided on.
    || state.collidingNodes.some((node) => node.name === earlier.name);
}

/** The three reads of the rules for one attempt, sent together. */
async function readState(sql: Sql, attempt: RedemptionAttempt): Promise<RedemptionState> {
  return (await readStates(sql, [attempt]))[0];
}

/** Every attempt's state, as the transaction found it: three statements for the whole batch. */
async function readStates(sql: Sql, attempts: readonly RedemptionAttempt[]): Promise<RedemptionState[]> {
  const hosts = [...new Set(attempts.flatMap((attempt) => attempt.hosts))];
  const [tokens, named, onHosts] = await settled([
    sql.all<JoinTokenRecord>('SELECT * FROM join_tokens WHERE token_hash IN (SELECT value FROM json_each(?))', [jsonParameter(attempts.map((a) => a.tokenHash))]),
    sql.all<NodeRecord>('SELECT * FROM nodes WHERE name IN (SELECT value FROM json_each(?))', [jsonParameter(attempts.map((a) => a.node.name))]),
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
  return attempts.map((attempt) => ({
    token: tokenByHash.get(attempt.tokenHash),
    existingNode: nodeByName.get(attempt.node.name),
    // Other nodes (not the one of this name) on one of this join's hosts.
    collidingNodes: nodesOnHosts.filter((n) => n.name !== attempt.node.name && (attempt.hosts.includes(n.endpointHost) || attempt.hosts.includes(n.migrationHost))),
  }));
}

/** A new node, or the existing one re-issued: it keeps its id, cordon, counts and created_at. */
function nodeToWrite(attempt: RedemptionAttempt, existingNode: NodeRow | undefined): NodeRow {
  if (existingNode === undefined) return attempt.node;
  return {
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
}

/**
 * The writes of accepted attempts: new nodes are gathered and written together (each token's
 * uses, then the nodes, certificates and consumptions: three INSERTs for any number), a re-issue
 * at once.
 */
class PendingWrites {
  private readonly newNodes: { attempt: RedemptionAttempt; tokenId: string; node: NodeRow }[] = [];
  /**
   * Writes run one statement at a time: if one fails in a way that makes SQLite roll the
   * transaction back by itself (disk full, I/O error), no later statement of this batch runs,
   * where it would run outside any transaction and commit on its own.
   */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly sql: Sql) {}

  addNew(attempt: RedemptionAttempt, tokenId: string, node: NodeRow): void {
    this.newNodes.push({ attempt, tokenId, node });
  }

  addReissue(attempt: RedemptionAttempt, tokenId: string, node: NodeRow): void {
    this.chain = this.chain.then(() => writeReissue(this.sql, attempt, tokenId, node));
  }

  /** Writes what is gathered and waits for every write so far (throws if one failed). */
  async flush(): Promise<void> {
    if (this.newNodes.length > 0) {
      const gathered = this.newNodes.splice(0);
      this.chain = this.chain.then(() => writeNewNodes(this.sql, gathered));
    }
    await this.chain;
  }
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

const JSON_COLUMNS = (count: number): string => Array.from({ length: count }, (_, i) => `value ->> '$[${i}]'`).join(', ');

async function writeNewNodes(sql: Sql, gathered: readonly { attempt: RedemptionAttempt; tokenId: string; node: NodeRow }[]): Promise<void> {
  await consumeTokens(sql, gathered.map((g) => g.tokenId));
  await sql.run(`INSERT INTO nodes (${NODE_COLUMNS.join(', ')}) SELECT ${JSON_COLUMNS(NODE_COLUMNS.length)} FROM json_each(?)`, [
    jsonParameter(gathered.map(({ node }) => nodeValues(node))),
  ]);
  await sql.run(`INSERT INTO node_certificates (serial, node_id, not_after, status, issued_at) SELECT ${JSON_COLUMNS(5)} FROM json_each(?)`, [
    jsonParameter(gathered.map(({ attempt, node }) => [attempt.certificate.serial, node.id, attempt.certificate.notAfter, 'current', attempt.consumption.consumedAt])),
  ]);
  await sql.run(`INSERT INTO join_token_consumptions (id, join_token_id, node_id, consumed_at, source_ip) SELECT ${JSON_COLUMNS(5)} FROM json_each(?)`, [
    jsonParameter(gathered.map(({ attempt, tokenId, node }) => [attempt.consumption.id, tokenId, node.id, attempt.consumption.consumedAt, attempt.consumption.sourceIp])),
  ]);
}

/** An existing node's new certificate: the node row updated, its other certificates replaced. */
async function writeReissue(sql: Sql, attempt: RedemptionAttempt, tokenId: string, node: NodeRow): Promise<void> {
  const assignments = NODE_COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = ?`).join(', ');
  await consumeTokens(sql, [tokenId]);
  await sql.run(`UPDATE nodes SET ${assignments} WHERE id = ?`, [...nodeValues(node).slice(1), node.id]);
  // The current certificate and a renewal's pending leaf, if any: a re-issue ends both.
  await sql.run("UPDATE node_certificates SET status = 'replaced' WHERE node_id = ? AND status IN ('current', 'pending')", [node.id]);
  await sql.run("INSERT INTO node_certificates (serial, node_id, not_after, status, issued_at) VALUES (?, ?, ?, 'current', ?)", [
    attempt.certificate.serial, node.id, attempt.certificate.notAfter, attempt.consumption.consumedAt,
  ]);
  await sql.run('INSERT INTO join_token_consumptions (id, join_token_id, node_id, consumed_at, source_ip) VALUES (?, ?, ?, ?, ?)', [
    attempt.consumption.id, tokenId, node.id, attempt.consumption.consumedAt, attempt.consumption.sourceIp,
  ]);
}
