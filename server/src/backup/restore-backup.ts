// `otherix-server restore`: an archive of `otherix-server backup` into an empty (or missing) data
// dir, under the data dir's lock (no CP may start there meanwhile). Everything is checked before
// anything is written: the archive's shape, each file's sha256 against the manifest, the files a
// restore needs, and that cluster-id and ca.crt are the manifest's cluster. Then the files are
// written atomically, in the order of contents.ts: cluster-id first (an interrupted restore
// leaves a dir that every start refuses, never one it would initialize as a new cluster), keys
// 0600 from the moment they exist, the database last; the folder is 0700.
//
// The restored CP is the same cluster: same CA, same node rows and certificate serials, so every
// node's existing certificate goes on working against it (agents trust the CA and the CP's
// SPIFFE identity, not a host name: the restored CP may run anywhere their cp_url reaches).
import { createHash } from 'node:crypto';
import { chmod, mkdir, open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { OtherixError, isOtherixError } from '@otherix/sdk';
import { fingerprintOfPem } from '@otherix/sdk/pki';
import { commitTempFile, createTempFile, discardTempFile, folderEntries, writeFileAtomic } from '@otherix/sdk/internal';
import { dataDirFiles } from '../init/files.js';
import type { DataDirFiles } from '../init/files.js';
import { acquireDataDirLock } from '../init/lock.js';
import { inspectDatabaseFile } from '../store/sqlite/inspect.js';
import { BACKUP_FORMAT_VERSION, MANIFEST_NAME, backupMembers, parseManifest } from './contents.js';
import type { BackupManifest, BackupMember } from './contents.js';
import { readTarEntries, readTarEntry, tarEntryChunks } from './tar.js';
import type { TarEntry } from './tar.js';

export interface RestoreOptions {
  dataDir: string;
  from: string;
}

export interface RestoreResult {
  dataDir: string;
  manifest: BackupManifest;
}

interface CheckedArchive {
  manifest: BackupManifest;
  /** Each member in the archive, in restore order, with its entry. */
  members: Array<{ member: BackupMember; entry: TarEntry }>;
}

async function entrySha256(archive: FileHandle, entry: TarEntry): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of tarEntryChunks(archive, entry)) hash.update(chunk);
  return hash.digest('hex');
}

/** Every check that needs only the archive; throws backup_invalid naming the first problem. */
async function checkArchive(archive: FileHandle, from: string, files: DataDirFiles): Promise<CheckedArchive> {
  const notABackup = (why: string): OtherixError =>
    new OtherixError(
      'backup_invalid',
      `${from} is not a whole otherix-server backup (${why}): nothing was written; take a new backup or use another copy`,
    );
  let entries: TarEntry[];
  try {
    entries = await readTarEntries(archive, (await archive.stat()).size);
  } catch (error) {
    if (isOtherixError(error, 'backup_invalid')) throw notABackup(error.message);
    throw error;
  }
  const [first, ...rest] = entries;
  if (first === undefined || first.name !== MANIFEST_NAME) throw notABackup(`it does not start with ${MANIFEST_NAME}`);
  const manifest = parseManifest((await readTarEntry(archive, first)).toString('utf8'));
  if (manifest === undefined) throw notABackup(`${MANIFEST_NAME} is not an otherix-server backup manifest`);
  if (manifest.version > BACKUP_FORMAT_VERSION) {
    throw new OtherixError(
      'backup_invalid',
      `${from} is a version ${manifest.version} backup, newer than this otherix-server reads (${BACKUP_FORMAT_VERSION}): restore it with the otherix-server that wrote it (${manifest.server_version})`,
    );
  }
  const byName = new Map(backupMembers(files).map((member) => [member.name, member]));
  const found = new Map<string, TarEntry>();
  for (const entry of rest) {
    if (!byName.has(entry.name)) throw notABackup(`it holds ${JSON.stringify(entry.name)}, which no backup holds`);
    if (found.has(entry.name)) throw notABackup(`it holds ${entry.name} twice`);
    const listed = manifest.files[entry.name];
    if (listed === undefined || listed.size !== entry.size) throw notABackup(`${entry.name} is not the file its manifest lists`);
    if ((await entrySha256(archive, entry)) !== listed.sha256)
      throw notABackup(`${entry.name} does not match its sha256 in the manifest: the file is damaged`);
    found.set(entry.name, entry);
  }
  for (const [name, member] of byName) {
    if (member.required && !found.has(name)) throw notABackup(`${name} is missing`);
    if (manifest.files[name] !== undefined && !found.has(name)) throw notABackup(`${name} is listed but missing`);
  }
  const clusterId = (await readTarEntry(archive, found.get('cluster-id')!)).toString('utf8').trim();
  if (clusterId !== manifest.cluster_id) throw notABackup(`its cluster-id is ${clusterId}, its manifest says ${manifest.cluster_id}`);
  let caFingerprint: string;
  try {
    caFingerprint = fingerprintOfPem((await readTarEntry(archive, found.get('ca.crt')!)).toString('utf8'));
  } catch (error) {
    throw notABackup(`its ca.crt does not decode: ${(error as Error).message}`);
  }
  if (caFingerprint !== manifest.ca_fingerprint)
    throw notABackup(`its ca.crt is ${caFingerprint}, its manifest says ${manifest.ca_fingerprint}`);
  const members = [...byName.values()]
    .filter((member) => found.has(member.name))
    .map((member) => ({ member, entry: found.get(member.name)! }));
  return { manifest, members };
}

function notEmpty(files: DataDirFiles, found: string[]): OtherixError {
  const shown = found.slice(0, 5).join(', ') + (found.length > 5 ? `, and ${found.length - 5} more` : '');
  return new OtherixError(
    'conflict',
    `${files.dir} is not empty (it holds ${shown}): restore writes only into an empty or new data dir, so it never mixes two clusters. ` +
      `Move that dir aside (it may be the cluster you are restoring: keep it until the restored CP runs), or give another --data-dir. Nothing was written`,
  );
}

/** Streams the database entry into place through a 0600 temp file. */
async function restoreLarge(archive: FileHandle, entry: TarEntry, path: string, mode: number): Promise<void> {
  const temp = await createTempFile(path, mode);
  try {
    let position = 0;
    for await (const chunk of tarEntryChunks(archive, entry)) {
      for (let done = 0; done < chunk.length;) {
        const { bytesWritten } = await temp.handle.write(chunk, done, chunk.length - done, position);
        done += bytesWritten;
        position += bytesWritten;
      }
    }
    await commitTempFile(temp, path);
  } catch (error) {
    await discardTempFile(temp);
    throw error;
  }
}

/**
 * Writes the archive's files into the (empty) data dir. A write that fails (a full or failing
 * disk) removes every file this restore wrote, so the dir is empty again and the same command
 * can run once there is room; a restore killed part way leaves a dir every start refuses.
 */
async function writeMembers(archive: FileHandle, checked: CheckedArchive, files: DataDirFiles, again: string): Promise<void> {
  const written: string[] = [];
  try {
    for (const { member, entry } of checked.members) {
      written.push(member.path);
      if (member.path === files.database) await restoreLarge(archive, entry, member.path, member.mode);
      else await writeFileAtomic(member.path, await readTarEntry(archive, entry), { mode: member.mode });
    }
  } catch (error) {
    for (const path of written) await rm(path, { force: true }).catch(() => undefined);
    const failed = written.at(-1)!;
    const cause = (isOtherixError(error) ? error.cause : error) as { code?: string; message?: string } | undefined;
    const size = Object.values(checked.manifest.files).reduce((sum, file) => sum + file.size, 0);
    throw new OtherixError(
      'file_write_failed',
      `cannot write ${failed} (${cause?.code ?? 'error'}: ${cause?.message ?? String(error)}): the restore stopped and removed the files it had written, so ${files.dir} is empty again; ` +
        `its files need about ${Math.ceil(size / 1024)} KiB: free space there (df -h ${files.dir}) or restore into a data dir on another file system, then run it again: ${again}`,
      { cause: error },
    );
  }
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const files = dataDirFiles(resolve(options.dataDir));
  const from = resolve(options.from);
  let archive: FileHandle;
  try {
    archive = await open(from, 'r');
  } catch (error) {
    throw new OtherixError(
      'backup_invalid',
      `cannot read ${from} (${(error as { code?: string }).code ?? (error as Error).message}): give the file otherix-server backup wrote`,
    );
  }
  try {
    const checked = await checkArchive(archive, from, files);
    // The lock and pid files a stopped CP leaves are not a cluster: such a dir counts as empty
    // (a running CP is refused by the lock itself).
    const lockFiles = new Set([basename(files.lock), basename(files.pid)]);
    const before = (await folderEntries(files.dir)).filter((name) => !lockFiles.has(name));
    if (before.length > 0) throw notEmpty(files, before);

    await mkdir(files.dir, { recursive: true, mode: 0o700 });
    await chmod(files.dir, 0o700); // an empty dir made by someone else (a systemd StateDirectory) may be wider
    const lock = await acquireDataDirLock(files);
    try {
      // Nothing but the lock may have appeared since (another restore, a CP that started).
      const now = (await folderEntries(files.dir)).filter((name) => !lockFiles.has(name));
      if (now.length > 0) throw notEmpty(files, now);
      await writeMembers(archive, checked, files, `otherix-server restore --data-dir ${files.dir} --from ${from}`);
      const database = await inspectDatabaseFile(files.database);
      if (database.state !== 'initialized' || database.marker?.id !== checked.manifest.cluster_id) {
        throw new OtherixError(
          'data_dir_invalid',
          `the restored ${files.database} is not cluster ${checked.manifest.cluster_id}'s database (${database.state}): empty ${files.dir} and restore again from another copy`,
        );
      }
    } finally {
      await lock.release();
    }
    return { dataDir: files.dir, manifest: checked.manifest };
  } finally {
    await archive.close();
  }
}
