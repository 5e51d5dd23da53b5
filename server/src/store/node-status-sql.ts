// The status rule in SQL, generated from its one source (node-status-rule.ts): as a value
// (statusExpression, for rendered list pages) and as a filter (statusCondition). Both engines use
// this text (their schemas store the columns alike: cordoned as 0/1, times as epoch ms), with
// `?` placeholders. test/store/node-status-rule checks both against nodeStatus() around every
// boundary, on each engine.
import { OtherixError } from '@otherix/sdk';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, MISSED_HEARTBEATS_FOR_NOT_READY, NODE_STATUS_RULE } from '../node-status-rule.js';
import type { NodeStatusName, StatusTest } from '../node-status-rule.js';
import type { StatusRule } from './node-store.js';
import type { SqlValue } from './rows.js';

/**
 * `last + k x interval < now`: silent for k of its intervals, the interval it reported (the
 * default when none). With k and the default as literals, it is the very expression of the
 * nodes_silent_since index of migration 3, which migration 9 dropped on both engines: its key
 * changed with every heartbeat. A status filter walks the name index and tests this expression.
 */
export function silentSinceSql(missedIntervals: number, defaultIntervalMs: number): string {
  if (!Number.isSafeInteger(missedIntervals) || !Number.isSafeInteger(defaultIntervalMs))
    throw new OtherixError('internal', 'the status rule takes whole numbers');
  return `last_heartbeat_at + ${missedIntervals} * COALESCE(heartbeat_interval_ms, ${defaultIntervalMs})`;
}

/** The silent-nodes index's expression, from the rule's constants (migration 3 of each engine). */
export const SILENT_SINCE_INDEX_SQL = silentSinceSql(MISSED_HEARTBEATS_FOR_NOT_READY, DEFAULT_HEARTBEAT_INTERVAL_MS);

/**
 * One test of the rule as SQL, or its negation; pushes its parameters. Never NULL where the rule
 * reaches it (never_heard comes before the times are read). The negations are written as the
 * partial indexes' conditions are (`cordoned = 0`, `last_heartbeat_at IS NOT NULL`), so an engine
 * sees that a filter implies them.
 */
function testSql(test: StatusTest, rule: StatusRule, params: SqlValue[], negated = false): string {
  switch (test) {
    case 'cordoned':
      return negated ? 'cordoned = 0' : 'cordoned = 1';
    case 'refused':
      return negated ? 'last_refused_heartbeat_at IS NULL' : 'last_refused_heartbeat_at IS NOT NULL';
    case 'never_heard':
      return negated ? 'last_heartbeat_at IS NOT NULL' : 'last_heartbeat_at IS NULL';
    case 'heard_after_now':
      params.push(rule.now);
      return negated ? 'last_heartbeat_at <= ?' : 'last_heartbeat_at > ?';
    case 'silent_too_long':
      params.push(rule.now);
      return `${silentSinceSql(rule.missedIntervals, rule.defaultIntervalMs)} ${negated ? '>=' : '<'} ?`;
  }
}

/** Rows whose status is `status`: some case of it holds and no case before it. Pushes its parameters. */
export function statusCondition(status: NodeStatusName, rule: StatusRule, params: SqlValue[]): string {
  const disjuncts: string[] = [];
  const before: StatusTest[] = [];
  for (const { status: named, when } of NODE_STATUS_RULE) {
    if (named === status) {
      const terms = before.map((test) => testSql(test, rule, params, true));
      if (when !== undefined) terms.push(testSql(when, rule, params));
      disjuncts.push(terms.length === 0 ? '1 = 1' : `(${terms.join(' AND ')})`);
    }
    if (when === undefined) break;
    before.push(when);
  }
  return disjuncts.length === 0 ? '1 = 0' : `(${disjuncts.join(' OR ')})`;
}

/** A row's status as text (a CASE of the rule's cases in order). Pushes its parameters. */
export function statusExpression(rule: StatusRule, params: SqlValue[]): string {
  const cases = NODE_STATUS_RULE.map(({ status, when }) =>
    when === undefined ? `ELSE '${status}'` : `WHEN ${testSql(when, rule, params)} THEN '${status}'`,
  );
  return `CASE ${cases.join(' ')} END`;
}
