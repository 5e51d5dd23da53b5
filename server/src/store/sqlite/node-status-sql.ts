// The status rule in SQL, the twin of nodeStatus() in services/node-projection.ts: as a filter
// (statusCondition) and as a value (statusExpression), with the same precedence and the same
// clock. test/cp-node-status-rule checks both against nodeStatus() around every boundary.
import type { NodeStatusName, StatusRule } from '../node-store.js';
import type { SqlValue } from './connection.js';

/** `now - last > k x interval`, with the interval the node reported (default when none). */
function silentTooLong(rule: StatusRule, params: SqlValue[]): string {
  params.push(rule.now, rule.missedIntervals, rule.defaultIntervalMs);
  return '(? - last_heartbeat_at > ? * COALESCE(heartbeat_interval_ms, ?))';
}

/**
 * `now - last > k x interval` rewritten as `last + k x interval < now` with k and the default as
 * literals, the very expression of the nodes_silent_since index (migration 3), so SQLite can
 * find the few silent nodes through it instead of scanning them all.
 */
function notReadyCondition(rule: StatusRule, params: SqlValue[]): string {
  const k = rule.missedIntervals;
  const fallback = rule.defaultIntervalMs;
  if (!Number.isSafeInteger(k) || !Number.isSafeInteger(fallback)) throw new Error('the status rule takes whole numbers');
  params.push(rule.now);
  return `(cordoned = 0 AND last_heartbeat_at IS NOT NULL AND last_heartbeat_at + ${k} * COALESCE(heartbeat_interval_ms, ${fallback}) < ?)`;
}

/** Rows whose status is `status`. Pushes its parameters onto `params`, in the order they appear. */
export function statusCondition(status: NodeStatusName, rule: StatusRule, params: SqlValue[]): string {
  switch (status) {
    case 'cordoned':
      return 'cordoned = 1';
    case 'pending':
      return '(cordoned = 0 AND last_heartbeat_at IS NULL)';
    case 'not_ready':
      return notReadyCondition(rule, params);
    case 'ready':
      return `(cordoned = 0 AND last_heartbeat_at IS NOT NULL AND NOT ${silentTooLong(rule, params)})`;
  }
}

/** A row's status as text: cordoned, then pending, then not_ready, else ready. Pushes its parameters. */
export function statusExpression(rule: StatusRule, params: SqlValue[]): string {
  return `CASE WHEN cordoned = 1 THEN 'cordoned' WHEN last_heartbeat_at IS NULL THEN 'pending'
    WHEN ${silentTooLong(rule, params)} THEN 'not_ready' ELSE 'ready' END`;
}
