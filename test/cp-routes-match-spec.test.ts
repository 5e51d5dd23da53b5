// The app serves exactly the operations of openapi.yaml: no route without a contract, no
// contract without a route (SPEC §1).
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, fastifyPath, initDataDir, specOperations } from '@otherix/server';

test('the routes the app serves are the spec operations', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'otherix-routes-'));
  const material = await initDataDir({ dataDir });
  const app = await buildApp({ store: material.store, ca: material.ca, serving: material.serving, logger: false });
  try {
    await app.ready();
    const served = app.servedRoutes.map((route) => `${route.method} ${route.url}`);
    const expected = specOperations().map((op) => `${op.method} ${fastifyPath(op.path)}`);
    t.deepEqual([...served].sort(), [...expected].sort());
  } finally {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
