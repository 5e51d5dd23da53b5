// serve renews the node certificate by itself at 2/3 of its lifetime (issue 16), so the end of a
// certificate is news only when renewing keeps failing: from the last sixth of the lifetime (5 days
// of a 30-day leaf) serve warns when it first beats with such a certificate, then once a day, and
// once it has expired says it cannot renew it, each time with the way to a new one. Real
// certificates from the CP's own CA code; the watch's clock is moved. The end-to-end case (a leaf
// that expires while serve cannot reach the CP) is in renewal/agent-expired.test.ts.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { ClusterCa } from '@otherix/server';
import { createCsr, generateNodeKeyPair, verifyCsrAsync } from '@otherix/sdk/pki';
import { CertExpiryWatch, EXPIRY_WARNING_FRACTION } from '@otherix/agent/dist/runtime/cert-expiry.js';
import { createLogger } from '@otherix/agent/dist/runtime/logger.js';

const DAY = 86_400_000;

async function leafIssuedAt(now: number, lifetimeMs: number, name = 'expiring'): Promise<{ certPem: string; notAfter: number }> {
  const { ca } = await ClusterCa.create(now);
  const { spkiDer } = await verifyCsrAsync(await createCsr(await generateNodeKeyPair(), name));
  const { certPem } = await ca.issueNodeCertificate({ nodeName: name, spkiDer, hosts: ['127.0.0.1'], now, lifetimeMs });
  return { certPem, notAfter: Date.parse(new X509Certificate(certPem).validTo) };
}

function capturedLogger(): { logger: ReturnType<typeof createLogger>; warnings: Array<Record<string, unknown>> } {
  const warnings: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug', write: (line) => warnings.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, warnings };
}

test('no warning before the last sixth of the lifetime; then once a day; then once expired, saying it cannot renew; a new certificate is looked at afresh', async (t) => {
  t.is(EXPIRY_WARNING_FRACTION, 1 / 6);
  const leaf = await leafIssuedAt(Date.now(), 30 * DAY);
  let now = leaf.notAfter - 5 * DAY - 1000;
  const { logger, warnings } = capturedLogger();
  const watch = new CertExpiryWatch('expiring', logger, () => now);

  watch.check(leaf.certPem);
  t.is(warnings.length, 0, 'more than 5 of 30 days left is quiet: serve renews at 2/3');

  now = leaf.notAfter - 5 * DAY + 1000;
  watch.check(leaf.certPem);
  t.is(warnings.length, 1);
  t.like(warnings[0], { level: 'warn', days_left: 4, not_after: new Date(leaf.notAfter).toISOString() });
  t.regex(
    String(warnings[0]['msg']),
    /^the node certificate \(serial [0-9a-f]+\) expires in 4 days \(.+\) and serve has not managed to renew it .*: if it cannot, mint a join token bound to this node \(`otherix node join-token create --node-name expiring`\) and run `otherix-agent bootstrap --force` on this host/,
  );

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
  t.regex(
    String(warnings[2]['msg']),
    /^the node certificate \(serial [0-9a-f]+\) expired at .+: serve cannot renew it \(a renewal is authenticated by a valid certificate\) and the control plane refuses its heartbeats, which serve keeps sending; mint a join token bound to this node/,
  );

  // A re-issued certificate that is itself near its end is reported at once, not a day later.
  const next = await leafIssuedAt(now - 27 * DAY, 30 * DAY);
  watch.check(next.certPem);
  t.is(warnings.length, 4);
  t.regex(String(warnings[3]['msg']), /expires in \d+ days?/);
  watch.check('not a certificate');
  t.is(warnings.length, 4, "an unreadable file is the heartbeat's to report");
});

test('a short lifetime warns in its last sixth, and repeats no more often than that', async (t) => {
  const leaf = await leafIssuedAt(Date.now(), 60_000);
  let now = leaf.notAfter - 11_000;
  const { logger, warnings } = capturedLogger();
  const watch = new CertExpiryWatch('short', logger, () => now);
  watch.check(leaf.certPem);
  t.is(warnings.length, 0);
  now = leaf.notAfter - 9_000;
  watch.check(leaf.certPem);
  t.is(warnings.length, 1);
  t.regex(String(warnings[0]['msg']), /expires in less than a day/);
  now += 5_000;
  watch.check(leaf.certPem);
  t.is(warnings.length, 1);
  now = leaf.notAfter;
  watch.check(leaf.certPem);
  t.is(warnings.length, 2, 'expired');
});
