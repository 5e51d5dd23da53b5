// The status rule has two forms, nodeStatus() for what is shown and its SQL twin for filtering;
// on a grid of nodes around every boundary, each status filter selects exactly the nodes that
// show that status at the same `now`.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, MISSED_HEARTBEATS_FOR_NOT_READY, SqliteStore, nodeStatus } from '@otherix/server';
import type { NodeRow } from '@otherix/server';

const NOW = Date.parse('2026-06-06T12:00:00Z');
const rule = { now: NOW, missedIntervals: MISSED_HEARTBEATS_FOR_NOT_READY, defaultIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS };

function row(i: number, cordoned: boolean, heartbeatIntervalMs: number | null, lastHeartbeatAt: number | null): NodeRow {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `rule-${String(i).padStart(3, '0')}`, architecture: 'amd64',
    advertisedEndpoint: 'https://127.0.0.1:9443', endpointHost: '127.0.0.1', migrationHost: '127.0.0.1', migrationPortRangeStart: 49152,
    migrationPortRangeEnd: 49251, hardware: null, agentVersion: 't', vmCount: 0, activeMigrations: 0, certSerial: `${(i + 0x40).toString(16)}aa`,
    certNotAfter: NOW + 1e10, cordoned, heartbeatIntervalMs, lastHeartbeatAt, createdAt: NOW - 1e6,
  };
}

test('each status filter selects exactly the nodes nodeStatus() shows with that status', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-rule-'));
  const store = await SqliteStore.open(join(dir, 'otherix.db'));
  try {
    const rows: NodeRow[] = [];
    let i = 0;
    for (const cordoned of [false, true]) {
      rows.push(row(i++, cordoned, null, null));
      for (const interval of [100, 200, 1000, 30_000, null]) {
        const limit = MISSED_HEARTBEATS_FOR_NOT_READY * (interval ?? DEFAULT_HEARTBEAT_INTERVAL_MS);
        for (const silence of [0, limit - 1, limit, limit + 1, 10 * limit]) rows.push(row(i++, cordoned, interval, NOW - silence));
      }
    }
    await store.connections.transaction(async (sql) => {
      for (const r of rows) {
        await sql.run(
          `INSERT INTO nodes (id, name, architecture, advertised_endpoint, endpoint_host, migration_host, migration_port_start, migration_port_end,
            hardware, agent_version, vm_count, active_migrations, cert_serial, cert_not_after, cordoned, heartbeat_interval_ms, last_heartbeat_at, created_at)
            VALUES (?, ?, 'amd64', 'https://127.0.0.1:9443', '127.0.0.1', '127.0.0.1', 49152, 49251, NULL, 't', 0, 0, ?, ?, ?, ?, ?, ?)`,
          [r.id, r.name, r.certSerial, r.certNotAfter, r.cordoned ? 1 : 0, r.heartbeatIntervalMs, r.lastHeartbeatAt, r.createdAt],
        );
      }
    });
    const shown = new Map(rows.map((r) => [r.name, nodeStatus(r, NOW)]));
    t.is(shown.get('rule-003'), 'ready', 'silent for exactly three intervals is still ready');
    t.is(shown.get('rule-004'), 'not_ready');
    for (const status of ['pending', 'ready', 'not_ready', 'cordoned'] as const) {
      const listed = await store.nodes.list({ limit: 500, status, rule });
      const expected = rows.filter((r) => shown.get(r.name) === status).map((r) => r.name);
      t.true(expected.length > 0, status);
      t.deepEqual(listed.items.map((r) => r.name), expected, status);
    }
    const schedulable = await store.nodes.list({ limit: 500, schedulable: true, rule });
    t.deepEqual(schedulable.items.map((r) => r.name), rows.filter((r) => shown.get(r.name) === 'ready').map((r) => r.name));
    const unschedulable = await store.nodes.list({ limit: 500, schedulable: false, rule });
    t.deepEqual(unschedulable.items.map((r) => r.name), rows.filter((r) => shown.get(r.name) !== 'ready').map((r) => r.name));
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
