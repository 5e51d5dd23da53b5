// Audit events (issue 17 item 2): every change a person or a node makes is one JSON line at info
// with `audit: true`, a stable `event`, who made it (the API token's id, name and role, or the
// join token for a joining host), the source IP and what changed; never a secret. Per-request
// lines ("incoming request", "request completed") are at debug, so a log at info is the audit
// trail. server/README.md's table names every event.
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { AUDIT_EVENTS } from '@otherix/server';
import type { AuditEventName } from '@otherix/server';
import { api, controlPlaneForFile, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';
import { repoPath } from '../harness/paths.js';

interface LogLine {
  level: string;
  msg: string;
  audit?: boolean;
  event?: string;
  actor?: { kind: string; id: string; name?: string; role?: string };
  source_ip?: string;
  [field: string]: unknown;
}

const SERVER_README = repoPath('server/README.md');

let cp: ControlPlane;

controlPlaneForFile(test, (started) => (cp = started), { captureLogs: 'info' });

function lines(from = 0): LogLine[] {
  return cp.logs.slice(from).map((line) => JSON.parse(line) as LogLine);
}

/** The one audit line a step wrote (it fails when there is none, or more). */
function auditLine(t: { is(a: unknown, b: unknown, m?: string): void }, from: number, event: AuditEventName): LogLine {
  const found = lines(from).filter((line) => line.audit === true);
  t.is(found.length, 1, `one audit line for ${event}: ${JSON.stringify(found)}`);
  t.is(found[0]?.event, event);
  return found[0];
}

async function joinWith(token: string, name: string) {
  const { csrPem } = await nodeCsr(name);
  const joined = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(token, name, csrPem) });
  if (joined.status !== 201) throw new Error(joined.text);
  return joined.body;
}

test.serial('each change is one audit line at info with who, what and the source IP; no secret', async (t) => {
  const admin = { kind: 'api_token', name: 'admin', role: 'admin' };
  const whoami = await api(cp, 'GET', '/v1/api-tokens', { token: cp.adminToken });
  const adminId = (whoami.body.items as Array<{ id: string; name: string }>).find((item) => item.name === 'admin')!.id;
  const secrets: string[] = [cp.adminToken];

  // A join token minted by the admin.
  let mark = cp.logs.length;
  const minted = (await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { node_name: 'audit-node' } })).body;
  secrets.push(minted.token);
  const mintLine = auditLine(t, mark, 'join_token.minted');
  t.like(mintLine, {
    level: 'info',
    msg: 'audit: join_token.minted',
    source_ip: '127.0.0.1',
    join_token_id: minted.id,
    node_name: 'audit-node',
    max_uses: 1,
    expires_at: minted.expires_at,
  });
  t.deepEqual(mintLine.actor, { ...admin, id: adminId });

  // The host redeems it: a new node; the actor is the join token (the host has no identity yet).
  mark = cp.logs.length;
  const joined = await joinWith(minted.token, 'audit-node');
  const joinLine = auditLine(t, mark, 'node.joined');
  t.like(joinLine, {
    node_id: joined.node.id,
    node_name: 'audit-node',
    join_token_id: minted.id,
    serial: joined.node.certificate.serial,
    not_after: joined.node.certificate.not_after,
    source_ip: '127.0.0.1',
  });
  t.deepEqual(joinLine.actor, { kind: 'join_token', id: minted.id });

  // A token bound to the name re-issues its certificate.
  const rebind = (await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { node_name: 'audit-node' } })).body;
  secrets.push(rebind.token);
  mark = cp.logs.length;
  const reissued = await joinWith(rebind.token, 'audit-node');
  t.like(auditLine(t, mark, 'node.reissued'), {
    node_id: joined.node.id,
    serial: reissued.node.certificate.serial,
    join_token_id: rebind.id,
  });

  // A join token revoked.
  const spare = (await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { max_uses: 3 } })).body;
  secrets.push(spare.token);
  mark = cp.logs.length;
  t.is((await api(cp, 'POST', `/v1/nodes/join-tokens/${spare.id}/revoke`, { token: cp.adminToken })).status, 200);
  t.like(auditLine(t, mark, 'join_token.revoked'), { join_token_id: spare.id, node_name: null, actor: { ...admin, id: adminId } });

  // An API token created for an operator, who cordons and uncordons.
  mark = cp.logs.length;
  const operator = (
    await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: 'ops-oncall', role: 'operator', ttl_seconds: 3600 } })
  ).body;
  secrets.push(operator.token);
  t.like(auditLine(t, mark, 'api_token.created'), {
    api_token_id: operator.id,
    api_token_name: 'ops-oncall',
    role: 'operator',
    expires_at: operator.expires_at,
  });
  const asOperator = { kind: 'api_token', id: operator.id, name: 'ops-oncall', role: 'operator' };
  mark = cp.logs.length;
  t.is((await api(cp, 'POST', `/v1/nodes/${joined.node.id}/cordon`, { token: operator.token })).status, 200);
  const cordon = auditLine(t, mark, 'node.cordoned');
  t.like(cordon, { node_id: joined.node.id, node_name: 'audit-node' });
  t.deepEqual(cordon.actor, asOperator);
  mark = cp.logs.length;
  t.is((await api(cp, 'POST', `/v1/nodes/${joined.node.id}/uncordon`, { token: operator.token })).status, 200);
  t.deepEqual(auditLine(t, mark, 'node.uncordoned').actor, asOperator);

  // The operator's token revoked, and the node deleted with force.
  mark = cp.logs.length;
  t.is((await api(cp, 'POST', `/v1/api-tokens/${operator.id}/revoke`, { token: cp.adminToken })).status, 200);
  t.like(auditLine(t, mark, 'api_token.revoked'), { api_token_id: operator.id, api_token_name: 'ops-oncall', role: 'operator' });
  mark = cp.logs.length;
  t.is((await api(cp, 'DELETE', `/v1/nodes/${joined.node.id}?force=true`, { token: cp.adminToken })).status, 204);
  t.like(auditLine(t, mark, 'node.deleted'), {
    node_id: joined.node.id,
    node_name: 'audit-node',
    force: true,
    vm_count: 0,
    active_migrations: 0,
    actor: { ...admin, id: adminId },
  });

  // Refusals change nothing and write no audit line.
  mark = cp.logs.length;
  t.is((await api(cp, 'POST', `/v1/nodes/${joined.node.id}/cordon`, { token: cp.adminToken })).status, 404);
  t.is((await api(cp, 'POST', '/v1/api-tokens', { token: operator.token, body: { name: 'nope', role: 'admin' } })).status, 401);
  t.deepEqual(
    lines(mark).filter((line) => line.audit === true),
    [],
  );

  // Every audit line is an event of the list, and none holds a secret.
  const text = cp.logs.join('\n');
  for (const secret of secrets) t.false(text.includes(secret), 'no token in the log');
  t.false(/otx_(join|api)_/.test(text));
  t.false(text.includes('BEGIN'), 'no PEM in the log');
  for (const line of lines().filter((l) => l.audit === true))
    t.true(Object.hasOwn(AUDIT_EVENTS, line.event!), `${line.event} is a listed event`);
});

test.serial('at info, reads and heartbeat-like requests write no per-request lines; at debug they do', async (t) => {
  const mark = cp.logs.length;
  for (let i = 0; i < 3; i++) t.is((await api(cp, 'GET', '/v1/nodes', { token: cp.adminToken })).status, 200);
  t.is((await api(cp, 'GET', '/healthz')).status, 200);
  t.deepEqual(lines(mark), [], 'a log at info is the audit trail, not one line per request');

  const verbose = await startControlPlane({ captureLogs: 'debug' });
  try {
    t.is((await api(verbose, 'GET', '/v1/nodes', { token: verbose.adminToken })).status, 200);
    const debug = verbose.logs.map((line) => JSON.parse(line) as LogLine);
    t.true(debug.some((line) => line.msg === 'incoming request' && line.level === 'debug'));
    t.true(debug.some((line) => line.msg === 'request completed' && line.level === 'debug'));
  } finally {
    await verbose.close();
  }
});

test('server/README.md documents every audit event', async (t) => {
  const readme = await readFile(SERVER_README, 'utf8');
  for (const event of Object.keys(AUDIT_EVENTS))
    t.regex(readme, new RegExp(`^\\| \`${event.replace('.', '\\.')}\` \\|`, 'm'), `${event} has a row`);
});
