// Heartbeats are the CP's most frequent request: accepted ones write no log line at info, refused
// ones are logged at warn with the code and the node's name, and never with a key or certificate.
import test from 'ava';
import { api, controlPlaneForFile } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { heartbeat, joinNode } from '../harness/cluster.js';

let cp: ControlPlane;

controlPlaneForFile(test, (started) => (cp = started), { captureLogs: 'info' });

test('accepted heartbeats are silent at info; a refused one is one warn line without secrets', async (t) => {
  const node = await joinNode(cp, 'log-node');
  const before = cp.logs.length;
  for (let i = 0; i < 5; i++) t.is((await heartbeat(cp, node.cert)).status, 200);
  t.deepEqual(
    cp.logs.slice(before).filter((line) => line.includes('/v1/nodes/heartbeat')),
    [],
    'no request lines for accepted heartbeats',
  );
  t.is((await api(cp, 'DELETE', `/v1/nodes/${node.id}`, { token: cp.adminToken })).status, 204);
  const mark = cp.logs.length;
  t.is((await heartbeat(cp, node.cert)).status, 401);
  const lines = cp.logs.slice(mark).map((line) => JSON.parse(line) as { level: string; code?: string; node_name?: string; msg: string });
  const refusals = lines.filter((line) => line.code === 'unauthenticated');
  t.is(refusals.length, 1, JSON.stringify(lines));
  t.is(refusals[0].level, 'warn');
  t.is(refusals[0].node_name, 'log-node');
  t.regex(refusals[0].msg, /revoked/);
  const text = cp.logs.join('\n');
  // A PEM is recognised by a line of its base64 body; the token by itself.
  for (const secret of [node.cert.keyPem.split('\n')[1], node.cert.certPem.split('\n')[1], cp.adminToken]) {
    t.true(secret.length > 40);
    t.false(text.includes(secret), 'no key, certificate or token in the logs');
  }
});
