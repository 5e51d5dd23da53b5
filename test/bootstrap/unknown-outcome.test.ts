// Issue 13, item 7: an unknown outcome says so. The join request reaches the CP through a real TCP
// proxy on loopback, which drops the answer and cuts the connection (or holds it until the agent's
// request timeout). The CP redeemed the token and created the node (pending); bootstrap cannot
// know, so it says the token may be spent and a pending node may exist, and gives the way on that
// works either way: a token bound to the name and --force. Following it joins the node.
import test from 'ava';
import { existsSync } from 'node:fs';
import type { Node, OtherixClient } from '@otherix/sdk';
import type { ControlPlane } from '../harness/control-plane.js';
import { clusterForTest } from '../harness/cluster.js';
import { bootstrapWithToken } from '../harness/agent.js';
import type { NodeHost } from '../harness/agent.js';
import { startCuttingProxy } from '../harness/proxies.js';
import type { CuttingProxy } from '../harness/proxies.js';

async function setUp(
  t: { teardown(fn: () => Promise<void>): void },
  mode: 'cut' | 'hold',
): Promise<{ cp: ControlPlane; admin: OtherixClient; host: NodeHost; proxy: CuttingProxy }> {
  const { cp, admin, host } = await clusterForTest(t);
  // Connection 1 pins the CA (/v1/ca); connection 2 carries the join. (Teardowns run last first: the proxy closes before the CP.)
  const proxy = await startCuttingProxy({ port: Number(new URL(cp.url).port), connection: 2, mode });
  t.teardown(() => proxy.close());
  return { cp, admin, host, proxy };
}

const WAY_ON = (name: string): RegExp =>
  new RegExp(
    `the join token may have been spent and a pending node ${name} may exist\\. Nothing was written on this host\\. ` +
      `To go on, mint a token bound to this node \\(\`otherix node join-token create --node-name ${name}\`\\) and re-run this bootstrap with that token and --force`,
  );

test('a join whose answer is cut off: join_outcome_unknown with the way on, and the way on joins the node', async (t) => {
  const { cp, admin, host, proxy } = await setUp(t, 'cut');
  const fleet = await admin.joinTokens.create({ max_uses: 1, ttl_seconds: 600 });
  const flags = (extra: string[] = []) => ({
    cpUrl: proxy.url,
    caFingerprint: cp.caFingerprint,
    nodeName: 'lost-answer',
    certDir: host.certDir,
    configPath: host.configPath,
    extra,
  });

  const lost = await bootstrapWithToken(flags(), fleet.token);
  await proxy.answerDropped; // the CP did answer: the proxy dropped it
  t.is(lost.exitCode, 1, lost.stderr);
  t.regex(
    lost.stderr,
    new RegExp(
      `^error: join_outcome_unknown: the join request for lost-answer reached the control plane at ${proxy.url.replace(/\./g, '\\.')}, but no answer came back \\(the connection failed: `,
    ),
  );
  t.regex(lost.stderr, WAY_ON('lost-answer'));
  t.regex(lost.stderr, /`otherix node join-token consumptions <token-id>` shows whether the first token was used\)\n$/);
  t.false(/check the URL/i.test(lost.stderr), 'not blamed on the URL');
  t.false(lost.stderr.includes(fleet.token));
  t.false(existsSync(host.certDir), 'nothing was written');

  // "may" was right this time: the CP redeemed the token and holds a pending node.
  t.is((await admin.joinTokens.consumptions(fleet.id)).items.length, 1);
  const pending = (await admin.nodes.get('lost-answer')) as Node;
  t.is(pending.status, 'pending');

  // The way on, word for word: a token bound to the name, and --force.
  const bound = await admin.joinTokens.create({ node_name: 'lost-answer', ttl_seconds: 600 });
  const joined = await bootstrapWithToken(flags(['--force']), bound.token);
  t.is(joined.exitCode, 0, joined.stderr);
  const node = (await admin.nodes.get('lost-answer')) as Node;
  t.is(node.id, pending.id, 'the pending node was re-issued, not duplicated');
  t.not(node.certificate.serial, pending.certificate.serial);
  t.is(proxy.connections, 4, 'the second run went through the proxy too');
});

test('a join whose answer never comes: the request timeout is an unknown outcome too', async (t) => {
  const { cp, admin, host, proxy } = await setUp(t, 'hold');
  const minted = await admin.joinTokens.create({ node_name: 'held-answer', ttl_seconds: 600 });
  const run = await bootstrapWithToken(
    {
      cpUrl: proxy.url,
      caFingerprint: cp.caFingerprint,
      nodeName: 'held-answer',
      certDir: host.certDir,
      configPath: host.configPath,
      extra: ['--request-timeout', '5s'],
    },
    minted.token,
  );
  t.is(run.exitCode, 1, run.stderr);
  t.regex(
    run.stderr,
    /^error: join_outcome_unknown: the join request for held-answer reached the control plane at \S+, but no answer came back \(no answer within the request timeout \(--request-timeout\)\): /,
  );
  t.regex(run.stderr, WAY_ON('held-answer'));
  t.is((await admin.joinTokens.consumptions(minted.id)).items.length, 1);
});
