// node_list_p99_ms and node_list_all_pages_ms with 50,000 nodes. The rows are seeded straight
// into the stopped CP's SQLite file (a join per row would take minutes and measure joins, not
// lists): realistic rows (hardware JSON, a current certificate each), most `ready`, some
// cordoned, some pending. Then the CP is started again on the same data dir.
import { dataDirFiles } from '@otherix/server';
import sqlite3 from 'sqlite3';
import { BENCH_HARDWARE } from './fixtures.mjs';

function open(file) {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(db)));
  });
}
const run = (db, sql, params = []) => new Promise((resolve, reject) => db.run(sql, params, (error) => (error ? reject(error) : resolve())));
const get = (db, sql, params = []) =>
  new Promise((resolve, reject) => db.get(sql, params, (error, row) => (error ? reject(error) : resolve(row))));

// One INSERT..SELECT over a recursive sequence: 50,000 rows in about a second (row-by-row
// inserts from here took ~25 s). Ids are random v4 UUIDs, serials 128 random bits.
const UUID_V4 = `lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-'
  || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))`;

/** Adds nodes until the table holds `total`; returns how many were added. */
export async function seedNodes(dataDir, total) {
  const db = await open(dataDirFiles(dataDir).database);
  try {
    await run(db, 'PRAGMA busy_timeout = 5000');
    const { count } = await get(db, 'SELECT COUNT(*) AS count FROM nodes');
    const missing = Math.max(0, total - count);
    const now = Date.now();
    const notAfter = now + 365 * 86_400_000;
    const hardware = JSON.stringify(BENCH_HARDWARE);
    await run(db, 'BEGIN IMMEDIATE');
    // Every 50th pending (no heartbeat yet), every 25th cordoned, the rest ready: seeded after
    // the CP stopped, last_heartbeat_at = now keeps them ready for three 30 s intervals.
    await run(
      db,
      `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
       INSERT INTO nodes (id, name, architecture, advertised_endpoint, endpoint_host, migration_host,
         migration_port_start, migration_port_end, hardware, agent_version, vm_count, active_migrations, cert_serial,
         cert_not_after, cordoned, heartbeat_interval_ms, last_heartbeat_at, created_at)
       SELECT ${UUID_V4}, printf('seeded-%06d', i), CASE WHEN i % 4 = 0 THEN 'arm64' ELSE 'amd64' END,
         printf('https://10.%d.%d.%d:9443', (i >> 16) & 255, (i >> 8) & 255, i & 255),
         printf('10.%d.%d.%d', (i >> 16) & 255, (i >> 8) & 255, i & 255), printf('10.%d.%d.%d', (i >> 16) & 255, (i >> 8) & 255, i & 255),
         49152, 49251, CASE WHEN i % 50 = 0 THEN NULL ELSE ? END, '0.1.0', i % 7, 0, ltrim(lower(hex(randomblob(16))), '0'),
         ?, CASE WHEN i % 25 = 1 THEN 1 ELSE 0 END, 30000, CASE WHEN i % 50 = 0 THEN NULL ELSE ? END, ?
       FROM seq`,
      [missing, hardware, notAfter, now, now],
    );
    await run(
      db,
      `INSERT INTO node_certificates (serial, node_id, not_after, status, issued_at)
       SELECT cert_serial, id, cert_not_after, 'current', created_at FROM nodes WHERE name LIKE 'seeded-%'`,
    );
    await run(db, 'COMMIT');
    return missing;
  } finally {
    await new Promise((resolve) => db.close(resolve));
  }
}

/**
 * First pages (limit 100), as a dashboard polls them, then one walk through every cursor. A
 * request's latency runs from sending it to its last body byte; parsing the 100 nodes is the
 * client's own work and is done (and checked) after the clock stops.
 */
export async function measureNodeList(admin, { requests = 300 } = {}) {
  const latencies = [];
  for (let i = 0; i < 20; i++) await admin.request('GET', '/v1/nodes?limit=100'); // warm-up
  for (let i = 0; i < requests; i++) {
    const began = performance.now();
    const response = await admin.exchange('GET', '/v1/nodes?limit=100');
    latencies.push(performance.now() - began);
    const page = admin.parse(response);
    if (page.items.length !== 100) throw new Error(`a first page held ${page.items.length} nodes`);
  }
  const began = performance.now();
  let cursor = null;
  let pages = 0;
  let nodes = 0;
  do {
    const page = await admin.request('GET', `/v1/nodes?limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    pages++;
    nodes += page.items.length;
    cursor = page.next_cursor;
  } while (cursor !== null);
  return { latencies, allPagesMs: performance.now() - began, pages, nodes };
}
