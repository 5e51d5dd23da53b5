// Day-2 cordon/uncordon (admin, operator; by id): synchronous and idempotent, returning the Node;
// a cordoned node leaves the placement view (schedulable=true) without losing its liveness.
import test from 'ava';
import { api, controlPlaneForFile } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { heartbeat, joinNode, roleTokens } from '../harness/cluster.js';

let cp: ControlPlane;
let tokens: Record<'operator' | 'developer' | 'viewer', string>;

controlPlaneForFile(test, async (started) => {
  cp = started;
  tokens = await roleTokens(cp, 'cordon');
});

const schedulable = async (): Promise<string[]> =>
  (await api(cp, 'GET', '/v1/nodes?schedulable=true&limit=500', { token: tokens.viewer })).body.items.map(
    (item: { name: string }) => item.name,
  );

test('cordon and uncordon are synchronous, idempotent, and return the full Node', async (t) => {
  const node = await joinNode(cp, 'cd-idem');
  await heartbeat(cp, node.cert);
  t.true((await schedulable()).includes('cd-idem'));
  for (const token of [cp.adminToken, tokens.operator, cp.adminToken]) {
    const cordoned = await api(cp, 'POST', `/v1/nodes/${node.id}/cordon`, { token });
    t.is(cordoned.status, 200, cordoned.text);
    t.is(cordoned.body.status, 'cordoned');
    t.is(cordoned.body.id, node.id);
    t.is(cordoned.body.certificate.serial, node.serial, 'the full Node projection');
    t.false((await schedulable()).includes('cd-idem'), 'excluded from placement at once');
  }
  for (const token of [tokens.operator, cp.adminToken]) {
    const uncordoned = await api(cp, 'POST', `/v1/nodes/${node.id}/uncordon`, { token });
    t.is(uncordoned.status, 200, uncordoned.text);
    t.is(uncordoned.body.status, 'ready');
    t.true((await schedulable()).includes('cd-idem'));
  }
});

test('developer and viewer may not cordon or uncordon: 403 forbidden, nothing changes', async (t) => {
  const node = await joinNode(cp, 'cd-perm');
  for (const role of ['developer', 'viewer'] as const) {
    for (const action of ['cordon', 'uncordon']) {
      const refused = await api(cp, 'POST', `/v1/nodes/${node.id}/${action}`, { token: tokens[role] });
      t.is(refused.status, 403, `${role} ${action}`);
      t.is(refused.body.error.code, 'forbidden');
      t.regex(refused.body.error.message, new RegExp(role));
    }
  }
  t.is((await api(cp, 'POST', `/v1/nodes/${node.id}/cordon`)).status, 401);
  t.is((await api(cp, 'GET', '/v1/nodes/cd-perm', { token: cp.adminToken })).body.status, 'pending');
});

test('cordon by name is 400 with a message that says to pass the id; an unknown id is 404', async (t) => {
  await joinNode(cp, 'cd-name');
  for (const action of ['cordon', 'uncordon']) {
    const refused = await api(cp, 'POST', `/v1/nodes/cd-name/${action}`, { token: cp.adminToken });
    t.is(refused.status, 400);
    t.is(refused.body.error.code, 'validation_failed');
    t.regex(refused.body.error.message, /node's id/);
    t.regex(refused.body.error.message, /otherix node get cd-name --show-ids/);
    const unknown = await api(cp, 'POST', `/v1/nodes/00000000-0000-4000-8000-000000000000/${action}`, { token: tokens.operator });
    t.is(unknown.status, 404);
    t.is(unknown.body.error.code, 'not_found');
  }
});

test('the placement view holds only ready, uncordoned nodes: not pending, not cordoned (not_ready: nodes/list)', async (t) => {
  const ready = await joinNode(cp, 'cd-view-ready');
  const cordoned = await joinNode(cp, 'cd-view-cordoned');
  await joinNode(cp, 'cd-view-pending');
  await heartbeat(cp, ready.cert);
  await heartbeat(cp, cordoned.cert);
  await api(cp, 'POST', `/v1/nodes/${cordoned.id}/cordon`, { token: cp.adminToken });
  const view = await schedulable();
  t.true(view.includes('cd-view-ready'));
  t.false(view.includes('cd-view-cordoned'));
  t.false(view.includes('cd-view-pending'));
  // Every node of the view shows ready, in every projection.
  const full = await api(cp, 'GET', '/v1/nodes?schedulable=true&limit=500', { token: cp.adminToken });
  t.true(full.body.items.every((item: { status: string }) => item.status === 'ready'));
});
