// A backup taken during a CA rotation (issue 19) must hold the new CA's files beside the
// database that names it: a start on a data dir whose database records a rotation loads
// ca-next.key (services/ca-rotation.ts, trustFrom; all phases but rollback) and refuses to start
// without it, so an archive
// without them would not restore. The files are read before the database is copied; a rotation
// step that ran in between (its files are written before its database row) is caught by reading
// them once more, and a data dir that lacks them for good is refused, as a start would refuse it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OtherixError } from '@otherix/sdk';
import { fingerprintOfPem } from '@otherix/sdk/pki';
import sqlite3 from 'sqlite3';
import { NEXT_CA_CERT, NEXT_CA_KEY } from '../init/ca-rotation-keys.js';
import type { DataDirFiles } from '../init/files.js';

interface RotationRow {
  phase: string;
  next_ca_cert_pem: string | null;
}

/** The rotation row of a database copy (none before the rotation's migration). */
async function rotationRowOf(copy: string): Promise<RotationRow | undefined> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened = new sqlite3.Database(copy, sqlite3.OPEN_READONLY, (error) => (error === null ? resolve(opened) : reject(error)));
  });
  const all = <T>(sql: string): Promise<T[]> =>
    new Promise((resolve, reject) => db.all(sql, (error: Error | null, rows: T[]) => (error === null ? resolve(rows) : reject(error))));
  try {
    if ((await all("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'ca_rotation'")).length === 0) return undefined;
    return (await all<RotationRow>('SELECT phase, next_ca_cert_pem FROM ca_rotation'))[0];
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

function fingerprintOr(pem: Buffer | undefined): string | undefined {
  try {
    return pem === undefined ? undefined : fingerprintOfPem(pem.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Checks that `contents` (the data dir's files as read for the archive) holds the new CA's
 * certificate and key when the database copy records a rotation that needs them; reads them once
 * more if not. Throws data_dir_invalid when the data dir does not hold them.
 */
export async function checkRotationFiles(
  copy: string,
  files: DataDirFiles,
  contents: Map<string, Buffer>,
  caFingerprint: string,
): Promise<void> {
  const row = await rotationRowOf(copy);
  if (row?.next_ca_cert_pem == null) return;
  const needed = fingerprintOfPem(row.next_ca_cert_pem);
  // A completed rotation names the cluster's own CA: nothing more is needed. Rolling back, a start
  // needs no new CA's key either (services/ca-rotation.ts, trustFrom): its files are archived when present.
  if (needed === caFingerprint || row.phase === 'rollback') return;
  const held = (): boolean => contents.has(NEXT_CA_KEY) && fingerprintOr(contents.get(NEXT_CA_CERT)) === needed;
  if (held()) return;
  for (const name of [NEXT_CA_CERT, NEXT_CA_KEY]) {
    const data = await readFile(join(files.dir, name)).catch(() => undefined);
    if (data === undefined) contents.delete(name);
    else contents.set(name, data);
  }
  if (held()) return;
  throw new OtherixError(
    'data_dir_invalid',
    `${files.database} records a CA rotation (phase ${row.phase}, new CA ${needed}), but ${files.dir} does not hold that CA's ${NEXT_CA_CERT} and ${NEXT_CA_KEY}: ` +
      `otherix-server would refuse to start on it, and this backup would not restore. If a rotation step ran during this backup, run it again; ` +
      `otherwise restore ${NEXT_CA_CERT} and ${NEXT_CA_KEY} into ${files.dir} from the backup taken with this database, ` +
      `or, if the key is lost, roll the rotation back (\`otherix ca rotation rollback\`, or \`otherix-server rollback-ca-rotation --data-dir ${files.dir}\` with the CP stopped). Nothing was written`,
  );
}
