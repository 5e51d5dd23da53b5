// Moves of a CA rotation at the same moment (issue 19), on the real CP: two admins, or a script
// that retries, send `next` together. Each move is taken one after the other, so the database's
// rotation row and the new CA's files in the data dir (ca-next.crt, ca-next.key) stay one CA, and
// the CP answers, and starts again, on them. A start of a rotation that fails part way (its row
// cannot be written) leaves no ca-next.key behind, and the next try works.
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { api, spawnControlPlane } from '../harness/control-plane.js';
import { lockDatabase } from '../harness/database-file.js';

test('three `next` at once from standby move three phases one after the other; the data dir stays one new CA and the CP starts again', async (t) => {
  let cp = await spawnControlPlane();
  t.teardown(() => cp.stop().then(() => undefined));
  const original = cp.caPem;
  const answers = await Promise.all(
    [1, 2, 3].map(() => api(cp, 'POST', '/v1/ca/rotation', { token: cp.adminToken, body: { target: 'next', force: true } })),
  );
  t.deepEqual(
    answers.map((a) => a.status),
    [200, 200, 200],
    answers.map((a) => a.text).join('\n'),
  );
  t.deepEqual(answers.map((a) => a.body.phase as string).sort(), ['init', 'update_clients', 'update_servers']);

  const nextCertPem = await readFile(join(cp.dataDir, 'ca-next.crt'), 'utf8');
  const nextCert = new X509Certificate(nextCertPem);
  const keyOfFile = createPublicKey(createPrivateKey(await readFile(join(cp.dataDir, 'ca-next.key'), 'utf8'))).export({
    type: 'spki',
    format: 'der',
  });
  t.true(keyOfFile.equals(nextCert.publicKey.export({ type: 'spki', format: 'der' })), 'ca-next.key is the key of ca-next.crt');
  const trust = { url: cp.url, caPem: `${original}${nextCertPem}` };
  const status = await api(trust, 'GET', '/v1/ca/rotation', { token: cp.adminToken });
  t.is(status.status, 200, status.text);
  t.is(status.body.new_ca_fingerprint, `sha256:${nextCert.fingerprint256.replace(/:/g, '').toLowerCase()}`);

  await cp.stop();
  cp = await spawnControlPlane({ dataDir: cp.dataDir });
  const again = await api({ url: cp.url, caPem: trust.caPem }, 'GET', '/v1/ca/rotation', { token: cp.adminToken });
  t.is(again.body.phase, 'update_servers', again.text);
});

test('a rotation start whose row cannot be written (the database locked by another process) answers 500 and leaves no ca-next.* behind; then next starts it', async (t) => {
  const cp = await spawnControlPlane();
  t.teardown(() => cp.stop().then(() => undefined));
  const lock = await lockDatabase(cp.dataDir); // past the CP's busy timeout: its write fails after the new CA's files
  let failed;
  try {
    failed = await api(cp, 'POST', '/v1/ca/rotation', { token: cp.adminToken, body: { target: 'next' } });
  } finally {
    await lock.release();
  }
  t.is(failed.status, 500, failed.text);
  t.deepEqual(
    (await readdir(cp.dataDir)).filter((name) => name.startsWith('ca-next')),
    [],
    'no new CA key or certificate left behind',
  );
  t.is((await api(cp, 'GET', '/v1/ca/rotation', { token: cp.adminToken })).body.phase, 'standby');
  const started = await api(cp, 'POST', '/v1/ca/rotation', { token: cp.adminToken, body: { target: 'next' } });
  t.is(started.body.phase, 'init', started.text);
  t.true((await readdir(cp.dataDir)).includes('ca-next.key'));
});
