// The status rule in SQL, the twin of nodeStatus() in services/node-projection.ts: as a filter
// (statusCondition) and as a value (statusExpression), with the same precedence and the same
// clock. test/store/node-status-rule checks both against nodeStatus() around every boundary.
import { OtherixError } from '@otherix/sdk';
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
 * find the few silent nodes through it instead of scanning them all; or a refusal since the last
 * accepted heartbeat; or a heartbeat later than now (the CP's clock stepped back).
 */
function notReadyCondition(rule: StatusRule, params: SqlValue[]): string {
  const k = rule.missedIntervals;
  const fallback = rule.defaultIntervalMs;
  if (!Number.isSafeInteger(k) || !Number.isSafeInteger(fallback)) throw new OtherixError('internal', 'the status rule takes whole numbers');
  params.push(rule.now, rule.now);
  return `(cordoned = 0 AND (last_refused_heartbeat_at IS NOT NULL OR (last_heartbeat_at IS NOT NULL
    AND (last_heartbeat_at + ${k} * COALESCE(heartbeat_interval_ms, ${fallback}) < ? OR last_heartbeat_at > ?))))`;
}

/** Rows whose status is `status`. Pushes its parameters onto `params`, in the order they appear. */
export function statusCondition(status: NodeStatusName, rule: StatusRule, params: SqlValue[]): string {
  switch (status) {
    case 'cordoned':
      return 'cordoned = 1';
    case 'pending':
      return '(cordoned = 0 AND last_heartbeat_at IS NULL AND last_refused_heartbeat_at IS NULL)';
    case 'not_ready':
      return notReadyCondition(rule, params);
    case 'ready': {
      const silent = silentTooLong(rule, params);
      params.push(rule.now);
      return `(cordoned = 0 AND last_refused_heartbeat_at IS NULL AND last_heartbeat_at IS NOT NULL AND NOT ${silent} AND last_heartbeat_at <= ?)`;
    }
  }
}

/**
 * A row's status as text: cordoned, then refused (not_ready), pending, heard in the future or
 * silent too long (not_ready), else ready. Pushes its parameters.
 */
export function statusExpression(rule: StatusRule, params: SqlValue[]): string {
  params.push(rule.now);
  const future = 'last_heartbeat_at > ?';
  return `CASE WHEN cordoned = 1 THEN 'cordoned' WHEN last_refused_heartbeat_at IS NOT NULL THEN 'not_ready'
    WHEN last_heartbeat_at IS NULL THEN 'pending' WHEN ${future} THEN 'not_ready'
    WHEN ${silentTooLong(rule, params)} THEN 'not_ready' ELSE 'ready' END`;
}
