// `otherix-server migrate-store` (issue 18 item 6): a stopped CP's SQLite cluster copied into an
// empty PostgreSQL database, then served from it by a replica: its nodes keep heartbeating with
// the certificates they have, the admin token and the CA fingerprint stay, tokens, consumptions
// and serials are there. A running CP (its lock) and a database that holds anything are refused,
// with nothing written. A data dir whose ca.key is encrypted (--ca-key-passphrase-file) migrates
// with that file, and is refused without it. A data dir in the middle of a CA rotation is refused
// (the rotation would not come along).
import test from 'ava';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, runServerBinary, spawnControlPlane, writeSecretFile } from '../harness/control-plane.js';
import type { SpawnedControlPlane } from '../harness/control-plane.js';
import { heartbeat, joinNode } from '../harness/cluster.js';
import { freshDatabaseUrl, stopPostgres } from '../harness/postgres.js';

const running: SpawnedControlPlane[] = [];
let dir: string;

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otherix-migrate-store-'));
});

test.after.always(async () => {
  for (const cp of running) await cp.stop('SIGKILL').catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
  await stopPostgres();
});

test('a migrated cluster is served from PostgreSQL: nodes keep heartbeating with their certificates, tokens and history stay', async (t) => {
  const dataDir = join(dir, 'sqlite-cp');
  const sqliteCp = await spawnControlPlane({ dataDir });
  running.push(sqliteCp);
  const admin = { ...sqliteCp, adminToken: sqliteCp.adminToken };
  const first = await joinNode(admin, 'migrant-1');
  const second = await joinNode(admin, 'migrant-2', { bound: false });
  t.is((await heartbeat(sqliteCp, first.cert)).status, 200);
  await api(sqliteCp, 'POST', `/v1/nodes/${second.id}/cordon`, { token: admin.adminToken });
  const viewer = await api(sqliteCp, 'POST', '/v1/api-tokens', { token: admin.adminToken, body: { name: 'viewer-1', role: 'viewer' } });
  const tokensBefore = await api(sqliteCp, 'GET', '/v1/nodes/join-tokens?include_expired=true', { token: admin.adminToken });

  const databaseUrl = await freshDatabaseUrl();
  const secretFile = await writeSecretFile(join(dir, 'secret'));
  const migrate = ['migrate-store', '--data-dir', dataDir, '--database-url', databaseUrl, '--secret-file', secretFile];
  const whileRunning = await runServerBinary(migrate);
  t.is(whileRunning.code, 1, whileRunning.stderr);
  t.regex(whileRunning.stderr, /another otherix-server is running/);
  t.true(await noCluster(databaseUrl), 'nothing written while the CP runs');

  await sqliteCp.stop();
  const copied = await runServerBinary(migrate);
  t.is(copied.code, 0, copied.stderr);
  t.regex(copied.stderr, /copied cluster .* 2 nodes, 2 certificates, 2 API tokens, 2 join tokens, 2 consumptions/);
  t.false(copied.stderr.includes(new URL(databaseUrl).password), 'the database password is never printed');

  const again = await runServerBinary(migrate);
  t.is(again.code, 1, again.stderr);
  t.regex(again.stderr, /already holds a cluster.*empty database only/);

  const replica = await spawnControlPlane({
    dataDir: join(dir, 'replica'),
    args: ['--database-url', databaseUrl, '--secret-file', secretFile],
  });
  running.push(replica);
  t.is(replica.caFingerprint, sqliteCp.caFingerprint, 'the same CA: agents keep their pin');
  const beat = await heartbeat(replica, first.cert);
  t.is(beat.status, 200, beat.text);
  t.deepEqual((await heartbeat(replica, second.cert)).body, { status: 'cordoned' }, 'the cordon came along');
  t.is((await api(replica, 'GET', '/v1/whoami', { token: admin.adminToken })).status, 200, 'the first admin token still logs in');
  t.is((await api(replica, 'GET', '/v1/whoami', { token: viewer.body.token })).body.role, 'viewer');
  const tokensAfter = await api(replica, 'GET', '/v1/nodes/join-tokens?include_expired=true', { token: admin.adminToken });
  const withoutClock = (page: { items: Record<string, unknown>[] }) => page.items.map(({ ttl_remaining_seconds: _ttl, ...rest }) => rest);
  t.deepEqual(withoutClock(tokensAfter.body), withoutClock(tokensBefore.body), 'join tokens, their uses and their order');
  t.is((await api(replica, 'GET', `/v1/nodes/migrant-1`, { token: admin.adminToken })).body.certificate.serial, first.serial);
  // New joins go on from there.
  const third = await joinNode({ ...replica, adminToken: admin.adminToken }, 'after-migration');
  t.is((await heartbeat(replica, third.cert)).status, 200);
  t.is(await readFile(join(dataDir, 'otherix.db')).then(() => true), true, 'the SQLite data dir is left as it was');
});

test('migrate-store refuses a data dir without a cluster, and a secret file others can read', async (t) => {
  const databaseUrl = await freshDatabaseUrl();
  const secretFile = await writeSecretFile(join(dir, 'secret-2'));
  const migrate = (dataDir: string) =>
    runServerBinary(['migrate-store', '--data-dir', dataDir, '--database-url', databaseUrl, '--secret-file', secretFile]);
  const missing = await migrate(join(dir, 'not-a-dir'));
  t.is(missing.code, 1, missing.stderr);
  t.regex(missing.stderr, /no data dir at/);
  await mkdir(join(dir, 'nothing-here'), { mode: 0o700 });
  const empty = await migrate(join(dir, 'nothing-here'));
  t.is(empty.code, 1, empty.stderr);
  t.regex(empty.stderr, /holds no complete cluster/);
  await chmod(secretFile, 0o644);
  const loose = await migrate(join(dir, 'nothing-here'));
  t.is(loose.code, 1, loose.stderr);
  t.regex(loose.stderr, /readable or writable by others .*chmod 600/);
  t.true(await noCluster(databaseUrl));
});

test('an encrypted ca.key migrates with --ca-key-passphrase-file (refused without it); the replica signs with the same CA', async (t) => {
  const dataDir = join(dir, 'encrypted-cp');
  const passphraseFile = join(dir, 'ca-key.passphrase');
  await writeFile(passphraseFile, 'a passphrase for the migration\n', { mode: 0o600 });
  const sqliteCp = await spawnControlPlane({ dataDir, args: ['--ca-key-passphrase-file', passphraseFile] });
  running.push(sqliteCp);
  const node = await joinNode(sqliteCp, 'sealed-migrant');
  await sqliteCp.stop();
  const keyBefore = await readFile(join(dataDir, 'ca.key'));
  t.true(keyBefore.includes('-----BEGIN OTHERIX ENCRYPTED CA KEY-----'));

  const databaseUrl = await freshDatabaseUrl();
  const secretFile = await writeSecretFile(join(dir, 'secret-encrypted'));
  const migrate = ['migrate-store', '--data-dir', dataDir, '--database-url', databaseUrl, '--secret-file', secretFile];
  const locked = await runServerBinary(migrate);
  t.is(locked.code, 1, locked.stderr);
  t.regex(locked.stderr, /^error: ca_key_locked: \S+ca\.key is encrypted and no passphrase was given: pass --ca-key-passphrase-file FILE/);
  t.true(await noCluster(databaseUrl), 'nothing written without the passphrase');
  const copied = await runServerBinary([...migrate, '--ca-key-passphrase-file', passphraseFile]);
  t.is(copied.code, 0, copied.stderr);
  t.deepEqual(await readFile(join(dataDir, 'ca.key')), keyBefore, 'the data dir keeps its encrypted ca.key as it was');

  const replica = await spawnControlPlane({
    dataDir: join(dir, 'encrypted-replica'),
    args: ['--database-url', databaseUrl, '--secret-file', secretFile],
  });
  running.push(replica);
  t.is(replica.caFingerprint, sqliteCp.caFingerprint);
  t.is((await heartbeat(replica, node.cert)).status, 200);
  const after = await joinNode({ ...replica, adminToken: sqliteCp.adminToken }, 'sealed-after-migration');
  t.is((await heartbeat(replica, after.cert)).status, 200, 'the replica signs with the key that was encrypted');
});

/** The database holds no cluster: what `otherix-server ca-fingerprint --database-url` says of it. */
test('a data dir in the middle of a CA rotation is refused, nothing written: the rotation would not come along', async (t) => {
  const dataDir = join(dir, 'rotating-cp');
  const cp = await spawnControlPlane({ dataDir });
  running.push(cp);
  for (const phase of ['init', 'update_clients'])
    t.is((await api(cp, 'POST', '/v1/ca/rotation', { token: cp.adminToken, body: { target: 'next', force: true } })).body.phase, phase);
  await cp.stop();
  const databaseUrl = await freshDatabaseUrl();
  const secretFile = await writeSecretFile(join(dir, 'secret-rotating'));
  const refused = await runServerBinary([
    'migrate-store',
    '--data-dir',
    dataDir,
    '--database-url',
    databaseUrl,
    '--secret-file',
    secretFile,
  ]);
  t.is(refused.code, 1, refused.stderr);
  t.regex(
    refused.stderr,
    /^error: conflict: \S+ is in the middle of a CA rotation \(phase update_clients\), which migrate-store does not carry over: .*complete the rotation .*or roll it back.*Nothing was written\n$/,
  );
  t.true(await noCluster(databaseUrl), 'nothing written');
});

async function noCluster(url: string): Promise<boolean> {
  const asked = await runServerBinary(['ca-fingerprint', '--database-url', url]);
  return asked.code === 1 && /no cluster in the database/.test(asked.stderr);
}
