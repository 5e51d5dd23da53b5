// Join tokens (admin): mint (TTL clamp, node_name forcing single use, created_by, plaintext
// once), list (newest first, expired hidden unless include_expired, cursor pagination stable
// under concurrent inserts, never a plaintext or hash), revoke (idempotent, expired 409,
// unknown 404), consumptions (oldest first, paginated).
import test from 'ava';
import { createHash } from 'node:crypto';
import { api, controlPlaneForFile } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';

let cp: ControlPlane;

controlPlaneForFile(test, (started) => (cp = started));

const mint = (body: Record<string, unknown> = {}, token = cp.adminToken) => api(cp, 'POST', '/v1/nodes/join-tokens', { token, body });
const list = (query = '') => api(cp, 'GET', `/v1/nodes/join-tokens${query}`, { token: cp.adminToken });

test.serial('mint returns the plaintext once with the CA fingerprint, defaults to 1h and unlimited uses', async (t) => {
  const before = Date.now();
  const minted = await mint();
  t.is(minted.status, 201, minted.text);
  t.regex(minted.body.token, /^otx_join_[A-Za-z0-9_-]{43}$/);
  t.is(minted.body.ca_fingerprint, cp.caFingerprint);
  t.is(minted.body.ttl_seconds, 3600);
  t.is(minted.body.max_uses, 0);
  t.is(minted.body.node_name, null);
  t.is(minted.body.created_by, 'admin');
  const expires = Date.parse(minted.body.expires_at);
  t.true(expires >= before + 3600_000 && expires <= Date.now() + 3600_000);
  // Neither the plaintext nor its hash is ever listed.
  const listed = await list('?limit=500');
  const hash = createHash('sha256').update(minted.body.token).digest('hex');
  t.false(listed.text.includes(minted.body.token));
  t.false(listed.text.includes(hash));
  t.false(listed.text.includes(minted.body.token.slice('otx_join_'.length, 20)));
});

test.serial('the TTL is clamped to [60, 86400] seconds', async (t) => {
  t.is((await mint({ ttl_seconds: 5 })).body.ttl_seconds, 60);
  t.is((await mint({ ttl_seconds: 600 })).body.ttl_seconds, 600);
  t.is((await mint({ ttl_seconds: 7 * 86400 })).body.ttl_seconds, 86400);
  // Any positive TTL is clamped, however long (a year and more included), up to the schema's 2^31-1.
  t.is((await mint({ ttl_seconds: 1 })).body.ttl_seconds, 60);
  t.is((await mint({ ttl_seconds: 31_536_001 })).body.ttl_seconds, 86400);
  t.is((await mint({ ttl_seconds: 2_147_483_647 })).body.ttl_seconds, 86400);
  for (const ttl of [0, 2_147_483_648]) {
    const refused = await mint({ ttl_seconds: ttl });
    t.is(refused.status, 400, String(ttl));
    t.is(refused.body.error.code, 'validation_failed');
    t.is(refused.body.error.details.field, 'ttl_seconds');
  }
});

test.serial('node_name forces single use, whatever max_uses says', async (t) => {
  const minted = await mint({ node_name: 'node-1', max_uses: 7 });
  t.is(minted.body.max_uses, 1);
  t.is(minted.body.node_name, 'node-1');
});

test.serial('mint validates its body', async (t) => {
  for (const body of [
    { max_uses: -1 },
    { ttl_seconds: 'soon' },
    { node_name: 'Not A Label' },
    { node_name: 'x', extra: true },
    { ttl_seconds: '600' },
  ]) {
    const refused = await mint(body);
    t.is(refused.status, 400, JSON.stringify(body));
    t.is(refused.body.error.code, 'validation_failed');
  }
});

test.serial("mint refuses a node_name no join could take (UUID-shaped, reserved), with the join's own message", async (t) => {
  const { csrPem } = await nodeCsr('never-redeems');
  const fleet = await mint();
  for (const name of ['0b7c3e2a-9d41-4f6e-8a11-5c2d9e7f1a3b', 'join', 'heartbeat', 'join-tokens']) {
    const refused = await mint({ node_name: name });
    t.is(refused.status, 400, name);
    t.is(refused.body.error.code, 'validation_failed');
    t.is(refused.body.error.details.field, 'node_name');
    // The same words a join with that name gets.
    const joined = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(fleet.body.token, name, csrPem) });
    t.is(joined.status, 400, name);
    t.is(refused.body.error.message, joined.body.error.message);
  }
  t.regex((await mint({ node_name: 'join' })).body.error.message, /^node_name: join is reserved/);
  const listed = await list('?limit=500');
  t.false(listed.body.items.some((i: { node_name: string | null }) => i.node_name === 'join' || i.node_name === 'heartbeat'));
});

test.serial('created_by is the name of the minting API token', async (t) => {
  const ops = await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: 'ci-robot', role: 'admin' } });
  const minted = await mint({}, ops.body.token);
  t.is(minted.body.created_by, 'ci-robot');
  const listed = await list('?limit=500');
  t.is(listed.body.items.find((i: { id: string }) => i.id === minted.body.id).created_by, 'ci-robot');
});

test.serial('list: newest first, expired hidden unless include_expired, ttl_remaining counts down', async (t) => {
  const short = await mint({ ttl_seconds: 60 });
  const long = await mint({ ttl_seconds: 3600 });
  let page = await list('?limit=2');
  t.deepEqual(
    page.body.items.map((i: { id: string }) => i.id),
    [long.body.id, short.body.id],
  );
  cp.clock.advance(30_000);
  page = await list('?limit=2');
  t.true(page.body.items[1].ttl_remaining_seconds <= 30);
  cp.clock.advance(31_000);
  const visible = await list('?limit=500');
  t.false(visible.body.items.some((i: { id: string }) => i.id === short.body.id));
  const all = await list('?limit=500&include_expired=true');
  const expired = all.body.items.find((i: { id: string }) => i.id === short.body.id);
  t.is(expired.ttl_remaining_seconds, 0);
});

test.serial('pages walk every token once, even while new tokens are minted between pages', async (t) => {
  const existing = (await list('?limit=500&include_expired=true')).body.items.length;
  for (let i = 0; i < 7; i++) await mint();
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: any = await list(`?limit=3&include_expired=true${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    t.is(page.status, 200, page.text);
    t.true(page.body.items.length <= 3);
    seen.push(...page.body.items.map((i: { id: string }) => i.id));
    cursor = page.body.next_cursor;
    await mint(); // a concurrent insert lands before the cursor: never repeated, never skipped
    pages++;
  } while (cursor !== null);
  t.is(seen.length, existing + 7);
  t.is(new Set(seen).size, seen.length);
  t.true(pages >= Math.ceil((existing + 7) / 3));
});

test.serial('list refuses a bad limit and a foreign cursor', async (t) => {
  for (const query of ['?limit=0', '?limit=501', '?limit=abc', '?cursor=not-ours', '?unknown=1', '?include_expired=maybe']) {
    const refused = await list(query);
    t.is(refused.status, 400, query);
    t.is(refused.body.error.code, 'validation_failed', query);
  }
});

test.serial('revoke is idempotent; an expired token is 409; an unknown id is 404; a non-UUID is 400', async (t) => {
  const minted = await mint({ ttl_seconds: 60 });
  const first = await api(cp, 'POST', `/v1/nodes/join-tokens/${minted.body.id}/revoke`, { token: cp.adminToken });
  t.is(first.status, 200, first.text);
  t.true(first.body.revoked);
  const again = await api(cp, 'POST', `/v1/nodes/join-tokens/${minted.body.id}/revoke`, { token: cp.adminToken });
  t.is(again.status, 200);
  t.deepEqual(again.body, { ...first.body, ttl_remaining_seconds: again.body.ttl_remaining_seconds });

  const expiring = await mint({ ttl_seconds: 60 });
  cp.clock.advance(61_000);
  const expired = await api(cp, 'POST', `/v1/nodes/join-tokens/${expiring.body.id}/revoke`, { token: cp.adminToken });
  t.is(expired.status, 409);
  t.is(expired.body.error.code, 'conflict');
  // The already-revoked one stays idempotent after expiry too.
  t.is((await api(cp, 'POST', `/v1/nodes/join-tokens/${minted.body.id}/revoke`, { token: cp.adminToken })).status, 200);

  const unknown = await api(cp, 'POST', '/v1/nodes/join-tokens/00000000-0000-4000-8000-000000000000/revoke', { token: cp.adminToken });
  t.is(unknown.status, 404);
  t.is(unknown.body.error.code, 'not_found');
  const notUuid = await api(cp, 'POST', '/v1/nodes/join-tokens/abc/revoke', { token: cp.adminToken });
  t.is(notUuid.status, 400);
  t.is(notUuid.body.error.code, 'validation_failed');
});

test.serial('consumptions: who redeemed, when, from where, oldest first, paginated', async (t) => {
  const minted = await mint({ max_uses: 5 });
  const { csrPem } = await nodeCsr('audit');
  const nodeIds: string[] = [];
  for (let i = 0; i < 5; i++) {
    const joined = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, `audit-${i}`, csrPem) });
    t.is(joined.status, 201, joined.text);
    nodeIds.push(joined.body.node.id);
  }
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await api(
      cp,
      'GET',
      `/v1/nodes/join-tokens/${minted.body.id}/consumptions?limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      { token: cp.adminToken },
    );
    t.is(page.status, 200, page.text);
    for (const item of page.body.items) {
      t.is(item.source_ip, '127.0.0.1');
      t.false(Number.isNaN(Date.parse(item.consumed_at)));
      seen.push(item.node_id);
    }
    cursor = page.body.next_cursor;
  } while (cursor !== null);
  t.deepEqual(seen, nodeIds);
  const unknown = await api(cp, 'GET', '/v1/nodes/join-tokens/00000000-0000-4000-8000-000000000000/consumptions', { token: cp.adminToken });
  t.is(unknown.status, 404);
  t.is(unknown.body.error.code, 'not_found');
});
