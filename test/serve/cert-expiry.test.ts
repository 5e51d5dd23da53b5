// serve does not renew the node certificate (a re-issue is a bound token and bootstrap --force),
// so it warns from 30 days before the end: when it first beats with such a certificate, then once
// a day, and once it has expired, each time saying how to get a new one. Real certificates from
// the CP's own CA code; the watch's clock is moved, the end-to-end case runs the CP 340 days behind
// (the bootstrap binary refuses such a skew, so that node joins through bootstrapNode with the host
// clock set to the CP's).
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { ClusterCa } from '@otherix/server';
import { bootstrapNode, createCsr, generateNodeKeyPair, verifyCsrAsync } from '@otherix/sdk';
import { CertExpiryWatch, EXPIRY_WARNING_DAYS } from '@otherix/agent/dist/runtime/cert-expiry.js';
import { createLogger } from '@otherix/agent/dist/runtime/logger.js';
import { bootstrapArgs, runAgent, startServe } from '../harness/agent.js';
import { clusterForTest } from '../harness/cluster.js';
import { freePort } from '../harness/loopback.js';

const DAY = 86_400_000;

async function leafIssuedAt(now: number, name = 'expiring'): Promise<{ certPem: string; notAfter: number }> {
  const { ca } = await ClusterCa.create(now);
  const { spkiDer } = await verifyCsrAsync(await createCsr(await generateNodeKeyPair(), name));
  const { certPem } = await ca.issueNodeCertificate({ nodeName: name, spkiDer, hosts: ['127.0.0.1'], now });
  return { certPem, notAfter: Date.parse(new X509Certificate(certPem).validTo) };
}

function capturedLogger(): { logger: ReturnType<typeof createLogger>; warnings: Array<Record<string, unknown>> } {
  const warnings: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug', write: (line) => warnings.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, warnings };
}

test('no warning before the last 30 days; then once a day; then once expired; a new certificate is looked at afresh', async (t) => {
  const leaf = await leafIssuedAt(Date.now());
  let now = leaf.notAfter - (EXPIRY_WARNING_DAYS + 1) * DAY;
  const { logger, warnings } = capturedLogger();
  const watch = new CertExpiryWatch('expiring', logger, () => now);

  watch.check(leaf.certPem);
  t.is(warnings.length, 0, '31 days left is quiet');

  now = leaf.notAfter - EXPIRY_WARNING_DAYS * DAY + 1;
  watch.check(leaf.certPem);
  t.is(warnings.length, 1);
  t.like(warnings[0], { level: 'warn', days_left: 29, not_after: new Date(leaf.notAfter).toISOString() });
  t.regex(String(warnings[0]!['msg']), /^the node certificate expires in 29 days \(.+\) and serve does not renew it: mint a join token bound to this node \(`otherix node join-token create --node-name expiring`\) and run `otherix-agent bootstrap --force` on this host/);

  for (let beat = 0; beat < 100; beat++) {
    now += 60_000;
    watch.check(leaf.certPem);
  }
  t.is(warnings.length, 1, 'every beat of the same day stays quiet');
  now += DAY;
  watch.check(leaf.certPem);
  t.is(warnings.length, 2, 'a day later it says so again');

  now = leaf.notAfter + 1;
  watch.check(leaf.certPem);
  t.is(warnings.length, 3);
  t.regex(String(warnings[2]!['msg']), /^the node certificate expired at .+: the control plane refuses its heartbeats; mint a join token bound to this node/);

  // A re-issued certificate that is itself near its end is reported at once, not a day later.
  const next = await leafIssuedAt(now - 360 * DAY);
  watch.check(next.certPem);
  t.is(warnings.length, 4);
  t.regex(String(warnings[3]!['msg']), /expires in \d+ days/);
  watch.check('not a certificate');
  t.is(warnings.length, 4, 'an unreadable file is the heartbeat\'s to report');
});

test('end to end: a node whose certificate ends in 25 days beats (ready) and serve warns with the way out', async (t) => {
  // The CP's clock runs 340 days behind: the leaf it issues now ends 25 days from the real now.
  const behind = 340 * DAY;
  const { cp, admin, host } = await clusterForTest(t, { clock: { now: () => Date.now() - behind, advance: () => undefined } });
  const name = 'near-expiry';
  const port = await freePort();
  const minted = await admin.joinTokens.create({ node_name: name, ttl_seconds: 600 });
  // The binary compares the clocks first and refuses a host 340 days off the CP (issue 13)...
  const refused = await runAgent(
    [
      ...bootstrapArgs({ cpUrl: cp.url, caFingerprint: cp.caFingerprint, nodeName: name, certDir: host.certDir, configPath: host.configPath, advertisedEndpoint: `https://127.0.0.1:${port}` }),
      '--token-env', 'JOIN_TOKEN',
    ],
    { env: { JOIN_TOKEN: minted.token } },
  );
  t.regex(refused.stderr, /^error: clock_skew: /);
  // ...so the node joins with the host's clock at the CP's, which gets it a leaf ending in 25 days.
  await bootstrapNode({
    token: minted.token,
    caFingerprint: cp.caFingerprint,
    cpUrl: cp.url,
    nodeName: name,
    advertisedEndpoint: `https://127.0.0.1:${port}`,
    migrationHost: '127.0.0.1',
    certDir: host.certDir,
    configPath: host.configPath,
    listen: `127.0.0.1:${port}`,
    heartbeatIntervalMs: 200,
    now: () => Date.now() - behind,
  });

  const serve = startServe(['serve', '--config', host.configPath], { OTHERIX_LOGGER__LEVEL: 'debug' });
  t.teardown(() => serve.stop().then(() => undefined));
  const warning = await serve.waitForLog((r) => r.level === 'warn' && r.msg.startsWith('the node certificate expires'));
  t.true(warning['days_left'] === 24 || warning['days_left'] === 25, String(warning['days_left']));
  t.true(warning.msg.includes(`--node-name ${name}`));
  await serve.waitForLog((r) => r.msg === 'heartbeat: first heartbeat accepted');
  // Later beats of the same day add no second warning.
  let accepted = 0;
  await serve.waitForLog((r) => r.msg === 'heartbeat: accepted' && ++accepted >= 3);
  t.is(serve.records.filter((r) => r.msg.startsWith('the node certificate expires')).length, 1);
  const node = await admin.nodes.get(name);
  t.is(node.status, 'ready');
});
