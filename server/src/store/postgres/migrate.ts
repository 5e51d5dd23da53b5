// The schema's migrations (store/migrations.ts, one list for both engines) on PostgreSQL, tracked
// in the one-row schema_version table. Each migration is one transaction that first takes an
// advisory lock, so replicas that start together migrate once: the others wait, then find the
// version already there.
import { OtherixError } from '@otherix/sdk';
import { MIGRATIONS } from '../migrations.js';
import type { PgConnections } from './connection.js';

/** The advisory lock key of migrations ("migrate" in ASCII), a bigint: as text, since it is over 2^53. */
const MIGRATION_LOCK_KEY = BigInt('0x6d696772617465').toString();

/** Brings the database to the last migration's version. Refuses a newer database. */
export async function migrate(db: PgConnections): Promise<void> {
  for (;;) {
    const done = await db.transaction(async (sql) => {
      await sql.run('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
      await sql.exec(
        'CREATE TABLE IF NOT EXISTS schema_version (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), version INTEGER NOT NULL)',
      );
      const current = (await sql.get<{ version: number }>('SELECT version FROM schema_version'))?.version ?? 0;
      if (current > MIGRATIONS.length) {
        throw new OtherixError(
          'config_invalid',
          `the PostgreSQL database is at schema version ${current}, newer than this otherix-server (${MIGRATIONS.length}): upgrade otherix-server`,
        );
      }
      if (current === MIGRATIONS.length) return true;
      const step = MIGRATIONS[current].postgres;
      if (typeof step === 'string') await sql.exec(step);
      else await step(sql);
      await sql.run(
        'INSERT INTO schema_version (singleton, version) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET version = excluded.version',
        [current + 1],
      );
      return false;
    });
    if (done) return;
  }
}
