// Bootstrap with several CP URLs (issue 18 item 5), with the real `otherix-agent bootstrap`: it
// pins and joins through the replicas that answer, writes the whole list into agent.yaml, and a
// join whose answer was lost is never sent to another URL (that could spend the token twice):
// join_outcome_unknown, one consumption, the next URL never contacted. A URL that fails the pin
// stops it, whatever comes after.
import test from 'ava';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadAgentConfig } from '@otherix/sdk';
import type { Node } from '@otherix/sdk';
import { clusterForTest } from '../harness/cluster.js';
import { bootstrapWithToken } from '../harness/agent.js';
import type { AgentRun, NodeHost } from '../harness/agent.js';
import { reachedImpostor, startOwnCaImpostor } from '../harness/impostor-server.js';
import { startResettingServer } from '../harness/loopback.js';
import { startCuttingProxy, startRelayProxy } from '../harness/proxies.js';
import { startUnavailableReplica } from '../harness/replicas.js';

/** The real bootstrap of `host` as `nodeName` through `cpUrls` with the pin of `cp`, the token from the environment. */
function bootstrapThrough(
  cp: { caFingerprint: string },
  host: NodeHost,
  cpUrls: string,
  nodeName: string,
  token: string,
): Promise<AgentRun> {
  return bootstrapWithToken(
    { cpUrl: cpUrls, caFingerprint: cp.caFingerprint, nodeName, certDir: host.certDir, configPath: host.configPath },
    token,
  );
}

test('bootstrap passes over a dead URL and a 503 replica, joins, and writes every URL into agent.yaml', async (t) => {
  const { cp, admin, host } = await clusterForTest(t);
  const dead = await startResettingServer();
  const replica = await startUnavailableReplica(cp);
  t.teardown(async () => {
    await replica.close();
    await dead.close();
  });
  const minted = await admin.joinTokens.create({ node_name: 'replicated', ttl_seconds: 600 });
  const cpUrls = `${dead.url},${replica.url},${cp.url}`;
  const run = await bootstrapThrough(cp, host, cpUrls, 'replicated', minted.token);
  t.is(run.exitCode, 0, run.stderr);
  t.is(((await admin.nodes.get('replicated')) as Node).status, 'pending');
  t.is((await admin.joinTokens.consumptions(minted.id)).items.length, 1);
  // The replica was asked for the CA only: the join went straight to the URL that answered the pin.
  t.deepEqual(
    replica.requests.map((r) => `${r.method} ${r.url}`),
    ['GET /v1/ca'],
  );
  t.regex(await readFile(host.configPath, 'utf8'), new RegExp(`^cp_url: ${cpUrls.replace(/[.]/g, '\\.')}$`, 'm'));
  t.is(loadAgentConfig({ path: host.configPath, env: {} }).cp_url, cpUrls);
});

test('a join whose answer is lost is not sent to the next URL: join_outcome_unknown, the token spent once', async (t) => {
  const { cp, admin, host } = await clusterForTest(t);
  // Connection 1 pins the CA; connection 2 carries the join and loses its answer.
  const cutting = await startCuttingProxy({ port: Number(new URL(cp.url).port), connection: 2, mode: 'cut' });
  const next = await startRelayProxy(cp);
  t.teardown(async () => {
    await cutting.close();
    await next.close();
  });
  const fleet = await admin.joinTokens.create({ max_uses: 5, ttl_seconds: 600 });
  const run = await bootstrapThrough(cp, host, `${cutting.url},${next.url}`, 'lost-once', fleet.token);
  await cutting.answerDropped;
  t.is(run.exitCode, 1, run.stderr);
  t.regex(
    run.stderr,
    new RegExp(
      `^error: join_outcome_unknown: the join request for lost-once reached the control plane at ${cutting.url.replace(/[.]/g, '\\.')}, but no answer came back`,
    ),
  );
  t.is(next.connections(), 0, 'the join was not repeated at the next URL');
  t.is((await admin.joinTokens.consumptions(fleet.id)).items.length, 1, 'the token was spent once');
  t.false(existsSync(host.certDir), 'nothing was written');
});

test('a URL that fails the pin stops bootstrap, even with a good URL after it: the token goes nowhere', async (t) => {
  const { cp, admin, host } = await clusterForTest(t);
  const foreign = await startOwnCaImpostor('other cluster', cp.caPem);
  const next = await startRelayProxy(cp);
  t.teardown(async () => {
    await foreign.close();
    await next.close();
  });
  const minted = await admin.joinTokens.create({ node_name: 'not-via-mitm', ttl_seconds: 600 });
  const run = await bootstrapThrough(cp, host, `${foreign.url},${next.url}`, 'not-via-mitm', minted.token);
  t.is(run.exitCode, 1, run.stderr);
  t.regex(
    run.stderr,
    /^error: tls_failed: the server at https:\/\/127\.0\.0\.1:\d+\/v1\/ca returned the pinned CA but its own TLS certificate is not issued by it: suspect a man in the middle/,
  );
  t.is(next.connections(), 0);
  t.false(reachedImpostor(foreign, minted.token));
  t.is((await admin.joinTokens.consumptions(minted.id)).items.length, 0);
});
