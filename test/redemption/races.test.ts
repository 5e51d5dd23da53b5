// Under concurrency a token with max_uses N is redeemed at most N times (SPEC §4): the check and
// the consumption are one serialized transaction. Repeated, because races are probabilistic.
import test from 'ava';
import { api, controlPlaneForFile } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';

let cp: ControlPlane;
let csrPem: string;

controlPlaneForFile(test, async (started) => {
  cp = started;
  csrPem = (await nodeCsr('race')).csrPem;
});

async function race(
  maxUses: number,
  joiners: number,
  round: string,
): Promise<{ created: number; exhausted: number; consumed: number; consumptions: number; nodes: number }> {
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { max_uses: maxUses } });
  const { id, token } = minted.body;
  const results = await Promise.all(
    Array.from({ length: joiners }, (_, i) => api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(token, `${round}-${i}`, csrPem) })),
  );
  const created = results.filter((r) => r.status === 201);
  const exhausted = results.filter((r) => r.status === 401 && r.body?.error?.details?.reason === 'exhausted');
  const list = await api(cp, 'GET', '/v1/nodes/join-tokens?limit=500', { token: cp.adminToken });
  const consumed = list.body.items.find((item: { id: string }) => item.id === id).consumed;
  const consumptions = await api(cp, 'GET', `/v1/nodes/join-tokens/${id}/consumptions?limit=500`, { token: cp.adminToken });
  let nodes = 0;
  for (let i = 0; i < joiners; i++) if ((await cp.store.findNodeByName(`${round}-${i}`)) !== undefined) nodes++;
  return { created: created.length, exhausted: exhausted.length, consumed, consumptions: consumptions.body.items.length, nodes };
}

for (const round of [1, 2, 3]) {
  test.serial(`max_uses 5 under 40 concurrent joins: exactly 5 succeed (round ${round})`, async (t) => {
    const outcome = await race(5, 40, `five-r${round}`);
    t.deepEqual(outcome, { created: 5, exhausted: 35, consumed: 5, consumptions: 5, nodes: 5 });
  });

  test.serial(`a single-use token under 20 concurrent joins: exactly 1 succeeds (round ${round})`, async (t) => {
    const outcome = await race(1, 20, `one-r${round}`);
    t.deepEqual(outcome, { created: 1, exhausted: 19, consumed: 1, consumptions: 1, nodes: 1 });
  });
}

test.serial('an unlimited token serves every concurrent join', async (t) => {
  const outcome = await race(0, 30, 'unlimited');
  t.deepEqual(outcome, { created: 30, exhausted: 0, consumed: 30, consumptions: 30, nodes: 30 });
});

test.serial('concurrent re-joins of one bound name never create two nodes', async (t) => {
  const tokens = await Promise.all(
    Array.from(
      { length: 10 },
      async () =>
        (await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { node_name: 'contended' } })).body.token as string,
    ),
  );
  const results = await Promise.all(
    tokens.map((token) => api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(token, 'contended', csrPem) })),
  );
  t.true(results.every((r) => r.status === 201));
  t.is(new Set(results.map((r) => r.body.node.id)).size, 1);
  const node = await cp.store.findNodeByName('contended');
  // The last committed re-issue is current; every other serial was replaced.
  const statuses = await Promise.all(
    results.map(async (r) => (await cp.store.findNodeCertificate(r.body.node.certificate.serial))?.status),
  );
  t.is(statuses.filter((s) => s === 'current').length, 1);
  t.is(statuses.filter((s) => s === 'replaced').length, 9);
  t.is((await cp.store.findNodeCertificate(node!.certSerial))?.status, 'current');
});
