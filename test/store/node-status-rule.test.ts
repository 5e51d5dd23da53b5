// The status rule (node-status-rule.ts) has two forms, nodeStatus() for what is shown and the SQL
// generated from it for filtering and for rendering list pages, on each engine; on a grid of nodes
// around every boundary, each status filter selects exactly the nodes that show that status at the
// same `now`, and the rendered status is it.
import { DEFAULT_HEARTBEAT_INTERVAL_MS, MISSED_HEARTBEATS_FOR_NOT_READY, nodeStatus } from '@otherix/server';
import type { NodeRow } from '@otherix/server';
import { nodeRow } from '../harness/store-rows.js';
import { testOnEachEngine, withStoredNodes } from './scratch-store.js';

const NOW = Date.parse('2026-06-06T12:00:00Z');
const rule = { now: NOW, missedIntervals: MISSED_HEARTBEATS_FOR_NOT_READY, defaultIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS };

const row = (
  i: number,
  cordoned: boolean,
  heartbeatIntervalMs: number | null,
  lastHeartbeatAt: number | null,
  lastRefusedHeartbeatAt: number | null = null,
): NodeRow => nodeRow(i, { cordoned, heartbeatIntervalMs, lastHeartbeatAt, lastRefusedHeartbeatAt });

/**
 * Around every boundary: pending, then for each interval silent 0, just under, at, just over and
 * far over three intervals, and heard 1 ms and far "in the future" (a clock that stepped back);
 * each of those also with a refused heartbeat since (issue 13).
 */
function grid(): NodeRow[] {
  const rows: NodeRow[] = [];
  let i = 0;
  for (const cordoned of [false, true]) {
    for (const refused of [null, NOW - 5, NOW + 60_000]) {
      rows.push(row(i++, cordoned, null, null, refused));
      for (const interval of [100, 200, 1000, 30_000, null]) {
        const limit = MISSED_HEARTBEATS_FOR_NOT_READY * (interval ?? DEFAULT_HEARTBEAT_INTERVAL_MS);
        for (const silence of [0, limit - 1, limit, limit + 1, 10 * limit, -1, -10 * limit])
          rows.push(row(i++, cordoned, interval, NOW - silence, refused));
      }
    }
  }
  return rows;
}

testOnEachEngine('each status filter selects exactly the nodes nodeStatus() shows with that status', async (t, engine) => {
  const rows = grid();
  await withStoredNodes(engine, rows, async (store) => {
    const shown = new Map(rows.map((r) => [r.name, nodeStatus(r, NOW)]));
    t.is(shown.get('node-0003'), 'ready', 'silent for exactly three intervals is still ready');
    t.is(shown.get('node-0004'), 'not_ready');
    t.is(shown.get('node-0006'), 'not_ready', 'heard 1 ms in the future');
    t.is(shown.get('node-0036'), 'not_ready', 'refused since, and never heard: not pending');
    t.is(shown.get('node-0037'), 'not_ready', 'refused since its last heartbeat');
    for (const status of ['pending', 'ready', 'not_ready', 'cordoned'] as const) {
      const listed = await store.nodes.list({ limit: 500, status, rule });
      const expected = rows.filter((r) => shown.get(r.name) === status).map((r) => r.name);
      t.true(expected.length > 0, status);
      t.deepEqual(
        listed.items.map((r) => r.name),
        expected,
        status,
      );
    }
    const schedulable = await store.nodes.list({ limit: 500, schedulable: true, rule });
    t.deepEqual(
      schedulable.items.map((r) => r.name),
      rows.filter((r) => shown.get(r.name) === 'ready').map((r) => r.name),
    );
    const unschedulable = await store.nodes.list({ limit: 500, schedulable: false, rule });
    t.deepEqual(
      unschedulable.items.map((r) => r.name),
      rows.filter((r) => shown.get(r.name) !== 'ready').map((r) => r.name),
    );
  });
});

testOnEachEngine(
  'the status the store renders into list JSON is the one nodeStatus() shows, for every node of the grid',
  async (t, engine) => {
    const rows = grid();
    await withStoredNodes(engine, rows, async (store) => {
      const page = await store.nodes.listJson({ limit: 500, rule }, 'summary');
      const rendered = page.items.map((text) => JSON.parse(text) as { name: string; status: string });
      t.is(rendered.length, rows.length);
      t.deepEqual(
        rendered.map((n) => [n.name, n.status]),
        rows.map((r) => [r.name, nodeStatus(r, NOW)]),
      );
    });
  },
);
