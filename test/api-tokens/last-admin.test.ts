// An admin cannot lock everyone out (issue 12 item 12): the last live admin API token cannot be
// revoked (409 conflict, nothing changed); with another live admin it can. Expired admin tokens
// do not count, and neither does one about to expire: another admin token must outlive the
// revoked one, or live at least a day more (services/api-tokens.ts). Two revokes racing for
// the last two admin tokens never both succeed.
import test from 'ava';
import { controlPlaneForTest } from '../harness/cluster.js';
import { api } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';

async function idOf(cp: ControlPlane, name: string): Promise<string> {
  const listed = await api(cp, 'GET', '/v1/api-tokens?limit=500', { token: cp.adminToken });
  return listed.body.items.find((item: { name: string; revoked: boolean }) => item.name === name && !item.revoked).id;
}

async function mintAdmin(cp: ControlPlane, by: string, name: string, ttl?: number): Promise<{ id: string; token: string }> {
  const minted = await api(cp, 'POST', '/v1/api-tokens', {
    token: by,
    body: { name, role: 'admin', ...(ttl === undefined ? {} : { ttl_seconds: ttl }) },
  });
  if (minted.status !== 201) throw new Error(minted.text);
  return minted.body;
}

test('the last live admin token cannot be revoked; with another live admin it can', async (t) => {
  const { cp } = await controlPlaneForTest(t);
  const first = await idOf(cp, 'admin');
  // Other roles do not count as admins.
  const viewer = await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: 'just-a-viewer', role: 'viewer' } });
  t.is(viewer.status, 201);

  const refused = await api(cp, 'POST', `/v1/api-tokens/${first}/revoke`, { token: cp.adminToken });
  t.is(refused.status, 409, refused.text);
  t.is(refused.body.error.code, 'conflict');
  t.regex(refused.body.error.message, /admin is the last live admin API token/);
  t.regex(refused.body.error.message, /otherix api-token create --name NAME --role admin/);
  t.regex(refused.body.error.message, /otherix-server admin-token --data-dir DIR/);
  t.is((await api(cp, 'GET', '/v1/whoami', { token: cp.adminToken })).status, 200, 'the refused revoke changed nothing');

  const second = await mintAdmin(cp, cp.adminToken, 'second-admin');
  const revoked = await api(cp, 'POST', `/v1/api-tokens/${first}/revoke`, { token: second.token });
  t.is(revoked.status, 200, revoked.text);
  t.true(revoked.body.revoked);
  t.is((await api(cp, 'GET', '/v1/whoami', { token: cp.adminToken })).status, 401);
  // Revoking the revoked one again stays fine; the survivor is now the last.
  t.is((await api(cp, 'POST', `/v1/api-tokens/${first}/revoke`, { token: second.token })).status, 200);
  const last = await api(cp, 'POST', `/v1/api-tokens/${second.id}/revoke`, { token: second.token });
  t.is(last.status, 409, last.text);
  t.is(last.body.error.code, 'conflict');
  t.regex(last.body.error.message, /second-admin is the last live admin API token/);
  t.is((await api(cp, 'GET', '/v1/whoami', { token: second.token })).status, 200);
});

test('an expired admin token is not a live admin: it neither saves the last one nor is protected', async (t) => {
  const { cp } = await controlPlaneForTest(t);
  const first = await idOf(cp, 'admin');
  const shortLived = await mintAdmin(cp, cp.adminToken, 'short-lived-admin', 60);
  cp.clock.advance(61_000);
  const refused = await api(cp, 'POST', `/v1/api-tokens/${first}/revoke`, { token: cp.adminToken });
  t.is(refused.status, 409, 'the expired admin does not count');
  const expired = await api(cp, 'POST', `/v1/api-tokens/${shortLived.id}/revoke`, { token: cp.adminToken });
  t.is(expired.status, 200, 'an expired admin token can be revoked');
});

test('an admin token about to expire does not save the last one without expiry: another must outlive it, or live a day more', async (t) => {
  const { cp } = await controlPlaneForTest(t);
  const first = await idOf(cp, 'admin');
  const revokeFirst = () => api(cp, 'POST', `/v1/api-tokens/${first}/revoke`, { token: cp.adminToken });
  const soon = await mintAdmin(cp, cp.adminToken, 'expires-in-a-minute', 60);
  const refused = await revokeFirst();
  t.is(refused.status, 409, refused.text);
  t.is(refused.body.error.code, 'conflict');
  t.regex(
    refused.body.error.message,
    /^admin is the last admin API token that stays live for the next day: the other admin tokens all expire by \S+Z, /,
  );
  t.regex(refused.body.error.message, /otherix api-token create --name NAME --role admin`, without --ttl or with one over a day/);
  const soonExpiry = (await api(cp, 'GET', '/v1/api-tokens?limit=500', { token: cp.adminToken })).body.items.find(
    (item: { id: string }) => item.id === soon.id,
  ).expires_at;
  t.deepEqual(refused.body.error.details, { other_admin_tokens_expire_at: soonExpiry });
  t.is((await api(cp, 'GET', '/v1/whoami', { token: cp.adminToken })).status, 200, 'the refused revoke changed nothing');

  // An hour is not enough either; a week is.
  const hour = await mintAdmin(cp, cp.adminToken, 'expires-in-an-hour', 3600);
  t.is((await revokeFirst()).status, 409);
  const week = await mintAdmin(cp, cp.adminToken, 'expires-in-a-week', 7 * 24 * 3600);
  t.is((await revokeFirst()).status, 200);

  // The week's token is now the one to keep: the others expire within the day.
  const weekRefused = await api(cp, 'POST', `/v1/api-tokens/${week.id}/revoke`, { token: week.token });
  t.is(weekRefused.status, 409, weekRefused.text);
  t.regex(weekRefused.body.error.message, /^expires-in-a-week is the last admin API token that stays live for the next day/);
  // A token that expires sooner than another live admin token goes freely.
  t.is((await api(cp, 'POST', `/v1/api-tokens/${soon.id}/revoke`, { token: week.token })).status, 200);
  t.is((await api(cp, 'POST', `/v1/api-tokens/${hour.id}/revoke`, { token: week.token })).status, 200);
  const last = await api(cp, 'POST', `/v1/api-tokens/${week.id}/revoke`, { token: week.token });
  t.is(last.status, 409);
  t.regex(last.body.error.message, /^expires-in-a-week is the last live admin API token:/);
  t.is(last.body.error.details, undefined);
});

test('two revokes racing for the last two admin tokens: exactly one succeeds, an admin stays', async (t) => {
  const { cp } = await controlPlaneForTest(t);
  let survivor = { id: await idOf(cp, 'admin'), token: cp.adminToken };
  for (let round = 0; round < 8; round++) {
    const other = await mintAdmin(cp, survivor.token, `racer-${round}`);
    // Each revokes the other, authenticated by itself: whichever goes second finds itself last.
    const [revokeOther, revokeSurvivor] = await Promise.all([
      api(cp, 'POST', `/v1/api-tokens/${other.id}/revoke`, { token: survivor.token }),
      api(cp, 'POST', `/v1/api-tokens/${survivor.id}/revoke`, { token: other.token }),
    ]);
    const statuses = [revokeOther.status, revokeSurvivor.status];
    t.is(statuses.filter((s) => s === 200).length, 1, `round ${round}: ${statuses.join(',')}`);
    // The loser is refused by the store (409) or, once its own token is gone, at the door (401).
    t.true(
      statuses.every((s) => s === 200 || s === 409 || s === 401),
      statuses.join(','),
    );
    survivor = revokeOther.status === 200 ? survivor : other;
    t.is((await api(cp, 'GET', '/v1/whoami', { token: survivor.token })).status, 200);
  }
  const live = (await api(cp, 'GET', '/v1/api-tokens?limit=500', { token: survivor.token })).body.items.filter(
    (i: { role: string; revoked: boolean }) => i.role === 'admin' && !i.revoked,
  );
  t.is(live.length, 1);
});
