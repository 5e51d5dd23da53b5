// `otherix-server backup`: one archive (tar, see tar.ts) of everything a restore needs, taken
// while the CP runs or not. The database is copied with `VACUUM INTO` on a read-only connection
// of its own: one read transaction, so the copy is the database at one instant (WAL mode lets
// the CP write on meanwhile, and the copy never waits for it). The other files are read whole;
// the CA never changes, and a server.crt/server.key pair caught mid-renewal is re-issued by the
// restored CP's first start (it re-issues a pair that does not match).
//
// It takes no lock: it must run beside the CP that holds the data dir's lock. The copy and the
// archive are 0600 from the moment they exist, both in a 0700 work folder beside --out until the
// archive is linked to --out (work-folder.ts: whose folder it is, and how an interrupted run's is
// removed).
import { createHash } from 'node:crypto';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { OtherixError } from '@otherix/sdk';
import { fingerprintOfPem } from '@otherix/sdk/pki';
import { commitTempFile, createTempFile, discardTempFile, isUuid, passWriteStep } from '@otherix/sdk/internal';
import sqlite3 from 'sqlite3';
import { dataDirFiles } from '../init/files.js';
import { assertDataDirOwner } from '../init/owner.js';
import { BUSY_TIMEOUT_MS } from '../store/sqlite/connection.js';
import { inspectDatabaseFile } from '../store/sqlite/inspect.js';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, MANIFEST_NAME, backupMembers } from './contents.js';
import type { BackupManifest } from './contents.js';
import { checkRotationFiles } from './rotation-files.js';
import { TarWriter } from './tar.js';
import { makeWorkFolder, removeStaleWorkFolders } from './work-folder.js';

export interface BackupOptions {
  dataDir: string;
  out: string;
  /** Shown in the manifest. */
  serverVersion: string;
  now?: () => number;
  /** Hears what the backup did besides the archive (the work folders of killed backups it removed). */
  say?: (line: string) => void;
}

export interface BackupResult {
  out: string;
  bytes: number;
  manifest: BackupManifest;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The database at one instant, into `target` (which must not exist): 0600 from the moment it exists. */
async function copyDatabase(source: string, target: string): Promise<void> {
  // VACUUM INTO takes an existing empty file as it is: made here 0600, not with SQLite's 0644.
  const made = await open(target, 'wx', 0o600);
  await made.chmod(0o600).finally(() => made.close());
  const db = await new Promise<sqlite3.Database>((resolveDb, reject) => {
    const opened = new sqlite3.Database(source, sqlite3.OPEN_READONLY, (error) => (error === null ? resolveDb(opened) : reject(error)));
  });
  try {
    db.configure('busyTimeout', BUSY_TIMEOUT_MS);
    await new Promise<void>((resolveRun, reject) =>
      db.run('VACUUM INTO ?', [target], (error) => (error === null ? resolveRun() : reject(error))),
    );
  } finally {
    await new Promise<void>((resolveClose) => db.close(() => resolveClose()));
  }
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** What to do when the folder of --out cannot take the copy or the archive. */
function roomAdvice(out: string, again: string): string {
  return `free space there (df -h ${dirname(out)}) or give an --out on another file system, then run it again: ${again}`;
}

export async function takeBackup(options: BackupOptions): Promise<BackupResult> {
  const now = options.now ?? Date.now;
  const files = dataDirFiles(resolve(options.dataDir));
  const out = resolve(options.out);
  const again = `otherix-server backup --data-dir ${files.dir} --out ${out}`;

  if (!(await exists(files.dir)))
    throw new OtherixError('data_dir_invalid', `no data dir at ${files.dir}: give the --data-dir of the control plane to back up`);
  if (!(await exists(files.clusterId))) {
    throw new OtherixError(
      'data_dir_invalid',
      `${files.dir} holds no cluster (no cluster-id): back up the data dir of a control plane that has started once` +
        `${(await exists(files.clusterIdIncomplete)) ? ' (its first start is running or was interrupted: start it and let it finish)' : ''}`,
    );
  }
  if (await exists(out))
    throw new OtherixError('conflict', `${out} exists: a backup never overwrites a file; give another --out, or remove it first`);
  if (!(await exists(dirname(out))))
    throw new OtherixError('file_write_failed', `${dirname(out)} does not exist: create the folder for --out first`);
  await assertDataDirOwner(files, again);

  const members = backupMembers(files);
  const contents = new Map<string, Buffer>();
  for (const member of members) {
    if (member.path === files.database) continue;
    try {
      contents.set(member.name, await readFile(member.path));
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT')
        throw new OtherixError(
          'data_dir_invalid',
          `cannot read ${member.path} (${(error as { code?: string }).code ?? (error as Error).message}): run it as the data dir's owner`,
        );
      if (member.required)
        throw new OtherixError(
          'data_dir_invalid',
          `${member.path} is missing: ${files.dir} is not a whole cluster (otherix-server would refuse to start on it too); restore it first`,
        );
    }
  }
  const clusterId = contents.get(basename(files.clusterId))!.toString('utf8').trim();
  if (!isUuid(clusterId))
    throw new OtherixError(
      'data_dir_invalid',
      `${files.clusterId} does not hold a cluster id: ${files.dir} is damaged; restore cluster-id first`,
    );
  let caFingerprint: string;
  try {
    caFingerprint = fingerprintOfPem(contents.get(basename(files.caCert))!.toString('utf8'));
  } catch (error) {
    throw new OtherixError('data_dir_invalid', `${files.caCert} cannot be decoded (${(error as Error).message}): restore ca.crt first`);
  }

  // What a killed backup left beside --out holds a copy of the keys: gone before anything new is written.
  const stale = await removeStaleWorkFolders(dirname(out));
  if (stale.length > 0)
    options.say?.(
      `otherix-server: removed ${stale.join(', ')} in ${dirname(out)}: the temp folder${stale.length === 1 ? '' : 's'} of a backup killed before it finished`,
    );

  // The database copy and the archive's temp file, in a private folder beside --out (the archive's filesystem).
  const work = await makeWorkFolder(dirname(out)).catch((error: NodeJS.ErrnoException) => {
    throw new OtherixError(
      'file_write_failed',
      `cannot write into ${dirname(out)} (${error.code ?? 'error'}: ${error.message}): nothing was written; ` +
        (error.code === 'EACCES' || error.code === 'EPERM' || error.code === 'EROFS'
          ? `the backup runs as uid ${process.getuid?.() ?? '?'} (the data dir's owner) and needs a folder it can write for --out, e.g. \`install -d -m 0700 -o <that user> ${dirname(out)}/otherix\`, then run it again with --out there`
          : roomAdvice(out, again)),
      { cause: error },
    );
  });
  try {
    const copy = join(work, basename(files.database));
    try {
      await copyDatabase(files.database, copy);
      passWriteStep('backup-after-database-copy');
    } catch (error) {
      // A database SQLite cannot read is the data dir's problem; anything else (a full disk beside --out) the copy's.
      const unreadable = ['SQLITE_CORRUPT', 'SQLITE_NOTADB'].includes((error as { code?: string }).code ?? '');
      throw new OtherixError(
        unreadable ? 'data_dir_invalid' : 'file_write_failed',
        `cannot copy ${files.database} (${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}): nothing was written` +
          (unreadable ? '' : `; ${roomAdvice(out, again)}`),
      );
    }
    const database = await inspectDatabaseFile(copy);
    if (database.state !== 'initialized' || database.marker === undefined) {
      const what =
        database.state === 'damaged'
          ? `damaged (${database.code}: ${database.detail})`
          : database.state === 'initialized'
            ? 'without a cluster marker'
            : database.state;
      throw new OtherixError(
        'data_dir_invalid',
        `${files.database} is ${what}: this backup would not restore; start otherix-server on ${files.dir} to see what it needs. Nothing was written`,
      );
    }
    if (database.marker.id !== clusterId || database.marker.caFingerprint !== caFingerprint) {
      throw new OtherixError(
        'data_dir_invalid',
        `${files.database} belongs to cluster ${database.marker.id} (CA ${database.marker.caFingerprint}), but ${files.dir} holds cluster ${clusterId} (CA ${caFingerprint}): ` +
          `otherix-server would refuse to start on it, and this backup would not restore. Nothing was written`,
      );
    }
    await checkRotationFiles(copy, files, contents, caFingerprint);

    const databaseSize = (await stat(copy)).size;
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_FORMAT_VERSION,
      created_at: new Date(now()).toISOString(),
      cluster_id: clusterId,
      ca_fingerprint: caFingerprint,
      schema_version: database.schemaVersion,
      nodes: database.nodes,
      server_version: options.serverVersion,
      files: {},
    };
    for (const member of members) {
      if (member.path === files.database) manifest.files[member.name] = { size: databaseSize, sha256: await fileSha256(copy) };
      else {
        const data = contents.get(member.name);
        if (data !== undefined) manifest.files[member.name] = { size: data.length, sha256: sha256(data) };
      }
    }

    const archive = await createTempFile(join(work, basename(out)), 0o600);
    try {
      const tar = new TarWriter(archive.handle, Math.floor(now() / 1000));
      await tar.add(MANIFEST_NAME, 0o644, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
      for (const member of members) {
        if (member.path === files.database) {
          const source = await open(copy, 'r');
          try {
            await tar.addFrom(member.name, member.mode, source, databaseSize);
          } finally {
            await source.close();
          }
        } else {
          const data = contents.get(member.name);
          if (data !== undefined) await tar.add(member.name, member.mode, data);
        }
      }
      await tar.finish();
      await commitTempFile(archive, out, { noClobber: true });
    } catch (error) {
      await discardTempFile(archive);
      const code = (error as { code?: string }).code;
      if (code === 'EEXIST')
        throw new OtherixError('conflict', `${out} appeared while the backup was written: it was left as it is; give another --out`);
      // A full or failing disk beside --out (ENOSPC, EIO, EDQUOT): the archive's problem, said with what to do.
      const size = Object.values(manifest.files).reduce((sum, file) => sum + file.size, 0);
      throw new OtherixError(
        'file_write_failed',
        `cannot write ${out} (${code ?? 'error'}: ${(error as Error).message}): nothing was written (the partial archive was removed); ` +
          `the archive needs about ${Math.ceil(size / 1024)} KiB; ${roomAdvice(out, again)}`,
        { cause: error },
      );
    }
    return { out, bytes: (await stat(out)).size, manifest };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
