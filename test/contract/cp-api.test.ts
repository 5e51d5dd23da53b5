// The CP answers what openapi.yaml says (issue 21), checked by a third-party validator: every
// operation, driven through Stoplight Prism's validating proxy in front of a real CP (TLS, SQLite
// in a temp folder), for success and each documented error status, every role, empty and full
// lists, the join, the heartbeats and the renewals. Each answer is also checked by ajv against the document's
// schemas. A finding of either one that the test did not provoke on purpose fails the test, and
// the last serial test proves that every answer the document promises was reached.
//
// Route: test -> Prism (http, loopback) -> TLS hop (presents a node's or the CP's client
// certificate, for the heartbeat) -> CP. The 500 of each operation comes from a handler made to
// fail by a request header (contract-injection.ts), through the CP's real error handler.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { CONTROL_PLANE_SPIFFE_ID } from '@otherix/sdk/pki';
import { openApiDocument } from '@otherix/sdk/internal';
import type { KeyPairPem } from '@otherix/server';
import { movableClock, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane, MovableClock } from '../harness/control-plane.js';
import { heartbeatBody } from '../harness/cluster.js';
import type { HeartbeatRequest } from '../harness/cluster.js';
import { lockDatabase } from '../harness/database-file.js';
import { ContractExchanges } from '../harness/contract-exchange.js';
import type { ContractCall } from '../harness/contract-exchange.js';
import { DRIFT_HEADER, FAULT_HEADER, injectContractFaults } from '../harness/contract-injection.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';
import { OpenApiAnswers } from '../harness/openapi-answers.js';
import { startPrismProxy } from '../harness/prism-proxy.js';
import type { PrismProxy } from '../harness/prism-proxy.js';
import { startTlsHop } from '../harness/tls-hop.js';
import type { TlsHop } from '../harness/tls-hop.js';
import { repoPath } from '../harness/paths.js';

const DOCUMENT = repoPath('openapi.yaml');
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';
/** The shape of an API token, known to no CP. */
const UNKNOWN_API_TOKEN = `otx_api_${'A'.repeat(43)}`;
/** The shape of a join token, known to no CP. */
const unknownJoinToken = (n: number): string => `otx_join_${String(n).padStart(43, 'Z')}`;
/** Over the CP's 1 MiB body limit, and over every maxLength of the document. */
const HUGE = 'x'.repeat(1_100_000);
const JOIN_GUESS_LIMIT = 3;
const ROLES = ['admin', 'operator', 'developer', 'viewer'] as const;
type Role = (typeof ROLES)[number];
const NOT_ADMIN = ['operator', 'developer', 'viewer'] as const;
/** A heartbeat body; an hour's interval, so no node turns not_ready while a slow machine runs the file. */
const beat = (overrides: Partial<HeartbeatRequest> = {}): HeartbeatRequest =>
  heartbeatBody({ heartbeat_interval_seconds: 3600, ...overrides });

let clock: MovableClock;
let cp: ControlPlane;
let hop: TlsHop;
let prism: PrismProxy;
let run: ContractExchanges;
/** The hop's client certificates by name: the CP's own, then each node identity as it joins. */
const clients: Record<string, KeyPairPem> = {};
const tokens = {} as Record<Role, string>;
/** A fleet join token (unlimited uses), minted through the proxy. */
let fleetToken: { id: string; token: string };
/** Node ids by name, from their joins. */
const nodeIds: Record<string, string> = {};

test.before(async () => {
  clock = movableClock();
  cp = await startControlPlane({ clock, joinGuessLimit: JOIN_GUESS_LIMIT, configure: injectContractFaults });
  clients['cp'] = cp.clientCertificate;
  tokens.admin = cp.adminToken;
  hop = await startTlsHop({ caPem: cp.caPem, targets: { cp: { url: cp.url, identity: CONTROL_PLANE_SPIFFE_ID } }, clients });
  prism = await startPrismProxy(DOCUMENT, hop.url);
  run = new ContractExchanges(prism, new OpenApiAnswers(openApiDocument));
});

test.after.always(async () => {
  await prism?.close();
  await hop?.close();
  await cp?.close();
});

/**
 * Runs `fn` with the CP's clock 61 s ahead (a 60 s token has expired), then puts it back: the
 * certificates the CP signs later must be valid by the real clock the TLS layers check.
 */
async function aMinuteLater<T>(fn: () => Promise<T>): Promise<T> {
  clock.advance(61_000);
  try {
    return await fn();
  } finally {
    clock.advance(-61_000);
  }
}

/** One exchange per caller: each role not in `roles` gets 403 forbidden. */
async function forbiddenFor(t: ExecutionContext, roles: readonly Role[], call: Omit<ContractCall, 'expect' | 'token'>): Promise<void> {
  for (const role of roles) await run.call(t, { ...call, token: tokens[role], expect: 403 });
}

/**
 * The refusals of an operation on one id (`pathOf(id)`): an unknown id (404), `notAnId` where the
 * id goes (400, which the document's pattern already rules out), a body where none is documented
 * (413), an unknown token (401).
 */
async function refusalsOnAnId(
  t: ExecutionContext,
  method: 'POST' | 'DELETE',
  pathOf: (id: string) => string,
  id: string,
  notAnId: { id: string; problem: string },
): Promise<void> {
  await run.call(t, { method, path: pathOf(NO_SUCH_ID), token: tokens.admin, expect: 404 });
  await run.call(t, { method, path: pathOf(notAnId.id), token: tokens.admin, expect: 400, breaksDocument: notAnId.problem });
  await run.call(t, {
    method,
    path: pathOf(id),
    token: tokens.admin,
    body: { pad: HUGE },
    expect: 413,
    breaksDocument: 'a body where none is documented',
  });
  await run.call(t, { method, path: pathOf(id), token: UNKNOWN_API_TOKEN, expect: 401 });
}

/** A token's revoke under `collection` (API or join tokens): revoked, revoked again (it stays so), then every refusal. */
async function revokeTwiceAndRefusals(t: ExecutionContext, collection: string, id: string): Promise<void> {
  const revoke = { method: 'POST', path: `${collection}/${id}/revoke` } as const;
  t.true((await run.call(t, { ...revoke, token: tokens.admin, expect: 200 })).body.revoked);
  await run.call(t, { ...revoke, token: tokens.admin, expect: 200 });
  await refusalsOnAnId(t, 'POST', (tokenId) => `${collection}/${tokenId}/revoke`, id, { id: 'not-an-id', problem: 'the id is no UUID' });
  await forbiddenFor(t, NOT_ADMIN, revoke);
}

/** Runs `fn` while another process holds otherix.db's write lock (a sqlite3 shell, a backup tool). */
async function whileDatabaseLocked<T>(fn: () => Promise<T>): Promise<T> {
  const lock = await lockDatabase(cp.dataDir);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

test.serial('health, readiness and the CA answer as documented; an unknown query parameter is a 4XX', async (t) => {
  t.deepEqual((await run.call(t, { method: 'GET', path: '/healthz', expect: 200 })).body, { status: 'ok' });
  await run.call(t, { method: 'GET', path: '/healthz?probe=1', expect: 400 });
  t.deepEqual((await run.call(t, { method: 'GET', path: '/readyz', expect: 200 })).body, { status: 'ok' });
  await run.call(t, { method: 'GET', path: '/readyz?probe=1', expect: 400 });
  // A database another process keeps locked past the busy timeout: not ready, and said so.
  const unready = await whileDatabaseLocked(() => run.call(t, { method: 'GET', path: '/readyz', expect: 503 }));
  t.is(unready.body.error.code, 'unavailable');
  t.deepEqual((await run.call(t, { method: 'GET', path: '/readyz', expect: 200 })).body, { status: 'ok' });
  t.is((await run.call(t, { method: 'GET', path: '/v1/ca', expect: 200 })).body.fingerprint, cp.caFingerprint);
  await run.call(t, { method: 'GET', path: '/v1/ca?probe=1', expect: 400 });
});

test.serial('API tokens: one per role, whoami for each; mint, list and revoke with every refusal', async (t) => {
  for (const role of NOT_ADMIN) {
    const minted = await run.call(t, {
      method: 'POST',
      path: '/v1/api-tokens',
      token: tokens.admin,
      body: { name: `contract-${role}`, role },
      expect: 201,
    });
    tokens[role] = minted.body.token;
  }
  for (const role of ROLES)
    t.is((await run.call(t, { method: 'GET', path: '/v1/whoami', token: tokens[role], expect: 200 })).body.role, role);
  await run.call(t, { method: 'GET', path: '/v1/whoami', expect: 401, breaksDocument: 'no credential' });
  await run.call(t, { method: 'GET', path: '/v1/whoami', token: UNKNOWN_API_TOKEN, expect: 401 });

  const create = { method: 'POST', path: '/v1/api-tokens' } as const;
  await run.call(t, { ...create, token: tokens.admin, body: { name: 'contract-viewer', role: 'viewer' }, expect: 409 });
  await run.call(t, {
    ...create,
    token: tokens.admin,
    body: { name: 'contract-root', role: 'root' },
    expect: 400,
    breaksDocument: 'no such role',
  });
  await run.call(t, {
    ...create,
    token: tokens.admin,
    body: { name: HUGE, role: 'viewer' },
    expect: 413,
    breaksDocument: 'a name over maxLength',
  });
  await run.call(t, { ...create, token: UNKNOWN_API_TOKEN, body: { name: 'contract-x', role: 'viewer' }, expect: 401 });
  await forbiddenFor(t, NOT_ADMIN, { ...create, body: { name: 'contract-x', role: 'viewer' } });

  const first = await run.call(t, { method: 'GET', path: '/v1/api-tokens?limit=1', token: tokens.admin, expect: 200 });
  t.is(first.body.items.length, 1);
  await run.call(t, { method: 'GET', path: `/v1/api-tokens?cursor=${first.body.next_cursor}`, token: tokens.admin, expect: 200 });
  await run.call(t, { method: 'GET', path: '/v1/api-tokens?cursor=garbage', token: tokens.admin, expect: 400 });
  await run.call(t, { method: 'GET', path: '/v1/api-tokens', token: UNKNOWN_API_TOKEN, expect: 401 });
  await forbiddenFor(t, NOT_ADMIN, { method: 'GET', path: '/v1/api-tokens' });

  const doomed = await run.call(t, {
    ...create,
    token: tokens.admin,
    body: { name: 'contract-doomed', role: 'viewer', ttl_seconds: 3600 },
    expect: 201,
  });
  await revokeTwiceAndRefusals(t, '/v1/api-tokens', doomed.body.id);
  // The last live admin token cannot be revoked: nobody could administer the cluster after it.
  const adminId = (
    await run.call(t, { method: 'GET', path: '/v1/api-tokens?limit=500', token: tokens.admin, expect: 200 })
  ).body.items.find((item: { role: string; revoked: boolean }) => item.role === 'admin' && !item.revoked).id;
  const last = await run.call(t, { method: 'POST', path: `/v1/api-tokens/${adminId}/revoke`, token: tokens.admin, expect: 409 });
  t.is(last.body.error.code, 'conflict');
});

test.serial('an empty cluster: every role gets an empty node page that says its projection', async (t) => {
  for (const role of ROLES) {
    const projection = role === 'admin' || role === 'operator' ? 'full' : 'summary';
    for (const query of ['', '?schedulable=true', '?status=ready&architecture=amd64']) {
      const page = await run.call(t, { method: 'GET', path: `/v1/nodes${query}`, token: tokens[role], expect: 200 });
      t.deepEqual(page.body, { projection, items: [], next_cursor: null }, `${role} ${query}`);
    }
  }
  await run.call(t, { method: 'GET', path: '/v1/nodes?cursor=garbage', token: tokens.viewer, expect: 400 });
  await run.call(t, { method: 'GET', path: '/v1/nodes?limit=0', token: tokens.viewer, expect: 400, breaksDocument: 'limit under 1' });
  await run.call(t, { method: 'GET', path: '/v1/nodes', token: UNKNOWN_API_TOKEN, expect: 401 });
  await run.call(t, { method: 'GET', path: '/v1/nodes', expect: 401, breaksDocument: 'no credential' });
  await run.call(t, { method: 'GET', path: '/v1/nodes/nowhere', token: tokens.viewer, expect: 404 });
  await run.call(t, { method: 'GET', path: `/v1/nodes/${NO_SUCH_ID}`, token: tokens.viewer, expect: 400 });
  await run.call(t, { method: 'GET', path: '/v1/nodes/nowhere', token: UNKNOWN_API_TOKEN, expect: 401 });
  t.deepEqual((await run.call(t, { method: 'GET', path: '/v1/nodes/join-tokens', token: tokens.admin, expect: 200 })).body, {
    items: [],
    next_cursor: null,
  });
});

test.serial('join tokens: mint, list, revoke and consumptions, with every refusal', async (t) => {
  const create = { method: 'POST', path: '/v1/nodes/join-tokens' } as const;
  const fleet = await run.call(t, { ...create, token: tokens.admin, body: {}, expect: 201 });
  fleetToken = { id: fleet.body.id, token: fleet.body.token };
  await run.call(t, { ...create, token: tokens.admin, body: { node_name: 'join' }, expect: 400 });
  await run.call(t, { ...create, token: tokens.admin, body: { ttl_seconds: 0 }, expect: 400, breaksDocument: 'ttl_seconds under 1' });
  await run.call(t, {
    ...create,
    token: tokens.admin,
    body: { node_name: HUGE },
    expect: 413,
    breaksDocument: 'a node name over maxLength',
  });
  await run.call(t, { ...create, token: UNKNOWN_API_TOKEN, body: {}, expect: 401 });
  await forbiddenFor(t, NOT_ADMIN, { ...create, body: {} });

  await run.call(t, { ...create, token: tokens.admin, body: { max_uses: 2 }, expect: 201 });
  const first = await run.call(t, { method: 'GET', path: '/v1/nodes/join-tokens?limit=1', token: tokens.admin, expect: 200 });
  await run.call(t, {
    method: 'GET',
    path: `/v1/nodes/join-tokens?limit=1&cursor=${first.body.next_cursor}`,
    token: tokens.admin,
    expect: 200,
  });
  await run.call(t, { method: 'GET', path: '/v1/nodes/join-tokens?include_expired=true', token: tokens.admin, expect: 200 });
  await run.call(t, { method: 'GET', path: '/v1/nodes/join-tokens?cursor=garbage', token: tokens.admin, expect: 400 });
  await run.call(t, { method: 'GET', path: '/v1/nodes/join-tokens', token: UNKNOWN_API_TOKEN, expect: 401 });
  await forbiddenFor(t, NOT_ADMIN, { method: 'GET', path: '/v1/nodes/join-tokens' });

  const doomed = await run.call(t, { ...create, token: tokens.admin, body: { max_uses: 1 }, expect: 201 });
  await revokeTwiceAndRefusals(t, '/v1/nodes/join-tokens', doomed.body.id);
  const shortLived = await run.call(t, { ...create, token: tokens.admin, body: { ttl_seconds: 60 }, expect: 201 });
  await aMinuteLater(() =>
    run.call(t, { method: 'POST', path: `/v1/nodes/join-tokens/${shortLived.body.id}/revoke`, token: tokens.admin, expect: 409 }),
  );

  const consumptions = { method: 'GET', path: `/v1/nodes/join-tokens/${fleetToken.id}/consumptions` } as const;
  t.deepEqual((await run.call(t, { ...consumptions, token: tokens.admin, expect: 200 })).body, { items: [], next_cursor: null });
  await run.call(t, { method: 'GET', path: `/v1/nodes/join-tokens/${NO_SUCH_ID}/consumptions`, token: tokens.admin, expect: 404 });
  await run.call(t, {
    method: 'GET',
    path: '/v1/nodes/join-tokens/not-an-id/consumptions',
    token: tokens.admin,
    expect: 400,
    breaksDocument: 'the id is no UUID',
  });
  await run.call(t, { method: 'GET', path: `${consumptions.path}?cursor=garbage`, token: tokens.admin, expect: 400 });
  await run.call(t, { ...consumptions, token: UNKNOWN_API_TOKEN, expect: 401 });
  await forbiddenFor(t, NOT_ADMIN, consumptions);
});

/** Mints a join token bound to `name` through the proxy. */
async function boundToken(t: ExecutionContext, name: string, ttlSeconds = 600): Promise<{ id: string; token: string }> {
  const minted = await run.call(t, {
    method: 'POST',
    path: '/v1/nodes/join-tokens',
    token: tokens.admin,
    body: { node_name: name, ttl_seconds: ttlSeconds },
    expect: 201,
  });
  return { id: minted.body.id, token: minted.body.token };
}

/** Joins `name` through the proxy; its identity becomes the hop's client `client`. */
async function join(t: ExecutionContext, token: string, name: string, client: string): Promise<void> {
  const { csrPem, keyPem } = await nodeCsr(name);
  const joined = await run.call(t, { method: 'POST', path: '/v1/nodes/join', body: joinRequest(token, name, csrPem), expect: 201 });
  t.is(joined.body.node.projection, 'full');
  t.is(joined.body.node.status, 'pending');
  clients[client] = { certPem: joined.body.certificate_pem, keyPem };
  nodeIds[name] = joined.body.node.id;
}

test.serial('the join: nodes join through the proxy; every refusal answers as documented', async (t) => {
  await join(t, (await boundToken(t, 'contract-a')).token, 'contract-a', 'contract-a#1');
  await join(t, fleetToken.token, 'contract-b', 'contract-b');
  const consumed = await run.call(t, {
    method: 'GET',
    path: `/v1/nodes/join-tokens/${fleetToken.id}/consumptions`,
    token: tokens.admin,
    expect: 200,
  });
  t.deepEqual(
    consumed.body.items.map((item: { node_id: string }) => item.node_id),
    [nodeIds['contract-b']],
  );

  const { csrPem } = await nodeCsr('contract-c');
  const attempt = (token: string, overrides = {}) =>
    ({ method: 'POST', path: '/v1/nodes/join', body: joinRequest(token, 'contract-c', csrPem, overrides) }) as const;
  await run.call(t, { ...attempt('not-a-join-token'), expect: 400 });
  await run.call(t, { ...attempt(fleetToken.token, { csr_pem: 'garbage' }), expect: 400 });
  await run.call(t, {
    ...attempt(fleetToken.token, { architecture: 'x86-64' }),
    expect: 400,
    breaksDocument: 'an architecture outside its pattern',
  });
  await run.call(t, { ...attempt(fleetToken.token, { csr_pem: HUGE }), expect: 413, breaksDocument: 'a CSR over maxLength' });
  await run.call(t, { method: 'POST', path: '/v1/nodes/join', body: joinRequest(fleetToken.token, 'contract-a', csrPem), expect: 409 });
  const revoked = await boundToken(t, 'contract-c');
  await run.call(t, { method: 'POST', path: `/v1/nodes/join-tokens/${revoked.id}/revoke`, token: tokens.admin, expect: 200 });
  t.is((await run.call(t, { ...attempt(revoked.token), expect: 401 })).body.error.details.reason, 'revoked');
  const expiring = await boundToken(t, 'contract-c', 60);
  t.is((await aMinuteLater(() => run.call(t, { ...attempt(expiring.token), expect: 401 }))).body.error.details.reason, 'expired');
  // Unknown tokens are guesses: answered 401 up to the limit, then 429 with Retry-After.
  for (let guess = 1; guess <= JOIN_GUESS_LIMIT; guess++) {
    t.is((await run.call(t, { ...attempt(unknownJoinToken(guess)), expect: 401 })).body.error.details.reason, 'unknown');
  }
  const limited = await run.call(t, { ...attempt(unknownJoinToken(JOIN_GUESS_LIMIT + 1)), expect: 429 });
  t.true(Number(limited.headers['retry-after']) >= 1);
});

test.serial("heartbeats through the hop, with the node's certificate; every refusal answers as documented", async (t) => {
  const heartbeat = { method: 'POST', path: '/v1/nodes/heartbeat' } as const;
  t.deepEqual((await run.call(t, { ...heartbeat, client: 'contract-a#1', body: beat(), expect: 200 })).body, { status: 'ready' });
  await run.call(t, { ...heartbeat, client: 'contract-b', body: beat({ vm_count: 2 }), expect: 200 });
  await run.call(t, { ...heartbeat, body: beat(), expect: 401 });
  await run.call(t, { ...heartbeat, client: 'cp', body: beat(), expect: 403 });
  await run.call(t, {
    ...heartbeat,
    client: 'contract-a#1',
    body: beat({ vm_count: -1 }),
    expect: 400,
    breaksDocument: 'a negative vm_count',
  });
  await run.call(t, {
    ...heartbeat,
    client: 'contract-a#1',
    body: beat({ agent_version: HUGE }),
    expect: 413,
    breaksDocument: 'an agent_version over maxLength',
  });
  // A re-join with a token bound to the name replaces the certificate: the old one is refused.
  await join(t, (await boundToken(t, 'contract-a')).token, 'contract-a', 'contract-a#2');
  const replaced = await run.call(t, { ...heartbeat, client: 'contract-a#1', body: beat(), expect: 401 });
  t.is(replaced.body.error.details.certificate_status, 'replaced');
  await run.call(t, { ...heartbeat, client: 'contract-a#2', body: beat(), expect: 200 });
});

test.serial("renewals through the hop, with the node's certificate; every refusal answers as documented", async (t) => {
  const renewal = { method: 'POST', path: '/v1/nodes/renew' } as const;
  const csr = async (): Promise<{ csr_pem: string }> => ({ csr_pem: (await nodeCsr('contract-b')).csrPem });
  // contract-b renews and never uses the new leaf: its certificate stays the current one.
  const renewed = await run.call(t, { ...renewal, client: 'contract-b', body: await csr(), expect: 201 });
  t.is(renewed.body.node.name, 'contract-b');
  t.not(
    renewed.body.node.certificate.serial,
    (await run.call(t, { method: 'GET', path: '/v1/nodes/contract-b', token: tokens.admin, expect: 200 })).body.certificate.serial,
  );
  const limited = await run.call(t, { ...renewal, client: 'contract-b', body: await csr(), expect: 429 });
  t.true(Number(limited.headers['retry-after']) >= 1);
  await run.call(t, { ...renewal, body: await csr(), expect: 401 });
  await run.call(t, { ...renewal, client: 'contract-a#1', body: await csr(), expect: 401 });
  await run.call(t, { ...renewal, client: 'cp', body: await csr(), expect: 403 });
  t.is(
    (await run.call(t, { ...renewal, client: 'contract-a#2', body: { csr_pem: 'garbage' }, expect: 400 })).body.error.details.problem,
    'invalid_csr',
  );
  await run.call(t, { ...renewal, client: 'contract-a#2', body: { csr_pem: HUGE }, expect: 413, breaksDocument: 'a CSR over maxLength' });
  // Still contract-b's certificate (the new leaf was never used); it still hosts its two VMs.
  await run.call(t, { method: 'POST', path: '/v1/nodes/heartbeat', client: 'contract-b', body: beat({ vm_count: 2 }), expect: 200 });
});

test.serial('a cluster with nodes: every role lists and gets nodes in its projection', async (t) => {
  for (const role of ROLES) {
    const projection = role === 'admin' || role === 'operator' ? 'full' : 'summary';
    const page = await run.call(t, { method: 'GET', path: '/v1/nodes', token: tokens[role], expect: 200 });
    t.is(page.body.projection, projection, role);
    t.deepEqual(
      page.body.items.map((node: { name: string; projection: string }) => [node.name, node.projection]),
      [
        ['contract-a', projection],
        ['contract-b', projection],
      ],
    );
    const node = await run.call(t, { method: 'GET', path: '/v1/nodes/contract-a', token: tokens[role], expect: 200 });
    t.is(node.body.projection, projection, role);
  }
  const first = await run.call(t, { method: 'GET', path: '/v1/nodes?limit=1', token: tokens.viewer, expect: 200 });
  await run.call(t, { method: 'GET', path: `/v1/nodes?limit=1&cursor=${first.body.next_cursor}`, token: tokens.viewer, expect: 200 });
  await run.call(t, {
    method: 'GET',
    path: '/v1/nodes?status=ready&schedulable=true&architecture=amd64',
    token: tokens.operator,
    expect: 200,
  });
  const expiring = await run.call(t, {
    method: 'GET',
    path: `/v1/nodes?cert_expires_before=${encodeURIComponent(new Date(Date.now() + 400 * 86_400_000).toISOString())}`,
    token: tokens.admin,
    expect: 200,
  });
  t.deepEqual(
    expiring.body.items.map((node: { name: string }) => node.name),
    ['contract-a', 'contract-b'],
  );
});

test.serial('cordon, uncordon and delete by id, with every refusal; a cordoned node hears so in its heartbeat answer', async (t) => {
  const a = nodeIds['contract-a'];
  for (const action of ['cordon', 'uncordon'] as const) {
    const call = { method: 'POST', path: `/v1/nodes/${a}/${action}` } as const;
    for (const role of ['admin', 'operator'] as const) {
      const node = await run.call(t, { ...call, token: tokens[role], expect: 200 });
      t.is(node.body.status === 'cordoned', action === 'cordon', `${action} by ${role}`);
    }
    if (action === 'cordon') {
      const heard = await run.call(t, { method: 'POST', path: '/v1/nodes/heartbeat', client: 'contract-a#2', body: beat(), expect: 200 });
      t.deepEqual(heard.body, { status: 'cordoned' });
    }
    await forbiddenFor(t, ['developer', 'viewer'], call);
    await refusalsOnAnId(t, 'POST', (id) => `/v1/nodes/${id}/${action}`, a, { id: 'contract-a', problem: 'a name where an id goes' });
  }

  const b = nodeIds['contract-b'];
  const remove = { method: 'DELETE', path: `/v1/nodes/${b}` } as const;
  t.is((await run.call(t, { ...remove, token: tokens.admin, expect: 409 })).body.error.code, 'conflict');
  await forbiddenFor(t, NOT_ADMIN, remove);
  await refusalsOnAnId(t, 'DELETE', (id) => `/v1/nodes/${id}`, b, { id: 'contract-b', problem: 'a name where an id goes' });
  t.is((await run.call(t, { method: 'DELETE', path: `/v1/nodes/${b}?force=true`, token: tokens.admin, expect: 204 })).text, '');
  const refused = await run.call(t, { method: 'POST', path: '/v1/nodes/heartbeat', client: 'contract-b', body: beat(), expect: 401 });
  t.is(refused.body.error.details.certificate_status, 'revoked');
});

test.serial('the CA rotation: status and moves as documented, with every refusal', async (t) => {
  const rotation = { method: 'GET', path: '/v1/ca/rotation' } as const;
  t.is((await run.call(t, { ...rotation, token: tokens.admin, expect: 200 })).body.phase, 'standby');
  await run.call(t, { ...rotation, expect: 401, breaksDocument: 'no credential' });
  await run.call(t, { ...rotation, token: tokens.viewer, expect: 403 });
  const move = { method: 'POST', path: '/v1/ca/rotation' } as const;
  await run.call(t, { ...move, token: tokens.admin, body: { target: 'rollback' }, expect: 409 });
  await run.call(t, {
    ...move,
    token: tokens.admin,
    body: { target: 'sideways' },
    expect: 400,
    breaksDocument: 'a target outside the enum',
  });
  await run.call(t, {
    ...move,
    token: tokens.admin,
    body: { target: 'next', note: HUGE },
    expect: 413,
    breaksDocument: 'an unknown field',
  });
  await run.call(t, { ...move, body: { target: 'next' }, expect: 401, breaksDocument: 'no credential' });
  await forbiddenFor(t, NOT_ADMIN, { ...move, body: { target: 'next' } });
  t.is((await run.call(t, { ...move, token: tokens.admin, body: { target: 'next' }, expect: 200 })).body.phase, 'init');
  // Back to standby at once (nothing signed by the new CA yet), so the tests after run on the one CA.
  t.is((await run.call(t, { ...move, token: tokens.admin, body: { target: 'rollback' }, expect: 200 })).body.phase, 'standby');
});

test.serial('a handler that fails answers 500 as documented, for every operation', async (t) => {
  const fault = { [FAULT_HEADER]: 'internal' };
  const { csrPem } = await nodeCsr('contract-d');
  const a = nodeIds['contract-a'];
  const calls: Record<string, Omit<ContractCall, 'expect' | 'headers'>> = {
    getHealth: { method: 'GET', path: '/healthz' },
    getReadiness: { method: 'GET', path: '/readyz' },
    getCa: { method: 'GET', path: '/v1/ca' },
    getCaRotation: { method: 'GET', path: '/v1/ca/rotation', token: tokens.admin },
    moveCaRotation: { method: 'POST', path: '/v1/ca/rotation', token: tokens.admin, body: { target: 'rollback' } },
    whoami: { method: 'GET', path: '/v1/whoami', token: tokens.viewer },
    joinNode: { method: 'POST', path: '/v1/nodes/join', body: joinRequest(fleetToken.token, 'contract-d', csrPem) },
    sendHeartbeat: { method: 'POST', path: '/v1/nodes/heartbeat', client: 'contract-a#2', body: beat() },
    renewNode: { method: 'POST', path: '/v1/nodes/renew', client: 'contract-a#2', body: { csr_pem: csrPem } },
    createJoinToken: { method: 'POST', path: '/v1/nodes/join-tokens', token: tokens.admin, body: {} },
    listJoinTokens: { method: 'GET', path: '/v1/nodes/join-tokens', token: tokens.admin },
    revokeJoinToken: { method: 'POST', path: `/v1/nodes/join-tokens/${fleetToken.id}/revoke`, token: tokens.admin },
    listJoinTokenConsumptions: { method: 'GET', path: `/v1/nodes/join-tokens/${fleetToken.id}/consumptions`, token: tokens.admin },
    listNodes: { method: 'GET', path: '/v1/nodes', token: tokens.viewer },
    getNode: { method: 'GET', path: '/v1/nodes/contract-a', token: tokens.viewer },
    deleteNode: { method: 'DELETE', path: `/v1/nodes/${a}`, token: tokens.admin },
    cordonNode: { method: 'POST', path: `/v1/nodes/${a}/cordon`, token: tokens.admin },
    uncordonNode: { method: 'POST', path: `/v1/nodes/${a}/uncordon`, token: tokens.admin },
    createApiToken: { method: 'POST', path: '/v1/api-tokens', token: tokens.admin, body: { name: 'contract-never', role: 'viewer' } },
    listApiTokens: { method: 'GET', path: '/v1/api-tokens', token: tokens.admin },
    revokeApiToken: { method: 'POST', path: `/v1/api-tokens/${NO_SUCH_ID}/revoke`, token: tokens.admin },
  };
  t.deepEqual(Object.keys(calls).sort(), Object.keys(openApiDocumentOperations()).sort(), 'one failing call per operation of the document');
  for (const [operationId, call] of Object.entries(calls)) {
    const failed = await run.call(t, { ...call, headers: fault, expect: 500 });
    t.is(failed.operation?.operationId, operationId);
    t.is(failed.body.error.code, 'internal');
  }
  // Nothing was done: the handlers failed before acting.
  t.is((await run.call(t, { method: 'GET', path: '/v1/nodes/contract-a', token: tokens.admin, expect: 200 })).body.status, 'ready');
});

test.serial('every answer openapi.yaml documents was reached above', (t) => {
  t.deepEqual(run.unreached(), []);
});

test.serial('drift: a field the document does not have is found by Prism and by ajv', async (t) => {
  for (const [path, drift, token] of [
    ['/v1/whoami', 'extra-field', tokens.viewer],
    ['/v1/nodes/contract-a', 'extra-field', tokens.admin],
    ['/v1/nodes', 'extra-item-field', tokens.operator],
    ['/v1/nodes', 'extra-item-field', tokens.developer],
  ] as const) {
    const drifted = await run.send({ method: 'GET', path, token, headers: { [DRIFT_HEADER]: drift } });
    t.is(drifted.status, 200);
    t.regex(drifted.text, /"unexpected_field":true/);
    t.true(
      drifted.responseViolations.some((v) => v.severity === 'Error'),
      `Prism finds the drift of ${path}: ${JSON.stringify(drifted.responseViolations)}`,
    );
    t.true(drifted.schemaProblems.length > 0, `ajv finds the drift of ${path}`);
  }
});

test.serial('drift: the empty node page of before (no projection) is found by Prism and by ajv', async (t) => {
  const before = await run.send({
    method: 'GET',
    path: '/v1/nodes?architecture=riscv64',
    token: tokens.viewer,
    headers: { [DRIFT_HEADER]: 'no-projection' },
  });
  t.is(before.text, '{"items":[],"next_cursor":null}');
  t.true(
    before.responseViolations.some((v) => v.code === 'oneOf'),
    JSON.stringify(before.responseViolations),
  );
  t.true(before.schemaProblems.length > 0);
});

function openApiDocumentOperations(): Record<string, true> {
  const out: Record<string, true> = {};
  for (const item of Object.values(openApiDocument.paths)) {
    for (const operation of Object.values(item)) {
      const id = (operation as { operationId?: string }).operationId;
      if (id !== undefined) out[id] = true;
    }
  }
  return out;
}
