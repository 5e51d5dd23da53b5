// A client with several CP URLs (issue 18 item 5) against a real CP: it moves on to the next URL
// when one cannot be reached or answers 5xx, with the same pin and identity checks on each, and
// stops (never falls through) where a server fails them, where the cluster refused (4xx), and
// where a call that must not run twice may have been carried out. The "replicas" are the CP
// behind relays the test kills, and a listener with the CP's own serving certificate that answers
// 503 (the same CA and SPIFFE identity: every check holds, it just cannot serve).
import test from 'ava';
import { createClient, isOtherixError, OtherixApiError, pinCa } from '@otherix/sdk';
import type { ClientOptions, OtherixClient } from '@otherix/sdk';
import { startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { reachedImpostor, startImpostor, startOwnCaImpostor } from '../harness/impostor-server.js';
import { startResettingServer } from '../harness/loopback.js';
import { startRelayProxy } from '../harness/proxies.js';
import { startUnavailableReplica } from '../harness/replicas.js';

let cp: ControlPlane;
const closers: Array<() => Promise<void>> = [];

test.before(async () => {
  cp = await startControlPlane();
});

test.after.always(async () => {
  for (const close of closers) await close();
  await cp?.close();
});

function client(
  t: { teardown(fn: () => Promise<void>): void },
  cpUrl: ClientOptions['cpUrl'],
  extra: Partial<ClientOptions> = {},
): OtherixClient {
  const made = createClient({ cpUrl, caPem: cp.caPem, token: cp.adminToken, ...extra });
  t.teardown(() => made.close());
  return made;
}

/** A dead replica's URL (its port held, so no other test's server can answer there). */
async function deadUrl(): Promise<string> {
  const dead = await startResettingServer();
  closers.push(() => dead.close());
  return dead.url;
}

async function unavailable(options: Parameters<typeof startUnavailableReplica>[1] = {}) {
  const replica = await startUnavailableReplica(cp, options);
  closers.push(() => replica.close());
  return replica;
}

test('a first URL whose connections fail before TLS is passed over, for reads and for a mint alike', async (t) => {
  const dead = await deadUrl();
  const moves: string[] = [];
  const admin = client(t, `${dead},${cp.url}`, { onFailover: ({ from, to, code }) => moves.push(`${from} -> ${to}: ${code}`) });
  t.is((await admin.whoami()).role, 'admin');
  t.deepEqual(moves, [`${dead} -> ${cp.url}: unreachable`]);
  // The next call starts at the URL that answered: the dead one costs nothing more.
  await admin.nodes.list();
  // Nothing reached the dead URL, so even a call that must not run twice moves on.
  const minted = await admin.joinTokens.create({ ttl_seconds: 60 });
  t.regex(minted.token, /^otx_join_/);
  t.is(moves.length, 1);
});

test("a replica answering 503 is passed over; a call once there moves on only on the CP's own error body", async (t) => {
  const replica = await unavailable();
  const admin = client(t, [replica.url, cp.url]);
  t.is((await admin.whoami()).role, 'admin');
  t.deepEqual(
    replica.requests.map((r) => `${r.method} ${r.url}`),
    ['GET /v1/whoami'],
  );
  // The replica said 503 with the CP's error body: nothing was minted there, the next URL mints.
  const again = client(t, [replica.url, cp.url]);
  const minted = await again.joinTokens.create({ ttl_seconds: 60 });
  t.regex(minted.token, /^otx_join_/);
  t.is(replica.requests.filter((r) => r.method === 'POST').length, 1);
});

test("a proxy's 5xx page after a once-only call stops the call: it may have been carried out behind it", async (t) => {
  const page = await unavailable({ proxyPage: true });
  const relay = await startRelayProxy(cp);
  closers.push(() => relay.close());
  const admin = client(t, [page.url, relay.url]);
  const error = await t.throwsAsync(admin.joinTokens.create({ ttl_seconds: 60 }));
  t.true(error instanceof OtherixApiError && error.status === 502, String(error));
  t.is(relay.connections(), 0, 'the mint was not sent to the next URL');
  // A read is safe to repeat: it moves on.
  t.is((await admin.whoami()).role, 'admin');
  t.is(relay.connections(), 1);
});

test("when every URL fails, the error is the CP's answer (its status and Retry-After) and names the others", async (t) => {
  const dead = await deadUrl();
  const replica = await unavailable();
  const admin = client(t, [dead, replica.url]);
  const error = await t.throwsAsync(admin.nodes.list());
  t.true(isOtherixError(error, 'unavailable'), String(error));
  t.is((error as OtherixApiError).status, 503);
  t.regex(error.message, new RegExp(`the other control-plane URLs failed too: ${dead.replace(/[.]/g, '\\.')}: unreachable`));

  const allDead = client(t, [dead, await deadUrl()]);
  const unreachable = await t.throwsAsync(allDead.whoami());
  t.true(isOtherixError(unreachable, 'unreachable'), String(unreachable));
});

test("a refusal (4xx) is the cluster's answer: the next URL is not tried", async (t) => {
  const [a, b] = [await startRelayProxy(cp), await startRelayProxy(cp)];
  closers.push(
    () => a.close(),
    () => b.close(),
  );
  const stranger = createClient({ cpUrl: [a.url, b.url], caPem: cp.caPem, token: `otx_api_${'A'.repeat(43)}` });
  t.teardown(() => stranger.close());
  const error = await t.throwsAsync(stranger.whoami());
  t.true(error instanceof OtherixApiError && error.status === 401, String(error));
  t.is(b.connections(), 0);
});

test('a URL whose server has a certificate of another CA is an error, never skipped for the next', async (t) => {
  const impostor = await startOwnCaImpostor('other cluster');
  closers.push(() => impostor.close());
  const relay = await startRelayProxy(cp);
  closers.push(() => relay.close());
  const admin = client(t, [impostor.url, relay.url]);
  const error = await t.throwsAsync(admin.whoami());
  t.true(isOtherixError(error, 'tls_failed'), String(error));
  t.true(error.message.includes(impostor.url));
  t.is(relay.connections(), 0, 'the good URL behind it was not tried');
  t.false(reachedImpostor(impostor, cp.adminToken));
});

test("a URL serving the CP's clientAuth-only certificate (the CA and identity right, no serverAuth) is an error too", async (t) => {
  const impostor = await startImpostor({ serving: cp.clientCertificate, caPemToServe: cp.caPem });
  closers.push(() => impostor.close());
  const relay = await startRelayProxy(cp);
  closers.push(() => relay.close());
  // After a dead first URL, the same checks hold on the next one.
  const admin = client(t, [await deadUrl(), impostor.url, relay.url]);
  const error = await t.throwsAsync(admin.whoami());
  t.true(isOtherixError(error, 'tls_failed'), String(error));
  t.is(relay.connections(), 0);
  t.false(reachedImpostor(impostor, cp.adminToken));
});

test('pinCa passes over unreachable and 503 URLs, and pins at the first that answers', async (t) => {
  const dead = await deadUrl();
  const replica = await unavailable();
  const pinned = await pinCa({ cpUrl: `${dead},${replica.url},${cp.url}`, fingerprint: cp.caFingerprint });
  t.is(pinned.cpUrl, cp.url);
  t.is(pinned.fingerprint, cp.caFingerprint);
  t.deepEqual(
    replica.requests.map((r) => r.url),
    ['/v1/ca'],
  );
});

test('pinCa stops at the first URL that fails a check, whatever answers after it', async (t) => {
  const relay = await startRelayProxy(cp);
  closers.push(() => relay.close());
  const foreign = await startOwnCaImpostor('other cluster');
  const clientOnly = await startImpostor({ serving: cp.clientCertificate, caPemToServe: cp.caPem });
  closers.push(
    () => foreign.close(),
    () => clientOnly.close(),
  );

  const mismatch = await t.throwsAsync(pinCa({ cpUrl: [await deadUrl(), foreign.url, relay.url], fingerprint: cp.caFingerprint }));
  t.true(isOtherixError(mismatch, 'fingerprint_mismatch'), String(mismatch));
  const notServing = await t.throwsAsync(pinCa({ cpUrl: [clientOnly.url, relay.url], fingerprint: cp.caFingerprint }));
  t.true(isOtherixError(notServing, 'tls_failed'), String(notServing));
  t.regex(notServing.message, /no serverAuth/);
  t.is(relay.connections(), 0);
});

test('a replica killed between calls: the next call moves on to the one left', async (t) => {
  const [a, b] = [await startRelayProxy(cp), await startRelayProxy(cp)];
  closers.push(() => b.close());
  const admin = client(t, [a.url, b.url]);
  await admin.whoami();
  t.is(b.connections(), 0);
  await a.close();
  t.is((await admin.whoami()).role, 'admin');
  t.is(b.connections(), 1);
});
