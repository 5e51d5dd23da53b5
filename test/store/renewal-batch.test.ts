// Renewals are group-committed, like joins: a batch in one transaction, each attempt judged in
// order on the state the ones before it left (services/renewal-batch.ts over
// store.renewals.transaction). Driven here straight on a store of each engine so a batch's make-up
// is exact: a current certificate, a pending leaf that is promoted first, a pending leaf that is
// superseded, two renewals of one node in one batch, a refused attempt that writes nothing while
// the others commit, and a write that fails, which rolls the batch back so each attempt runs again
// alone and only that one fails.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { SqliteStore, renewNodeCertificates } from '@otherix/server';
import type { NodeCertificateRow, NodeRow, RenewalAttempt, RenewalOutcome, Store } from '@otherix/server';
import { asSchema5, databasePath } from '../harness/database-file.js';
import { nodeRow } from '../harness/store-rows.js';
import { testOnEachEngine, withSqliteStore, withStoredNodes } from './scratch-store.js';
import type { Engine } from './scratch-store.js';

const NOW = Date.parse('2026-06-06T12:00:00Z');
let next = 0x5000;

/** The store holding `count` nodes, node i with current certificate `c<i>`. */
/** Each row's certificate, recorded as its node's current one. */
function currentCertificates(rows: readonly NodeRow[]): NodeCertificateRow[] {
  return rows.map((row) => ({ serial: row.certSerial, nodeId: row.id, notAfter: row.certNotAfter, status: 'current', issuedAt: NOW }));
}

async function withNodes(engine: Engine, count: number, use: (store: Store) => Promise<void>): Promise<void> {
  const rows = Array.from({ length: count }, (_, i) => nodeRow(i, { certSerial: `c${i}` }));
  await withStoredNodes(engine, rows, async (store) => {
    await store.importRows({ certificates: currentCertificates(rows) });
    await use(store);
  });
}

/** withNodes on SQLite, with its connections at hand (fault injection). */
function withSqliteNodes(count: number, use: (store: SqliteStore) => Promise<void>): Promise<void> {
  return withSqliteStore(async (store) => {
    const rows = Array.from({ length: count }, (_, i) => nodeRow(i, { certSerial: `c${i}` }));
    await store.importRows({ nodes: rows, certificates: currentCertificates(rows) });
    await use(store);
  });
}

const idOf = (i: number): string => nodeRow(i).id;

/** A renewal of node i presented with `presented`, by the service's rule: current or pending, of that node. */
function attempt(i: number, presented: string, serial = (next++).toString(16)): RenewalAttempt {
  return {
    nodeId: idOf(i),
    presentedSerial: presented,
    certificate: { serial, notAfter: NOW + 30 * 86_400_000, issuedAt: NOW },
    decide: (state) => {
      const p = state.presented;
      if (state.node === undefined || p === undefined || p.nodeId !== idOf(i) || (p.status !== 'current' && p.status !== 'pending')) {
        throw Object.assign(new Error('refused'), { code: 'unauthenticated', status: p?.status });
      }
    },
  };
}

async function statuses(store: Store, serials: string[]): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const serial of serials) out[serial] = (await store.findNodeCertificate(serial))?.status;
  return out;
}

const summary = (outcome: RenewalOutcome): unknown =>
  outcome.ok
    ? { ok: true, serial: outcome.result.node.certSerial, promoted: outcome.result.promoted?.serial, superseded: outcome.result.superseded }
    : { ok: false, status: (outcome.error as { status?: string }).status };

testOnEachEngine(
  'one batch: a current certificate, a pending one promoted first, a pending leaf superseded, and a refusal that writes nothing',
  async (t, engine) => {
    await withNodes(engine, 4, async (store) => {
      // Node 1 and node 2 each have a pending leaf already.
      const [p1, p2] = await renewNodeCertificates(store, [attempt(1, 'c1', 'p1'), attempt(2, 'c2', 'p2')]);
      t.true(p1.ok && p2.ok);
      const outcomes = await renewNodeCertificates(store, [
        attempt(0, 'c0', 'n0'),
        attempt(1, 'p1', 'n1'),
        attempt(2, 'c2', 'n2'),
        attempt(3, 'nope', 'n3'),
      ]);
      t.deepEqual(outcomes.map(summary), [
        { ok: true, serial: 'c0', promoted: undefined, superseded: undefined },
        { ok: true, serial: 'p1', promoted: 'p1', superseded: undefined },
        { ok: true, serial: 'c2', promoted: undefined, superseded: 'p2' },
        { ok: false, status: undefined },
      ]);
      t.deepEqual(await statuses(store, ['c0', 'n0', 'c1', 'p1', 'n1', 'c2', 'p2', 'n2', 'c3', 'n3']), {
        c0: 'current',
        n0: 'pending',
        c1: 'renewed',
        p1: 'current',
        n1: 'pending',
        c2: 'current',
        p2: 'superseded',
        n2: 'pending',
        c3: 'current',
        n3: undefined,
      });
      t.is((await store.findNodeById(idOf(1)))!.certSerial, 'p1');
    });
  },
);

testOnEachEngine(
  'two renewals of one node in one batch: the second is judged on what the first wrote, and supersedes its leaf',
  async (t, engine) => {
    await withNodes(engine, 1, async (store) => {
      const outcomes = await renewNodeCertificates(store, [attempt(0, 'c0', 'a'), attempt(0, 'c0', 'b'), attempt(0, 'a', 'c')]);
      t.deepEqual(outcomes.map(summary), [
        { ok: true, serial: 'c0', promoted: undefined, superseded: undefined },
        { ok: true, serial: 'c0', promoted: undefined, superseded: 'a' },
        { ok: false, status: 'superseded' },
      ]);
      t.deepEqual(await statuses(store, ['c0', 'a', 'b', 'c']), { c0: 'current', a: 'superseded', b: 'pending', c: undefined });
    });
  },
);

test('sqlite: a write that fails rolls the batch back, then each attempt runs alone: only that one fails', async (t) => {
  await withSqliteNodes(3, async (store) => {
    await store.connections.transaction((sql) =>
      sql.exec(
        "CREATE TRIGGER poison BEFORE INSERT ON node_certificates WHEN NEW.serial = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END",
      ),
    );
    const outcomes = await renewNodeCertificates(store, [attempt(0, 'c0', 'x0'), attempt(1, 'c1', 'poison'), attempt(2, 'c2', 'x2')]);
    t.deepEqual(
      outcomes.map((o) => o.ok),
      [true, false, true],
    );
    t.regex(String((outcomes[1] as { error: Error }).error.message), /poisoned row/);
    t.deepEqual(await statuses(store, ['x0', 'poison', 'x2', 'c1']), { x0: 'pending', poison: undefined, x2: 'pending', c1: 'current' });
  });
});

test('sqlite: a database of schema 5 (before renewals) is migrated: node_certificates keeps its rows and takes the renewal statuses', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-migrate-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = databasePath(dir);
  await (await SqliteStore.open(path)).close();
  // Back to what schema 5 had (the table with its old CHECK), with a row in it.
  await asSchema5(dir);
  await exec(path, "INSERT INTO node_certificates VALUES ('old', 'n', 1, 'replaced', 1)");
  await t.throwsAsync(exec(path, "INSERT INTO node_certificates VALUES ('early', 'n', 1, 'pending', 1)"), { message: /CHECK/ });
  const store = await SqliteStore.open(path);
  t.teardown(() => store.close());
  t.is((await store.findNodeCertificate('old'))?.status, 'replaced');
  await store.connections.transaction((sql) => sql.run("INSERT INTO node_certificates VALUES ('new', 'n', 1, 'pending', 1)"));
  t.is((await store.findNodeCertificate('new'))?.status, 'pending');
  await t.throwsAsync(
    store.connections.transaction((sql) => sql.run("INSERT INTO node_certificates VALUES ('second', 'n', 1, 'pending', 1)")),
    { message: /UNIQUE/ },
    'one pending leaf per node',
  );
  await t.throwsAsync(
    store.connections.transaction((sql) => sql.run("INSERT INTO node_certificates VALUES ('bad', 'n', 1, 'whatever', 1)")),
    { message: /CHECK/ },
  );
});

function exec(path: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (openError) => {
      if (openError !== null) return reject(openError);
      db.exec(sql, (error) => db.close(() => (error === null ? resolve() : reject(error))));
    });
  });
}
