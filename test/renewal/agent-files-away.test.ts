// The cert dir cannot be read at the moment serve's renewal is due (its files moved away for a
// moment: a backup restore, a configuration run rewriting the folder, a descriptor shortage), and
// then it is back, unchanged. serve must still renew before the certificate ends: the heartbeats
// tell the renewal loop only about material that CHANGED, so the loop has to look again by itself.
// The real binaries: a CP with --node-cert-lifetime 1m, serve beating every 200 ms; the test moves
// `..data` away just before the due time the agent logged, and back once the agent said it found
// no usable certificate.
import test from 'ava';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogRecord } from '../harness/agent.js';
import { controlPlaneForTest } from '../harness/cluster.js';
import { bootstrapAndServe } from '../harness/served-node.js';

const isRenewal = (r: LogRecord): boolean => r.msg.startsWith('renewal: renewed the node certificate');
const isExpiry = (r: LogRecord): boolean => r.level === 'warn' && /^the node certificate \(serial [0-9a-f]+\) expired at /.test(r.msg);

test('cert files unreadable when the renewal is due, then back unchanged: serve still renews before the end', async (t) => {
  t.timeout(180_000);
  const { cp, admin } = await controlPlaneForTest(t, { nodeCertLifetimeMs: 60_000 });
  const node = await bootstrapAndServe(cp, admin, 'renew-files-away', { OTHERIX_LOGGER__LEVEL: 'debug' });
  t.teardown(() => node.cleanup());

  const plan = await node.serve.waitForLog((r) => r.msg.startsWith('renewal: next renewal due at'));
  const dueAt = Date.parse(String(plan['due_at']));
  // Away from a little before the due time until the renewal loop has looked and found nothing.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - Date.now() - 1500)));
  const away = join(node.certDir, '..data-away');
  await rename(join(node.certDir, '..data'), away);
  const looked = Date.now();
  await node.serve.waitForLog(
    (r) => r.msg.startsWith('renewal: no usable certificate in the cert dir') && Date.parse(r.time) >= looked - 1000,
    30_000,
  );
  await rename(away, join(node.certDir, '..data'));

  const outcome = await node.serve.waitForLog((r) => isRenewal(r) || isExpiry(r), 60_000);
  t.true(isRenewal(outcome), `serve renewed after the files came back, instead of: ${outcome.msg}`);
  t.is(outcome['previous_serial'], plan['serial']);
});
