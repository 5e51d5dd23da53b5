// POST /v1/nodes/heartbeat is authenticated only by the node's client certificate (SPEC §3/§4):
// the certificate a real join returned is accepted; no certificate, an API token, a certificate
// the cluster CA never issued, the CP's own identity, a certificate replaced by a bound re-join
// and a deleted node's certificate are all refused, each with its exact code.
import test from 'ava';
import { api, controlPlaneForFile } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { nodeSpiffeId, publicKeySpkiDerOf } from '@otherix/sdk/pki';
import { impostorCertificate } from '../harness/certificates.js';
import { heartbeat, heartbeatBody, joinNode } from '../harness/cluster.js';

let cp: ControlPlane;

controlPlaneForFile(test, (started) => (cp = started));

test('the certificate a join returned is accepted and the heartbeat recorded', async (t) => {
  const node = await joinNode(cp, 'hb-accepted');
  const accepted = await heartbeat(cp, node.cert, heartbeatBody({ vm_count: 3, active_migrations: 1, agent_version: '9.9.9' }));
  t.is(accepted.status, 200, accepted.text);
  t.deepEqual(accepted.body, { status: 'ready' });
  const shown = await api(cp, 'GET', '/v1/nodes/hb-accepted', { token: cp.adminToken });
  t.is(shown.body.vm_count, 3);
  t.is(shown.body.active_migrations, 1);
  t.is(shown.body.agent_version, '9.9.9');
  t.deepEqual(shown.body.hardware, heartbeatBody().hardware);
});

test('no client certificate: 401 unauthenticated', async (t) => {
  const refused = await heartbeat(cp, undefined);
  t.is(refused.status, 401);
  t.is(refused.body.error.code, 'unauthenticated');
  t.regex(refused.body.error.message, /client certificate/);
});

test('an API token, even an admin one, is not a node credential: 401', async (t) => {
  await joinNode(cp, 'hb-token');
  const refused = await heartbeat(cp, undefined, heartbeatBody(), cp.adminToken);
  t.is(refused.status, 401);
  t.is(refused.body.error.code, 'unauthenticated');
  t.regex(refused.body.error.message, /API tokens are not accepted/);
});

test('a self-signed certificate naming the node, with its real serial: 401', async (t) => {
  const node = await joinNode(cp, 'hb-selfsigned');
  const impostor = await impostorCertificate('hb-selfsigned', { serial: node.serial });
  const refused = await heartbeat(cp, impostor);
  t.is(refused.status, 401);
  t.is(refused.body.error.code, 'unauthenticated');
  t.regex(refused.body.error.message, /not issued by this cluster's CA/);
  const shown = await api(cp, 'GET', '/v1/nodes/hb-selfsigned', { token: cp.adminToken });
  t.is(shown.body.status, 'pending', 'the refused heartbeat changed nothing');
});

test('a certificate from a foreign CA naming the node: 401', async (t) => {
  await joinNode(cp, 'hb-foreign');
  const refused = await heartbeat(cp, await impostorCertificate('hb-foreign', { foreignCa: true }));
  t.is(refused.status, 401);
  t.is(refused.body.error.code, 'unauthenticated');
});

test('an expired certificate of the cluster CA: 401 saying it expired', async (t) => {
  const node = await joinNode(cp, 'hb-expired');
  const longAgo = Date.now() - 400 * 24 * 3600 * 1000;
  const expired = await cp.ca.issueNodeCertificate({
    nodeName: 'hb-expired',
    spkiDer: publicKeySpkiDerOf(node.cert.keyPem),
    hosts: ['127.0.0.1'],
    now: longAgo,
  });
  const refused = await heartbeat(cp, { certPem: expired.certPem, keyPem: node.cert.keyPem });
  t.is(refused.status, 401);
  t.is(refused.body.error.code, 'unauthenticated');
  t.regex(refused.body.error.message, /has expired/);
});

test("the CP's own client identity is not a node: 403 forbidden", async (t) => {
  const refused = await heartbeat(cp, cp.clientCertificate);
  t.is(refused.status, 403);
  t.is(refused.body.error.code, 'forbidden');
  t.regex(refused.body.error.message, /spiffe:\/\/otherix\/control-plane/);
});

test('cluster-CA certificates that are not exactly one node identity: 403 forbidden', async (t) => {
  const node = await joinNode(cp, 'hb-shape');
  const spkiDer = publicKeySpkiDerOf(node.cert.keyPem);
  const issue = (uri: string[]) =>
    cp.ca.issue({
      commonName: 'hb-shape',
      spkiDer,
      subjectAltNames: { uri, ip: ['127.0.0.1'] },
      extendedKeyUsage: ['clientAuth'],
      now: Date.now(),
    });
  for (const [label, uri] of [
    ['no URI SAN', []],
    ['a foreign SPIFFE id', ['spiffe://elsewhere/node/hb-shape']],
    ['two node identities', [nodeSpiffeId('hb-shape'), nodeSpiffeId('hb-other')]],
  ] as const) {
    const cert = await issue([...uri]);
    const refused = await heartbeat(cp, { certPem: cert.certPem, keyPem: node.cert.keyPem });
    t.is(refused.status, 403, `${label}: ${refused.text}`);
    t.is(refused.body.error.code, 'forbidden', label);
  }
});

test('after a bound re-join the old certificate is refused (401 replaced) and the new one works', async (t) => {
  const first = await joinNode(cp, 'hb-rejoin');
  t.is((await heartbeat(cp, first.cert)).status, 200);
  const second = await joinNode(cp, 'hb-rejoin');
  t.is(second.id, first.id, 'a re-join keeps the node id');
  const refused = await heartbeat(cp, first.cert);
  t.is(refused.status, 401);
  t.is(refused.body.error.code, 'unauthenticated');
  t.regex(refused.body.error.message, /replaced by a later join/);
  t.is(refused.body.error.details.certificate_status, 'replaced');
  const accepted = await heartbeat(cp, second.cert);
  t.is(accepted.status, 200, accepted.text);
  // And the old one stays refused on a fresh connection too.
  const again = await heartbeat(cp, first.cert);
  t.is(again.status, 401);
});

test("a deleted node's certificate is refused (401 revoked), even on a connection that was accepted before", async (t) => {
  const node = await joinNode(cp, 'hb-deleted');
  t.is((await heartbeat(cp, node.cert)).status, 200);
  const deleted = await api(cp, 'DELETE', `/v1/nodes/${node.id}`, { token: cp.adminToken });
  t.is(deleted.status, 204, deleted.text);
  const refused = await heartbeat(cp, node.cert);
  t.is(refused.status, 401);
  t.is(refused.body.error.code, 'unauthenticated');
  t.regex(refused.body.error.message, /deleted and its certificate .* revoked/);
  t.is(refused.body.error.details.certificate_status, 'revoked');
  t.is((await api(cp, 'GET', '/v1/nodes/hb-deleted', { token: cp.adminToken })).status, 404);
});

test('the body is validated per the spec: bad counts, intervals and unknown fields are 400', async (t) => {
  const node = await joinNode(cp, 'hb-validation');
  const cases: Array<[string, unknown]> = [
    ['vm_count', heartbeatBody({ vm_count: -1 })],
    ['active_migrations', heartbeatBody({ active_migrations: 1.5 })],
    ['heartbeat_interval_seconds', heartbeatBody({ heartbeat_interval_seconds: 0.01 })],
    ['heartbeat_interval_seconds', heartbeatBody({ heartbeat_interval_seconds: 7200 })],
    ['colour', { ...heartbeatBody(), colour: 'blue' }],
    ['hardware', (({ hardware: _h, ...rest }) => rest)(heartbeatBody())],
  ];
  for (const [field, body] of cases) {
    const refused = await heartbeat(cp, node.cert, body);
    t.is(refused.status, 400, `${field}: ${refused.text}`);
    t.is(refused.body.error.code, 'validation_failed');
    t.is(refused.body.error.details.field, field);
  }
  const shown = await api(cp, 'GET', '/v1/nodes/hb-validation', { token: cp.adminToken });
  t.is(shown.body.last_heartbeat_at, null, 'no refused heartbeat was stored as one');
  // Refused with the node's current certificate: the node is not heard, so not_ready (issue 13).
  t.is(shown.body.status, 'not_ready');
});

test('concurrent heartbeats from many nodes all land: each node shows its last acknowledged one', async (t) => {
  const nodes = await Promise.all(Array.from({ length: 12 }, (_, i) => joinNode(cp, `hb-burst-${i}`)));
  // One connection per node, all nodes at once: the group commit writes them together.
  await Promise.all(
    nodes.map(async (node, i) => {
      for (let k = 1; k <= 5; k++) {
        const reply = await heartbeat(cp, node.cert, heartbeatBody({ vm_count: i * 100 + k }));
        t.is(reply.status, 200, reply.text);
      }
    }),
  );
  for (const [i, node] of nodes.entries()) {
    const shown = await api(cp, 'GET', `/v1/nodes/${node.name}`, { token: cp.adminToken });
    t.is(shown.body.status, 'ready');
    t.is(shown.body.vm_count, i * 100 + 5, `${node.name} shows its last acknowledged heartbeat`);
  }
});
