// The numbers a metrics scrape shows about the fleet, counted by SQLite in one statement each:
// nodes by status (the status rule in SQL, node-status-sql.ts) with their current certificates'
// ends, and live join tokens. A scrape at 50,000 nodes is one pass over the nodes table on the
// reader connection (off the event loop, never waiting for the writer), not 50,000 rows in JS.
import type { FleetCounts, FleetCountsQuery, NodeStatusName } from '../node-store.js';
import type { Sql, SqlValue } from './connection.js';
import { statusExpression } from './node-status-sql.js';

const STATUSES: readonly NodeStatusName[] = ['pending', 'ready', 'not_ready', 'cordoned'];

export async function countFleet(read: Sql, query: FleetCountsQuery): Promise<FleetCounts> {
  const { rule, certificateWindowsMs } = query;
  // The outer columns' parameters come first in the text, so they are pushed first.
  const params: SqlValue[] = [rule.now];
  const windows = certificateWindowsMs.map((ms, i) => {
    params.push(rule.now + ms);
    return `sum(cert_not_after <= ?) AS w${i}`;
  });
  const status = statusExpression(rule, params);
  const rows = await read.all<Record<string, number | string>>(
    `SELECT status, count(*) AS n, sum(cert_not_after <= ?) AS expired${windows.map((w) => `, ${w}`).join('')}
     FROM (SELECT ${status} AS status, cert_not_after FROM nodes) GROUP BY status`,
    params,
  );
  const nodes = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<NodeStatusName, number>;
  let expired = 0;
  const expiring = certificateWindowsMs.map(() => 0);
  for (const row of rows) {
    nodes[row['status'] as NodeStatusName] = Number(row['n']);
    expired += Number(row['expired']);
    expiring.forEach((_, i) => (expiring[i]! += Number(row[`w${i}`])));
  }
  return { nodes, certificatesExpired: expired, certificatesExpiring: expiring };
}

/** Join tokens that could still be redeemed: not revoked, not expired, uses left. */
export async function countLiveJoinTokens(read: Sql, now: number): Promise<number> {
  const row = await read.get<{ n: number }>(
    'SELECT count(*) AS n FROM join_tokens WHERE expires_at > ? AND revoked_at IS NULL AND (max_uses = 0 OR consumed < max_uses)',
    [now],
  );
  return row?.n ?? 0;
}
