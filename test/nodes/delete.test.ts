// DELETE /v1/nodes/{id} (admin): 409 while the node reports VMs or active migrations unless
// ?force=true; deleting revokes its certificate and frees its name and hosts for a later join.
import test from 'ava';
import { api, controlPlaneForFile } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { heartbeat, heartbeatBody, joinNode, roleTokens } from '../harness/cluster.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';

let cp: ControlPlane;
let tokens: Record<'operator' | 'developer' | 'viewer', string>;

controlPlaneForFile(test, async (started) => {
  cp = started;
  tokens = await roleTokens(cp, 'delete');
});

test('409 conflict while the node reports VMs, and while it reports an active migration', async (t) => {
  const withVms = await joinNode(cp, 'del-vms');
  const migrating = await joinNode(cp, 'del-migrating');
  await heartbeat(cp, withVms.cert, heartbeatBody({ vm_count: 2 }));
  await heartbeat(cp, migrating.cert, heartbeatBody({ active_migrations: 1 }));
  for (const [node, vms, migrations] of [
    [withVms, 2, 0],
    [migrating, 0, 1],
  ] as const) {
    const refused = await api(cp, 'DELETE', `/v1/nodes/${node.id}`, { token: cp.adminToken });
    t.is(refused.status, 409, refused.text);
    t.is(refused.body.error.code, 'conflict');
    t.regex(refused.body.error.message, /force=true/);
    t.deepEqual(refused.body.error.details, { node_name: node.name, vm_count: vms, active_migrations: migrations });
    t.is((await api(cp, 'GET', `/v1/nodes/${node.name}`, { token: cp.adminToken })).status, 200, 'still there');
    t.is(
      (await heartbeat(cp, node.cert, heartbeatBody({ vm_count: vms, active_migrations: migrations }))).status,
      200,
      'still heartbeating',
    );
  }
  const explicitNo = await api(cp, 'DELETE', `/v1/nodes/${withVms.id}?force=false`, { token: cp.adminToken });
  t.is(explicitNo.status, 409);
});

test('?force=true deletes a busy node; its certificate is refused from then on', async (t) => {
  const node = await joinNode(cp, 'del-force');
  await heartbeat(cp, node.cert, heartbeatBody({ vm_count: 5, active_migrations: 2 }));
  const deleted = await api(cp, 'DELETE', `/v1/nodes/${node.id}?force=true`, { token: cp.adminToken });
  t.is(deleted.status, 204, deleted.text);
  t.is(deleted.text, '');
  t.is((await api(cp, 'GET', '/v1/nodes/del-force', { token: cp.adminToken })).status, 404);
  const refused = await heartbeat(cp, node.cert);
  t.is(refused.status, 401);
  t.is(refused.body.error.code, 'unauthenticated');
  const again = await api(cp, 'DELETE', `/v1/nodes/${node.id}`, { token: cp.adminToken });
  t.is(again.status, 404, 'deleting twice: the second finds nothing');
  t.is(again.body.error.code, 'not_found');
});

test('admin only: operator, developer and viewer get 403 and the node stays', async (t) => {
  const node = await joinNode(cp, 'del-perm');
  for (const role of ['operator', 'developer', 'viewer'] as const) {
    const refused = await api(cp, 'DELETE', `/v1/nodes/${node.id}`, { token: tokens[role] });
    t.is(refused.status, 403, role);
    t.is(refused.body.error.code, 'forbidden');
    t.regex(refused.body.error.message, /admin role/);
  }
  t.is((await api(cp, 'DELETE', `/v1/nodes/${node.id}`)).status, 401);
  t.is((await api(cp, 'GET', '/v1/nodes/del-perm', { token: cp.adminToken })).status, 200);
});

test('an unknown id is 404; a name is 400 saying to pass the id', async (t) => {
  const unknown = await api(cp, 'DELETE', '/v1/nodes/00000000-0000-4000-8000-000000000000', { token: cp.adminToken });
  t.is(unknown.status, 404);
  t.is(unknown.body.error.code, 'not_found');
  await joinNode(cp, 'del-by-name');
  const byName = await api(cp, 'DELETE', '/v1/nodes/del-by-name', { token: cp.adminToken });
  t.is(byName.status, 400);
  t.is(byName.body.error.code, 'validation_failed');
  t.regex(byName.body.error.message, /otherix node get del-by-name --show-ids/);
  t.is((await api(cp, 'GET', '/v1/nodes/del-by-name', { token: cp.adminToken })).status, 200);
});

test('the name and the hosts are free after a delete: a fleet token joins them again as a new node', async (t) => {
  const hosts = {
    advertised_endpoint: 'https://10.20.30.40:9443',
    migration: { host: '10.20.30.41', port_range_start: 49152, port_range_end: 49251 },
  };
  const fleet = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { max_uses: 0 } });
  const first = await nodeCsr('del-reuse');
  const joined = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(fleet.body.token, 'del-reuse', first.csrPem, hosts) });
  t.is(joined.status, 201, joined.text);
  // While it exists, its name (fleet token) and its hosts (another name) are taken.
  const second = await nodeCsr('del-reuse');
  t.is((await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(fleet.body.token, 'del-reuse', second.csrPem, hosts) })).status, 409);
  const other = await nodeCsr('del-other');
  t.is((await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(fleet.body.token, 'del-other', other.csrPem, hosts) })).status, 409);
  t.is((await api(cp, 'DELETE', `/v1/nodes/${joined.body.node.id}`, { token: cp.adminToken })).status, 204);
  const rejoined = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(fleet.body.token, 'del-reuse', second.csrPem, hosts) });
  t.is(rejoined.status, 201, rejoined.text);
  t.not(rejoined.body.node.id, joined.body.node.id, 'a new node, with a new id');
  t.is(rejoined.body.node.status, 'pending');
  const cert = { certPem: rejoined.body.certificate_pem, keyPem: second.keyPem };
  t.is((await heartbeat(cp, cert)).status, 200, 'the new certificate works');
  t.is((await heartbeat(cp, { certPem: joined.body.certificate_pem, keyPem: first.keyPem })).status, 401, 'the deleted one does not');
});
