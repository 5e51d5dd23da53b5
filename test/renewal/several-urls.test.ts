// Renewal with several CP URLs (issue 18 item 5): `otherix-agent renew` (the SDK's
// renewNodeCertificate, as serve's renewal loop calls it) moves on past a dead URL and a replica
// answering 503, over mTLS with the node's current certificate, and the renewed certificate works.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node } from '@otherix/sdk';
import { bootstrapWithBoundToken, runAgent } from '../harness/agent.js';
import { clusterForTest, heartbeat } from '../harness/cluster.js';
import { startResettingServer } from '../harness/loopback.js';
import { startUnavailableReplica } from '../harness/replicas.js';
import { serialOf } from './renewals.js';

test('otherix-agent renew passes over a 503 replica and a dead URL, and renews at the CP', async (t) => {
  const { cp, admin, host } = await clusterForTest(t);
  const replica = await startUnavailableReplica(cp);
  const dead = await startResettingServer();
  t.teardown(async () => {
    await replica.close();
    await dead.close();
  });
  const joined = await bootstrapWithBoundToken(cp, admin, {
    nodeName: 'renew-replicas',
    certDir: host.certDir,
    configPath: host.configPath,
  });
  t.is(joined.exitCode, 0, joined.stderr);
  const before = serialOf(await readFile(join(host.certDir, 'agent.crt'), 'utf8'));

  const renewed = await runAgent(['renew', '--config', host.configPath, '--force'], {
    env: { OTHERIX_CP_URL: `${replica.url},${dead.url},${cp.url}` },
  });
  t.is(renewed.exitCode, 0, renewed.stderr);
  t.deepEqual(
    replica.requests.map((r) => `${r.method} ${r.url}`),
    ['POST /v1/nodes/renew'],
  );
  const certPem = await readFile(join(host.certDir, 'agent.crt'), 'utf8');
  const after = serialOf(certPem);
  t.not(after, before);
  t.is((await heartbeat(cp, { certPem, keyPem: await readFile(join(host.certDir, 'agent.key'), 'utf8') })).status, 200);
  t.is(((await admin.nodes.get('renew-replicas')) as Node).certificate.serial, after);
});
