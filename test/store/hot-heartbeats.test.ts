// On PostgreSQL a heartbeat updates its node in place: a HOT update (the new row version on the
// same page, no index entry written), which needs every index of nodes to leave out the columns a
// heartbeat changes (migration 9; server/README "Heartbeats update nodes in place"). Before, two
// indexes held last_heartbeat_at, and each heartbeat wrote an entry into every index of the table.
// Raw SQL on the engine: what is checked is PostgreSQL's own statistics and catalog.
import test from 'ava';
import { PgStore } from '@otherix/server';
import { nodeRow } from '../harness/store-rows.js';
import { onDatabase } from '../harness/postgres.js';
import { withPostgresStore } from './scratch-store.js';

/** The columns every heartbeat writes with a new value (the time it was heard; the refusal it clears). */
const CHANGED_BY_EVERY_HEARTBEAT = ['last_heartbeat_at', 'last_refused_heartbeat_at'];

test('postgres: no index of nodes holds a column that every heartbeat changes', async (t) => {
  await withPostgresStore(async (_store, url) => {
    const indexes = await onDatabase(url, async (client) => {
      const { rows } = await client.query<{ name: string; definition: string }>(
        "SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE tablename = 'nodes' ORDER BY indexname",
      );
      return rows;
    });
    t.true(indexes.length > 0);
    for (const { name, definition } of indexes)
      for (const column of CHANGED_BY_EVERY_HEARTBEAT) t.false(definition.includes(column), `${name}: ${definition}`);
  });
});

test('postgres: a heartbeat written through the store is a HOT update, with the node read back as written', async (t) => {
  await withPostgresStore(async (store, url) => {
    const node = nodeRow(1, { lastHeartbeatAt: 1_000, heartbeatIntervalMs: 30_000, lastRefusedHeartbeatAt: 900 });
    await store.importRows({ nodes: [node] });
    const hotUpdates = (): Promise<number> =>
      onDatabase(url, async (client) => {
        const { rows } = await client.query<{ hot: string; updated: string }>(
          "SELECT n_tup_hot_upd AS hot, n_tup_upd AS updated FROM pg_stat_user_tables WHERE relname = 'nodes'",
        );
        return rows[0].updated === rows[0].hot ? Number(rows[0].hot) : -Number(rows[0].updated);
      });
    // Written through a store of its own, closed after: a backend reports its statistics when it
    // exits (else when next idle after about a second), so the count shows right after.
    const writer = await PgStore.open(url);
    let landed;
    try {
      landed = await writer.nodes.recordHeartbeats([
        {
          nodeId: node.id,
          certSerial: node.certSerial,
          architecture: node.architecture,
          agentVersion: '2.0.0',
          heartbeatIntervalMs: 10_000,
          hardwareJson: JSON.stringify({ cpu_count: 4 }),
          vmCount: 3,
          activeMigrations: 1,
          at: 2_000,
        },
      ]);
    } finally {
      await writer.close();
    }
    t.deepEqual(landed, [{ cordoned: false }]);
    let hot = await hotUpdates();
    while (hot === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      hot = await hotUpdates();
    }
    t.is(hot, 1, 'a negative count is the number of updates of which some were not HOT');
    const read = await store.findNodeById(node.id);
    t.like(read, { lastHeartbeatAt: 2_000, lastRefusedHeartbeatAt: null, agentVersion: '2.0.0', vmCount: 3, heartbeatIntervalMs: 10_000 });
  });
});
