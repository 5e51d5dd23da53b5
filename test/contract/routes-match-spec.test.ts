// The app serves exactly the operations of openapi.yaml: no route without a contract, no
// contract without a route (SPEC §1); and each route's authentication and roles are the
// operation's `security` and `x-roles` (SPEC §3's role table, recorded in the spec).
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApiDocument } from '@otherix/sdk/internal';
import { buildApp, fastifyPath, initDataDir, specOperations } from '@otherix/server';
import type { FastifyInstance } from 'fastify';

async function withApp(t: ExecutionContext, run: (app: FastifyInstance) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'otherix-routes-'));
  const material = await initDataDir({ dataDir });
  const app = await buildApp({ store: material.store, ca: material.ca, serving: material.serving, logger: false });
  try {
    await run(app);
  } finally {
    await app.close().catch((error: unknown) => t.log(`close: ${String(error)}`));
    await rm(dataDir, { recursive: true, force: true });
  }
}

interface SpecOperation {
  security?: Record<string, unknown>[];
  'x-roles'?: string[];
}

const document = openApiDocument as unknown as {
  security: Record<string, unknown>[];
  paths: Record<string, Record<string, SpecOperation>>;
};
const ALL_ROLES = openApiDocument.components.schemas['Role']['enum'] as string[];

/** public / bearer / mtls, from the operation's security (or the document's default). */
function specAuth(operation: SpecOperation): string {
  const security = operation.security ?? document.security;
  if (security.length === 0) return 'public';
  const schemes = security.flatMap((requirement) => Object.keys(requirement));
  if (schemes.length !== 1) throw new Error(`expected one security scheme, got ${schemes.join(', ')}`);
  return { bearerAuth: 'bearer', mutualTLS: 'mtls' }[schemes[0]] ?? `unknown scheme ${schemes[0]}`;
}

test('the routes the app serves are the spec operations', async (t) => {
  await withApp(t, async (app) => {
    await app.ready();
    const served = app.servedRoutes.map((route) => `${route.method} ${route.url}`);
    const expected = specOperations().map((op) => `${op.method} ${fastifyPath(op.path)}`);
    t.deepEqual([...served].sort(), [...expected].sort());
  });
});

test("each route's auth and roles are its operation's security and x-roles", async (t) => {
  await withApp(t, async (app) => {
    await app.ready();
    const served = new Map(app.servedRoutes.map((route) => [`${route.method} ${route.url}`, route]));
    const seen = { public: 0, bearer: 0, mtls: 0 };
    for (const op of specOperations()) {
      const operation = document.paths[op.path][op.method.toLowerCase()];
      const route = served.get(`${op.method} ${fastifyPath(op.path)}`);
      if (route === undefined) {
        t.fail(`${op.operationId} is not served`);
        continue;
      }
      const auth = specAuth(operation);
      t.is<string, string>(route.auth, auth, `${op.operationId}: auth`);
      seen[route.auth]++;
      // Roles belong to API tokens: a bearer operation lists them, the others have none.
      t.deepEqual(
        route.roles === undefined ? undefined : [...route.roles].sort(),
        operation['x-roles'] === undefined ? undefined : [...operation['x-roles']].sort(),
        `${op.operationId}: roles`,
      );
      if (auth === 'bearer') t.true((operation['x-roles'] ?? []).length > 0, `${op.operationId}: x-roles`);
    }
    // The table is not vacuous: every kind of route is there (SPEC §3).
    t.deepEqual(seen, { public: 4, bearer: 15, mtls: 2 });
    t.deepEqual([...(document.paths['/v1/nodes/{node}/cordon']['post']['x-roles'] ?? [])].sort(), ['admin', 'operator']);
    t.deepEqual(document.paths['/v1/whoami']['get']['x-roles'], ALL_ROLES);
  });
});

test('a route that is no operation of openapi.yaml is refused when the app starts (the role table fails closed)', async (t) => {
  await withApp(t, async (app) => {
    await t.throwsAsync(
      async () => {
        app.get('/v1/not-in-the-spec', async () => ({}));
        await app.ready();
      },
      { code: 'internal', message: /GET \/v1\/not-in-the-spec is no operation of openapi\.yaml/ },
    );
  });
});

test('a route that declares its own roles is refused: roles come from x-roles in openapi.yaml only', async (t) => {
  await withApp(t, async (app) => {
    await t.throwsAsync(
      async () => {
        app.get('/v1/whoami', { config: { roles: ['admin'] } as object }, async () => ({}));
        await app.ready();
      },
      { code: 'internal', message: /declares who may call it: that is its operation's security and x-roles in openapi\.yaml/ },
    );
  });
});
