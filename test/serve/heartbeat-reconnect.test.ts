// A keep-alive connection cut under a heartbeat costs no heartbeat (issue 12 item 2): the real
// agent reaches the CP through a proxy that resets every connection it reuses after an idle
// moment (what a CP or NAT closing an idle socket does when the beat goes out at that instant).
// Each such beat is sent again at once on a new connection and accepted: no failure, no backoff.
import test from 'ava';
import { controlPlaneForTest } from '../harness/cluster.js';
import { startIdleCutProxy } from '../harness/proxies.js';
import { acceptedBeats, bootstrapAndServe, warningsAndErrors } from '../harness/served-node.js';
import { eventually } from '../harness/loopback.js';

test('a heartbeat whose idle keep-alive connection is reset under it is sent again on a new connection, none lost', async (t) => {
  const { cp, admin } = await controlPlaneForTest(t);
  const proxy = await startIdleCutProxy(cp, 800);
  // Beats every ~2 s through the proxy; the CP keeps connections 65 s, so the agent reuses its
  // connection for every beat, and the proxy cuts each one as the beat goes out.
  const node = await bootstrapAndServe(cp, admin, 'cut-beater', {
    OTHERIX_CP_URL: proxy.url,
    OTHERIX_HEARTBEAT_INTERVAL: '2s',
    OTHERIX_LOGGER__LEVEL: 'debug',
  });
  t.teardown(async () => {
    await node.cleanup();
    await proxy.close();
  });
  await eventually(
    async () => ({ cuts: proxy.cuts(), accepted: acceptedBeats(node) }),
    (seen) => seen.cuts >= 3 && seen.accepted >= 4,
    40_000,
  );

  const resent = node.serve.records.filter((r) => r.msg.startsWith('heartbeat: the connection was closed under the beat'));
  t.true(resent.length >= 3, `${resent.length} beats resent`);
  t.deepEqual(warningsAndErrors(node), [], 'no heartbeat failed');
  t.is((await admin.nodes.get('cut-beater')).status, 'ready');
});
