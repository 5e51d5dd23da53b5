// The node side of the repository: listing with derived-status filters, batched heartbeats,
// cordon and delete. Reached as `store.nodes`; the join side's node writes stay on Store itself.
import type { NodeRow, Page, PageRequest } from './store.js';

import type { NodeStatusName } from '../node-status-rule.js';

export type { NodeStatusName };

/** The API's two projections of a node: Node (admin, operator) and NodeSummary (developer, viewer). */
export type NodeProjection = 'full' | 'summary';

/**
 * The status rule's inputs (the rule itself is node-status-rule.ts), so the store filters with the
 * very rule the API shows: cordoned > refused (not_ready) > pending > not_ready > ready.
 */
export interface StatusRule {
  /** The CP clock, epoch ms. */
  now: number;
  /** not_ready once now - last_heartbeat_at > missedIntervals x the node's interval. */
  missedIntervals: number;
  /** The interval assumed when a node reported none. */
  defaultIntervalMs: number;
}

export interface NodeListQuery extends PageRequest {
  architecture?: string | undefined;
  status?: NodeStatusName | undefined;
  /** true: ready and not cordoned (what VM placement may use); false: every other node. */
  schedulable?: boolean | undefined;
  /** Epoch ms: only nodes whose current certificate ends before it (cert_not_after < this). */
  certExpiresBefore?: number | undefined;
  rule: StatusRule;
}

export interface HeartbeatWrite {
  nodeId: string;
  /** The serial of the certificate the heartbeat came with: it lands only while it is the node's current one. */
  certSerial: string;
  architecture: string;
  agentVersion: string;
  heartbeatIntervalMs: number;
  hardwareJson: string;
  vmCount: number;
  activeMigrations: number;
  at: number;
}

/** What the metrics count about the fleet (store/fleet-counts.ts). */
export interface FleetCountsQuery {
  rule: StatusRule;
  /** Count current certificates ending within each of these windows from rule.now (ms). */
  certificateWindowsMs: readonly number[];
}

export interface FleetCounts {
  /** Nodes by derived status (every status present, 0 when none). */
  nodes: Record<NodeStatusName, number>;
  /** Current node certificates past their end. */
  certificatesExpired: number;
  /** Per window of the query: current node certificates ending within it (the expired included). */
  certificatesExpiring: number[];
}

/** What a landed heartbeat reports back; undefined when it did not land (node gone or serial replaced). */
export interface HeartbeatLanded {
  cordoned: boolean;
}

export interface NodeStore {
  /**
   * Ordered by name; keyset cursor on the name. The API lists with listJson; this row form is
   * what the tests hold listJson to.
   */
  list(query: NodeListQuery): Promise<Page<NodeRow>>;
  /**
   * The same page, each node already rendered as the JSON text of its API projection (what
   * services/node-projection.ts gives for the row, status derived with `query.rule`): list
   * pages are sent as they come. SQLite renders them in SQL (its reader runs off the event loop,
   * and reading rows through node-sqlite3 costs more); PostgreSQL in the replica from the rows'
   * text (store/postgres/node-json.ts): the database is the one thing all replicas share, and
   * building the text there cost it ~20 times what reading the rows does.
   */
  listJson(query: NodeListQuery, projection: NodeProjection): Promise<Page<string>>;
  /**
   * One transaction for the whole batch. Each write lands only if its node still exists with
   * that certificate serial (checked at commit time, so a re-join or delete that committed
   * first wins). Results are in the order of `writes`.
   */
  recordHeartbeats(writes: readonly HeartbeatWrite[]): Promise<(HeartbeatLanded | undefined)[]>;
  /**
   * Notes that a heartbeat from the node's certificate `certSerial` was refused at `at`, only while
   * that is still the node's current certificate; false when it is not (nothing written).
   */
  recordRefusedHeartbeat(nodeId: string, certSerial: string, at: number): Promise<boolean>;
  /** Sets the cordon; undefined when the id is unknown. */
  setCordoned(id: string, cordoned: boolean): Promise<NodeRow | undefined>;
  /**
   * One transaction: read the node, run `decide` (throw to refuse: nothing changes), delete the
   * row (freeing its name and hosts) and mark its current certificate (and a renewal's pending
   * leaf) revoked. Undefined when the id is unknown.
   */
  delete(id: string, decide: (node: NodeRow) => void): Promise<NodeRow | undefined>;
  /** Nodes by status and their certificates' ends, counted by the engine in one pass (metrics). */
  fleetCounts(query: FleetCountsQuery): Promise<FleetCounts>;
}
