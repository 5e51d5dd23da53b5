// /readyz on PostgreSQL (issue 18 item 7): 200 only while this replica can reach and write its
// database; 503 `unavailable` saying why when it cannot (the database refusing connections, the
// server gone), while /healthz, liveness, stays 200. Faults for real: the database is closed to
// new connections and the replica's own are ended (as a failover or an operator would), then the
// PostgreSQL server is stopped.
import test from 'ava';
import { api, startControlPlane } from '../harness/control-plane.js';
import { onDatabase, stopPostgres } from '../harness/postgres.js';

test.after.always(stopPostgres);

test('readyz answers 200 while the replica can write its database, 503 with the cause when it cannot, healthz stays 200', async (t) => {
  const cp = await startControlPlane({ engine: 'postgres' });
  t.teardown(() => cp.close().catch(() => undefined));
  const url = cp.databaseUrl!;
  const name = new URL(url).pathname.slice(1);
  t.deepEqual((await api(cp, 'GET', '/readyz')).body, { status: 'ok' });

  // The database refuses new connections and this replica's are ended.
  const admin = new URL(url);
  admin.pathname = '/postgres';
  await onDatabase(admin.toString(), async (client) => {
    await client.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  });
  const closed = await api(cp, 'GET', '/readyz');
  t.is(closed.status, 503, closed.text);
  t.is(closed.body.error.code, 'unavailable');
  t.regex(closed.body.error.message, /^not ready: the database cannot be/);
  t.is((await api(cp, 'GET', '/healthz')).status, 200, 'liveness is not readiness');

  await onDatabase(admin.toString(), (client) => client.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`));
  t.is((await api(cp, 'GET', '/readyz')).status, 200, 'ready again once the database takes connections');

  await stopPostgres();
  const gone = await api(cp, 'GET', '/readyz');
  t.is(gone.status, 503, gone.text);
  t.regex(gone.body.error.message, /cannot be reached \(ECONNREFUSED\)/);
  t.false(gone.text.includes(url), 'the answer names no database URL');
  t.is((await api(cp, 'GET', '/healthz')).status, 200);
});
