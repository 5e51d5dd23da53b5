// Corruption is found at start and named (issue 13 item 5): the start runs PRAGMA quick_check on
// otherix.db; a garbled page or a garbled header stops it with exit 1, naming the file, SQLite's
// code and the next step (restore, or salvage with .recover), and nothing is written.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { api, runServerBinary, spawnControlPlane } from '../harness/control-plane.js';
import { garbleTablePage } from '../harness/database-file.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';
import { onNearlyFullTmpfsWith } from '../harness/small-filesystem.js';

/** A stopped cluster with a few nodes (so its tables span pages), cleanly closed (no -wal left). */
async function stoppedCluster(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'otherix-corrupt-'));
  const cp = await spawnControlPlane({ dataDir });
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: {} });
  const { csrPem } = await nodeCsr('n');
  for (let i = 0; i < 20; i++) await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, `node-${i}`, csrPem) });
  await cp.stop();
  return dataDir;
}

async function overwrite(path: string, offset: number, bytes: Buffer): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, offset);
  } finally {
    await handle.close();
  }
}

async function refusal(t: ExecutionContext, dataDir: string): Promise<string> {
  const database = join(dataDir, 'otherix.db');
  const before = await readFile(database);
  const run = await runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  t.is(run.code, 1, run.stderr);
  t.true(run.stderr.includes(`refusing to start: ${database} is damaged (`), run.stderr);
  t.true(run.stderr.includes(`restore otherix.db from your backup into ${dataDir}`), run.stderr);
  t.true(run.stderr.includes(`sqlite3 ${database} .recover`), run.stderr);
  t.deepEqual(await readFile(database), before, 'the damaged file is left as it was');
  return run.stderr;
}

test('a garbled page of otherix.db is found by quick_check at start and named', async (t) => {
  const dataDir = await stoppedCluster();
  try {
    t.true((await garbleTablePage(dataDir, 'nodes')) > 1, 'a page of the nodes table, not the header');
    const stderr = await refusal(t, dataDir);
    t.regex(stderr, /is damaged \((SQLITE_CORRUPT|quick_check)/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a garbled header (not a database any more) is named SQLITE_NOTADB', async (t) => {
  const dataDir = await stoppedCluster();
  try {
    await overwrite(join(dataDir, 'otherix.db'), 0, Buffer.from('this is not an SQLite header, at all!'));
    const stderr = await refusal(t, dataDir);
    t.true(stderr.includes('is damaged (SQLITE_NOTADB'), stderr);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a whole database on a disk that filled up is not called damaged: the start names the disk, and never says to restore a backup', async (t) => {
  const dataDir = await stoppedCluster();
  const mountPoint = await mkdtemp(join(tmpdir(), 'otherix-full-disk-'));
  const onFullDisk = join(mountPoint, basename(dataDir));
  // The data dir as it is, on a tmpfs with two pages left: the pid file fits, otherix.db-shm does not.
  const run = await runServerBinary(
    ['serve', '--data-dir', onFullDisk, '--listen', '127.0.0.1:0'],
    {},
    {
      prefix: onNearlyFullTmpfsWith(dataDir, mountPoint, { sizeBytes: 4 * 1024 * 1024, freeBytes: 8192 }),
    },
  );
  t.is(run.code, 1, run.stderr);
  t.true(
    run.stderr.startsWith(
      `error: data_dir_invalid: refusing to start: SQLite could not read or write ${join(onFullDisk, 'otherix.db')} (SQLITE_IOERR: `,
    ),
    run.stderr,
  );
  t.true(
    run.stderr.includes(`Check the free space on that filesystem (df -h ${onFullDisk}: SQLite needs room beside otherix.db`),
    run.stderr,
  );
  t.true(run.stderr.includes('do not restore a backup for this'), run.stderr);
  t.false(run.stderr.includes('is damaged'), run.stderr);
  t.false(run.stderr.includes('.recover'), run.stderr);

  // The same files with room to spare: the database was whole all along.
  const cp = await spawnControlPlane({ dataDir });
  t.is((await api(cp, 'GET', '/v1/nodes?limit=100', { token: cp.adminToken })).body.items.length, 20);
  await cp.stop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(mountPoint, { recursive: true, force: true });
});
