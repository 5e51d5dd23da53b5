// Issue 13, item 9: heartbeats recover in time. The real CP binary is stopped for ten heartbeat
// intervals and started again on the same data dir and port; the real agent (200 ms interval)
// retries every failed beat within one interval, never later (the CP calls a node not_ready after
// three of its intervals), so the first beat after the CP is back comes within one interval and
// the node is ready again. Was: a backoff up to four intervals.
import test from 'ava';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@otherix/sdk';
import { spawnControlPlane } from '../harness/control-plane.js';
import { bootstrapAndServe, nodeReaches } from '../harness/served-node.js';

const INTERVAL_MS = 200;

test('after a CP outage of ten intervals the agent is heard again within one interval, and the node is ready', async (t) => {
  const first = await spawnControlPlane();
  const { dataDir } = first;
  const listen = new URL(first.url).host;
  const admin = createClient({ cpUrl: first.url, caPem: first.caPem, token: first.adminToken });
  const node = await bootstrapAndServe(first, admin, 'recovers');
  let second: Awaited<ReturnType<typeof spawnControlPlane>> | undefined;
  t.teardown(async () => {
    await node.cleanup();
    await admin.close();
    await first.stop();
    await second?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  t.is((await nodeReaches(admin, node.name, 'ready')).status, 'ready');

  // The outage: SIGTERM, and ten intervals without a CP.
  t.is((await first.stop()).code, 0);
  await node.serve.waitForLog((r) => r.msg.startsWith('heartbeat failed'));
  await sleep(10 * INTERVAL_MS);

  // The same CP again: same data dir, same port, so the agent's cp_url reaches it.
  second = await spawnControlPlane({ dataDir, listen });
  t.is(second.url, first.url);
  const back = await node.serve.waitForLog((r) => r.msg.startsWith('heartbeat: accepted again after'));
  t.true(Number(back['waited_ms']) <= INTERVAL_MS, `the beat that got through waited ${String(back['waited_ms'])} ms`);

  const failures = node.serve.records.filter((r) => r.msg.startsWith('heartbeat failed') || r.msg.startsWith('heartbeat still failing'));
  t.true(failures.length >= 2, 'failures were logged, with their retry delays');
  for (const failure of failures) t.true(Number(failure['retry_in_ms']) <= INTERVAL_MS, `retry_in_ms ${String(failure['retry_in_ms'])}`);

  const secondAdmin = createClient({ cpUrl: second.url, caPem: second.caPem, token: second.adminToken });
  t.teardown(() => secondAdmin.close());
  t.is((await nodeReaches(secondAdmin, node.name, 'ready')).status, 'ready');
});
