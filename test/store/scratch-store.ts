// Stores for the store's own tests, on each engine: a fresh store (SQLite in a temp folder, or a
// new database on this process's embedded PostgreSQL), and one seeded with node rows through the
// Store interface (importRows). Tests here go through the Store interface; only the engine fault
// tests reach an engine's internals (SQLite's connections, raw SQL on PostgreSQL).
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgStore, SqliteStore } from '@otherix/server';
import type { NodeRow, Store } from '@otherix/server';
import { freshDatabaseUrl, stopPostgres } from '../harness/postgres.js';

import type { Engine } from '../harness/engine.js';

export type { Engine };
export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

// One PostgreSQL per test file (process), stopped when its tests are done.
test.after.always(stopPostgres);

/** A fresh SQLite store in a temp folder, closed and removed after `use`. */
export async function withSqliteStore<T>(use: (store: SqliteStore) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-store-'));
  const store = await SqliteStore.open(join(dir, 'otherix.db'));
  try {
    return await use(store);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A fresh PostgreSQL store (a new database), closed after `use`; `url` is its database's. */
export async function withPostgresStore<T>(use: (store: PgStore, url: string) => Promise<T>): Promise<T> {
  const url = await freshDatabaseUrl();
  const store = await PgStore.open(url);
  try {
    return await use(store, url);
  } finally {
    await store.close();
  }
}

/** A fresh store on `engine`, closed (and removed) after `use`. */
export function withScratchStore<T>(engine: Engine, use: (store: Store) => Promise<T>): Promise<T> {
  return engine === 'sqlite' ? withSqliteStore(use) : withPostgresStore(use);
}

/** A fresh store on `engine` holding `rows` (written through importRows), closed and removed after `use`. */
export function withStoredNodes<T>(engine: Engine, rows: readonly NodeRow[], use: (store: Store) => Promise<T>): Promise<T> {
  return withScratchStore(engine, async (store) => {
    await store.importRows({ nodes: [...rows] });
    return use(store);
  });
}

/** Declares the test once per engine, titled `<engine>: <title>`. */
export function testOnEachEngine(title: string, body: (t: ExecutionContext, engine: Engine) => Promise<void>): void {
  for (const engine of ENGINES) test(`${engine}: ${title}`, (t) => body(t, engine));
}
