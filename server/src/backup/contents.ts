// What a backup of a data dir holds, in one place for `backup` and `restore`: every file a
// restored CP needs to go on as the same cluster (the cluster marker, the CA, the CP's own
// certificates, admin.token, the database), their modes, and the manifest that names the
// cluster and each file's sha256. Not in it: the lock and pid files, and otherix.db-wal/-shm
// (the database copy is one consistent file).
import { basename, join } from 'node:path';
import type { DataDirFiles } from '../init/files.js';
import { secretFiles } from '../init/files.js';
import { NEXT_CA_CERT, NEXT_CA_KEY } from '../init/ca-rotation-keys.js';

export const BACKUP_FORMAT = 'otherix-backup';
export const BACKUP_FORMAT_VERSION = 1;
/** The archive's first entry. */
export const MANIFEST_NAME = 'otherix-backup.json';

export interface BackupMember {
  /** The entry's name in the archive: the file's name in the data dir. */
  name: string;
  /** The file in the data dir. */
  path: string;
  /** A restore refuses an archive without it. */
  required: boolean;
  /** 0600 (keys, the admin token, the database), else 0644. */
  mode: number;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: number;
  created_at: string;
  /** The cluster's id (cluster-id and the database's cluster row). */
  cluster_id: string;
  /** The cluster CA's fingerprint: what every agent pinned. */
  ca_fingerprint: string;
  /** The database's PRAGMA user_version (its migrations). */
  schema_version: number;
  nodes: number;
  /** The otherix-server that wrote it. */
  server_version: string;
  files: Record<string, { size: number; sha256: string }>;
}

/**
 * In the order they are archived and restored: cluster-id first (from then on a start on a
 * half-restored dir refuses instead of making a new cluster), the database last.
 */
export function backupMembers(files: DataDirFiles): BackupMember[] {
  // A CA rotation's new CA (init/ca-rotation-keys.ts): archived when present, the key 0600.
  const nextCert = join(files.dir, NEXT_CA_CERT);
  const nextKey = join(files.dir, NEXT_CA_KEY);
  const secret = new Set([...secretFiles(files), nextKey]);
  const member = (path: string, required: boolean): BackupMember => ({
    name: basename(path),
    path,
    required,
    mode: secret.has(path) ? 0o600 : 0o644,
  });
  return [
    member(files.clusterId, true),
    member(files.caCert, true),
    member(files.caKey, true),
    member(nextCert, false),
    member(nextKey, false),
    member(files.serverHosts, false),
    member(files.serverCert, false),
    member(files.serverKey, false),
    member(files.clientCert, false),
    member(files.clientKey, false),
    member(files.adminToken, false),
    member(files.database, true),
  ];
}

/** A manifest read back from an archive, checked for shape; undefined when it is not one. */
export function parseManifest(text: string): BackupManifest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const m = value as Partial<BackupManifest> | null;
  if (m === null || typeof m !== 'object' || m.format !== BACKUP_FORMAT || typeof m.version !== 'number') return undefined;
  if (typeof m.cluster_id !== 'string' || typeof m.ca_fingerprint !== 'string' || typeof m.files !== 'object' || m.files === null)
    return undefined;
  for (const file of Object.values(m.files)) {
    if (typeof file?.size !== 'number' || typeof file.sha256 !== 'string') return undefined;
  }
  return m as BackupManifest;
}
