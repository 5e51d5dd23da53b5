// Issue 13, item 4: the status does not trust a clock that moved, nor a node that is not heard.
// - A last_heartbeat_at later than the CP's now (its clock stepped back) does not keep a node
//   ready until the clock catches up: it is not_ready until the node beats again.
// - A heartbeat from the node's current certificate that the CP refuses (a body it does not take,
//   or a certificate outside its validity on the CP's clock) makes the node not_ready at once; the
//   next accepted heartbeat makes it ready. A refused heartbeat of another certificate of the node
//   (replaced) does not count.
// The same rule holds in the single-node view, the list filters and the placement view.
import test from 'ava';
import { api, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { heartbeat, heartbeatBody, joinNode } from '../harness/cluster.js';

const HOUR = 3_600_000;

async function freshCp(t: { teardown(fn: () => Promise<void>): void }): Promise<ControlPlane> {
  const cp = await startControlPlane();
  t.teardown(() => cp.close());
  return cp;
}

/** The status the CP shows for `name`, and whether each view agrees with it. */
async function views(cp: ControlPlane, name: string): Promise<{ shown: string; listedAs: string[]; schedulable: boolean }> {
  const shown = (await api(cp, 'GET', `/v1/nodes/${name}`, { token: cp.adminToken })).body.status as string;
  const listedAs: string[] = [];
  for (const status of ['pending', 'ready', 'not_ready', 'cordoned']) {
    const page = await api(cp, 'GET', `/v1/nodes?status=${status}&limit=500`, { token: cp.adminToken });
    if (page.body.items.some((item: { name: string }) => item.name === name)) listedAs.push(status);
  }
  const placement = await api(cp, 'GET', '/v1/nodes?schedulable=true&limit=500', { token: cp.adminToken });
  return { shown, listedAs, schedulable: placement.body.items.some((item: { name: string }) => item.name === name) };
}

test('a last heartbeat later than now (the CP clock stepped back) is not ready until the node beats again', async (t) => {
  const cp = await freshCp(t);
  const node = await joinNode(cp, 'stepped-back');
  t.is((await heartbeat(cp, node.cert)).status, 200);
  t.deepEqual(await views(cp, node.name), { shown: 'ready', listedAs: ['ready'], schedulable: true });

  // The clock steps back an hour: the stored heartbeat is "in the future", and the node may be dead.
  cp.clock.advance(-HOUR);
  t.deepEqual(await views(cp, node.name), { shown: 'not_ready', listedAs: ['not_ready'], schedulable: false });

  // A live node says so with its next heartbeat, stamped with the clock as it is now.
  t.is((await heartbeat(cp, node.cert)).status, 200);
  t.deepEqual(await views(cp, node.name), { shown: 'ready', listedAs: ['ready'], schedulable: true });
});

test('a heartbeat of the current certificate refused for its body makes the node not_ready at once; an accepted one, ready', async (t) => {
  const cp = await freshCp(t);
  const node = await joinNode(cp, 'refused-body');
  t.is((await heartbeat(cp, node.cert)).status, 200);
  t.is((await views(cp, node.name)).shown, 'ready');

  const refused = await heartbeat(cp, node.cert, heartbeatBody({ vm_count: -1 }));
  t.is(refused.status, 400);
  t.is(refused.body.error.code, 'validation_failed');
  t.deepEqual(await views(cp, node.name), { shown: 'not_ready', listedAs: ['not_ready'], schedulable: false });
  const notJson = await api(cp, 'POST', '/v1/nodes/heartbeat', { cert: node.cert, rawBody: '{not json' });
  t.is(notJson.status, 400);
  t.is((await views(cp, node.name)).shown, 'not_ready');

  t.is((await heartbeat(cp, node.cert)).status, 200);
  t.deepEqual(await views(cp, node.name), { shown: 'ready', listedAs: ['ready'], schedulable: true });

  // A cordon still wins over everything.
  t.is((await api(cp, 'POST', `/v1/nodes/${node.id}/cordon`, { token: cp.adminToken })).status, 200);
  t.is((await heartbeat(cp, node.cert, heartbeatBody({ vm_count: -1 }))).status, 400);
  t.deepEqual(await views(cp, node.name), { shown: 'cordoned', listedAs: ['cordoned'], schedulable: false });
});

test('a current certificate that is not valid yet on the CP clock: its refused heartbeats show not_ready, not pending', async (t) => {
  const cp = await freshCp(t);
  // Joined while the CP's clock ran two hours ahead: the certificate starts an hour from now.
  cp.clock.advance(2 * HOUR);
  const node = await joinNode(cp, 'not-yet-valid');
  cp.clock.advance(-2 * HOUR);
  t.is((await views(cp, node.name)).shown, 'pending');

  const refused = await heartbeat(cp, node.cert);
  t.is(refused.status, 401);
  t.is(refused.body.error.details.tls_verification, 'CERT_NOT_YET_VALID');
  t.deepEqual(await views(cp, node.name), { shown: 'not_ready', listedAs: ['not_ready'], schedulable: false });
});

test("a refused heartbeat of a replaced certificate does not count: the node's current one decides", async (t) => {
  const cp = await freshCp(t);
  const old = await joinNode(cp, 'replaced-cert');
  t.is((await heartbeat(cp, old.cert)).status, 200);
  const current = await joinNode(cp, 'replaced-cert'); // re-issued with a bound token: pending again
  t.is(current.id, old.id);
  t.is((await heartbeat(cp, current.cert)).status, 200);

  const stale = await heartbeat(cp, old.cert);
  t.is(stale.status, 401);
  t.is(stale.body.error.details.certificate_status, 'replaced');
  const staleBadBody = await heartbeat(cp, old.cert, heartbeatBody({ vm_count: -1 }));
  t.is(staleBadBody.status, 401, 'refused for its certificate before its body is read');
  t.is((await views(cp, current.name)).shown, 'ready');
});
