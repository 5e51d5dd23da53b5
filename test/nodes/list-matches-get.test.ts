// A list page (rendered by SQLite, store/sqlite/node-json-sql.ts) holds each node exactly as
// GET /v1/nodes/{name} (nodeToApi) gives it, for every heartbeat the CP accepts. Counts are
// bounded by the contract at 2^53 - 1: beyond 2^63 SQLite would store a REAL and json_object()
// print its own float form (`1.23456789012346e+19`), a different number from GET's.
import test from 'ava';
import { api, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { heartbeat, heartbeatBody, joinNode } from '../harness/cluster.js';

let cp: ControlPlane;
test.before(async () => {
  cp = await startControlPlane();
});
test.after.always(async () => {
  await cp?.close();
});

/** The list page the CP sends, and the page built from each node's GET text (name order). */
async function listAndGets(names: string[]): Promise<{ list: string; fromGets: string }> {
  const gets: string[] = [];
  for (const name of names) {
    const got = await api(cp, 'GET', `/v1/nodes/${name}`, { token: cp.adminToken });
    if (got.status !== 200) throw new Error(`GET ${name}: ${got.text}`);
    gets.push(got.text);
  }
  const list = await api(cp, 'GET', '/v1/nodes?limit=500', { token: cp.adminToken });
  if (list.status !== 200) throw new Error(`list: ${list.text}`);
  return { list: list.text, fromGets: `{"projection":"full","items":[${gets.join(',')}],"next_cursor":null}` };
}

test('every accepted heartbeat is listed exactly as GET shows it, the largest counts included; larger ones are refused', async (t) => {
  await joinNode(cp, 'counts-a-pending'); // never heartbeats: nulls in the page
  const ordinary = await joinNode(cp, 'counts-b-ordinary');
  const largest = await joinNode(cp, 'counts-c-largest');
  t.is((await heartbeat(cp, ordinary.cert, heartbeatBody({ vm_count: 3, active_migrations: 1 }))).status, 200);
  const max = Number.MAX_SAFE_INTEGER;
  t.is((await heartbeat(cp, largest.cert, heartbeatBody({ vm_count: max, active_migrations: max }))).status, 200);

  const page = await listAndGets(['counts-a-pending', 'counts-b-ordinary', 'counts-c-largest']);
  t.is(page.list, page.fromGets, 'the list page is the GET texts, byte for byte');
  t.regex(page.list, /"vm_count":9007199254740991,"active_migrations":9007199254740991/);

  for (const [field, body] of [
    ['vm_count', heartbeatBody({ vm_count: 1.2345678901234567e19 })],
    ['active_migrations', heartbeatBody({ active_migrations: 2 ** 63 })],
    ['vm_count', heartbeatBody({ vm_count: max + 1 })],
  ] as const) {
    const refused = await heartbeat(cp, largest.cert, body);
    t.is(refused.status, 400, field);
    t.is(refused.body.error.code, 'validation_failed');
    t.is(refused.body.error.details.field, field);
  }
  // The refusals changed no field: only the status, since a node whose heartbeats with its current
  // certificate are refused is not_ready until one is accepted (issue 13).
  const after = await listAndGets(['counts-a-pending', 'counts-b-ordinary', 'counts-c-largest']);
  t.is(after.list, after.fromGets);
  t.is(after.list, page.list.replace('"name":"counts-c-largest","status":"ready"', '"name":"counts-c-largest","status":"not_ready"'));
});
