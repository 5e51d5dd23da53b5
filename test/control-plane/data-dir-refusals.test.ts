// A CP never silently becomes a new cluster (issue 13 item 1). A data dir that held a cluster
// carries its cluster id (cluster-id, and the database's cluster row); a start that finds only
// part of a cluster refuses with exit 1, naming what is missing and how to restore it, and
// changes nothing: admin.token and every other file stay as they were. Restoring the missing
// file lets the CP start again with its nodes and tokens.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { copyFile, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, runServerBinary, spawnControlPlane, tempDataDir } from '../harness/control-plane.js';
import { asBeforeClusterMarkers, storedCluster } from '../harness/database-file.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';

const serve = (dataDir: string) => runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);

/** Every file of the data dir with its bytes (SQLite's -wal/-shm and the lock file aside: opening the database may touch them). */
async function snapshot(dataDir: string): Promise<Record<string, string>> {
  const names = (await readdir(dataDir)).filter((name) => !/-wal$|-shm$|^otherix\.lock$/.test(name)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, (await readFile(join(dataDir, name))).toString('base64')])));
}

interface Cluster {
  dataDir: string;
  adminToken: string;
  clusterId: string;
  caFingerprint: string;
}

/** A stopped cluster with `nodes` joined nodes. */
async function stoppedCluster(t: ExecutionContext, nodes: number): Promise<Cluster> {
  const dataDir = await tempDataDir(t, 'otherix-refusal-');
  const cp = await spawnControlPlane({ dataDir });
  if (nodes > 0) {
    const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { max_uses: nodes } });
    const { csrPem } = await nodeCsr('n');
    for (let i = 0; i < nodes; i++) {
      const joined = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, `node-${i}`, csrPem) });
      if (joined.status !== 201) throw new Error(joined.text);
    }
  }
  await cp.stop();
  return {
    dataDir,
    adminToken: cp.adminToken,
    clusterId: (await readFile(join(dataDir, 'cluster-id'), 'utf8')).trim(),
    caFingerprint: cp.caFingerprint,
  };
}

/** Runs `serve`, expects the refusal, and checks nothing changed. */
async function refused(t: ExecutionContext, dataDir: string): Promise<string> {
  const before = await snapshot(dataDir);
  const run = await serve(dataDir);
  t.is(run.code, 1, run.stderr);
  t.regex(run.stderr, /^error: [a-z_]+: refusing to start: /);
  t.regex(run.stderr, /Nothing was changed\./);
  t.false(run.stderr.includes('listening'));
  t.deepEqual(await snapshot(dataDir), before, 'no file was written, removed or replaced');
  return run.stderr;
}

test('the first start writes cluster-id, and the database carries the same id and the CA fingerprint', async (t) => {
  const cluster = await stoppedCluster(t, 0);
  t.regex(cluster.clusterId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  t.like(await storedCluster(cluster.dataDir), { id: cluster.clusterId, caFingerprint: cluster.caFingerprint });
  const files = await readdir(cluster.dataDir);
  t.false(files.includes('cluster-id.incomplete'));
});

for (const how of ['missing', 'empty'] as const) {
  test(`${how === 'empty' ? 'an' : 'a'} ${how} otherix.db where a cluster was is refused; admin.token is unchanged; the restored database starts`, async (t) => {
    const cluster = await stoppedCluster(t, 1);
    const database = join(cluster.dataDir, 'otherix.db');
    const backup = join(cluster.dataDir, '..', `${cluster.clusterId}.db`);
    await copyFile(database, backup);
    if (how === 'missing') await rm(database);
    else await truncate(database, 0);
    const adminBefore = await readFile(join(cluster.dataDir, 'admin.token'), 'utf8');
    const stderr = await refused(t, cluster.dataDir);
    t.true(stderr.includes(`otherix.db is ${how}, but ${cluster.dataDir} holds cluster ${cluster.clusterId}`), stderr);
    t.true(stderr.includes(`restore otherix.db from your backup into ${cluster.dataDir}`), stderr);
    t.true(stderr.includes('new --data-dir'), stderr);
    t.is(await readFile(join(cluster.dataDir, 'admin.token'), 'utf8'), adminBefore);

    await copyFile(backup, database);
    await rm(backup);
    const cp = await spawnControlPlane({ dataDir: cluster.dataDir });
    t.is((await api(cp, 'GET', '/v1/whoami', { token: cluster.adminToken })).status, 200);
    t.is((await api(cp, 'GET', '/v1/nodes/node-0', { token: cluster.adminToken })).status, 200);
    await cp.stop();
  });
}

test('both CA files missing while the database holds nodes is refused: no new CA, nothing overwritten', async (t) => {
  const cluster = await stoppedCluster(t, 2);
  const ca = { crt: await readFile(join(cluster.dataDir, 'ca.crt')), key: await readFile(join(cluster.dataDir, 'ca.key')) };
  await rm(join(cluster.dataDir, 'ca.crt'));
  await rm(join(cluster.dataDir, 'ca.key'));
  const stderr = await refused(t, cluster.dataDir);
  t.true(stderr.includes(`ca.crt, ca.key are missing, but otherix.db holds cluster ${cluster.clusterId} with 2 nodes`), stderr);
  t.true(stderr.includes(`Restore ca.crt, ca.key from your backup into ${cluster.dataDir}`), stderr);
  t.true(stderr.includes('a new CA would orphan every node'), stderr);

  await writeFile(join(cluster.dataDir, 'ca.crt'), ca.crt, { mode: 0o644 });
  await writeFile(join(cluster.dataDir, 'ca.key'), ca.key, { mode: 0o600 });
  const cp = await spawnControlPlane({ dataDir: cluster.dataDir });
  t.is(cp.caFingerprint, cluster.caFingerprint);
  await cp.stop();
});

test('one CA file missing is refused and names it', async (t) => {
  const cluster = await stoppedCluster(t, 0);
  await rm(join(cluster.dataDir, 'ca.key'));
  const stderr = await refused(t, cluster.dataDir);
  t.true(stderr.includes('ca.key is missing, but otherix.db holds cluster'), stderr);
});

test('a marker without its database or CA is refused and names all three', async (t) => {
  const cluster = await stoppedCluster(t, 0);
  for (const file of ['otherix.db', 'ca.crt', 'ca.key']) await rm(join(cluster.dataDir, file));
  const stderr = await refused(t, cluster.dataDir);
  t.true(stderr.includes(`otherix.db is missing, but ${cluster.dataDir} holds cluster ${cluster.clusterId}`), stderr);
  t.true(stderr.includes('ca.crt, ca.key are missing too'), stderr);
});

test('a CA without its database (no marker either) is refused: the files of a cluster are not a new dir', async (t) => {
  const cluster = await stoppedCluster(t, 1);
  await rm(join(cluster.dataDir, 'cluster-id'));
  await rm(join(cluster.dataDir, 'otherix.db'));
  const stderr = await refused(t, cluster.dataDir);
  t.true(
    stderr.includes(
      `${cluster.dataDir} holds part of a cluster (ca.crt, ca.key, admin.token, server.crt, server.key, client.crt, client.key) but no otherix.db`,
    ),
    stderr,
  );
  t.true(stderr.includes('replace admin.token'), stderr);
});

test("another cluster's database, or its CA, is refused", async (t) => {
  const a = await stoppedCluster(t, 0);
  const b = await stoppedCluster(t, 0);
  const database = await readFile(join(a.dataDir, 'otherix.db'));
  await copyFile(join(b.dataDir, 'otherix.db'), join(a.dataDir, 'otherix.db'));
  const stderr = await refused(t, a.dataDir);
  t.true(stderr.includes(`otherix.db belongs to cluster ${b.clusterId}, but ${a.dataDir} holds cluster ${a.clusterId}`), stderr);

  await writeFile(join(a.dataDir, 'otherix.db'), database);
  for (const file of ['ca.crt', 'ca.key']) await copyFile(join(b.dataDir, file), join(a.dataDir, file));
  const wrongCa = await refused(t, a.dataDir);
  t.true(wrongCa.includes(`(${b.caFingerprint}) is not the CA of cluster ${a.clusterId} (${a.caFingerprint}`), wrongCa);
});

test('a removed cluster-id is written again from the database, with a warning', async (t) => {
  const cluster = await stoppedCluster(t, 0);
  await rm(join(cluster.dataDir, 'cluster-id'));
  const cp = await spawnControlPlane({ dataDir: cluster.dataDir });
  await cp.stop();
  t.is((await readFile(join(cluster.dataDir, 'cluster-id'), 'utf8')).trim(), cluster.clusterId);
  t.true(cp.output().stderr.includes('cluster-id was missing: wrote it again from otherix.db'), cp.output().stderr);
});

test('a data dir made before cluster markers is marked at its next start and keeps its nodes and admin token', async (t) => {
  const cluster = await stoppedCluster(t, 1);
  // What an older otherix-server left: no cluster-id, no cluster row.
  await rm(join(cluster.dataDir, 'cluster-id'));
  await asBeforeClusterMarkers(cluster.dataDir);
  const adminBefore = await readFile(join(cluster.dataDir, 'admin.token'), 'utf8');
  const cp = await spawnControlPlane({ dataDir: cluster.dataDir });
  try {
    t.is((await api(cp, 'GET', '/v1/nodes/node-0', { token: cluster.adminToken })).status, 200);
  } finally {
    await cp.stop();
  }
  t.is(await readFile(join(cluster.dataDir, 'admin.token'), 'utf8'), adminBefore);
  const newId = (await readFile(join(cluster.dataDir, 'cluster-id'), 'utf8')).trim();
  t.not(newId, cluster.clusterId);
  t.is((await storedCluster(cluster.dataDir)).id, newId);
  t.true(cp.output().stderr.includes('was made by an older otherix-server: marked it as a cluster'), cp.output().stderr);
});
