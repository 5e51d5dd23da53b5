// The store's bulk writes pass their rows as one JSON parameter (INSERT..SELECT / UPDATE..FROM
// json_each): a column must hold what a bound parameter holds. A string with a lone UTF-16
// surrogate (valid JSON, accepted by the API schema in agent_version) is where the two differ:
// binding stores U+FFFD, while `\ud800` in JSON text would become invalid UTF-8 in a TEXT column.
// Joins (new nodes in bulk, re-issues bound) and heartbeats (in bulk) are both checked.
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { redeemJoinTokens } from '@otherix/server';
import type { JoinTokenRow, RedemptionAttempt, Store } from '@otherix/server';
import { insertJoinToken, nodeRow, redemptionAttempt } from '../harness/store-rows.js';
import { testOnEachEngine, withScratchStore, withSqliteStore } from './scratch-store.js';

const NOW = Date.parse('2026-06-06T12:00:00Z');

const token = (store: Store, nodeName: string | null): Promise<JoinTokenRow> => insertJoinToken(store, NOW, { nodeName });

function attempt(tokenRow: JoinTokenRow, i: number, name: string, agentVersion: string): RedemptionAttempt {
  return redemptionAttempt(tokenRow, nodeRow(i, { id: randomUUID(), name, agentVersion, createdAt: NOW }), NOW);
}

test('sqlite: a new node stores its agent_version byte for byte as a re-issued node does (lone surrogate)', async (t) => {
  await withSqliteStore(async (store) => {
    const fleet = await token(store, null);
    const odd = 'v\ud800';
    const [old] = await redeemJoinTokens(store, [attempt(fleet, 1, 'reissued', 'plain')]);
    t.true(old.ok);
    const bound = await token(store, 'reissued');
    const outcomes = await redeemJoinTokens(store, [attempt(fleet, 2, 'fresh', odd), attempt(bound, 3, 'reissued', odd)]);
    t.true(outcomes.every((o) => o.ok));
    const stored = await store.connections.read.all<{ name: string; bytes: string }>(
      "SELECT name, hex(agent_version) AS bytes FROM nodes WHERE name IN ('fresh', 'reissued') ORDER BY name",
    );
    // The re-issue binds the string: SQLite gets well-formed UTF-8, 'v' + U+FFFD.
    t.deepEqual(stored, [
      { name: 'fresh', bytes: '76EFBFBD' },
      { name: 'reissued', bytes: '76EFBFBD' },
    ]);
    t.is((await store.findNodeByName('fresh'))!.agentVersion, (await store.findNodeByName('reissued'))!.agentVersion);
  });
});

test('sqlite: a heartbeat stores its agent_version as a bound string would (lone surrogate)', async (t) => {
  await withSqliteStore(async (store) => {
    const fleet = await token(store, null);
    const [joined] = await redeemJoinTokens(store, [attempt(fleet, 4, 'beating', 'plain')]);
    if (!joined.ok) {
      t.fail('the join was refused');
      return;
    }
    const node = joined.result.node;
    const landed = await store.nodes.recordHeartbeats([oddHeartbeat(node, 'v\ud800')]);
    t.deepEqual(landed, [{ cordoned: false }]);
    const [stored] = await store.connections.read.all<{ bytes: string }>(
      "SELECT hex(agent_version) AS bytes FROM nodes WHERE name = 'beating'",
    );
    t.is(stored.bytes, '76EFBFBD');
    // The hardware text is JSON already (its surrogate escaped), and reads back as it was sent.
    t.is((await store.findNodeByName('beating'))!.hardware?.cpu_model, 'x\udc00');
  });
});

/** A heartbeat of `node` whose agent version and hardware hold lone surrogates. */
function oddHeartbeat(
  node: { id: string; certSerial: string },
  agentVersion: string,
): Parameters<Store['nodes']['recordHeartbeats']>[0][number] {
  const hardware = { cpu_model: 'x\udc00', cpu_count: 1, memory_bytes: 1, kvm_present: false, hostname: 'h', kernel: 'k' };
  return {
    nodeId: node.id,
    certSerial: node.certSerial,
    architecture: 'amd64',
    agentVersion,
    heartbeatIntervalMs: 30_000,
    hardwareJson: JSON.stringify(hardware),
    vmCount: 0,
    activeMigrations: 0,
    at: NOW,
  };
}

testOnEachEngine(
  'a lone surrogate reads back as U+FFFD whether it came by a bulk join, a bound re-issue or a bulk heartbeat',
  async (t, engine) => {
    await withScratchStore(engine, async (store) => {
      const fleet = await token(store, null);
      const odd = 'v\ud800';
      const [old] = await redeemJoinTokens(store, [attempt(fleet, 5, 'reissued', 'plain')]);
      t.true(old.ok);
      const bound = await token(store, 'reissued');
      const outcomes = await redeemJoinTokens(store, [attempt(fleet, 6, 'fresh', odd), attempt(bound, 7, 'reissued', odd)]);
      t.true(outcomes.every((o) => o.ok));
      t.is((await store.findNodeByName('fresh'))!.agentVersion, 'v\ufffd');
      t.is((await store.findNodeByName('reissued'))!.agentVersion, 'v\ufffd');
      const node = (await store.findNodeByName('fresh'))!;
      await store.nodes.recordHeartbeats([oddHeartbeat(node, 'w\ud800')]);
      const beaten = (await store.findNodeByName('fresh'))!;
      t.is(beaten.agentVersion, 'w\ufffd');
      t.is(beaten.hardware?.cpu_model, 'x\udc00');
    });
  },
);
