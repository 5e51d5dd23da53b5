// The renewal batch's rules (group-committed like joins): attempts judged in order, each on the
// state the ones before it left; the store only runs the SQL (store.renewals.transaction).
// An attempt for a node an earlier attempt of the batch already renewed waits for those writes and
// reads again (the CP lets one renewal per node run at a time, so this is the rare case); a
// presented pending leaf is promoted first. If a write fails, nothing of the batch is kept and
// each attempt runs again alone, so one that cannot be written does not fail the others.
import { OtherixError } from '@otherix/sdk';
import type { PendingLeaf, RenewalState, RenewalTransaction } from '../store/renewal-store.js';
import type { NodeRow, Store } from '../store/store.js';

export interface RenewalAttempt {
  nodeId: string;
  /** The serial of the certificate the request came with. */
  presentedSerial: string;
  /**
   * The rules, run inside the transaction against fresh state: throw to refuse (nothing is
   * written and the error is the outcome), return to go on.
   */
  decide(state: RenewalState): void;
  /** The new leaf, recorded as the node's pending certificate. */
  certificate: { serial: string; notAfter: number; issuedAt: number };
}

export interface RenewalResult {
  /** The node after the renewal (its current certificate: the pending leaf was not used yet). */
  node: NodeRow;
  /** The pending leaf promoted first, when the request came with it (it is current now), and the certificate it replaced. */
  promoted: { serial: string; previousSerial: string } | undefined;
  /** The pending leaf this renewal replaced before it was ever used. */
  superseded: string | undefined;
}

/** What became of one attempt: recorded with its result, or refused with the error (nothing of it written). */
export type RenewalOutcome = { ok: true; result: RenewalResult } | { ok: false; error: unknown };

/**
 * A batch in one write transaction, in order: for each attempt read the node and the presented
 * certificate (as the attempts before it left them), run attempt.decide, then (when the presented
 * certificate is the pending one) promote it, mark a pending leaf superseded, and record the new
 * leaf as pending. Outcomes are in the order of `attempts`.
 */
export async function renewNodeCertificates(store: Store, attempts: readonly RenewalAttempt[]): Promise<RenewalOutcome[]> {
  try {
    return await store.renewals.transaction((tx) => renewInOrder(tx, attempts));
  } catch (error) {
    if (attempts.length === 1) return [{ ok: false, error }];
    const outcomes: RenewalOutcome[] = [];
    for (const attempt of attempts) {
      try {
        outcomes.push((await store.renewals.transaction((tx) => renewInOrder(tx, [attempt])))[0]);
      } catch (alone) {
        outcomes.push({ ok: false, error: alone });
      }
    }
    return outcomes;
  }
}

/** The new pending leaves of accepted attempts, written together. */
class PendingLeaves {
  private readonly gathered: RenewalAttempt[] = [];
  /** The pending leaf each attempt superseded (one flush never holds two attempts of one node). */
  readonly superseded = new Map<RenewalAttempt, string>();

  constructor(private readonly tx: RenewalTransaction) {}

  add(attempt: RenewalAttempt): void {
    this.gathered.push(attempt);
  }

  async flush(): Promise<void> {
    if (this.gathered.length === 0) return;
    const batch = this.gathered.splice(0);
    const byNode = await this.tx.writePendingLeaves(batch.map((a): PendingLeaf => ({ nodeId: a.nodeId, certificate: a.certificate })));
    for (const attempt of batch) {
      const serial = byNode.get(attempt.nodeId);
      if (serial !== undefined) this.superseded.set(attempt, serial);
    }
  }
}

const keyOf = (attempt: RenewalAttempt) => ({ nodeId: attempt.nodeId, presentedSerial: attempt.presentedSerial });

/** A failed statement throws (the caller rolls back); a refusal by the rules is an outcome. */
async function renewInOrder(tx: RenewalTransaction, attempts: readonly RenewalAttempt[]): Promise<RenewalOutcome[]> {
  const initial = await tx.readStates(attempts.map(keyOf));
  const leaves = new PendingLeaves(tx);
  const renewedNodes = new Set<string>();
  const accepted: { index: number; attempt: RenewalAttempt; result: Omit<RenewalResult, 'superseded'> }[] = [];
  const outcomes: RenewalOutcome[] = [];
  for (const [index, attempt] of attempts.entries()) {
    let state = initial[index];
    if (renewedNodes.has(attempt.nodeId)) {
      // An earlier attempt of this batch renewed the same node: judge this one on what it left.
      await leaves.flush();
      state = (await tx.readStates([keyOf(attempt)]))[0]!;
    }
    try {
      attempt.decide(state);
      if (state.node === undefined || state.presented === undefined)
        throw new OtherixError('internal', 'renewal rules accepted a node or certificate that does not exist');
    } catch (error) {
      outcomes.push({ ok: false, error });
      continue;
    }
    let node = state.node;
    let promoted: RenewalResult['promoted'];
    if (state.presented.status === 'pending') {
      await leaves.flush();
      const made = await tx.promote(attempt.nodeId, attempt.presentedSerial);
      if (made !== undefined) {
        node = made.node;
        promoted = { serial: attempt.presentedSerial, previousSerial: made.previousSerial };
      }
    }
    leaves.add(attempt);
    renewedNodes.add(attempt.nodeId);
    accepted.push({ index, attempt, result: { node, promoted } });
    outcomes.push({ ok: true, result: { node, promoted, superseded: undefined } });
  }
  await leaves.flush();
  for (const { index, attempt, result } of accepted)
    outcomes[index] = { ok: true, result: { ...result, superseded: leaves.superseded.get(attempt) } };
  return outcomes;
}
