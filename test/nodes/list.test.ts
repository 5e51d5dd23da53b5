// GET /v1/nodes and GET /v1/nodes/{name}: every role reads, admin/operator get Node and
// developer/viewer NodeSummary (no Node field leaks), filters by architecture, status and
// schedulable, keyset pages with no repeats or gaps while nodes are being added, name not id.
import test from 'ava';
import { api, controlPlaneForFile } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { heartbeat, heartbeatBody, joinNode, roleTokens } from '../harness/cluster.js';
import type { JoinedNode } from '../harness/cluster.js';

let cp: ControlPlane;
let tokens: Record<'admin' | 'operator' | 'developer' | 'viewer', string>;
const nodes: Record<string, JoinedNode> = {};

const NODE_KEYS = [
  'active_migrations',
  'advertised_endpoint',
  'agent_version',
  'architecture',
  'certificate',
  'created_at',
  'hardware',
  'id',
  'last_heartbeat_at',
  'migration',
  'name',
  'projection',
  'status',
  'vm_count',
];
const SUMMARY_KEYS = ['architecture', 'id', 'last_heartbeat_at', 'name', 'projection', 'status'];

controlPlaneForFile(test, async (started) => {
  cp = started;
  tokens = { admin: cp.adminToken, ...(await roleTokens(cp, 'list')) };
  // a (amd64, ready), b (arm64, ready), c (amd64, pending), d (arm64, cordoned), e (amd64, not_ready).
  for (const [name, architecture] of [
    ['ls-a', 'amd64'],
    ['ls-b', 'arm64'],
    ['ls-c', 'amd64'],
    ['ls-d', 'arm64'],
    ['ls-e', 'amd64'],
  ] as const) {
    nodes[name] = await joinNode(cp, name, { architecture });
  }
  await heartbeat(cp, nodes['ls-e'].cert, heartbeatBody({ heartbeat_interval_seconds: 1 }));
  cp.clock.advance(5_000);
  for (const name of ['ls-a', 'ls-b', 'ls-d']) {
    const arch = nodes[name].node.architecture;
    const reply = await heartbeat(cp, nodes[name].cert, heartbeatBody({ architecture: arch, heartbeat_interval_seconds: 3600 }));
    if (reply.status !== 200) throw new Error(reply.text);
  }
  await api(cp, 'POST', `/v1/nodes/${nodes['ls-d'].id}/cordon`, { token: cp.adminToken });
});

const names = (body: { items: Array<{ name: string }> }): string[] => body.items.map((item) => item.name);

test('admin and operator list full Nodes, developer and viewer NodeSummaries, ordered by name', async (t) => {
  for (const role of ['admin', 'operator', 'developer', 'viewer'] as const) {
    const listed = await api(cp, 'GET', '/v1/nodes', { token: tokens[role] });
    t.is(listed.status, 200, `${role}: ${listed.text}`);
    t.deepEqual(names(listed.body), ['ls-a', 'ls-b', 'ls-c', 'ls-d', 'ls-e'], role);
    t.is(listed.body.next_cursor, null);
    const expected = role === 'admin' || role === 'operator' ? NODE_KEYS : SUMMARY_KEYS;
    t.is(listed.body.projection, expected === NODE_KEYS ? 'full' : 'summary', `${role}: the page says its projection`);
    for (const item of listed.body.items)
      t.deepEqual(Object.keys(item).sort(), expected, `${role} sees ${expected === NODE_KEYS ? 'Node' : 'NodeSummary'}`);
  }
  const full = (await api(cp, 'GET', '/v1/nodes', { token: tokens.operator })).body.items[0];
  t.deepEqual(full.hardware, heartbeatBody().hardware);
  t.deepEqual(full.migration, { host: '127.0.0.1', port_range_start: 49152, port_range_end: 49251 });
  t.is(full.certificate.serial, nodes['ls-a'].serial);
});

test('get by name: the role decides the shape; a UUID literal is 400; unknown is 404; no token is 401', async (t) => {
  for (const role of ['admin', 'operator', 'developer', 'viewer'] as const) {
    const shown = await api(cp, 'GET', '/v1/nodes/ls-b', { token: tokens[role] });
    t.is(shown.status, 200);
    t.deepEqual(Object.keys(shown.body).sort(), role === 'admin' || role === 'operator' ? NODE_KEYS : SUMMARY_KEYS, role);
    t.is(shown.body.id, nodes['ls-b'].id);
    t.is(shown.body.status, 'ready');
    t.is(shown.body.architecture, 'arm64');
  }
  const byId = await api(cp, 'GET', `/v1/nodes/${nodes['ls-b'].id}`, { token: tokens.viewer });
  t.is(byId.status, 400);
  t.is(byId.body.error.code, 'validation_failed');
  t.regex(byId.body.error.message, /pass the node's name, as shown by `otherix node list`/);
  const unknown = await api(cp, 'GET', '/v1/nodes/no-such-node', { token: tokens.viewer });
  t.is(unknown.status, 404);
  t.is(unknown.body.error.code, 'not_found');
  const anonymous = await api(cp, 'GET', '/v1/nodes/ls-b');
  t.is(anonymous.status, 401);
  t.is(anonymous.body.error.code, 'unauthenticated');
  t.is((await api(cp, 'GET', '/v1/nodes')).status, 401);
});

test('filters: architecture, status (as shown), schedulable (ready and not cordoned), and combinations', async (t) => {
  const list = async (query: string) => {
    const listed = await api(cp, 'GET', `/v1/nodes?${query}`, { token: tokens.viewer });
    t.is(listed.status, 200, `${query}: ${listed.text}`);
    return listed.body;
  };
  t.deepEqual(names(await list('architecture=amd64')), ['ls-a', 'ls-c', 'ls-e']);
  t.deepEqual(names(await list('architecture=arm64')), ['ls-b', 'ls-d']);
  t.deepEqual(names(await list('architecture=riscv64')), []);
  const expected: Record<string, string[]> = { ready: ['ls-a', 'ls-b'], pending: ['ls-c'], cordoned: ['ls-d'], not_ready: ['ls-e'] };
  for (const [status, members] of Object.entries(expected)) {
    const page = await list(`status=${status}`);
    t.deepEqual(names(page), members, status);
    t.true(
      page.items.every((item: { status: string }) => item.status === status),
      `every ${status} item shows ${status}`,
    );
  }
  t.deepEqual(names(await list('schedulable=true')), ['ls-a', 'ls-b']);
  t.deepEqual(names(await list('schedulable=false')), ['ls-c', 'ls-d', 'ls-e']);
  t.deepEqual(names(await list('schedulable=true&architecture=arm64')), ['ls-b']);
  t.deepEqual(names(await list('status=pending&schedulable=true')), []);
  t.deepEqual(names(await list('status=ready&architecture=amd64')), ['ls-a']);
});

test('bad query values are 400 validation_failed naming the parameter', async (t) => {
  for (const [query, field] of [
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['status=asleep', 'status'],
    ['architecture=AMD64', 'architecture'],
    ['schedulable=yes', 'schedulable'],
    ['colour=blue', 'colour'],
  ]) {
    const refused = await api(cp, 'GET', `/v1/nodes?${query}`, { token: tokens.admin });
    t.is(refused.status, 400, `${query}: ${refused.text}`);
    t.is(refused.body.error.code, 'validation_failed');
    t.is(refused.body.error.details.field, field, query);
  }
  const foreign = await api(cp, 'GET', `/v1/nodes?cursor=${Buffer.from(JSON.stringify({ k: 42 })).toString('base64url')}`, {
    token: tokens.admin,
  });
  t.is(foreign.status, 400);
  t.is(foreign.body.error.code, 'validation_failed');
  t.is(foreign.body.error.details.field, 'cursor');
});

test("pages of 2 walk every node once, in order, and the cursor keeps the filters' meaning", async (t) => {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: Array<{ name: string }>; next_cursor: string | null } } = await api(
      cp,
      'GET',
      `/v1/nodes?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
      { token: tokens.developer },
    );
    t.true(page.body.items.length <= 2);
    seen.push(...names(page.body));
    cursor = page.body.next_cursor;
  } while (cursor !== null);
  t.deepEqual(seen, ['ls-a', 'ls-b', 'ls-c', 'ls-d', 'ls-e']);
  const first = await api(cp, 'GET', '/v1/nodes?architecture=amd64&limit=1', { token: tokens.admin });
  const second = await api(cp, 'GET', `/v1/nodes?architecture=amd64&limit=1&cursor=${first.body.next_cursor}`, { token: tokens.admin });
  t.deepEqual(names(second.body), ['ls-c']);
});
