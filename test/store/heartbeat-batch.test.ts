// A batch of heartbeats through the store, on each engine: every reported field lands on the
// node whose serial it came with (an architecture a node reports anew too, which the list's
// architecture filter then finds), and nothing of a heartbeat whose serial is no longer the node's.
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
