// A leaf that ends while serve cannot renew it (issue 16): serve retries its renewal with
// backoff, saying each time what happens next, until the certificate ends; then it says it cannot
// renew (a renewal is authenticated by a valid certificate) with the re-bootstrap commands, and
// keeps trying its heartbeats. The real binaries: the node joins a CP whose clock runs 45 s
// behind with --node-cert-lifetime 1m (so its leaf ends 15 s after the join by the real clock),
// and serve runs against a control-plane URL where nothing listens.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@otherix/sdk';
import { startServe } from '../harness/agent.js';
import { bootstrapWithAgent } from '../harness/served-node.js';
import { startControlPlane } from '../harness/control-plane.js';
import { freePort } from '../harness/loopback.js';

test('an expired leaf: serve retried its renewal until the end, then says it cannot renew and how to re-bootstrap, and keeps sending heartbeats', async (t) => {
  t.timeout(120_000);
  const behind = 45_000;
  const cp = await startControlPlane({ clock: { now: () => Date.now() - behind, advance: () => undefined }, nodeCertLifetimeMs: 60_000 });
  const admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  const dir = await mkdtemp(join(tmpdir(), 'otherix-renew-expired-'));
  t.teardown(async () => {
    await admin.close();
    await cp.close();
    await rm(dir, { recursive: true, force: true });
  });
  const name = 'renew-runs-out';
  const port = await freePort();
  const configPath = join(dir, 'agent.yaml');
  const bootstrap = await bootstrapWithAgent(cp, admin, name, { certDir: join(dir, 'certs'), configPath }, port);
  t.is(bootstrap.exitCode, 0, bootstrap.stderr);

  const nowhere = `https://127.0.0.1:${await freePort()}`;
  const serve = startServe(['serve', '--config', configPath, '--poll-interval', '100ms'], {
    OTHERIX_CP_URL: nowhere,
    OTHERIX_LOGGER__LEVEL: 'debug',
  });
  t.teardown(() => serve.stop().then(() => undefined));
  await serve.waitForLog((r) => r.msg === 'state B: serving');

  const failed = await serve.waitForLog((r) => r.msg.startsWith('renewal failed'));
  t.is(failed['code'], 'unreachable');
  t.regex(failed.msg, /; retrying in [\d.]+ s \(attempt 2\), the current certificate \(serial [0-9a-f]+\) works until \S+$/);
  t.true(typeof failed['retry_in_ms'] === 'number');

  const expired = await serve.waitForLog(
    (r) => r.level === 'warn' && /^the node certificate \(serial [0-9a-f]+\) expired at /.test(r.msg),
    40_000,
  );
  t.regex(
    expired.msg,
    /serve cannot renew it \(a renewal is authenticated by a valid certificate\) and the control plane refuses its heartbeats, which serve keeps sending; mint a join token bound to this node \(`otherix node join-token create --node-name renew-runs-out`\) and run `otherix-agent bootstrap --force` on this host/,
  );
  const retries = serve.records.filter((r) => r.msg.startsWith('renewal failed'));
  t.true(retries.length >= 2, `renewal was retried: ${retries.length} failures`);
  t.true(
    retries.every((r) => Date.parse(r.time) <= Date.parse(expired.time)),
    'no renewal attempt after the end',
  );

  // Heartbeats go on being tried after the end.
  const expiredAt = Date.parse(expired.time);
  await serve.waitForLog((r) => r.msg.startsWith('heartbeat still failing') && Date.parse(r.time) > expiredAt, 40_000);
  t.is(serve.child.exitCode, null, 'serve is still running');
});
