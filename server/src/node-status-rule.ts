// The node status rule, as data: the one source of nodeStatus() (services/node-projection.ts), of
// every engine's SQL for it (store/node-status-sql.ts: list filters and rendered list pages) and
// of the silent-nodes index (migration 3). It is a leaf, not a service, because the store may not
// import services and every one of them needs the same rule.
//
// Read it top down: the first case whose test holds names the status. cordoned wins (maintenance
// is a decision, liveness stays visible in last_heartbeat_at); then not_ready when a heartbeat from
// its current certificate was refused since the last accepted one (it is not heard, whatever the
// times say); then pending (no heartbeat yet); then not_ready when its last heartbeat is later than
// now (the CP's clock stepped back since: the silence cannot be measured, and a dead node must not
// stay ready until the clock catches up) or when silent for 3 of its intervals; else ready.
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from '@otherix/sdk/internal';

/** A node is not_ready after this many of its own reported intervals without a heartbeat. */
export const MISSED_HEARTBEATS_FOR_NOT_READY = 3;
/** The interval assumed for a node that reported none: the agent's default cadence, the SDK's. */
export { DEFAULT_HEARTBEAT_INTERVAL_MS };

export type NodeStatusName = 'pending' | 'ready' | 'not_ready' | 'cordoned';

/** The facts of a node row the rule tests (each engine says them in its SQL, nodeStatus in TypeScript). */
export type StatusTest = 'cordoned' | 'refused' | 'never_heard' | 'heard_after_now' | 'silent_too_long';

export interface StatusCase {
  status: NodeStatusName;
  /** Absent on the last case: it always holds. */
  when?: StatusTest;
}

export const NODE_STATUS_RULE: readonly StatusCase[] = [
  { status: 'cordoned', when: 'cordoned' },
  { status: 'not_ready', when: 'refused' },
  { status: 'pending', when: 'never_heard' },
  { status: 'not_ready', when: 'heard_after_now' },
  { status: 'not_ready', when: 'silent_too_long' },
  { status: 'ready' },
];
