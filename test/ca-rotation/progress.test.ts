// The CA rotation's progress an admin can act on (issue 19 items 1-2), through the API on a CP
// with two nodes beating by hand: one as the agent does (reporting the CAs it trusts), one as an
// agent from before rotations (reporting nothing). Status shows the phase, since when, and how
// many nodes trust the new CA; the heartbeat answers the bundle to a node whose CAs differ and
// asks for a renewal in update_clients; `next` refuses to leave a phase while a node that
// heartbeats lags, naming it, unless forced. Admin only.
import test from 'ava';
import { api, startControlPlane } from '../harness/control-plane.js';
import { heartbeat, heartbeatBody, joinNode, roleTokens } from '../harness/cluster.js';

test('status, the heartbeat fields and `next` refusing while a node that heartbeats lags (unless forced)', async (t) => {
  const cp = await startControlPlane();
  t.teardown(() => cp.close());
  const admin = { token: cp.adminToken };
  const oldFingerprint = cp.caFingerprint;

  const standby = await api(cp, 'GET', '/v1/ca/rotation', admin);
  t.is(standby.status, 200, standby.text);
  t.like(standby.body, { phase: 'standby', since: null, new_ca_fingerprint: null, ca_fingerprint: oldFingerprint, lagging: [] });
  const { viewer } = await roleTokens(cp, 'rot');
  t.is((await api(cp, 'GET', '/v1/ca/rotation', { token: viewer })).status, 403);
  t.is((await api(cp, 'POST', '/v1/ca/rotation', { token: viewer, body: { target: 'next' } })).status, 403);
  const noRollback = await api(cp, 'POST', '/v1/ca/rotation', { ...admin, body: { target: 'rollback' } });
  t.is(noRollback.status, 409);
  t.is(noRollback.body.error.code, 'conflict');

  const current = await joinNode(cp, 'reports-trust');
  const old = await joinNode(cp, 'reports-nothing');
  t.is((await heartbeat(cp, current.cert, heartbeatBody({ ca_fingerprints: [oldFingerprint] }))).status, 200);
  t.is((await heartbeat(cp, old.cert)).status, 200);

  const init = await api(cp, 'POST', '/v1/ca/rotation', { ...admin, body: { target: 'next' } });
  t.is(init.status, 200, init.text);
  t.is(init.body.phase, 'init');
  t.truthy(init.body.since);
  const newFingerprint = init.body.new_ca_fingerprint as string;

  // A node whose ca.crt holds the old CA alone gets the bundle; once it reports both, nothing more.
  const first = await heartbeat(cp, current.cert, heartbeatBody({ ca_fingerprints: [oldFingerprint] }));
  t.is(first.status, 200);
  t.is((first.body.ca_bundle_pem as string).match(/BEGIN CERTIFICATE/g)!.length, 4);
  t.is(first.body.renew_now, undefined, 'init signs with the old CA still');
  const caught = await heartbeat(cp, current.cert, heartbeatBody({ ca_fingerprints: [oldFingerprint, newFingerprint] }));
  t.deepEqual(caught.body, { status: 'ready' });
  const silent = await heartbeat(cp, old.cert);
  t.deepEqual(silent.body, { status: 'ready' }, 'an agent that reports no CAs is never sent a bundle');

  const status = await api(cp, 'GET', '/v1/ca/rotation', admin);
  t.like(status.body.nodes, { heartbeating: 2, trust_new_ca: 1 });
  t.deepEqual(status.body.lagging, [{ node_name: 'reports-nothing', reason: 'no heartbeat heard in this rotation yet' }]);

  const refused = await api(cp, 'POST', '/v1/ca/rotation', { ...admin, body: { target: 'next' } });
  t.is(refused.status, 409);
  t.is(refused.body.error.code, 'conflict');
  t.deepEqual(refused.body.error.details.lagging, ['reports-nothing']);
  t.regex(
    refused.body.error.message,
    /1 node\(s\) that heartbeat have not caught up with phase init: reports-nothing \(no heartbeat heard in this rotation yet\).*--force/,
  );
  t.is((await api(cp, 'GET', '/v1/ca/rotation', admin)).body.phase, 'init', 'a refused move changes nothing');

  const forced = await api(cp, 'POST', '/v1/ca/rotation', { ...admin, body: { target: 'next', force: true } });
  t.is(forced.status, 200, forced.text);
  t.is(forced.body.phase, 'update_clients');
  const asked = await heartbeat(cp, current.cert, heartbeatBody({ ca_fingerprints: [oldFingerprint, newFingerprint] }));
  t.is(asked.body.renew_now, true, 'a node with a leaf of the old CA is asked to renew now');
});
