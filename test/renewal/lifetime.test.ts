// The node-certificate lifetime (--node-cert-lifetime, default 30 days) counts from signing, for
// joins and renewals alike, with notBefore an hour back; the renewal spacing shrinks with a short
// lifetime; an expired certificate cannot renew and its refusal changes nothing; and an admin finds
// the nodes that failed to renew with GET /v1/nodes?cert_expires_before=... (whose SQL-rendered
// page is held to the TypeScript projection in store/node-json-sql.test.ts).
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { CERTIFICATE_BACKDATE_MS } from '@otherix/sdk/pki';
import { buildApp, renewalSpacingMs } from '@otherix/server';
import { api, movableClock, startControlPlane } from '../harness/control-plane.js';
import { heartbeat, joinNode, roleTokens } from '../harness/cluster.js';
import { certificateStatuses, renew } from './renewals.js';

const DAY = 86_400_000;

/** A leaf's lifetime as the CP meant it: from signing (notBefore + the backdate) to notAfter. */
function lifetimeOf(certPem: string): number {
  const cert = new X509Certificate(certPem);
  return Date.parse(cert.validTo) - (Date.parse(cert.validFrom) + CERTIFICATE_BACKDATE_MS);
}

test('joins and renewals sign for the configured lifetime, counted from signing; the spacing is a tenth of a short lifetime', async (t) => {
  const cp = await startControlPlane({ nodeCertLifetimeMs: 90_000 });
  t.teardown(() => cp.close());
  const node = await joinNode(cp, 'short-lived');
  t.is(lifetimeOf(node.cert.certPem), 90_000);
  const renewed = await renew(cp, node.cert, node.name);
  t.is(renewed.response.status, 201, renewed.response.text);
  t.is(lifetimeOf(renewed.cert.certPem), 90_000);
  t.is(renewalSpacingMs(90_000), 9_000);
  const again = await renew(cp, node.cert, node.name);
  t.is(again.response.status, 429);
  t.true(Number(again.response.headers['retry-after']) <= 9, String(again.response.headers['retry-after']));
});

test('buildApp refuses a lifetime outside 1m..365d', async (t) => {
  const cp = await startControlPlane();
  t.teardown(() => cp.close());
  for (const ms of [59_999, 366 * DAY]) {
    await t.throwsAsync(
      buildApp({ store: cp.store, ca: cp.ca, serving: cp.clientCertificate, nodeCertLifetimeMs: ms, closeStore: false, logger: false }),
      { code: 'config_invalid', message: /1m\.\.365d/ },
    );
  }
});

test('an expired certificate cannot renew: 401 saying it expired, and nothing changes (the node is not marked not_ready)', async (t) => {
  // The CP's clock runs 31 days behind: the 30-day leaf it signs has ended by the real clock,
  // which the TLS layer checks.
  const behind = 31 * DAY;
  const cp = await startControlPlane({ clock: { now: () => Date.now() - behind, advance: () => undefined } });
  t.teardown(() => cp.close());
  const node = await joinNode(cp, 'renew-expired');
  const before = await api(cp, 'GET', `/v1/nodes/${node.name}`, { token: cp.adminToken });
  const refused = await renew(cp, node.cert, node.name);
  t.is(refused.response.status, 401, refused.response.text);
  t.is(refused.response.body.error.code, 'unauthenticated');
  t.regex(refused.response.body.error.message, /has expired/);
  t.is(refused.response.body.error.details.tls_verification, 'CERT_HAS_EXPIRED');
  const after = await api(cp, 'GET', `/v1/nodes/${node.name}`, { token: cp.adminToken });
  t.deepEqual(after.body, before.body);
  t.is(after.body.status, 'pending');
  t.deepEqual(await certificateStatuses(cp, [node.serial]), { [node.serial]: 'current' });
  // A heartbeat with it is refused as before (and that one does mark the node).
  t.is((await heartbeat(cp, node.cert)).status, 401);
});

test('GET /v1/nodes?cert_expires_before lists the nodes whose current certificate ends before then, for every role', async (t) => {
  const clock = movableClock();
  const cp = await startControlPlane({ clock });
  t.teardown(() => cp.close());
  const tokens = await roleTokens(cp, 'expiring');
  const early = await joinNode(cp, 'expiring-early');
  clock.advance(10 * DAY);
  const late = await joinNode(cp, 'expiring-late');
  const endOf = (certPem: string): number => Date.parse(new X509Certificate(certPem).validTo);
  const list = async (query: string, token = cp.adminToken) => api(cp, 'GET', `/v1/nodes?${query}`, { token });

  const between = new Date(endOf(early.cert.certPem) + DAY).toISOString();
  const page = await list(`cert_expires_before=${encodeURIComponent(between)}`);
  t.is(page.status, 200, page.text);
  t.deepEqual(
    page.body.items.map((n: { name: string }) => n.name),
    ['expiring-early'],
  );
  const all = await list(`cert_expires_before=${encodeURIComponent(new Date(endOf(late.cert.certPem) + 1000).toISOString())}`);
  t.deepEqual(
    all.body.items.map((n: { name: string }) => n.name),
    ['expiring-early', 'expiring-late'],
  );
  const none = await list(`cert_expires_before=${encodeURIComponent(new Date(endOf(early.cert.certPem)).toISOString())}`);
  t.deepEqual(none.body.items, [], 'before, not at');
  const viewer = await list(`cert_expires_before=${encodeURIComponent(between)}`, tokens.viewer);
  t.deepEqual(viewer.body, { projection: 'summary', items: [viewer.body.items[0]], next_cursor: null });
  t.is(viewer.body.items[0].name, 'expiring-early');
  const combined = await list(`cert_expires_before=${encodeURIComponent(between)}&status=ready`);
  t.deepEqual(combined.body.items, [], 'with the other filters');

  for (const bad of ['tomorrow', '2026-02-30T00:00:00Z', '']) {
    const refused = await list(`cert_expires_before=${encodeURIComponent(bad)}`);
    t.is(refused.status, 400, `${bad}: ${refused.text}`);
    t.is(refused.body.error.code, 'validation_failed');
  }
});

test('a renewal before the first heartbeat: the node stays pending until it beats, with the new certificate', async (t) => {
  const cp = await startControlPlane();
  t.teardown(() => cp.close());
  const node = await joinNode(cp, 'renew-fresh');
  const renewed = await renew(cp, node.cert, node.name);
  t.is(renewed.response.status, 201);
  t.is(renewed.response.body.node.status, 'pending', 'no heartbeat yet');
  t.is((await heartbeat(cp, renewed.cert)).status, 200);
  const shown = await api(cp, 'GET', `/v1/nodes/${node.name}`, { token: cp.adminToken });
  t.is(shown.body.status, 'ready');
  t.is(shown.body.certificate.serial, renewed.serial);
});
