// Restart: tokens, nodes and the CA survive. kill -9 while a burst of joins is committing:
// every join that was answered 201 is still there after a restart (no committed consumption
// lost), the token is never consumed beyond max_uses, and every commit is whole (the consumed
// counter, consumptions, nodes and current certificates agree).
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, spawnControlPlane, tempDataDir } from '../harness/control-plane.js';
import type { ApiResponse } from '../harness/control-plane.js';
import { withDataDirStore } from '../harness/database-file.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';

test('tokens, nodes and the CA survive a restart', async (t) => {
  const dataDir = await tempDataDir(t, 'otherix-survive-');
  const first = await spawnControlPlane({ dataDir });
  const minted = await api(first, 'POST', '/v1/nodes/join-tokens', { token: first.adminToken, body: { max_uses: 3 } });
  const { csrPem } = await nodeCsr('survivor');
  const joined = await api(first, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, 'survivor', csrPem) });
  t.is(joined.status, 201, joined.text);
  t.is((await first.stop()).code, 0);

  const second = await spawnControlPlane({ dataDir });
  try {
    t.is(second.caFingerprint, first.caFingerprint);
    t.is((await api(second, 'GET', '/v1/ca')).body.ca_pem, first.caPem);
    const listed = await api(second, 'GET', '/v1/nodes/join-tokens', { token: second.adminToken });
    t.like(
      listed.body.items.find((i: { id: string }) => i.id === minted.body.id),
      { consumed: 1, max_uses: 3 },
    );
    // The same token still redeems after the restart, and the node's name is still taken.
    const again = await api(second, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, 'survivor', csrPem) });
    t.is(again.status, 409);
    t.is(again.body.error.code, 'conflict');
    t.is((await api(second, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, 'survivor-2', csrPem) })).status, 201);
  } finally {
    await second.stop();
  }
  await withDataDirStore(dataDir, async (store) => {
    const node = await store.findNodeByName('survivor');
    t.is(node?.id, joined.body.node.id);
    t.is(node?.certSerial, joined.body.node.certificate.serial);
  });
});

test('kill -9 while a burst of joins is committing loses no answered join and leaves no half-committed one', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'otherix-kill9-'));
  // The cap is above the kill point, so commits are still in flight when the CP dies (a kill
  // after the cap would only see finished transactions), yet below JOINERS so it still binds.
  const MAX_USES = 150;
  const JOINERS = 200;
  const KILL_AFTER = 20;
  try {
    const cp = await spawnControlPlane({ dataDir });
    const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { max_uses: MAX_USES } });
    const { csrPem } = await nodeCsr('burst');
    let killed: Promise<unknown> | undefined;
    let answered = 0;
    const outcomes = await Promise.all(
      Array.from({ length: JOINERS }, (_, i) =>
        api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, `burst-${i}`, csrPem) }).then(
          (response: ApiResponse) => {
            if (response.status === 201 && ++answered === KILL_AFTER) killed = cp.kill9();
            return { name: `burst-${i}`, response };
          },
          () => ({ name: `burst-${i}`, response: undefined }),
        ),
      ),
    );
    await killed;
    t.is(cp.child.signalCode, 'SIGKILL');
    const confirmed = outcomes.filter((o) => o.response?.status === 201);
    const cutOff = outcomes.filter((o) => o.response === undefined).length;
    t.log(`${confirmed.length} joins answered 201 before the kill, ${cutOff} cut off`);
    // Every answer before the kill was a join; the kill landed mid-burst, with requests in flight.
    t.deepEqual([...new Set(outcomes.flatMap((o) => (o.response === undefined ? [] : [o.response.status])))], [201]);
    t.true(confirmed.length >= KILL_AFTER && confirmed.length < MAX_USES, String(confirmed.length));
    t.true(cutOff > 0);

    const restarted = await spawnControlPlane({ dataDir });
    const listed = await api(restarted, 'GET', '/v1/nodes/join-tokens', { token: restarted.adminToken });
    const consumed: number = listed.body.items.find((i: { id: string }) => i.id === minted.body.id).consumed;
    const consumptions = await api(restarted, 'GET', `/v1/nodes/join-tokens/${minted.body.id}/consumptions?limit=500`, {
      token: restarted.adminToken,
    });
    const nodes = await api(restarted, 'GET', '/v1/nodes?limit=500', { token: restarted.adminToken });
    await restarted.stop();

    // Nothing answered 201 was lost (some commits may have finished unanswered), nothing beyond the cap.
    t.true(consumed >= confirmed.length && consumed <= MAX_USES, `consumed ${consumed}, answered ${confirmed.length}`);
    t.is(consumptions.body.items.length, consumed);
    // Every commit is whole: one consumption, one node and one current certificate each.
    const burst: Array<{ id: string; name: string; certificate: { serial: string } }> = nodes.body.items.filter((n: { name: string }) =>
      n.name.startsWith('burst-'),
    );
    t.is(burst.length, consumed);
    t.deepEqual(
      consumptions.body.items.map((c: { node_id: string }) => c.node_id).sort(),
      burst.map((n) => n.id).sort(),
      'each consumption has its node, each node its consumption',
    );
    await withDataDirStore(dataDir, async (store) => {
      for (const node of burst) t.is((await store.findNodeCertificate(node.certificate.serial))?.status, 'current', node.name);
      for (const { name, response } of confirmed) {
        const node = await store.findNodeByName(name);
        t.is(node?.id, response!.body.node.id, `${name} was answered 201 but is gone`);
        t.is((await store.findNodeCertificate(response!.body.node.certificate.serial))?.status, 'current');
      }
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('SIGTERM during a burst of joins finishes the requests in flight: every commit was answered, exit 0', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'otherix-sigterm-burst-'));
  const JOINERS = 120;
  try {
    const cp = await spawnControlPlane({ dataDir });
    const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: {} });
    const { csrPem } = await nodeCsr('drain');
    let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
    let answered = 0;
    const outcomes = await Promise.all(
      Array.from({ length: JOINERS }, (_, i) =>
        api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, `drain-${i}`, csrPem) }).then(
          (response: ApiResponse) => {
            if (response.status === 201 && ++answered === 5) stopping = cp.stop('SIGTERM');
            return response.status;
          },
          () => 0,
        ),
      ),
    );
    t.deepEqual(await stopping, { code: 0, signal: null });
    const created = outcomes.filter((status) => status === 201).length;
    t.true(
      outcomes.every((status) => status === 201 || status === 0),
      JSON.stringify(outcomes),
    );
    t.log(`${created} joins answered, ${JOINERS - created} not accepted after SIGTERM`);

    const restarted = await spawnControlPlane({ dataDir });
    const listed = await api(restarted, 'GET', '/v1/nodes/join-tokens', { token: restarted.adminToken });
    await restarted.stop();
    // Nothing was committed without its answer reaching the joiner.
    t.is(listed.body.items.find((i: { id: string }) => i.id === minted.body.id).consumed, created);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
