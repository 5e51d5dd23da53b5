// Seed §3: "cert material lost mid-run is a heartbeat failure, not a regression to State A."
// Refused heartbeats (a deleted node) are failures of the same kind: logged, never fatal.
// Removing the cert files under a running agent: the process keeps running, heartbeats fail
// (logged once, then with a count), the CP sees the node go not_ready, and SIGTERM exits 0.
import test from 'ava';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeReaches, servedNodeOnOwnCp } from '../harness/served-node.js';

test('cert files removed mid-run: heartbeats fail, the node goes not_ready, the agent keeps running', async (t) => {
  const { cp, admin, node } = await servedNodeOnOwnCp(t, 'serve-cert-loss');
  const { serve } = node;
  t.is((await nodeReaches(admin, node.name, 'ready')).status, 'ready');

  for (const name of ['agent.key', 'agent.crt', 'ca.crt']) await rm(join(node.certDir, name), { force: true });

  const lost = await serve.waitForLog((r) => r.msg.startsWith('heartbeat failed') && r['code'] === 'cert_material_lost');
  t.is(lost.level, 'warn');
  // The files go one by one: a beat between two removals finds only the first ones gone.
  t.regex(lost.msg, /agent\.key(, agent\.crt)?(, ca\.crt)? not found in /);
  // serve reloads the files itself, so the advice is bootstrap alone, not a restart.
  t.regex(
    lost.msg,
    /re-run `otherix-agent bootstrap --force` with a token bound to this node; the running agent picks the new files up without a restart$/,
  );
  // Later failures are counted, not repeated line by line.
  await serve.waitForLog((r) => r.msg.startsWith('heartbeat still failing (4 in a row)'));
  t.is(serve.records.filter((r) => r.msg.startsWith('heartbeat failed')).length, 1);

  // Three intervals without a heartbeat on the CP's clock: not_ready.
  cp.clock.advance(10_000);
  t.is((await nodeReaches(admin, node.name, 'not_ready')).status, 'not_ready');

  // Still State B: running, never back to waiting for bootstrap.
  t.is(serve.child.exitCode, null);
  t.false(serve.records.some((r) => r.msg.startsWith('state A: waiting')));

  t.deepEqual(await serve.stop(), { code: 0, signal: null });
});

test('a deleted node: the CP refuses its heartbeats (revoked), the agent logs it and keeps running', async (t) => {
  const { admin, node } = await servedNodeOnOwnCp(t, 'serve-deleted');
  const ready = await nodeReaches(admin, node.name, 'ready');
  await admin.nodes.delete(ready.id);

  const refused = await node.serve.waitForLog((r) => r.msg.startsWith('heartbeat failed'));
  t.is(refused['code'], 'unauthenticated');
  t.like(refused['details'], { certificate_status: 'revoked' });
  await node.serve.waitForLog((r) => r.msg.startsWith('heartbeat still failing (2 in a row)'));
  t.is(node.serve.child.exitCode, null);
  t.deepEqual(await node.serve.stop(), { code: 0, signal: null });
});
