// Stores for the SQLite engine's own tests: a fresh SqliteStore in a temp folder, and one that
// holds node rows written straight into its tables (for comparing what SQL derives: status
// filters, rendered list JSON, with the JS projection of the same rows). Only test/store/ may
// reach an engine's internals (its connections, its SQL); everything else goes through Store.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@otherix/server';
import type { NodeRow } from '@otherix/server';

/** A fresh store in a temp folder, closed and removed after `use`. */
export async function withScratchStore<T>(use: (store: SqliteStore) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-store-'));
  const store = await SqliteStore.open(join(dir, 'otherix.db'));
  try {
    return await use(store);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A fresh store holding `rows` (inserted as the columns they map to), closed and removed after `use`. */
export function withStoredNodes<T>(rows: readonly NodeRow[], use: (store: SqliteStore) => Promise<T>): Promise<T> {
  return withScratchStore(async (store) => {
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
    return use(store);
  });
}
