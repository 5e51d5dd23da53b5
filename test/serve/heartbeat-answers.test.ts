// Issue 13, item 9: heartbeats obey the CP, and only a real answer counts. The real agent beats
// against a small real HTTPS server (certificate from the real cluster CA, the CP's identity) that
// answers from a script: a 429 with Retry-After is waited out; a 200 of the wrong shape, a body
// that is not JSON and a body without end are failures, never "accepted".
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@otherix/sdk';
import { startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { bootstrapWithAgent } from '../harness/served-node.js';
import { startServe } from '../harness/agent.js';
import { freePort } from '../harness/loopback.js';
import type { ServeProcess } from '../harness/agent.js';
import { startScriptedControlPlane } from '../harness/scripted-cp.js';
import type { ScriptedAnswer, ScriptedControlPlane } from '../harness/scripted-cp.js';

const READY: ScriptedAnswer = { status: 200, body: '{"status":"ready"}' };

/** A node bootstrapped for real against `cp`, then served against the scripted server instead. */
async function serveAgainst(
  t: { teardown(fn: () => Promise<void>): void },
  script: readonly ScriptedAnswer[],
): Promise<{ serve: ServeProcess; scripted: ScriptedControlPlane }> {
  const cp: ControlPlane = await startControlPlane();
  const admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  const dir = await mkdtemp(join(tmpdir(), 'otherix-scripted-'));
  const scripted = await startScriptedControlPlane(cp.ca, script);
  const port = await freePort();
  const configPath = join(dir, 'agent.yaml');
  const bootstrap = await bootstrapWithAgent(cp, admin, 'scripted', { certDir: join(dir, 'certs'), configPath }, port);
  if (bootstrap.exitCode !== 0) throw new Error(bootstrap.stderr);
  const serve = startServe(['serve', '--config', configPath, '--poll-interval', '100ms'], { OTHERIX_CP_URL: scripted.url });
  t.teardown(async () => {
    await serve.stop();
    await scripted.close();
    await admin.close();
    await cp.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { serve, scripted };
}

test('a 429 with Retry-After is waited out before the next heartbeat', async (t) => {
  const { serve, scripted } = await serveAgainst(t, [
    { status: 429, headers: { 'retry-after': '1' }, body: '{"error":{"code":"rate_limited","message":"slow down","details":{}}}' },
    READY,
  ]);
  const failed = await serve.waitForLog((r) => r.msg.startsWith('heartbeat failed'));
  t.is(failed['code'], 'rate_limited');
  t.is(failed['retry_after_ms'], 1000);
  t.true(Number(failed['retry_in_ms']) >= 1000, String(failed['retry_in_ms']));
  const back = await serve.waitForLog((r) => r.msg.startsWith('heartbeat: accepted again after 1 failed'));
  t.true(Number(back['waited_ms']) >= 1000);
  // On the server's own clock: the second heartbeat came no sooner than it was asked to.
  const [first, second] = scripted.requests;
  t.true(second.at - first.at >= 1000, `${second.at - first.at} ms between the 429 and the next heartbeat`);
  t.is(first.path, '/v1/nodes/heartbeat');
});

test('a 200 of the wrong shape, a body that is not JSON and a body without end are failures, not accepted', async (t) => {
  const { serve } = await serveAgainst(t, [
    { status: 200, body: '{"ok":true}' },
    { status: 200, body: '<html>captive portal</html>' },
    { status: 200, body: { endlessBytes: 4 * 1024 * 1024 } },
    READY,
  ]);
  const shape = await serve.waitForLog((r) => r.msg.startsWith('heartbeat failed') && r['code'] === 'invalid_response');
  t.regex(shape.msg, /is not a heartbeat answer \(\{"status": <node status>\}\): the heartbeat did not land/);
  const notJson = await serve.waitForLog((r) => r.msg.startsWith('heartbeat failed') && /is not JSON/.test(r.msg));
  t.is(notJson['code'], 'invalid_response');
  const endless = await serve.waitForLog((r) => r.msg.startsWith('heartbeat failed') && /larger than 65536 bytes/.test(r.msg));
  t.is(endless['code'], 'invalid_response');
  await serve.waitForLog((r) => r.msg.startsWith('heartbeat: accepted again after'));
  t.false(
    serve.records.some((r) => r.msg === 'heartbeat: first heartbeat accepted'),
    'nothing before the good answer counted as accepted',
  );
});
