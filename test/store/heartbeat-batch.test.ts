// A batch of heartbeats through the store, on each engine: every reported field lands on the
// node whose serial it came with (an architecture a node reports anew too, which the list's
// architecture filter then finds), and nothing of a heartbeat whose serial is no longer the node's
// (a renewed node's old serial, a deleted node), whether its architecture is new or not: the
// store writes the batch in two statements when some architecture changed (sql-nodes.ts).
import { DEFAULT_HEARTBEAT_INTERVAL_MS, MISSED_HEARTBEATS_FOR_NOT_READY } from '@otherix/server';
import type { Store } from '@otherix/server';
import { nodeRow } from '../harness/store-rows.js';
import { testOnEachEngine, withStoredNodes } from './scratch-store.js';

type HeartbeatWrite = Parameters<Store['nodes']['recordHeartbeats']>[0][number];

const beat = (node: { id: string; certSerial: string }, fields: Partial<HeartbeatWrite> = {}): HeartbeatWrite => ({
  nodeId: node.id,
  certSerial: node.certSerial,
  architecture: 'amd64',
  agentVersion: '2.0.0',
  heartbeatIntervalMs: 10_000,
  hardwareJson: JSON.stringify({ cpu_count: 8 }),
  vmCount: 2,
  activeMigrations: 1,
  at: 5_000,
  ...fields,
});

testOnEachEngine('a batch lands each heartbeat on its node, and a new architecture with it', async (t, engine) => {
  const same = nodeRow(1);
  const moved = nodeRow(2);
  const stale = nodeRow(3);
  const cordoned = nodeRow(4, { cordoned: true, architecture: 'arm64' });
  await withStoredNodes(engine, [same, moved, stale, cordoned], async (store) => {
    const landed = await store.nodes.recordHeartbeats([
      beat(same),
      beat(moved, { architecture: 'arm64', vmCount: 7 }),
      // A serial the node no longer holds: nothing of it lands, the architecture included.
      beat(stale, { certSerial: 'ffff', architecture: 'riscv64' }),
      beat(cordoned, { architecture: 'arm64' }),
    ]);
    t.deepEqual(landed, [{ cordoned: false }, { cordoned: false }, undefined, { cordoned: true }]);
    t.like(await store.findNodeById(same.id), { architecture: 'amd64', agentVersion: '2.0.0', vmCount: 2, lastHeartbeatAt: 5_000 });
    t.like(await store.findNodeById(moved.id), { architecture: 'arm64', vmCount: 7, lastHeartbeatAt: 5_000, hardware: { cpu_count: 8 } });
    t.like(await store.findNodeById(stale.id), { architecture: 'amd64', agentVersion: 't', lastHeartbeatAt: null });
    t.like(await store.findNodeById(cordoned.id), { architecture: 'arm64', cordoned: true, lastHeartbeatAt: 5_000 });
    // The list's architecture filter (its own index) finds the node under its new architecture.
    const arm = await store.nodes.list({
      limit: 10,
      architecture: 'arm64',
      rule: { now: 6_000, missedIntervals: MISSED_HEARTBEATS_FOR_NOT_READY, defaultIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS },
    });
    t.deepEqual(
      arm.items.map((n) => n.name),
      [moved.name, cordoned.name],
    );
  });
});

testOnEachEngine("a renewed node's two serials in one batch: only its current one lands, whichever came last", async (t, engine) => {
  const node = nodeRow(1);
  const other = nodeRow(2);
  await withStoredNodes(engine, [node, other], async (store) => {
    const landed = await store.nodes.recordHeartbeats([
      beat(node, { vmCount: 3, at: 5_000 }),
      beat(other, { at: 5_000 }),
      // The certificate it had before: refused, though it is the later write.
      beat(node, { certSerial: 'ffff', vmCount: 9, architecture: 'arm64', at: 6_000 }),
    ]);
    t.deepEqual(landed, [{ cordoned: false }, { cordoned: false }, undefined]);
    t.like(await store.findNodeById(node.id), { vmCount: 3, architecture: 'amd64', lastHeartbeatAt: 5_000 });
  });
});

testOnEachEngine('one node twice in a batch: the later write lands, its architecture too, and both are answered', async (t, engine) => {
  const node = nodeRow(1);
  const moved = nodeRow(2);
  await withStoredNodes(engine, [node, moved], async (store) => {
    const landed = await store.nodes.recordHeartbeats([
      beat(node, { architecture: 'arm64', vmCount: 4, at: 5_000 }),
      beat(moved, { vmCount: 1, at: 5_000 }),
      beat(moved, { architecture: 'arm64', vmCount: 2, at: 6_000 }),
      // Earlier than the first, sent later: the write with the latest time wins.
      beat(node, { vmCount: 8, at: 4_000 }),
    ]);
    t.deepEqual(landed, [{ cordoned: false }, { cordoned: false }, { cordoned: false }, { cordoned: false }]);
    t.like(await store.findNodeById(node.id), { architecture: 'arm64', vmCount: 4, lastHeartbeatAt: 5_000 });
    t.like(await store.findNodeById(moved.id), { architecture: 'arm64', vmCount: 2, lastHeartbeatAt: 6_000 });
  });
});

testOnEachEngine('a deleted node is refused in a batch, with or without a new architecture, and the others land', async (t, engine) => {
  const kept = nodeRow(1, { cordoned: true });
  const deleted = nodeRow(2);
  const deletedMoved = nodeRow(3);
  await withStoredNodes(engine, [kept, deleted, deletedMoved], async (store) => {
    await store.nodes.delete(deleted.id, () => undefined);
    await store.nodes.delete(deletedMoved.id, () => undefined);
    const landed = await store.nodes.recordHeartbeats([
      beat(deleted),
      beat(kept, { architecture: 'arm64' }),
      beat(deletedMoved, { architecture: 'arm64' }),
    ]);
    t.deepEqual(landed, [undefined, { cordoned: true }, undefined]);
    t.is(await store.findNodeById(deleted.id), undefined);
    t.like(await store.findNodeById(kept.id), { architecture: 'arm64', cordoned: true, lastHeartbeatAt: 5_000 });
  });
});
