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
  };
}
