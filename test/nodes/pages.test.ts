// Node pages are keyset pages on the name: walking them while nodes are being added repeats
// none and skips none of the nodes that were there when the walk began.
import test from 'ava';
import { api, controlPlaneForFile } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { joinNode } from '../harness/cluster.js';

let cp: ControlPlane;

controlPlaneForFile(test, (started) => (cp = started));

test('no repeats and no gaps while nodes are added concurrently', async (t) => {
  const initial: string[] = [];
  for (let i = 0; i < 24; i++) initial.push(`pg-${String(i * 4).padStart(3, '0')}`);
  await Promise.all(initial.map((name) => joinNode(cp, name)));
  // Names that sort before, between and after the existing ones, joined during the walk.
  const added = ['pg-000a', 'pg-013', 'pg-047', 'pg-090', 'pg-200', 'pa-first', 'pz-last', 'pg-051', 'pg-077', 'pg-002'];
  let joining = Promise.resolve();
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  const joined: string[] = [];
  do {
    const page: { status: number; body: { items: Array<{ name: string }>; next_cursor: string | null } } = await api(
      cp,
      'GET',
      `/v1/nodes?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`,
      { token: cp.adminToken },
    );
    t.is(page.status, 200);
    seen.push(...page.body.items.map((item) => item.name));
    cursor = page.body.next_cursor;
    const next = added[pages++];
    if (next !== undefined) joining = joining.then(async () => void joined.push((await joinNode(cp, next)).name));
    // Let the joins race the next page, but do not wait for them.
  } while (cursor !== null);
  await joining;
  t.is(new Set(seen).size, seen.length, 'no node appears twice');
  for (const name of initial) t.true(seen.includes(name), `${name} was not skipped`);
  t.deepEqual(seen, [...seen].sort(), 'pages run in name order');
  const all = await api(cp, 'GET', '/v1/nodes?limit=500', { token: cp.adminToken });
  t.true(joined.length >= 5, 'nodes were added during the walk');
  t.deepEqual(
    all.body.items.map((item: { name: string }) => item.name),
    [...initial, ...joined].sort(),
  );
});
