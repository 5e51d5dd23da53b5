// Requests are validated against the operation in openapi.yaml, including what it does not
// declare: a body on an operation that takes none, or a query parameter on one that has none,
// is refused (never silently ignored). Validation messages say what to do next.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { openApiDocument } from '@otherix/sdk/internal';
import { specOperations } from '@otherix/server';
import { api, controlPlaneForFile } from '../harness/control-plane.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';
import { joinNode } from '../harness/cluster.js';
import type { ApiResponse, ControlPlane } from '../harness/control-plane.js';

let cp: ControlPlane;

controlPlaneForFile(test, (started) => (cp = started));

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

function refused(t: ExecutionContext, response: ApiResponse, field: string, message: RegExp): void {
  t.is(response.status, 400, response.text);
  t.is(response.body.error.code, 'validation_failed');
  t.is(response.body.error.details.field, field);
  t.regex(response.body.error.message, message);
}

test('a body on an operation that declares none is refused', async (t) => {
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: {} });
  const revoke = `/v1/nodes/join-tokens/${minted.body.id}/revoke`;
  refused(
    t,
    await api(cp, 'POST', revoke, { token: cp.adminToken, body: { colour: 'blue' } }),
    'body',
    /^body: this operation takes no body: send none/,
  );
  refused(t, await api(cp, 'POST', revoke, { token: cp.adminToken, body: {} }), 'body', /takes no body/);
  refused(t, await api(cp, 'POST', `/v1/api-tokens/${UNKNOWN_ID}/revoke`, { token: cp.adminToken, body: [] }), 'body', /takes no body/);
  refused(t, await api(cp, 'POST', revoke, { token: cp.adminToken, rawBody: 'null' }), 'body', /takes no body/);
  refused(
    t,
    await api(cp, 'POST', `/v1/nodes/${UNKNOWN_ID}/uncordon`, { token: cp.adminToken, rawBody: ' null \n' }),
    'body',
    /takes no body/,
  );
  // On an operation that takes an object, null is not one.
  refused(
    t,
    await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, rawBody: 'null' }),
    'body',
    /^body: must be object: send a JSON object$/,
  );
  refused(t, await api(cp, 'POST', '/v1/nodes/join', { rawBody: '[]' }), 'body', /^body: must be object/);
  refused(
    t,
    await api(cp, 'POST', `/v1/nodes/${UNKNOWN_ID}/cordon`, { token: cp.adminToken, body: { reason: 'x' } }),
    'body',
    /takes no body/,
  );
  refused(t, await api(cp, 'DELETE', `/v1/nodes/${UNKNOWN_ID}`, { token: cp.adminToken, body: { force: true } }), 'body', /takes no body/);
  // The refused revoke changed nothing; without a body (or an empty one) it goes through.
  const listed = await api(cp, 'GET', '/v1/nodes/join-tokens', { token: cp.adminToken });
  t.false(listed.body.items.find((i: { id: string }) => i.id === minted.body.id).revoked);
  t.is((await api(cp, 'POST', revoke, { token: cp.adminToken, rawBody: '', headers: { 'content-type': 'application/json' } })).status, 200);
  t.is((await api(cp, 'POST', revoke, { token: cp.adminToken })).status, 200);
  t.is((await api(cp, 'POST', `/v1/nodes/${UNKNOWN_ID}/cordon`, { token: cp.adminToken })).status, 404);
});

test('a query parameter on an operation that declares none is refused', async (t) => {
  refused(t, await api(cp, 'GET', '/v1/ca?foo=1'), 'foo', /^querystring: unknown field "foo": remove it/);
  refused(t, await api(cp, 'GET', '/healthz?verbose=true'), 'verbose', /unknown field "verbose"/);
  refused(t, await api(cp, 'GET', '/v1/whoami?as=admin', { token: cp.adminToken }), 'as', /unknown field "as"/);
  refused(
    t,
    await api(cp, 'POST', `/v1/nodes/${UNKNOWN_ID}/cordon?force=true`, { token: cp.adminToken }),
    'force',
    /unknown field "force"/,
  );
  // Declared parameters still work, and still refuse strangers.
  t.is((await api(cp, 'GET', '/v1/ca')).status, 200);
  t.is((await api(cp, 'GET', '/v1/nodes/join-tokens?limit=5', { token: cp.adminToken })).status, 200);
  refused(t, await api(cp, 'GET', '/v1/nodes/join-tokens?limt=5', { token: cp.adminToken }), 'limt', /unknown field "limt"/);
});

test('validation messages say what to do next', async (t) => {
  const mint = (body: unknown) =>
    api(cp, 'POST', '/v1/nodes/join-tokens', {
      token: cp.adminToken,
      rawBody: body === undefined ? '' : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  refused(t, await mint(undefined), 'body', /^body: must be object: send a JSON object, `\{\}` for the defaults$/);
  refused(t, await mint('x'), 'body', /^body: must be object: send a JSON object, `\{\}` for the defaults$/);
  refused(t, await mint({ max_uses: '3' }), 'max_uses', /^body\.max_uses: must be integer: use a whole number \(not a string\)$/);
  const apiToken = (body: unknown) => api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body });
  // `{}` is no answer where fields are required.
  refused(t, await apiToken([]), 'body', /^body: must be object: send a JSON object$/);
  refused(
    t,
    await apiToken({ name: 'x', role: 'root' }),
    'role',
    /^body\.role: must be equal to one of the allowed values: one of: admin, operator, developer, viewer$/,
  );
  refused(t, await apiToken({ name: 'x'.repeat(200), role: 'viewer' }), 'name', /: at most \d+ characters$/);
  refused(
    t,
    await api(cp, 'GET', '/v1/nodes?schedulable=maybe', { token: cp.adminToken }),
    'schedulable',
    /^querystring\.schedulable: must be boolean: use true or false$/,
  );
});

test('every operation that can carry a body documents 413 and answers it over 1 MiB', async (t) => {
  const big = JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024) });
  const withBodies = specOperations().filter((op) => op.method !== 'GET');
  t.deepEqual(withBodies.map((op) => op.operationId).sort(), [
    'cordonNode',
    'createApiToken',
    'createJoinToken',
    'deleteNode',
    'joinNode',
    'moveCaRotation',
    'renewNode',
    'revokeApiToken',
    'revokeJoinToken',
    'sendHeartbeat',
    'uncordonNode',
  ]);
  // The heartbeat and the renewal authenticate by certificate before reading the body: send them as a node.
  const node = await joinNode(cp, 'big-body-node');
  for (const op of withBodies) {
    const responses = (openApiDocument.paths[op.path][op.method.toLowerCase()] as { responses: Record<string, unknown> }).responses;
    t.truthy(responses['413'], `${op.operationId} documents 413`);
    const path = op.path.replace(/\{[^}]+\}/g, UNKNOWN_ID);
    const response = await api(cp, op.method as 'POST', path, {
      token: cp.adminToken,
      cert: node.cert,
      rawBody: big,
      headers: { 'content-type': 'application/json' },
    });
    t.is(response.status, 413, `${op.operationId}: ${response.text}`);
    t.is(response.body.error.code, 'payload_too_large');
  }
});

// Issue 12: text a node or joiner writes is shown on terminals, so it holds no control character.
test('a control character (C0, DEL, C1) in node-written text is refused with validation_failed', async (t) => {
  const node = await joinNode(cp, 'control-chars');
  const beat = (overrides: Record<string, unknown>) => ({
    architecture: 'amd64',
    agent_version: '0.1.0',
    heartbeat_interval_seconds: 30,
    hardware: { cpu_model: 'CPU', cpu_count: 1, memory_bytes: 1, kvm_present: false, hostname: 'host', kernel: '6.1', ...overrides },
    vm_count: 0,
    active_migrations: 0,
  });
  const heartbeat = (body: unknown) => api(cp, 'POST', '/v1/nodes/heartbeat', { body, cert: node.cert });
  for (const [field, value] of [
    ['cpu_model', 'Evil \u001b]0;owned\u0007 CPU'],
    ['hostname', 'host\u001b[2J'],
    ['kernel', '6.1\u009b31m'],
    ['kernel', '6.1\u007f'],
    ['hostname', 'two\nlines'],
  ] as const) {
    refused(
      t,
      await heartbeat(beat({ [field]: value })),
      `hardware.${field}`,
      new RegExp(
        `^body\\.hardware\\.${field}: holds a control character \\(C0, DEL or C1\\), which text shown on terminals may not: remove it$`,
      ),
    );
  }
  const withVersion = { ...beat({}), agent_version: '1.0\u001b[31m' };
  refused(t, await heartbeat(withVersion), 'agent_version', /./);
  t.is((await heartbeat(beat({ cpu_model: 'Ordinary CPU \u00e9\u00e8 \ufffd' }))).status, 200, 'other Unicode text is fine');

  const { csrPem } = await nodeCsr('control-join');
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { node_name: 'control-join' } });
  for (const [field, overrides] of [
    ['agent_version', { agent_version: '0.1\u001b]52;c;AAAA\u0007' }],
    ['advertised_endpoint', { advertised_endpoint: 'https://127.0.0.1:9443/\u001b[31m' }],
  ] as const) {
    refused(
      t,
      await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, 'control-join', csrPem, overrides) }),
      field,
      /./,
    );
  }
  t.is(
    (await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, 'control-join', csrPem) })).status,
    201,
    'the token is still good',
  );
});
