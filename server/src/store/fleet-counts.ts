// The numbers a metrics scrape shows about the fleet, counted by the database in one statement
// each: nodes by status (the status rule in SQL, node-status-sql.ts) with their current
// certificates' ends, and live join tokens. The same SQL on both engines (`count(*) FILTER`:
// SQLite since 3.30, PostgreSQL); on SQLite it runs on the reader connection (off the event loop,
// never waiting for the writer), on PostgreSQL on any pooled connection. A scrape at 50,000 nodes
// is one pass over the nodes table, not 50,000 rows in JS.
import type { FleetCounts, FleetCountsQuery, NodeStatusName } from './node-store.js';
import { statusExpression } from './node-status-sql.js';
import type { SqlValue } from './rows.js';

/** What counting needs of an engine's connection (both engines' Sql have it). */
interface Reader {
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
}

const STATUSES: readonly NodeStatusName[] = ['pending', 'ready', 'not_ready', 'cordoned'];

export async function countFleet(read: Reader, query: FleetCountsQuery): Promise<FleetCounts> {
  const { rule, certificateWindowsMs } = query;
  // The outer columns' parameters come first in the text, so they are pushed first.
  const params: SqlValue[] = [rule.now];
  const windows = certificateWindowsMs.map((ms, i) => {
    params.push(rule.now + ms);
    return `count(*) FILTER (WHERE cert_not_after <= ?) AS w${i}`;
  });
  const status = statusExpression(rule, params);
  const rows = await read.all<Record<string, number | string>>(
    `SELECT status, count(*) AS n, count(*) FILTER (WHERE cert_not_after <= ?) AS expired${windows.map((w) => `, ${w}`).join('')}
     FROM (SELECT ${status} AS status, cert_not_after FROM nodes) AS fleet GROUP BY status`,
    params,
  );
  const nodes = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<NodeStatusName, number>;
  let expired = 0;
  const expiring = certificateWindowsMs.map(() => 0);
  for (const row of rows) {
    nodes[row['status'] as NodeStatusName] = Number(row['n']);
    expired += Number(row['expired']);
    expiring.forEach((_, i) => (expiring[i] += Number(row[`w${i}`])));
  }
  return { nodes, certificatesExpired: expired, certificatesExpiring: expiring };
}

/** Join tokens that could still be redeemed: not revoked, not expired, uses left. */
export async function countLiveJoinTokens(read: Reader, now: number): Promise<number> {
  const row = await read.get<{ n: number | string }>(
    'SELECT count(*) AS n FROM join_tokens WHERE expires_at > ? AND revoked_at IS NULL AND (max_uses = 0 OR consumed < max_uses)',
    [now],
  );
  return Number(row?.n ?? 0);
}
