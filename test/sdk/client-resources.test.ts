// Every resource method of the SDK client against a real CP over TLS, and the API's errors as
// OtherixApiError with the API's code, status and details.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { createClient, isFullNode, isFullNodePage, isOtherixError } from '@otherix/sdk';
import { createCsr, generateNodeKeyPair } from '@otherix/sdk/pki';
import type { ApiTokenCreated, Node, OtherixClient, OtherixErrorCode } from '@otherix/sdk';
import { startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { heartbeatBody, joinNode } from '../harness/cluster.js';

let cp: ControlPlane;
let admin: OtherixClient;
const clients: OtherixClient[] = [];

function clientWith(token?: string): OtherixClient {
  const client = createClient({ cpUrl: cp.url, caPem: cp.caPem, ...(token !== undefined ? { token } : {}) });
  clients.push(client);
  return client;
}

/** Awaits `call`, which must fail with the API's `code` and HTTP `status`; the error, for more checks. */
async function apiError(t: ExecutionContext, call: Promise<unknown>, code: OtherixErrorCode, status: number): Promise<Error> {
  const error = await t.throwsAsync(call);
  t.true(isOtherixError(error, code), String(error));
  t.is((error as { status?: number }).status, status);
  return error;
}

/** A new viewer API token named `name`, and a client that holds it. */
async function newViewer(name: string): Promise<{ created: ApiTokenCreated; viewer: OtherixClient }> {
  const created = await admin.apiTokens.create({ name, role: 'viewer' });
  return { created, viewer: clientWith(created.token) };
}

test.before(async () => {
  cp = await startControlPlane();
  admin = clientWith(cp.adminToken);
});

test.after.always(async () => {
  for (const client of clients) await client.close();
  await cp?.close();
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

test('health and readiness answer without a credential', async (t) => {
  t.deepEqual(await clientWith().health(), { status: 'ok' });
  t.deepEqual(await clientWith().readiness(), { status: 'ok' });
});

test('ca.get returns the cluster CA the CP was started with', async (t) => {
  const ca = await clientWith().ca.get();
  t.is(ca.ca_pem.trim(), cp.caPem.trim());
  t.is(ca.fingerprint, cp.caFingerprint);
});

test('whoami names the admin token and its role', async (t) => {
  const me = await admin.whoami();
  t.is(me.role, 'admin');
  t.true(me.name.length > 0);
});

test('joinTokens: create, list, listAll across pages, revoke (idempotent)', async (t) => {
  const bound = await admin.joinTokens.create({ node_name: 'jt-bound', ttl_seconds: 600, max_uses: 5 });
  t.regex(bound.token, /^otx_join_[A-Za-z0-9_-]{43}$/);
  t.is(bound.max_uses, 1, 'a name-bound token is single-use');
  t.is(bound.node_name, 'jt-bound');
  t.is(bound.ca_fingerprint, cp.caFingerprint);
  const fleet = await Promise.all([1, 2, 3].map(() => admin.joinTokens.create({ ttl_seconds: 600, max_uses: 3 })));

  const firstPage = await admin.joinTokens.list({ limit: 2 });
  t.is(firstPage.items.length, 2);
  t.is(typeof firstPage.next_cursor, 'string');
  const all = await collect(admin.joinTokens.listAll({ limit: 1 }));
  const ids = all.map((item) => item.id);
  t.is(new Set(ids).size, ids.length, 'no token repeated across pages');
  for (const minted of [bound, ...fleet]) t.true(ids.includes(minted.id));
  t.false(JSON.stringify(all).includes(bound.token), 'the plaintext is never listed');

  const revoked = await admin.joinTokens.revoke(bound.id);
  t.true(revoked.revoked);
  t.is(revoked.id, bound.id);
  t.true((await admin.joinTokens.revoke(bound.id)).revoked);
});

test('joinTokens.consumptions and consumptionsAll list each redemption', async (t) => {
  const minted = await admin.joinTokens.create({ ttl_seconds: 600, max_uses: 0 });
  const anonymous = clientWith();
  const joinedIds: string[] = [];
  for (const name of ['cons-a', 'cons-b', 'cons-c']) {
    const keys = await generateNodeKeyPair();
    const joined = await anonymous.nodes.join({
      token: minted.token,
      node_name: name,
      csr_pem: await createCsr(keys, name),
      advertised_endpoint: 'https://127.0.0.1:9443',
      migration: { host: '127.0.0.1', port_range_start: 49152, port_range_end: 49251 },
      architecture: 'amd64',
      agent_version: '0.1.0-test',
    });
    joinedIds.push(joined.node.id);
  }
  const page = await admin.joinTokens.consumptions(minted.id, { limit: 2 });
  t.is(page.items.length, 2);
  t.not(page.next_cursor, null);
  const all = await collect(admin.joinTokens.consumptionsAll(minted.id, { limit: 1 }));
  t.deepEqual(all.map((item) => item.node_id).sort(), [...joinedIds].sort());
  t.true(all.every((item) => item.source_ip.length > 0));
});

test('nodes: join, get, list, listAll, cordon, uncordon, heartbeat over mTLS, delete', async (t) => {
  const joined = await joinNode(cp, 'res-node');
  const node = joined.node;
  t.is(node.name, 'res-node');
  t.is(node.status, 'pending');

  const got = (await admin.nodes.get('res-node')) as Node;
  t.is(got.id, node.id);
  t.is(got.migration.host, '127.0.0.1');
  const page = await admin.nodes.list({ architecture: 'amd64' });
  t.true(page.items.some((item) => item.id === node.id));
  const all = await collect(admin.nodes.listAll({ limit: 1 }));
  t.true(all.some((item) => item.id === node.id));

  t.is((await admin.nodes.cordon(node.id)).status, 'cordoned');
  t.is((await admin.nodes.cordon(node.id)).status, 'cordoned', 'cordon is idempotent');
  t.is((await admin.nodes.uncordon(node.id)).status, 'pending');

  // A function-valued certificate is read per connection (how serve picks up re-issued files).
  let reads = 0;
  const nodeClient = createClient({
    cpUrl: cp.url,
    caPem: cp.caPem,
    clientCertificate: () => {
      reads++;
      return joined.cert;
    },
  });
  clients.push(nodeClient);
  const beat = await nodeClient.nodes.heartbeat(heartbeatBody());
  t.is(beat.status, 'ready');
  t.true(reads >= 1);

  // Material that cannot be read fails the connection with its own message, not "unreachable".
  const brokenClient = createClient({
    cpUrl: cp.url,
    caPem: cp.caPem,
    clientCertificate: () => {
      throw new Error('ENOENT: no such file agent.crt');
    },
  });
  clients.push(brokenClient);
  const broken = await t.throwsAsync(brokenClient.nodes.heartbeat(heartbeatBody()));
  t.true(isOtherixError(broken, 'tls_failed'));
  t.regex(broken.message, /cannot load the client certificate for mTLS \(ENOENT: no such file agent\.crt\)/);
  t.is((await admin.nodes.get('res-node')).status, 'ready');

  t.is(await admin.nodes.delete(node.id, { force: true }), undefined);
  await apiError(t, admin.nodes.get('res-node'), 'not_found', 404);
});

test('apiTokens: create, list, listAll, revoke; a revoked token is unauthenticated', async (t) => {
  const { created, viewer } = await newViewer('res-viewer');
  t.regex(created.token, /^otx_api_[A-Za-z0-9_-]{43}$/);
  t.is(created.role, 'viewer');
  t.deepEqual(await viewer.whoami(), { name: 'res-viewer', role: 'viewer' });

  const page = await admin.apiTokens.list({ limit: 1 });
  t.is(page.items.length, 1);
  const all = await collect(admin.apiTokens.listAll({ limit: 1 }));
  t.true(all.some((item) => item.id === created.id));

  t.true((await admin.apiTokens.revoke(created.id)).revoked);
  await apiError(t, viewer.whoami(), 'unauthenticated', 401);
});

test('a viewer gets NodeSummary and is forbidden from admin operations', async (t) => {
  await joinNode(cp, 'res-summary');
  const { viewer } = await newViewer('res-viewer-2');
  const summary = await viewer.nodes.get('res-summary');
  t.deepEqual(Object.keys(summary).sort(), ['architecture', 'id', 'last_heartbeat_at', 'name', 'projection', 'status']);
  t.is(summary.projection, 'summary');
  await apiError(t, viewer.joinTokens.list(), 'forbidden', 403);
});

test('isFullNode and isFullNodePage tell the projections apart by the body alone, an empty page included', async (t) => {
  await joinNode(cp, 'res-guards');
  const { viewer } = await newViewer('res-guards-viewer');
  const none = { architecture: 'riscv64' };
  t.true(isFullNodePage(await admin.nodes.list(none)), "the admin's empty page is a NodePage");
  t.false(isFullNodePage(await viewer.nodes.list(none)), "the viewer's empty page is a NodeSummaryPage");
  const full = await admin.nodes.get('res-guards');
  const summary = await viewer.nodes.get('res-guards');
  t.true(isFullNode(full));
  t.false(isFullNode(summary));
  // Narrowed, the full projection's fields are there to read; the summary has none of them.
  if (isFullNode(full)) t.is(full.advertised_endpoint, 'https://127.0.0.1:9443');
  t.false('advertised_endpoint' in summary);
  const listed = (await admin.nodes.list({ limit: 500 })).items;
  t.true(listed.length > 0 && listed.every(isFullNode));
});

test('API errors carry the API code, status, message and details', async (t) => {
  const uuidName = await apiError(t, admin.nodes.get('6f1c3a52-8f0e-4c55-9a57-6d2f1b0c9e11'), 'validation_failed', 400);
  t.is(uuidName.name, 'OtherixApiError');

  const noToken = await t.throwsAsync(clientWith().whoami());
  t.true(isOtherixError(noToken, 'unauthenticated'));

  const keys = await generateNodeKeyPair();
  const rejected = await apiError(
    t,
    clientWith().nodes.join({
      token: `otx_join_${'A'.repeat(43)}`,
      node_name: 'res-unknown',
      csr_pem: await createCsr(keys, 'res-unknown'),
      advertised_endpoint: 'https://127.0.0.1:9443',
      migration: { host: '127.0.0.1', port_range_start: 49152, port_range_end: 49251 },
      architecture: 'amd64',
      agent_version: '0.1.0-test',
    }),
    'token_rejected',
    401,
  );
  t.is((rejected as { details?: Record<string, unknown> }).details?.['reason'], 'unknown');
  t.false(rejected.message.includes('AAAAAAAAAA'), 'the token is not echoed');
});
