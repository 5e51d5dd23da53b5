// The data dir's layout: one place that names every file the CP keeps.
import { join } from 'node:path';
import { DATABASE_FILE } from '../store/sqlite/sqlite-store.js';

export const DEFAULT_DATA_DIR = './otherix-data';

export interface DataDirFiles {
  dir: string;
  caCert: string;
  caKey: string;
  /** The CP's serving certificate and key (TLS server). */
  serverCert: string;
  serverKey: string;
  /** The hosts the serving certificate was written for (to notice an --advertise-host change). */
  serverHosts: string;
  /** The CP's client certificate and key (for calling agents). */
  clientCert: string;
  clientKey: string;
  adminToken: string;
  database: string;
  /** SQLite's companions of the database (WAL mode). */
  databaseWal: string;
  databaseShm: string;
  /** The cluster marker: the cluster id, written when the first start completed (also in the database). */
  clusterId: string;
  /** Written when a first start begins, removed when it completes: an interrupted first start is redone. */
  clusterIdIncomplete: string;
  /** The lock held for the CP's life (an SQLite file used only for its lock). */
  lock: string;
  /** The pid of the CP holding the lock (for the message of a second one). */
  pid: string;
}

export function dataDirFiles(dir: string): DataDirFiles {
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    serverHosts: join(dir, 'server-hosts.json'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
    adminToken: join(dir, 'admin.token'),
    database: join(dir, DATABASE_FILE),
    databaseWal: join(dir, `${DATABASE_FILE}-wal`),
    databaseShm: join(dir, `${DATABASE_FILE}-shm`),
    clusterId: join(dir, 'cluster-id'),
    clusterIdIncomplete: join(dir, 'cluster-id.incomplete'),
    lock: join(dir, 'otherix.lock'),
    pid: join(dir, 'otherix-server.pid'),
  };
}

/** What a first start writes (besides the markers): removed together when an interrupted first start is redone. */
export function firstStartFiles(files: DataDirFiles): string[] {
  return [
    files.caCert,
    files.caKey,
    files.serverCert,
    files.serverKey,
    files.serverHosts,
    files.clientCert,
    files.clientKey,
    files.adminToken,
    files.database,
    files.databaseWal,
    files.databaseShm,
  ];
}

/** Files only the CP may read: the start refuses when group or others can. */
export function secretFiles(files: DataDirFiles): string[] {
  return [files.caKey, files.serverKey, files.clientKey, files.adminToken, files.database, files.databaseWal, files.databaseShm];
}
