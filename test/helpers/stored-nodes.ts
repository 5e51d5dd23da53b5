// Node rows written straight into a store's SQLite file, for the tests that compare what SQL
// derives (status filters, rendered list JSON) with the JS projection of the same rows.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@otherix/server';
import type { NodeRow } from '@otherix/server';

/** A node row numbered `i` (id, name and serial from it); every other field can be overridden. */
export function nodeRow(i: number, fields: Partial<NodeRow> = {}): NodeRow {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `node-${String(i).padStart(4, '0')}`, architecture: 'amd64',
    advertisedEndpoint: 'https://127.0.0.1:9443', endpointHost: '127.0.0.1', migrationHost: '127.0.0.1', migrationPortRangeStart: 49152,
    migrationPortRangeEnd: 49251, hardware: null, agentVersion: 't', vmCount: 0, activeMigrations: 0, certSerial: `${(i + 0x40).toString(16)}aa`,
    certNotAfter: Date.parse('2027-06-06T12:00:00Z'), cordoned: false, heartbeatIntervalMs: null, lastHeartbeatAt: null,
    lastRefusedHeartbeatAt: null, createdAt: Date.parse('2026-06-06T11:00:00Z'),
    ...fields,
  };
}

/** A fresh store in a temp folder holding `rows` (inserted as the columns they map to), closed and removed after `use`. */
export async function withStoredNodes<T>(rows: readonly NodeRow[], use: (store: SqliteStore) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-rows-'));
  const store = await SqliteStore.open(join(dir, 'otherix.db'));
  try {
    await store.connections.transaction(async (sql) => {
      for (const r of rows) {
        await sql.run(
          `INSERT INTO nodes (id, name, architecture, advertised_endpoint, endpoint_host, migration_host, migration_port_start, migration_port_end,
            hardware, agent_version, vm_count, active_migrations, cert_serial, cert_not_after, cordoned, heartbeat_interval_ms, last_heartbeat_at, created_at,
            last_refused_heartbeat_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [r.id, r.name, r.architecture, r.advertisedEndpoint, r.endpointHost, r.migrationHost, r.migrationPortRangeStart, r.migrationPortRangeEnd,
            r.hardware === null ? null : JSON.stringify(r.hardware), r.agentVersion, r.vmCount, r.activeMigrations, r.certSerial, r.certNotAfter,
            r.cordoned ? 1 : 0, r.heartbeatIntervalMs, r.lastHeartbeatAt, r.createdAt, r.lastRefusedHeartbeatAt],
        );
      }
    });
    return await use(store);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
