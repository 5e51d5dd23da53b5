// A crash during the first start never blocks the next (issue 13 item 6). The real binary is
// killed at each step of its first start (OTHERIX_TEST_CRASH_AT, exit 99), then started again:
// the second start completes a whole, consistent cluster (the CA pair matches, the database
// carries the cluster id and fingerprint, admin.token works, cluster-id is written) and no temp
// file of the interrupted write is left. Also: a data dir an older otherix-server left with only
// ca.key (killed between ca.key and ca.crt) starts.
import test from 'ava';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRASH_EXIT_CODE, generateNodeKeyPair, exportPrivateKeyPem } from '@otherix/sdk';
import { FIRST_START_CRASH_STEPS } from '@otherix/server';
import { api, runServerBinary, spawnControlPlane } from '../harness/control-plane.js';
import { storedCluster } from '../harness/database-file.js';

/** 'after-temp-file' is the SDK writer's step: the first atomic write of the first start (cluster-id.incomplete). */
const STEPS = ['after-temp-file', ...FIRST_START_CRASH_STEPS];

const LEFTOVER = /\.tmp-|\.link-|incomplete/;

async function assertWholeCluster(t: import('ava').ExecutionContext, dataDir: string): Promise<void> {
  const cp = await spawnControlPlane({ dataDir });
  try {
    const files = await readdir(dataDir);
    t.deepEqual(files.filter((name) => LEFTOVER.test(name)), [], 'no temp file or incomplete marker left');
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
  t.deepEqual([...FIRST_START_CRASH_STEPS], [
    'first-start-begun', 'first-start-after-ca-key', 'first-start-after-ca', 'first-start-after-database',
    'first-start-after-admin-token', 'first-start-after-certificates',
  ]);
});

for (const step of STEPS) {
  test(`killed at ${step} of the first start, the next start completes the cluster`, async (t) => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'otherix-first-crash-')), 'data');
    try {
      const crashed = await runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], { OTHERIX_TEST_CRASH_AT: step });
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
  const dataDir = await mkdtemp(join(tmpdir(), 'otherix-old-crash-'));
  try {
    const orphanKey = await exportPrivateKeyPem(await generateNodeKeyPair());
    await writeFile(join(dataDir, 'ca.key'), orphanKey, { mode: 0o600 });
    await assertWholeCluster(t, dataDir);
    t.not(await readFile(join(dataDir, 'ca.key'), 'utf8'), orphanKey);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a private-key temp file an interrupted write left is removed at the next start', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'otherix-temp-left-'));
  try {
    const first = await spawnControlPlane({ dataDir });
    await first.stop();
    // What a kill -9 during a renewal of server.key leaves: a 0600 temp file beside the key.
    const temp = join(dataDir, '.server.key.tmp-0123456789ab');
    await writeFile(temp, 'half a key', { mode: 0o600 });
    const cp = await spawnControlPlane({ dataDir });
    await cp.stop();
    t.false((await readdir(dataDir)).includes('.server.key.tmp-0123456789ab'));
    t.true(cp.output().stderr.includes('removed what interrupted writes left'), cp.output().stderr);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
