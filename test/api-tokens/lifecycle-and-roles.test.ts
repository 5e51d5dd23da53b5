// API tokens (admin): mint, list, revoke, expiry; GET /v1/whoami; and the role table of SPEC §3
// on every admin route: no token 401, a bad token 401, a non-admin role 403 naming the role.
import test from 'ava';
import type { Dispatcher } from 'undici';
import { createHash } from 'node:crypto';
import { api, controlPlaneForFile } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';

let cp: ControlPlane;
const tokens: Record<string, string> = {};

controlPlaneForFile(test, async (started) => {
  cp = started;
  for (const role of ['operator', 'developer', 'viewer']) {
    const minted = await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: `${role}-person`, role } });
    tokens[role] = minted.body.token;
  }
});

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const ADMIN_ROUTES: Array<[Dispatcher.HttpMethod, string, unknown?]> = [
  ['POST', '/v1/nodes/join-tokens', {}],
  ['GET', '/v1/nodes/join-tokens'],
  ['POST', `/v1/nodes/join-tokens/${UNKNOWN_ID}/revoke`],
  ['GET', `/v1/nodes/join-tokens/${UNKNOWN_ID}/consumptions`],
  ['POST', '/v1/api-tokens', { name: 'x', role: 'viewer' }],
  ['GET', '/v1/api-tokens'],
  ['POST', `/v1/api-tokens/${UNKNOWN_ID}/revoke`],
];

for (const [method, path, body] of ADMIN_ROUTES) {
  test(`${method} ${path}: admin only`, async (t) => {
    const anonymous = await api(cp, method, path, { body });
    t.is(anonymous.status, 401);
    t.is(anonymous.body.error.code, 'unauthenticated');
    const garbage = await api(cp, method, path, { body, token: 'otx_api_' + 'Z'.repeat(43) });
    t.is(garbage.status, 401);
    t.is(garbage.body.error.code, 'unauthenticated');
    for (const role of ['operator', 'developer', 'viewer']) {
      const refused = await api(cp, method, path, { body, token: tokens[role] });
      t.is(refused.status, 403, `${role}: ${refused.text}`);
      t.is(refused.body.error.code, 'forbidden');
      t.regex(refused.body.error.message, /admin role/);
      t.regex(refused.body.error.message, new RegExp(role));
    }
    const admin = await api(cp, method, path, { body, token: cp.adminToken });
    t.not(admin.status, 401);
    t.not(admin.status, 403);
  });
}

test('whoami answers every role with the token name and role', async (t) => {
  t.deepEqual((await api(cp, 'GET', '/v1/whoami', { token: cp.adminToken })).body, { name: 'admin', role: 'admin' });
  for (const role of ['operator', 'developer', 'viewer']) {
    t.deepEqual((await api(cp, 'GET', '/v1/whoami', { token: tokens[role] })).body, { name: `${role}-person`, role });
  }
  const anonymous = await api(cp, 'GET', '/v1/whoami');
  t.is(anonymous.status, 401);
  t.is(anonymous.body.error.code, 'unauthenticated');
  const notBearer = await api(cp, 'GET', '/v1/whoami', { headers: { authorization: `Basic ${cp.adminToken}` } });
  t.is(notBearer.status, 401);
});

test('public routes need no token', async (t) => {
  t.deepEqual((await api(cp, 'GET', '/healthz')).body, { status: 'ok' });
  const ca = await api(cp, 'GET', '/v1/ca');
  t.is(ca.body.ca_pem, cp.caPem);
  t.is(ca.body.fingerprint, cp.caFingerprint);
});

test('an unknown route is not_found', async (t) => {
  const missing = await api(cp, 'GET', '/v1/nope', { token: cp.adminToken });
  t.is(missing.status, 404);
  t.is(missing.body.error.code, 'not_found');
});

test('api-token lifecycle: mint once, list without secrets, use, revoke (idempotent), refused after', async (t) => {
  const minted = await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: 'lifecycle', role: 'viewer' } });
  t.is(minted.status, 201, minted.text);
  t.regex(minted.body.token, /^otx_api_[A-Za-z0-9_-]{43}$/);
  t.is(minted.body.role, 'viewer');
  t.is(minted.body.expires_at, null);
  t.is(minted.body.created_by, 'admin');
  t.deepEqual((await api(cp, 'GET', '/v1/whoami', { token: minted.body.token })).body, { name: 'lifecycle', role: 'viewer' });

  const listed = await api(cp, 'GET', '/v1/api-tokens?limit=500', { token: cp.adminToken });
  t.is(listed.status, 200);
  t.false(listed.text.includes(minted.body.token));
  t.false(listed.text.includes(createHash('sha256').update(minted.body.token).digest('hex')));
  const row = listed.body.items.find((i: { id: string }) => i.id === minted.body.id);
  t.like(row, { name: 'lifecycle', role: 'viewer', revoked: false });

  const revoked = await api(cp, 'POST', `/v1/api-tokens/${minted.body.id}/revoke`, { token: cp.adminToken });
  t.is(revoked.status, 200);
  t.true(revoked.body.revoked);
  t.is((await api(cp, 'POST', `/v1/api-tokens/${minted.body.id}/revoke`, { token: cp.adminToken })).status, 200);
  const refused = await api(cp, 'GET', '/v1/whoami', { token: minted.body.token });
  t.is(refused.status, 401);
  t.is(refused.body.error.code, 'unauthenticated');
  t.regex(refused.body.error.message, /revoked.*api-token create/);
  const unknown = await api(cp, 'POST', `/v1/api-tokens/${UNKNOWN_ID}/revoke`, { token: cp.adminToken });
  t.is(unknown.status, 404);
  t.is(unknown.body.error.code, 'not_found');
});

test('a revoke wins over requests in flight: once it has answered, the token is refused, however busy it was', async (t) => {
  const minted = await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: 'busy', role: 'viewer' } });
  const use = (): Promise<number> => api(cp, 'GET', '/v1/whoami', { token: minted.body.token }).then((r) => r.status);
  t.is(await use(), 200); // known to the CP, so it would be answered from memory
  const inFlight = Array.from({ length: 40 }, use);
  const revoked = await api(cp, 'POST', `/v1/api-tokens/${minted.body.id}/revoke`, { token: cp.adminToken });
  t.is(revoked.status, 200);
  // Every request sent after the revoke answered is refused; those sent before may go either way.
  const after = await Promise.all(Array.from({ length: 80 }, use));
  t.deepEqual(
    after,
    Array.from({ length: 80 }, () => 401),
  );
  const before = await Promise.all(inFlight);
  t.true(
    before.every((status) => status === 200 || status === 401),
    before.join(','),
  );
});

test('an API token with a TTL stops working when it expires', async (t) => {
  const minted = await api(cp, 'POST', '/v1/api-tokens', {
    token: cp.adminToken,
    body: { name: 'short-lived', role: 'operator', ttl_seconds: 60 },
  });
  t.is(Date.parse(minted.body.expires_at) - Date.parse(minted.body.created_at), 60_000);
  t.is((await api(cp, 'GET', '/v1/whoami', { token: minted.body.token })).status, 200);
  // A private clock would be cleaner, but moving this CP's clock only shortens other tokens' lives.
  cp.clock.advance(61_000);
  const expired = await api(cp, 'GET', '/v1/whoami', { token: minted.body.token });
  t.is(expired.status, 401);
  t.regex(expired.body.error.message, /expired/);
});

test('two live tokens cannot share a name; a revoked name can be reused', async (t) => {
  const first = await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: 'unique-name', role: 'viewer' } });
  const clash = await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: 'unique-name', role: 'viewer' } });
  t.is(clash.status, 409);
  t.is(clash.body.error.code, 'conflict');
  await api(cp, 'POST', `/v1/api-tokens/${first.body.id}/revoke`, { token: cp.adminToken });
  t.is((await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: 'unique-name', role: 'viewer' } })).status, 201);
});

test('api-token create validates name and role', async (t) => {
  for (const body of [
    { name: 'x', role: 'root' },
    { name: '', role: 'viewer' },
    { role: 'viewer' },
    { name: 'x', role: 'viewer', ttl_seconds: 5 },
  ]) {
    const refused = await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body });
    t.is(refused.status, 400, JSON.stringify(body));
    t.is(refused.body.error.code, 'validation_failed');
  }
});

test('api-token list pages newest first', async (t) => {
  for (let i = 0; i < 4; i++)
    await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: `pager-${i}`, role: 'viewer' } });
  const first = await api(cp, 'GET', '/v1/api-tokens?limit=2', { token: cp.adminToken });
  t.is(first.body.items.length, 2);
  t.truthy(first.body.next_cursor);
  const second = await api(cp, 'GET', `/v1/api-tokens?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`, {
    token: cp.adminToken,
  });
  const ids = [...first.body.items, ...second.body.items].map((i: { id: string }) => i.id);
  t.is(new Set(ids).size, 4);
});
