// A crash during the first start never blocks the next (issue 13 item 6). The real binary is
// killed at each step of its first start (OTHERIX_TEST_CRASH_AT, exit 99), then started again:
// the second start completes a whole, consistent cluster (the CA pair matches, the database
// carries the cluster id and fingerprint, admin.token works, cluster-id is written) and no temp
// file of the interrupted write is left. Also: a data dir an older otherix-server left with only
// ca.key (killed between ca.key and ca.crt) starts.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateNodeKeyPair, exportPrivateKeyPem } from '@otherix/sdk/pki';
import { CRASH_EXIT_CODE, crashAtEnv } from '../harness/crash-points.js';
import { FIRST_START_STEPS } from '@otherix/server';
import { api, runServerBinary, spawnControlPlane, tempDataDir } from '../harness/control-plane.js';
import { storedCluster } from '../harness/database-file.js';

/** 'after-temp-file' is the SDK writer's step: the first atomic write of the first start (cluster-id.incomplete). */
const STEPS = ['after-temp-file', ...FIRST_START_STEPS];

const LEFTOVER = /\.tmp-|\.link-|incomplete/;

async function assertWholeCluster(t: ExecutionContext, dataDir: string): Promise<void> {
  const cp = await spawnControlPlane({ dataDir });
  try {
    const files = await readdir(dataDir);
    t.deepEqual(
      files.filter((name) => LEFTOVER.test(name)),
      [],
      'no temp file or incomplete marker left',
    );
    const caCert = new X509Certificate(await readFile(join(dataDir, 'ca.crt')));
    t.true(caCert.checkPrivateKey(createPrivateKey(await readFile(join(dataDir, 'ca.key'), 'utf8'))), 'ca.key is the key of ca.crt');
    const clusterId = (await readFile(join(dataDir, 'cluster-id'), 'utf8')).trim();
    const stored = await storedCluster(dataDir);
    t.like(stored, { id: clusterId, caFingerprint: cp.caFingerprint });
    t.deepEqual((await api(cp, 'GET', '/v1/whoami', { token: cp.adminToken })).body, { name: 'admin', role: 'admin' });
    t.deepEqual(stored.apiTokenNames, ['admin'], 'one admin token, the one in admin.token');
    for (const cert of ['server.crt', 'client.crt']) {
      t.true(new X509Certificate(await readFile(join(dataDir, cert))).checkIssued(caCert), `${cert} is issued by ca.crt`);
    }
  } finally {
    await cp.stop();
  }
}

test('the steps this test walks are every crash step of the first start', (t) => {
  t.deepEqual(
    [...FIRST_START_STEPS],
    [
      'first-start-begun',
      'first-start-after-ca-key',
      'first-start-after-ca',
      'first-start-after-database',
      'first-start-after-admin-token',
      'first-start-after-certificates',
    ],
  );
});

for (const step of STEPS) {
  test(`killed at ${step} of the first start, the next start completes the cluster`, async (t) => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'otherix-first-crash-')), 'data');
    try {
      const crashed = await runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], crashAtEnv(step));
      t.is(crashed.code, CRASH_EXIT_CODE, crashed.stderr);
      t.false(crashed.stderr.includes('listening'));
      const left = await readdir(dataDir);
      if (step !== 'after-temp-file') t.true(left.includes('cluster-id.incomplete'), left.join(' '));
      t.false(left.includes('cluster-id'));
      await assertWholeCluster(t, dataDir);
    } finally {
      await rm(join(dataDir, '..'), { recursive: true, force: true });
    }
  });
}

test('a data dir an older otherix-server left with only ca.key (killed before ca.crt) starts as a new cluster', async (t) => {
  const dataDir = await tempDataDir(t, 'otherix-old-crash-');
  const orphanKey = await exportPrivateKeyPem(await generateNodeKeyPair());
  await writeFile(join(dataDir, 'ca.key'), orphanKey, { mode: 0o600 });
  await assertWholeCluster(t, dataDir);
  t.not(await readFile(join(dataDir, 'ca.key'), 'utf8'), orphanKey);
});

test('a private-key temp file an interrupted write left is removed at the next start', async (t) => {
  const dataDir = await tempDataDir(t, 'otherix-temp-left-');
  const first = await spawnControlPlane({ dataDir });
  await first.stop();
  // What a kill -9 during a renewal of server.key leaves: a 0600 temp file beside the key.
  const temp = join(dataDir, '.server.key.tmp-0123456789ab');
  await writeFile(temp, 'half a key', { mode: 0o600 });
  const cp = await spawnControlPlane({ dataDir });
  await cp.stop();
  t.false((await readdir(dataDir)).includes('.server.key.tmp-0123456789ab'));
  t.true(cp.output().stderr.includes('removed what interrupted writes left'), cp.output().stderr);
});

// cluster-id.incomplete means "the first start never completed" only while nothing says
// otherwise: a cluster that finished its first start (or served) is never wiped for it.
test('a stale cluster-id.incomplete never wipes a cluster that completed its first start', async (t) => {
  const dataDir = await tempDataDir(t, 'otherix-stale-incomplete-');
  const first = await spawnControlPlane({ dataDir });
  const minted = await api(first, 'POST', '/v1/nodes/join-tokens', { token: first.adminToken, body: {} });
  t.is(minted.status, 201);
  await first.stop();
  const adminToken = await readFile(join(dataDir, 'admin.token'), 'utf8');
  const caKey = await readFile(join(dataDir, 'ca.key'), 'utf8');
  // cluster-id gone, cluster-id.incomplete there (a kill between writing one and removing the other, then a lost file).
  await rename(join(dataDir, 'cluster-id'), join(dataDir, 'cluster-id.incomplete'));

  const cp = await spawnControlPlane({ dataDir });
  try {
    t.is(cp.caFingerprint, first.caFingerprint, 'the same CA');
    t.is(await readFile(join(dataDir, 'admin.token'), 'utf8'), adminToken, 'admin.token unchanged');
    const tokens = await api(cp, 'GET', '/v1/nodes/join-tokens', { token: cp.adminToken });
    t.deepEqual(
      tokens.body.items.map((token: { id: string }) => token.id),
      [minted.body.id],
      'the join token minted before is still there',
    );
    const files = await readdir(dataDir);
    t.true(files.includes('cluster-id'));
    t.false(files.includes('cluster-id.incomplete'));
  } finally {
    await cp.stop();
  }

  // Without admin.token the first start cannot be finished, but the database holds a join token: refused, nothing touched.
  await rename(join(dataDir, 'cluster-id'), join(dataDir, 'cluster-id.incomplete'));
  await rm(join(dataDir, 'admin.token'));
  const refused = await runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  t.is(refused.code, 1, refused.stderr);
  t.regex(refused.stderr, /refusing to start: .*cluster-id\.incomplete.*join token/);
  t.is(await readFile(join(dataDir, 'ca.key'), 'utf8'), caKey, 'ca.key unchanged');
  t.true((await readdir(dataDir)).includes('otherix.db'));
});
