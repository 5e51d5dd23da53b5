// The schema's migrations (store/migrations.ts, one list for both engines) on SQLite, tracked in
// PRAGMA user_version, one transaction per migration.
import { OtherixError } from '@otherix/sdk';
import { MIGRATIONS } from '../migrations.js';
import type { Sql } from './connection.js';

/** Brings the database to the last migration's version. Refuses a newer database. */
export async function migrate(sql: Sql): Promise<void> {
  const row = await sql.get<{ user_version: number }>('PRAGMA user_version');
  const current = row?.user_version ?? 0;
  if (current > MIGRATIONS.length) {
    throw new OtherixError(
      'data_dir_invalid',
      `the database is at schema version ${current}, newer than this otherix-server (${MIGRATIONS.length}): upgrade otherix-server`,
    );
  }
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    await sql.exec('BEGIN IMMEDIATE');
    try {
      const step = MIGRATIONS[version - 1].sqlite;
      if (typeof step === 'string') await sql.exec(step);
      else await step(sql);
      await sql.exec(`PRAGMA user_version = ${version}`);
      await sql.exec('COMMIT');
    } catch (error) {
      await sql.exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}
