// Redemptions are group-committed: a batch in one transaction, each attempt judged on the state
// the ones before it left (services/redemption-batch.ts over Store.redemptionTransaction). Driven
// here straight on a store of each engine (a real SQLite file, a real PostgreSQL) so a batch's
// make-up is exact: one token's uses, a name, a host shared inside one batch; a refused attempt
// writes nothing while the others commit; a write that fails rolls the batch back and each
// attempt runs again alone, so only the one that cannot be written fails.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { randomUUID } from 'node:crypto';
import { redeemJoinTokens } from '@otherix/server';
import type { JoinTokenRow, RedemptionAttempt, RedemptionOutcome, Store } from '@otherix/server';
import { onDatabase } from '../harness/postgres.js';
import { insertJoinToken, nodeRow, redemptionAttempt } from '../harness/store-rows.js';
import { testOnEachEngine, withPostgresStore, withScratchStore, withSqliteStore } from './scratch-store.js';

const NOW = Date.parse('2026-06-06T12:00:00Z');
let serial = 0x1000;

const token = (store: Store, maxUses: number, nodeName: string | null = null): Promise<JoinTokenRow> =>
  insertJoinToken(store, NOW, { maxUses, nodeName });

/** An attempt with the CP's own rules, for `name` on `host` (loopback hosts are never claimed). */
function attempt(tokenRow: JoinTokenRow, name: string, host = '127.0.0.1'): RedemptionAttempt {
  const i = serial++;
  const node = nodeRow(i, {
    id: randomUUID(),
    name,
    endpointHost: host,
    migrationHost: host,
    advertisedEndpoint: `https://${host}:9443`,
    certSerial: i.toString(16),
    createdAt: NOW,
  });
  return redemptionAttempt(tokenRow, node, NOW, host.startsWith('127.') ? [] : [host]);
}

const refusal = (outcome: RedemptionOutcome): string | undefined => {
  if (outcome.ok) return undefined;
  const error = outcome.error as { code?: string; details?: { reason?: string } };
  return error.details?.reason ?? error.code ?? String(outcome.error);
};

testOnEachEngine('inside one batch a token is used at most max_uses times, counted across the attempts', async (t, engine) => {
  await withScratchStore(engine, async (store) => {
    const two = await token(store, 2);
    const outcomes = await redeemJoinTokens(
      store,
      ['a', 'b', 'c', 'd'].map((name) => attempt(two, `n-${name}`)),
    );
    t.deepEqual(outcomes.map(refusal), [undefined, undefined, 'exhausted', 'exhausted']);
    t.is((await store.findJoinTokenById(two.id))!.consumed, 2);
    t.truthy(await store.findNodeByName('n-b'));
    t.is(await store.findNodeByName('n-c'), undefined);
  });
});

testOnEachEngine('inside one batch a name and a host are taken by the first attempt only', async (t, engine) => {
  await withScratchStore(engine, async (store) => {
    const fleet = await token(store, 0);
    const outcomes = await redeemJoinTokens(store, [
      attempt(fleet, 'same-name', '10.0.0.1'),
      attempt(fleet, 'same-name', '10.0.0.2'),
      attempt(fleet, 'other-name', '10.0.0.1'),
      attempt(fleet, 'third-name', '10.0.0.3'),
    ]);
    t.deepEqual(outcomes.map(refusal), [undefined, 'conflict', 'conflict', undefined]);
    t.is((await store.findNodeByName('same-name'))!.endpointHost, '10.0.0.1');
    t.is(await store.findNodeByName('other-name'), undefined);
    t.is((await store.findJoinTokenById(fleet.id))!.consumed, 2);
  });
});

testOnEachEngine('a bound token re-issues a name another attempt of the same batch created', async (t, engine) => {
  await withScratchStore(engine, async (store) => {
    const fleet = await token(store, 0);
    const bound = await token(store, 1, 'reborn');
    const [created, reissued] = await redeemJoinTokens(store, [attempt(fleet, 'reborn'), attempt(bound, 'reborn')]);
    t.true(created.ok && !created.result.reissued);
    t.true(reissued.ok && reissued.result.reissued);
    if (!created.ok || !reissued.ok) return;
    t.is(reissued.result.node.id, created.result.node.id, 'the node keeps its id');
    t.is((await store.findNodeCertificate(created.result.node.certSerial))!.status, 'replaced');
    t.is((await store.findNodeCertificate(reissued.result.node.certSerial))!.status, 'current');
  });
});

test('sqlite: a write that fails rolls the batch back, then each attempt runs alone: only that one fails', async (t) => {
  await withSqliteStore(async (store) => {
    // A write the rules cannot foresee: this trigger refuses one node's row.
    await store.connections.transaction((sql) =>
      sql.exec("CREATE TRIGGER poison BEFORE INSERT ON nodes WHEN NEW.name = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END"),
    );
    // The poisoned attempt left nothing behind: two uses, two consumptions, two certificates.
    await poisonedBatch(t, store);
    const certificates = await store.connections.read.get<{ n: number }>('SELECT count(*) AS n FROM node_certificates');
    t.is(certificates!.n, 2);
  });
});

testOnEachEngine('a node re-issued earlier in the batch onto a new host frees its old one for a later attempt', async (t, engine) => {
  await withScratchStore(engine, async (store) => {
    const fleet = await token(store, 0);
    const [first] = await redeemJoinTokens(store, [attempt(fleet, 'mover', '10.0.0.5')]);
    t.true(first.ok);
    const bound = await token(store, 1, 'mover');
    // Read at the start of the batch, 10.0.0.5 is mover's; by the second attempt it no longer is.
    const outcomes = await redeemJoinTokens(store, [
      attempt(bound, 'mover', '10.0.0.6'),
      attempt(fleet, 'newcomer', '10.0.0.5'),
      attempt(fleet, 'late', '10.0.0.6'),
    ]);
    t.deepEqual(outcomes.map(refusal), [undefined, undefined, 'conflict']);
    t.is((await store.findNodeByName('mover'))!.endpointHost, '10.0.0.6');
    t.is((await store.findNodeByName('newcomer'))!.endpointHost, '10.0.0.5');
  });
});

testOnEachEngine('independent attempts of one batch all commit, with one use each of their shared fleet token', async (t, engine) => {
  await withScratchStore(engine, async (store) => {
    const fleet = await token(store, 0);
    const names = Array.from({ length: 50 }, (_, i) => `fleet-${i}`);
    const outcomes = await redeemJoinTokens(
      store,
      names.map((name, i) => attempt(fleet, name, i % 2 === 0 ? '127.0.0.1' : `10.1.0.${i}`)),
    );
    t.deepEqual(
      outcomes.map(refusal),
      names.map(() => undefined),
    );
    t.is((await store.findJoinTokenById(fleet.id))!.consumed, 50);
    t.is((await store.listConsumptions(fleet.id, { limit: 100 })).items.length, 50);
    for (const name of names) {
      const node = await store.findNodeByName(name);
      t.truthy(node, name);
      t.is((await store.findNodeCertificate(node!.certSerial))?.status, 'current', name);
    }
  });
});

test('sqlite: a write that makes SQLite roll the whole transaction back (as a full disk would) leaves no part of any join', async (t) => {
  await withSqliteStore(async (store) => {
    // RAISE(ROLLBACK) ends the transaction inside SQLite, as SQLITE_FULL or an I/O error would:
    // any statement of the batch that ran after it would run on its own and commit.
    await store.connections.transaction((sql) =>
      sql.exec(
        "CREATE TRIGGER poison BEFORE INSERT ON nodes WHEN NEW.name = 'poison' BEGIN SELECT RAISE(ROLLBACK, 'transaction ended'); END",
      ),
    );
    const fleet = await token(store, 0);
    const outcomes = await redeemJoinTokens(store, [attempt(fleet, 'first'), attempt(fleet, 'poison'), attempt(fleet, 'last')]);
    t.deepEqual(
      outcomes.map((o) => o.ok),
      [true, false, true],
    );
    t.is((await store.findJoinTokenById(fleet.id))!.consumed, 2);
    t.is((await store.listConsumptions(fleet.id, { limit: 10 })).items.length, 2);
    const certificates = await store.connections.read.all<{ node_id: string }>('SELECT node_id FROM node_certificates');
    const nodes = await store.connections.read.all<{ id: string }>('SELECT id FROM nodes');
    t.is(certificates.length, 2);
    t.deepEqual(new Set(certificates.map((c) => c.node_id)), new Set(nodes.map((n) => n.id)), 'no certificate without its node');
  });
});

test('postgres: a write that fails rolls the batch back, then each attempt runs alone: only that one fails', async (t) => {
  await withPostgresStore(async (store, url) => {
    // A write the rules cannot foresee: this trigger refuses one node's row.
    await onDatabase(url, (client) =>
      client.query(`
      CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'poisoned row'; END $$;
      CREATE TRIGGER poison BEFORE INSERT ON nodes FOR EACH ROW WHEN (NEW.name = 'poison') EXECUTE FUNCTION poison();`),
    );
    await poisonedBatch(t, store);
    const certificates = await onDatabase(url, (client) => client.query('SELECT node_id FROM node_certificates'));
    t.is(certificates.rowCount, 2);
  });
});

/** before, poison, after: only the poisoned attempt fails and leaves nothing. */
async function poisonedBatch(t: ExecutionContext, store: Store): Promise<void> {
  const fleet = await token(store, 0);
  const outcomes = await redeemJoinTokens(store, [attempt(fleet, 'before'), attempt(fleet, 'poison'), attempt(fleet, 'after')]);
  t.true(outcomes[0].ok);
  t.false(outcomes[1].ok);
  t.regex(String((outcomes[1] as { error: unknown }).error), /poisoned row/);
  t.true(outcomes[2].ok);
  t.truthy(await store.findNodeByName('before'));
  t.truthy(await store.findNodeByName('after'));
  t.is(await store.findNodeByName('poison'), undefined);
  t.is((await store.findJoinTokenById(fleet.id))!.consumed, 2);
  t.is((await store.listConsumptions(fleet.id, { limit: 10 })).items.length, 2);
}
