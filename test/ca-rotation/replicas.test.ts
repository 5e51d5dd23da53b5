// A CA rotation on PostgreSQL with two replicas (issue 19): the phase lives in the shared
// database, the new CA's key sealed there with the secret file, and the replica that did not move
// it follows within its poll (2 s): it answers heartbeats with the new bundle, signs joins with the
// new CA in update_clients, serves a certificate of the new CA in update_servers (a new TLS context,
// no restart), and once complete refuses a certificate of the old CA and names the new CA in
// `otherix-server ca-fingerprint --database-url`.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, replicasForFile, runServerBinary, spawnControlPlane, writeSecretFile } from '../harness/control-plane.js';
import { heartbeat, heartbeatBody, joinNode } from '../harness/cluster.js';
import { eventually } from '../harness/loopback.js';
import { freshDatabaseUrl } from '../harness/postgres.js';
import { servingCertificate } from './fleet.js';

const { folders, running } = replicasForFile(test);

test('the replica that did not move the rotation follows every phase: bundle, signing CA, serving certificate, the old CA refused', async (t) => {
  t.timeout(180_000);
  const dir = await mkdtemp(join(tmpdir(), 'otherix-rotation-replicas-'));
  folders.push(dir);
  const databaseUrl = await freshDatabaseUrl();
  const secretFile = await writeSecretFile(join(dir, 'secret'));
  const replica = async (name: string) => {
    const cp = await spawnControlPlane({ dataDir: join(dir, name), args: ['--database-url', databaseUrl, '--secret-file', secretFile] });
    running.push(cp);
    return cp;
  };
  const a = await replica('a');
  const b = await replica('b');
  const adminToken = a.adminToken;
  const oldFingerprint = a.caFingerprint;
  const move = async (expected: string) => {
    const moved = await api(a, 'POST', '/v1/ca/rotation', { token: adminToken, body: { target: 'next', force: true } });
    t.is(moved.status, 200, moved.text);
    t.is(moved.body.phase, expected);
    return moved.body as { new_ca_fingerprint: string | null; ca_fingerprint: string };
  };
  const node = await joinNode({ ...b, adminToken }, 'beats-on-b');

  const init = await move('init');
  const newFingerprint = init.new_ca_fingerprint!;
  const withBundle = await eventually(
    () => heartbeat(b, node.cert, heartbeatBody({ ca_fingerprints: [oldFingerprint] })),
    (r) => r.status === 200 && typeof r.body.ca_bundle_pem === 'string',
  );
  const newCaPem = (withBundle.body.ca_bundle_pem as string).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)![1];
  t.is(new X509Certificate(newCaPem).fingerprint256.replace(/:/g, '').toLowerCase(), newFingerprint.slice('sha256:'.length));

  await move('update_clients');
  const joined = await eventually(
    () => joinNode({ ...b, adminToken }, `joins-on-b-${Date.now()}`),
    (j) => new X509Certificate(j.cert.certPem).checkIssued(new X509Certificate(newCaPem)),
  );
  t.truthy(joined);

  await move('update_servers');
  const served = await eventually(
    () => servingCertificate(b, `${a.caPem}${newCaPem}`),
    (cert) => cert.checkIssued(new X509Certificate(newCaPem)),
  );
  t.true(served.verify(new X509Certificate(newCaPem).publicKey), 'b serves a certificate of the new CA, without a restart');

  // A keep-alive connection opened before completion, with a certificate of the old CA.
  t.is((await heartbeat(b, node.cert)).status, 200);
  const done = await move('standby');
  t.is(done.ca_fingerprint, newFingerprint);
  const refused = await eventually(
    () => heartbeat({ url: b.url, caPem: newCaPem }, node.cert),
    (r) => r.status === 401,
  );
  t.is(refused.body.error.code, 'ca_retired');
  const onOpenConnection = await heartbeat(b, node.cert);
  t.is(onOpenConnection.status, 401, 'refused on the connection opened before completion too');
  t.is(onOpenConnection.body.error.code, 'ca_retired');
  const fingerprint = await runServerBinary(['ca-fingerprint', '--database-url', databaseUrl]);
  t.is(fingerprint.stdout.trim(), newFingerprint);
});
