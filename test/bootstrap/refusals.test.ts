// Refusals: spent, expired, revoked, wrong-name and unknown tokens, a CP that is not there or
// does not answer - each exits 1 with a message that says what to do next, and writes nothing.
import test from 'ava';
import { createClient } from '@otherix/sdk';
import { startControlPlane } from '../harness/control-plane.js';
import { bootstrapArgs, listTree, runAgent } from '../harness/agent.js';
import type { AgentRun, NodeHost } from '../harness/agent.js';
import { clusterForNodes } from '../harness/cluster.js';
import { closedPortUrl, startSilentServer } from '../harness/loopback.js';

const cluster = clusterForNodes(test);
const MINT_HINT = 'mint a new one with `otherix node join-token create`';

async function attempt(
  nodeName: string,
  token: string,
  options: { cpUrl?: string; caFingerprint?: string; extra?: string[] } = {},
): Promise<{ run: AgentRun; h: NodeHost }> {
  const h = await cluster.host();
  const run = await runAgent(
    [
      ...bootstrapArgs({
        cpUrl: options.cpUrl ?? cluster.cp.url,
        caFingerprint: options.caFingerprint ?? cluster.cp.caFingerprint,
        nodeName,
        certDir: h.certDir,
        configPath: h.configPath,
        extra: options.extra ?? [],
      }),
      '--token-env',
      'T',
    ],
    { env: { T: token } },
  );
  return { run, h };
}

test('a spent token: exhausted, with the way out, nothing written', async (t) => {
  const minted = await cluster.admin.joinTokens.create({ ttl_seconds: 600, max_uses: 1 });
  const first = await attempt('ref-spent-1', minted.token);
  t.is(first.run.exitCode, 0, first.run.stderr);
  const { run, h } = await attempt('ref-spent-2', minted.token);
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: token_rejected: join refused: .*used 1 of 1 times/);
  t.true(run.stderr.includes(MINT_HINT));
  t.deepEqual(await listTree(h.root), []);
});

test('an expired token (the CP clock moved past its TTL): says when, and to mint a new one', async (t) => {
  // Its own CP: moving the clock would make the other tests' fresh leaves start in the future.
  const own = await startControlPlane();
  const ownAdmin = createClient({ cpUrl: own.url, caPem: own.caPem, token: own.adminToken });
  t.teardown(async () => {
    await ownAdmin.close();
    await own.close();
  });
  const minted = await ownAdmin.joinTokens.create({ node_name: 'ref-expired', ttl_seconds: 60 });
  own.clock.advance(61_000);
  const { run, h } = await attempt('ref-expired', minted.token, { cpUrl: own.url, caFingerprint: own.caFingerprint });
  t.is(run.exitCode, 1);
  t.regex(
    run.stderr,
    new RegExp(`^error: token_rejected: join refused: the join token expired at ${minted.expires_at.replace(/\.\d+Z$/, '')}`),
  );
  t.true(run.stderr.includes(MINT_HINT));
  t.deepEqual(await listTree(h.root), []);
});

test('a revoked token', async (t) => {
  const minted = await cluster.admin.joinTokens.create({ node_name: 'ref-revoked', ttl_seconds: 600 });
  await cluster.admin.joinTokens.revoke(minted.id);
  const { run, h } = await attempt('ref-revoked', minted.token);
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: token_rejected: join refused: the join token was revoked/);
  t.true(run.stderr.includes(MINT_HINT));
  t.deepEqual(await listTree(h.root), []);
});

test('a token bound to another name names the bound one', async (t) => {
  const minted = await cluster.admin.joinTokens.create({ node_name: 'ref-bound', ttl_seconds: 600 });
  const { run, h } = await attempt('ref-other', minted.token);
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: token_rejected: join refused: .*bound to node ref-bound, not ref-other/);
  t.true(run.stderr.includes('--node-name ref-bound'));
  t.deepEqual(await listTree(h.root), []);
  const listed = (await cluster.admin.joinTokens.list()).items.find((item) => item.id === minted.id);
  t.is(listed?.consumed, 0);
});

test('an unknown token', async (t) => {
  const { run, h } = await attempt('ref-unknown', `otx_join_${'Q'.repeat(43)}`);
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: token_rejected: join refused: .*not known/);
  t.false(run.stderr.includes('Q'.repeat(43)), 'the token is never echoed');
  t.deepEqual(await listTree(h.root), []);
});

test('an unreachable CP: refused connection, then a silent one bounded by --request-timeout', async (t) => {
  const closed = await closedPortUrl();
  const refused = await attempt('ref-down', `otx_join_${'B'.repeat(43)}`, { cpUrl: closed });
  t.is(refused.run.exitCode, 1);
  t.regex(refused.run.stderr, new RegExp(`^error: unreachable: cannot reach the control plane at ${closed}/v1/ca`));
  t.deepEqual(await listTree(refused.h.root), []);

  const silent = await startSilentServer();
  try {
    const hung = await attempt('ref-hung', `otx_join_${'C'.repeat(43)}`, { cpUrl: silent.url, extra: ['--request-timeout', '300ms'] });
    t.is(hung.run.exitCode, 1);
    t.regex(hung.run.stderr, new RegExp(`^error: timeout: no answer from the control plane at ${silent.url}/v1/ca within 300 ms`));
    t.deepEqual(await listTree(hung.h.root), []);
  } finally {
    await silent.close();
  }
});
