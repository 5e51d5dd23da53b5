// The renewal side of the repository (issue 16): SQL only, the rules live in services/renewal.ts
// and services/node-identity.ts. Reached as `store.renewals`.
//
// A node has one current certificate (nodes.cert_serial, node_certificates status 'current') and
// at most one pending one (status 'pending'): a leaf a renewal signed that the node has not used
// yet. Promoting the pending leaf (the node's first request with it) makes it current and the old
// one 'renewed'; a renewal presented with the current certificate while a leaf is pending makes
// that leaf 'superseded'.
import type { NodeCertificateRow, NodeRow } from './store.js';

/** What the renewal rules see, read inside the renewal's transaction. */
export interface RenewalState {
  /** The node, by id; undefined when it was deleted. */
  node: NodeRow | undefined;
  /** The certificate the request was authenticated with. */
  presented: NodeCertificateRow | undefined;
}

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

/** A pending leaf made current. */
export interface PromotedLeaf {
  node: NodeRow;
  /** The node's certificate before (now 'renewed'). */
  previousSerial: string;
}

/** What became of one attempt: recorded with its result, or refused with the error (nothing of it written). */
export type RenewalOutcome = { ok: true; result: RenewalResult } | { ok: false; error: unknown };

export interface RenewalStore {
  /**
   * A batch in one write transaction, in order: for each attempt read the node and the presented
   * certificate (as the attempts before it left them), run attempt.decide, then (when the
   * presented certificate is the pending one) promote it, mark a pending leaf superseded, and
   * record the new leaf as pending. A refused attempt writes nothing and the others go on; if a
   * write fails, nothing of the batch is kept and each attempt runs again alone. Outcomes are in
   * the order of `attempts`.
   */
  renew(attempts: readonly RenewalAttempt[]): Promise<RenewalOutcome[]>;
  /**
   * The node's first request with its pending leaf: it becomes current (nodes.cert_serial and
   * cert_not_after), the previous current one 'renewed'. Undefined, and nothing written, when
   * `serial` is not (or no longer) that node's pending leaf.
   */
  promotePending(nodeId: string, serial: string): Promise<PromotedLeaf | undefined>;
}
