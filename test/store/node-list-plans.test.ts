// How SQLite reads a page of GET /v1/nodes: every filter walks an index in name order and stops at
// the page's end, never sorting the matching nodes first. The silent-nodes index (migration 3,
// dropped on SQLite by migration 9) made `status=ready`, which is most of a cluster, take it and
// then sort every ready node by name for each page; every heartbeat also rewrote its entry.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, MISSED_HEARTBEATS_FOR_NOT_READY, SqliteStore, nodePageClauses } from '@otherix/server';
import type { NodeListQuery, SqlValue } from '@otherix/server';
import { nodeRow } from '../harness/store-rows.js';

const NOW = Date.parse('2026-06-06T12:00:00Z');
const rule = { now: NOW, missedIntervals: MISSED_HEARTBEATS_FOR_NOT_READY, defaultIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS };

function all(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) =>
    db.all(sql, params, (error, rows) => (error === null ? resolve(rows as Record<string, unknown>[]) : reject(error))),
  );
}

test('each node filter pages in name order on SQLite, and the heartbeat-keyed index is gone', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-plans-'));
  const file = join(dir, 'otherix.db');
  const store = await SqliteStore.open(file);
  const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY);
  try {
    // Mostly ready nodes, as in a healthy cluster: a few silent, pending and cordoned ones.
    const rows = Array.from({ length: 400 }, (_, i) =>
      nodeRow(i, {
        cordoned: i % 25 === 0,
        lastHeartbeatAt: i % 50 === 1 ? null : i % 40 === 2 ? NOW - 3_600_000 : NOW - 1000,
        heartbeatIntervalMs: 30_000,
      }),
    );
    await store.importRows({ nodes: rows });

    const indexes = await all(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'nodes'");
    t.false(
      indexes.some((index) => index['name'] === 'nodes_silent_since'),
      'no index whose key every heartbeat changes',
    );

    const queries: NodeListQuery[] = [
      { limit: 100, rule },
      ...(['ready', 'not_ready', 'pending', 'cordoned'] as const).map((status) => ({ limit: 100, status, rule })),
      { limit: 100, schedulable: true, rule },
    ];
    for (const query of queries) {
      const params: SqlValue[] = [];
      const clauses = nodePageClauses(query, params);
      const plan = (await all(db, `EXPLAIN QUERY PLAN SELECT * FROM nodes ${clauses}`, params)).map((step) => String(step['detail']));
      const what = JSON.stringify({ status: query.status, schedulable: query.schedulable });
      t.false(
        plan.some((step) => step.includes('TEMP B-TREE')),
        `${what} sorts the matching nodes before the page: ${plan.join('; ')}`,
      );
      // And the page itself is what the filter says, in name order.
      const page = await all(db, `SELECT name FROM nodes ${clauses}`, params);
      const names = page.map((row) => String(row['name']));
      t.deepEqual(names, [...names].sort(), `${what} page in name order`);
    }
  } finally {
    await new Promise((resolve) => db.close(resolve));
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
