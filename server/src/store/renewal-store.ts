// The renewal side of the repository (issue 16): SQL only, the rules live in services/renewal.ts,
// services/renewal-batch.ts and services/node-identity.ts. Reached as `store.renewals`.
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

/** A new leaf to record as its node's pending certificate. */
export interface PendingLeaf {
  nodeId: string;
  certificate: { serial: string; notAfter: number; issuedAt: number };
}

/** A pending leaf made current. */
export interface PromotedLeaf {
  node: NodeRow;
  /** The node's certificate before (now 'renewed'). */
  previousSerial: string;
}

/**
 * The SQL of a renewal batch inside one write transaction (services/renewal-batch.ts drives it).
 * A failed statement throws and the transaction rolls back.
 */
export interface RenewalTransaction {
  /** Each (node, presented serial)'s state as this transaction sees it now. */
  readStates(keys: readonly { nodeId: string; presentedSerial: string }[]): Promise<RenewalState[]>;
  /**
   * The pending leaf becomes the node's current certificate, the current one 'renewed'; undefined (nothing written) when it is not that
   * node's pending leaf.
   */
  promote(nodeId: string, serial: string): Promise<PromotedLeaf | undefined>;
  /**
   * Marks each leaf's node's pending leaf (if any) 'superseded', then records the leaves as
   * pending; returns the superseded serial by node id. At most one leaf per node.
   */
  writePendingLeaves(leaves: readonly PendingLeaf[]): Promise<Map<string, string>>;
}

export interface RenewalStore {
  /**
   * Runs `work` in one write transaction of the renewals: commits when it returns, rolls back when
   * it throws. On an engine shared by several replicas these transactions run one at a time.
   */
  transaction<T>(work: (tx: RenewalTransaction) => Promise<T>): Promise<T>;
  /**
   * The node's first request with its pending leaf: it becomes current (nodes.cert_serial and
   * cert_not_after), the previous current one 'renewed'. Undefined, and nothing written, when
   * `serial` is not (or no longer) that node's pending leaf.
   */
  promotePending(nodeId: string, serial: string): Promise<PromotedLeaf | undefined>;
}
