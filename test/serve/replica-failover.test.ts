// Heartbeats go on through a replica's failure without a restart (issue 18 item 5): the real
// `otherix-agent serve` with two CP URLs (cp_url as a comma-separated list) beats through the
// first; when that replica dies (its relay is killed: open connections reset, new ones refused)
// the next beat moves on to the second within the same process. The node stays ready and its
// last_heartbeat_at keeps moving; the agent says once which URL it left for which.
import test from 'ava';
import type { Node } from '@otherix/sdk';
import { controlPlaneForTest } from '../harness/cluster.js';
import { startRelayProxy } from '../harness/proxies.js';
import { bootstrapAndServe } from '../harness/served-node.js';
import { eventually } from '../harness/loopback.js';

test('serve with two CP URLs keeps heartbeating after the first replica dies, without a restart', async (t) => {
  const { cp, admin } = await controlPlaneForTest(t);
  const [first, second] = [await startRelayProxy(cp), await startRelayProxy(cp)];
  const node = await bootstrapAndServe(cp, admin, 'two-urls', { OTHERIX_CP_URL: `${first.url},${second.url}` });
  t.teardown(async () => {
    await node.cleanup();
    await first.close();
    await second.close();
  });
  const read = async () => (await admin.nodes.get('two-urls')) as Node;
  await eventually(read, (seen) => seen.status === 'ready');
  t.is(second.connections(), 0, 'the first URL carries the beats while it lives');
  const pid = node.serve.child.pid;

  await first.close();
  const killedAt = Date.now();
  const moved = await node.serve.waitForLog((r) => r.level === 'warn' && r.msg.startsWith('heartbeat: the control plane at '));
  t.is(moved.msg, `heartbeat: the control plane at ${first.url} failed (unreachable); moving on to ${second.url}`);
  // Beats land through the second URL: last_heartbeat_at moves past the kill, several times.
  const after = await eventually(read, (seen) => seen.last_heartbeat_at !== null && Date.parse(seen.last_heartbeat_at) > killedAt + 1000);
  t.is(after.status, 'ready');
  t.true(second.connections() >= 1);
  t.is(node.serve.child.pid, pid);
  t.is(node.serve.child.exitCode, null, 'serve still runs: no restart');
  t.deepEqual(
    node.serve.records.filter((r) => r.level === 'error').map((r) => r.msg),
    [],
  );
  // One warning for the move, not one per beat: later beats start at the URL that answered.
  t.is(
    node.serve.records.filter((r) => r.level === 'warn').length,
    1,
    JSON.stringify(node.serve.records.filter((r) => r.level === 'warn')),
  );
});
