// Straight reads of a CP's SQLite file (through sqlite3, not through the store under test), for
// asserting what a refused or interrupted operation left behind; and straight writes, for rows
// an older CP stored that today's API would refuse.
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

/**
 * One write straight into a CP's SQLite file, beside the running CP (SQLite locks the file):
 * for rows an older CP stored, which today's API would refuse.
 */
export function writeRow(path: string, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, sqlite3.OPEN_READWRITE, (openError) => {
      if (openError !== null) return reject(openError);
      db.configure('busyTimeout', 10_000);
      db.run(sql, params, (error) => {
        db.close();
        if (error !== null) reject(error);
        else resolve();
      });
    });
  });
}
