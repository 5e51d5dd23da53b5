// Several CP replicas on one PostgreSQL (issue 18 items 3 and 4): two real otherix-server
// processes on one database share the cluster (one CA, its key sealed with the secret file; each
// replica's own serving certificate for its own --advertise-host), and every rule holds across
// them: a capped token under concurrent joins spread over both, one name and one host, a revoked API token, a deleted
// node's certificate, a cordon. Then kill -9 of one replica during joins: every join a client saw
// acknowledged is there, once.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, replicasForFile, spawnControlPlane, writeSecretFile } from '../harness/control-plane.js';
import type { SpawnedControlPlane } from '../harness/control-plane.js';
import { heartbeat, joinNode } from '../harness/cluster.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';
import { freshDatabaseUrl, onDatabase } from '../harness/postgres.js';

/** Waits until the database holds no session of the otherix-server process `pid` (at most 60 s). */
async function sessionsGone(databaseUrl: string, pid: number): Promise<void> {
  for (let tries = 0; tries < 600; tries++) {
    const left = await onDatabase(databaseUrl, (client) =>
      client.query('SELECT count(*)::integer AS n FROM pg_stat_activity WHERE application_name = $1', [`otherix-server pid ${pid}`]),
    );
    if (left.rows[0].n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`PostgreSQL still holds sessions of the killed replica (pid ${pid})`);
}

interface Replicas {
  a: SpawnedControlPlane & { databaseUrl: string };
  b: SpawnedControlPlane;
  adminToken: string;
}

const { folders, running } = replicasForFile(test);

async function replica(dir: string, name: string, databaseUrl: string, secretFile: string): Promise<SpawnedControlPlane> {
  const cp = await spawnControlPlane({
    dataDir: join(dir, name),
    args: ['--database-url', databaseUrl, '--secret-file', secretFile, '--advertise-host', `${name}.example`],
  });
  running.push(cp);
  return cp;
}

/** Two replicas on a new database: a first creates the cluster, b joins it. */
async function twoReplicas(): Promise<Replicas> {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-replicas-'));
  folders.push(dir);
  const databaseUrl = await freshDatabaseUrl();
  const secretFile = await writeSecretFile(join(dir, 'secret'));
  const a = await replica(dir, 'replica-a', databaseUrl, secretFile);
  const b = await replica(dir, 'replica-b', databaseUrl, secretFile);
  return { a: Object.assign(a, { databaseUrl }), b, adminToken: a.adminToken };
}

/** The serving certificate a replica presents. */
function servingCertificate(cp: SpawnedControlPlane): Promise<X509Certificate> {
  const { hostname, port } = new URL(cp.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca: cp.caPem, servername: 'localhost' }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(new X509Certificate(raw));
    });
    socket.on('error', reject);
  });
}

test('a second replica shares the cluster: one CA, its own serving certificate, the same tokens and nodes', async (t) => {
  const { a, b, adminToken } = await twoReplicas();
  t.is(b.caFingerprint, a.caFingerprint, 'one CA for the cluster');
  t.is(b.caPem, a.caPem);
  t.not(adminToken, '');
  t.is(b.adminToken, '', 'only the replica that created the cluster wrote admin.token');
  // The second start line can come in a later chunk than the listening line the harness waits for.
  for (let tries = 0; tries < 300 && !b.output().stderr.includes('\nnext: '); tries++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  t.regex(b.output().stderr, /otherix-server admin-token --database-url <the database URL>/);
  const certA = await servingCertificate(a);
  const certB = await servingCertificate(b);
  t.regex(certA.subjectAltName ?? '', /DNS:replica-a\.example/);
  t.regex(certB.subjectAltName ?? '', /DNS:replica-b\.example/);
  t.notRegex(certB.subjectAltName ?? '', /replica-a/, 'each replica certifies its own names');
  t.true(certB.verify(new X509Certificate(a.caPem).publicKey), 'issued by the shared CA');
  // The CA key is in the database, not in a replica's data dir.
  await t.throwsAsync(stat(join(b.dataDir, 'ca.key')));
  // A node joined through A heartbeats through B with the certificate A's join gave it.
  const node = await joinNode({ ...a, adminToken }, 'shared-node');
  const beat = await heartbeat(b, node.cert);
  t.is(beat.status, 200, beat.text);
  const shown = await api(b, 'GET', '/v1/nodes/shared-node', { token: adminToken });
  t.is(shown.body.status, 'ready');
  t.is(await readFile(join(b.dataDir, 'ca.crt'), 'utf8'), a.caPem);
});

test('max_uses 5 under 40 concurrent joins split across two replicas: exactly 5 win', async (t) => {
  const { a, b, adminToken } = await twoReplicas();
  const minted = await api(a, 'POST', '/v1/nodes/join-tokens', { token: adminToken, body: { max_uses: 5 } });
  t.is(minted.status, 201, minted.text);
  const csrs = await Promise.all(Array.from({ length: 40 }, (_, i) => nodeCsr(`racer-${i}`)));
  const answers = await Promise.all(
    csrs.map(({ csrPem }, i) =>
      api(i % 2 === 0 ? a : b, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, `racer-${i}`, csrPem) }),
    ),
  );
  const won = answers.filter((answer) => answer.status === 201);
  t.is(won.length, 5, answers.map((answer) => answer.status).join(','));
  for (const lost of answers.filter((answer) => answer.status !== 201)) {
    t.is(lost.status, 401);
    t.is(lost.body.error.details.reason, 'exhausted');
  }
  const consumptions = await api(b, 'GET', `/v1/nodes/join-tokens/${minted.body.id}/consumptions?limit=100`, { token: adminToken });
  t.is(consumptions.body.items.length, 5);
  const listed = await api(a, 'GET', '/v1/nodes?limit=100', { token: adminToken });
  t.is(listed.body.items.length, 5);
});

test('one name, one host, one node: concurrent joins for them spread over two replicas, exactly one wins each', async (t) => {
  const { a, b, adminToken } = await twoReplicas();
  const fleet = await api(a, 'POST', '/v1/nodes/join-tokens', { token: adminToken, body: {} });
  const csrs = await Promise.all(Array.from({ length: 20 }, (_, i) => nodeCsr(i < 10 ? 'contested' : `host-${i}`)));
  const answers = await Promise.all(
    csrs.map(({ csrPem }, i) => {
      // Ten joins for one name; ten more, each its own name, all on one (non-loopback) host.
      const body =
        i < 10
          ? joinRequest(fleet.body.token, 'contested', csrPem)
          : joinRequest(fleet.body.token, `host-${i}`, csrPem, {
              advertised_endpoint: 'https://10.77.0.1:9443',
              migration: { host: '10.77.0.1', port_range_start: 1, port_range_end: 2 },
            });
      return api(i % 2 === 0 ? a : b, 'POST', '/v1/nodes/join', { body });
    }),
  );
  const byName = answers.slice(0, 10).map((answer) => answer.status);
  const byHost = answers.slice(10).map((answer) => answer.status);
  t.is(byName.filter((status) => status === 201).length, 1, byName.join(','));
  t.true(
    byName.every((status) => status === 201 || status === 409),
    byName.join(','),
  );
  t.is(byHost.filter((status) => status === 201).length, 1, byHost.join(','));
  t.true(
    byHost.every((status) => status === 201 || status === 409),
    byHost.join(','),
  );
  const listed = await api(b, 'GET', '/v1/nodes?limit=100', { token: adminToken });
  t.is(listed.body.items.length, 2);
});

test('an API token revoked through one replica is refused by the other within a second, and at once by the first', async (t) => {
  const { a, b, adminToken } = await twoReplicas();
  const minted = await api(a, 'POST', '/v1/api-tokens', { token: adminToken, body: { name: 'short-lived', role: 'viewer' } });
  t.is(minted.status, 201, minted.text);
  const token = minted.body.token as string;
  // B has seen it live (and keeps it in memory).
  t.is((await api(b, 'GET', '/v1/whoami', { token })).status, 200);
  t.is((await api(b, 'GET', '/v1/whoami', { token })).status, 200);
  const revoked = await api(a, 'POST', `/v1/api-tokens/${minted.body.id}/revoke`, { token: adminToken });
  t.is(revoked.status, 200, revoked.text);
  t.is((await api(a, 'GET', '/v1/whoami', { token })).status, 401, 'refused at once where it was revoked');
  // The promise: requests that start more than 1 s after the revoke answered are refused everywhere.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const onB = await api(b, 'GET', '/v1/whoami', { token });
  t.is(onB.status, 401, onB.text);
  t.regex(onB.body.error.message, /was revoked/);
});

test('a node deleted through one replica: its certificate is refused by the other; a cordon is seen everywhere at once', async (t) => {
  const { a, b, adminToken } = await twoReplicas();
  const kept = await joinNode({ ...a, adminToken }, 'kept');
  const doomed = await joinNode({ ...a, adminToken }, 'doomed');
  t.is((await heartbeat(b, doomed.cert)).status, 200, 'B knows the node and its certificate');
  t.is((await heartbeat(b, kept.cert)).status, 200);

  const cordoned = await api(a, 'POST', `/v1/nodes/${kept.id}/cordon`, { token: adminToken });
  t.is(cordoned.status, 200, cordoned.text);
  t.is((await api(b, 'GET', '/v1/nodes/kept', { token: adminToken })).body.status, 'cordoned', 'B shows the cordon at once');
  t.deepEqual((await heartbeat(b, kept.cert)).body, { status: 'cordoned' }, 'and answers it to the node');

  const deleted = await api(a, 'DELETE', `/v1/nodes/${doomed.id}`, { token: adminToken });
  t.true(deleted.status === 200 || deleted.status === 204, deleted.text);
  const refused = await heartbeat(b, doomed.cert);
  t.is(refused.status, 401, refused.text);
  t.is((await api(b, 'GET', '/v1/nodes/doomed', { token: adminToken })).status, 404);

  // A re-issue through B: the old certificate is refused by A.
  const reissued = await joinNode({ ...b, adminToken }, 'kept');
  t.not(reissued.serial, kept.serial);
  t.is((await heartbeat(a, kept.cert)).status, 401, 'the replaced certificate is refused by the other replica');
  t.is((await heartbeat(a, reissued.cert)).status, 200);
});

test('kill -9 of one replica during joins: every acknowledged join is there once, and the other replica goes on', async (t) => {
  const { a, b, adminToken } = await twoReplicas();
  const minted = await api(a, 'POST', '/v1/nodes/join-tokens', { token: adminToken, body: {} });
  const csrs = await Promise.all(Array.from({ length: 30 }, (_, i) => nodeCsr(`survivor-${i}`)));
  const attempts = csrs.map(({ csrPem }, i) =>
    api(i % 2 === 0 ? a : b, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, `survivor-${i}`, csrPem) }).then(
      (answer) => ({ name: `survivor-${i}`, status: answer.status }),
      () => ({ name: `survivor-${i}`, status: 0 }), // the connection died with A: outcome unknown
    ),
  );
  const killed = a.kill9();
  const outcomes = await Promise.all(attempts);
  await killed;
  // A transaction A sent its COMMIT for just before it died may still be committing: read the
  // state once PostgreSQL has let go of every session of A (each names its replica's pid).
  await sessionsGone(a.databaseUrl, a.child.pid!);
  const acknowledged = outcomes.filter((o) => o.status === 201).map((o) => o.name);
  // A join B took whose answer the client gave up on (status 0 under load) may still be
  // committing on B: read the nodes and the consumptions once they agree (B quiet), or after 10 s.
  let names: string[] = [];
  let consumptions: { body: { items: unknown[] } } | undefined;
  for (let tries = 0; tries < 50; tries++) {
    const listed = await api(b, 'GET', '/v1/nodes?limit=100', { token: adminToken });
    t.is(listed.status, 200, listed.text);
    names = (listed.body.items as { name: string }[]).map((node) => node.name);
    consumptions = await api(b, 'GET', `/v1/nodes/join-tokens/${minted.body.id}/consumptions?limit=100`, { token: adminToken });
    if (consumptions.body.items.length === names.length) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  t.is(new Set(names).size, names.length, 'no node twice');
  for (const name of acknowledged) t.true(names.includes(name), `${name} was acknowledged and is there`);
  for (const name of names)
    t.true(
      outcomes.some((o) => o.name === name && o.status !== 401 && o.status !== 409),
      `${name} came from a join that was not refused`,
    );
  t.is(consumptions!.body.items.length, names.length, 'one consumption per node');
  // B still serves joins.
  const after = await joinNode({ ...b, adminToken }, 'after-the-kill');
  t.is((await heartbeat(b, after.cert)).status, 200);
});
