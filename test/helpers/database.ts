// Straight reads of a CP's SQLite file (read-only, through sqlite3, not through the store under
// test), for asserting what a refused or interrupted operation left behind.
import sqlite3 from 'sqlite3';

/** The `n` column of the first row of `sql` (write it as `SELECT count(*) AS n ...`). */
export function countRows(path: string, sql: string, params: unknown[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (openError) => {
      if (openError !== null) return reject(openError);
      db.get<{ n: number }>(sql, params, (error, row) => {
        db.close();
        if (error !== null) reject(error);
        else resolve(row!.n);
      });
    });
  });
}
