// The redemption batch's rules: which attempts of a group commit are accepted, in order, and what
// a re-issue keeps. The store only runs the SQL (Store.redemptionTransaction); every decision is
// here, so each engine is SQL alone.
//
// Exactness: every attempt's rules judge the state as the attempts before it in the batch left
// it. Its state was read when the transaction began, so an attempt that an earlier accepted one
// could have changed that state for (same name, a shared host, the same capped token, or a node
// the earlier one re-issued) waits for the writes so far and reads again before its rules run.
// New nodes are gathered and written together (a few statements for any number); a re-issue is
// written at once. If a write fails, nothing of the batch is kept and each attempt runs again in
// a transaction of its own, so one that cannot be written does not fail the others.
import { OtherixError } from '@otherix/sdk';
import type { NodeRow, RedemptionState, RedemptionTransaction, RedemptionWrite, Store } from '../store/store.js';

export interface RedemptionAttempt {
  tokenHash: string;
  /** Hosts to check against other nodes (loopback already removed), in canonicalHost form. */
  hosts: string[];
  /**
   * The rules, run inside the transaction against fresh state: throw to refuse (nothing of this
   * attempt is written, and the error is its outcome), return to go on.
   */
  decide(state: RedemptionState): void;
  /** The node row to write; when the name exists, its id, cordon, heartbeat state and created_at are kept. */
  node: NodeRow;
  certificate: { serial: string; notAfter: number };
  consumption: { id: string; consumedAt: number; sourceIp: string };
}

interface RedemptionResult {
  node: NodeRow;
  /** True when an existing node's certificate was re-issued (the old serial is now `replaced`). */
  reissued: boolean;
}

/** What became of one attempt: committed with its result, or refused with the error (nothing of it written). */
export type RedemptionOutcome = { ok: true; result: RedemptionResult } | { ok: false; error: unknown };

/**
 * Redeems a batch in one transaction, in order: each attempt's rules (attempt.decide) run against
 * the state the attempts before it left (a token's uses, names, hosts); an accepted one records
 * the consumption, writes the node row, marks the node's previous certificate `replaced` and
 * records the new one `current`. A refused attempt writes nothing and the others go on.
 * Outcomes are in the order of `attempts`.
 */
export async function redeemJoinTokens(store: Store, attempts: readonly RedemptionAttempt[]): Promise<RedemptionOutcome[]> {
  try {
    return await store.redemptionTransaction((tx) => redeemInOrder(tx, attempts));
  } catch (error) {
    if (attempts.length === 1) return [{ ok: false, error }];
    // A statement (or the COMMIT) failed and the whole batch rolled back: each attempt again in
    // a transaction of its own, so one that cannot be written does not fail the others.
    const outcomes: RedemptionOutcome[] = [];
    for (const attempt of attempts) {
      try {
        outcomes.push((await store.redemptionTransaction((tx) => redeemInOrder(tx, [attempt])))[0]);
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

const keyOf = (attempt: RedemptionAttempt) => ({ tokenHash: attempt.tokenHash, name: attempt.node.name, hosts: attempt.hosts });

/** A failed statement throws (the caller rolls back); a refusal by the rules is an outcome. */
async function redeemInOrder(tx: RedemptionTransaction, attempts: readonly RedemptionAttempt[]): Promise<RedemptionOutcome[]> {
  const initial = await tx.readStates(attempts.map(keyOf));
  const outcomes: RedemptionOutcome[] = [];
  const accepted: Accepted[] = [];
  const writes = new PendingWrites(tx);
  for (const [i, attempt] of attempts.entries()) {
    let state = initial[i];
    if (accepted.some((earlier) => mayAffect(earlier, attempt, state))) {
      await writes.flush();
      state = (await tx.readStates([keyOf(attempt)]))[0]!;
    }
    try {
      attempt.decide(state);
      if (state.token === undefined) throw new OtherixError('internal', 'redemption rules accepted an unknown token');
    } catch (error) {
      outcomes.push({ ok: false, error });
      continue;
    }
    const node = nodeToWrite(attempt, state.existingNode);
    const write: RedemptionWrite = { tokenId: state.token.id, node, certificate: attempt.certificate, consumption: attempt.consumption };
    if (state.existingNode === undefined) writes.addNew(write);
    else writes.addReissue(write);
    accepted.push({ tokenHash: attempt.tokenHash, capped: state.token.maxUses !== 0, name: node.name, hosts: attempt.hosts });
    outcomes.push({ ok: true, result: { node, reissued: state.existingNode !== undefined } });
  }
  await writes.flush();
  return outcomes;
}

/** Whether `earlier`'s writes can change what `attempt`'s rules see in `state`. */
export function mayAffect(
  earlier: Accepted,
  attempt: Pick<RedemptionAttempt, 'tokenHash' | 'hosts' | 'node'>,
  state: RedemptionState,
): boolean {
  return (
    (earlier.capped && earlier.tokenHash === attempt.tokenHash) ||
    earlier.name === attempt.node.name ||
    earlier.hosts.some((host) => attempt.hosts.includes(host)) ||
    // A node the earlier attempt re-issued may have moved off the hosts it collided on.
    state.collidingNodes.some((node) => node.name === earlier.name)
  );
}

/** A new node, or the existing one re-issued: it keeps its id, cordon, counts and created_at. */
export function nodeToWrite(attempt: Pick<RedemptionAttempt, 'node'>, existingNode: NodeRow | undefined): NodeRow {
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
 * The writes of accepted attempts: new nodes are gathered and written together, a re-issue at
 * once. Writes run one after the other: if one fails in a way that makes the engine end the
 * transaction by itself (SQLite on a full disk or an I/O error), no later statement of this batch
 * runs, where it could run outside any transaction and commit on its own.
 */
class PendingWrites {
  private readonly newNodes: RedemptionWrite[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly tx: RedemptionTransaction) {}

  addNew(write: RedemptionWrite): void {
    this.newNodes.push(write);
  }

  addReissue(write: RedemptionWrite): void {
    this.chain = this.chain.then(() => this.tx.writeReissue(write));
  }

  /** Writes what is gathered and waits for every write so far (throws if one failed). */
  async flush(): Promise<void> {
    if (this.newNodes.length > 0) {
      const gathered = this.newNodes.splice(0);
      this.chain = this.chain.then(() => this.tx.writeNewNodes(gathered));
    }
    await this.chain;
  }
}
