// A start on PostgreSQL (--database-url): one replica of a cluster whose state is in the database.
// The cluster (its id, its CA with the key sealed with --secret-file, API and join tokens, nodes,
// serials) lives in PostgreSQL; the data dir keeps only this replica's own files: its lock, a copy
// of the CA certificate (ca.crt, written at each start), its serving and client certificates
// (issued from the shared CA for its own --advertise-host names, re-issued at start when missing,
// unfit or made for other hosts), and admin.token on the replica
// that created the cluster. Starting a second replica is: the database URL, a copy of the secret
// file, its host name (server/README.md).
//
// The first replica to start on an empty database creates the cluster (CA, marker and first admin
// token in one transaction); replicas starting together race on the cluster row, one wins and the
// others use its CA.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OtherixError } from '@otherix/sdk';
import { fingerprintOfPem } from '@otherix/sdk/pki';
import { KEY_FILE_MODE, PUBLIC_FILE_MODE, generateToken, removeWriteLeftovers, writeFileAtomic } from '@otherix/sdk/internal';
import { firstAdminTokenRow } from '../services/api-tokens.js';
import { ClusterCa } from '../services/ca.js';
import { sealKey, unsealKey } from '../services/sealed-key.js';
import { PgStore, redactDatabaseUrl } from '../store/postgres/postgres-store.js';
import type { SharedCluster } from '../store/postgres/postgres-store.js';
import { SealedCaKeys } from './ca-rotation-keys.js';
import type { ControlPlaneMaterial } from './data-dir.js';
import { withCpCertificates } from './data-dir.js';
import { dataDirFiles } from './files.js';
import { acquireDataDirLock } from './lock.js';
import { checkDataDirModes } from './modes.js';
import { readSecretFile } from './secret-file.js';

export interface ReplicaOptions {
  /** This replica's own files (lock, certificates, admin.token of the first replica). */
  dataDir: string;
  /** postgres://user:password@host:port/database */
  databaseUrl: string;
  /** The secret file every replica is given. */
  secretFile: string | undefined;
  advertiseHosts?: readonly string[];
  now?: () => number;
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** A new cluster's row: its id, a new CA (key sealed with the secret) and the first admin token's row. */
export async function newSharedCluster(
  secret: Buffer,
  now: number,
  ca?: { certPem: string; keyPem: string; fingerprint: string },
): Promise<{ cluster: SharedCluster; ca: ClusterCa }> {
  const made = ca === undefined ? await ClusterCa.create(now) : undefined;
  const material = ca ?? made!.material;
  const clusterCa = made?.ca ?? ClusterCa.fromPem({ certPem: material.certPem, keyPem: material.keyPem });
  return {
    cluster: {
      id: randomUUID(),
      caFingerprint: clusterCa.fingerprint,
      createdAt: now,
      caCertPem: material.certPem,
      caKeySealed: sealKey(material.keyPem, secret),
    },
    ca: clusterCa,
  };
}

/** The shared CA from the cluster row, its key unsealed with the secret. */
export function sharedCa(cluster: SharedCluster, secret: Buffer): ClusterCa {
  const keyPem = unsealKey(cluster.caKeySealed, secret);
  try {
    return ClusterCa.fromPem({ certPem: cluster.caCertPem, keyPem });
  } catch (error) {
    throw new OtherixError(
      'data_dir_invalid',
      `refusing to start: the cluster CA in the database is unusable (${(error as Error).message})`,
    );
  }
}

export async function initReplica(options: ReplicaOptions): Promise<ControlPlaneMaterial> {
  const now = options.now ?? Date.now;
  const secret = await readSecretFile(options.secretFile);
  const files = dataDirFiles(resolve(options.dataDir));
  const warnings: string[] = [];
  const existed = await exists(files.dir);
  await mkdir(files.dir, { recursive: true, mode: 0o700 });
  if (!existed) await chmod(files.dir, 0o700);
  const lock = await acquireDataDirLock(files);
  let store: PgStore | undefined;
  try {
    warnings.push(...(await checkDataDirModes(files)));
    if (await exists(files.database)) {
      throw new OtherixError(
        'data_dir_invalid',
        `refusing to start on PostgreSQL: ${files.dir} holds a SQLite cluster (${files.database}); to move it into PostgreSQL, stop that CP and run \`otherix-server migrate-store --data-dir ${files.dir} --database-url URL --secret-file FILE\`, or give this replica a data dir of its own`,
      );
    }
    const leftovers = await removeWriteLeftovers(files.dir);
    if (leftovers.length > 0) warnings.push(`removed what interrupted writes left in ${files.dir}: ${leftovers.join(', ')}`);
    // Closing the store releases this replica's lock on its data dir.
    store = await PgStore.open(options.databaseUrl, { afterClose: lock.release });
    let cluster = await store.readCluster();
    let firstStart = false;
    if (cluster === undefined) {
      const made = await newSharedCluster(secret, now());
      const token = generateToken('api');
      if (await store.createCluster(made.cluster, { apiTokens: [firstAdminTokenRow(token, now())] })) {
        // The row first, then the file: a crash in between leaves a cluster whose admin token
        // nobody holds, which `otherix-server admin-token --database-url` recovers.
        await writeFileAtomic(files.adminToken, `${token}\n`, { mode: KEY_FILE_MODE });
        firstStart = true;
      }
      cluster = await store.readCluster();
      if (cluster === undefined) throw new OtherixError('internal', 'the cluster row vanished right after it was written');
    }
    const ca = sharedCa(cluster, secret);
    // The shared CA's certificate beside this replica's own, for clients and tools on this host
    // (its key stays sealed in the database).
    await writeFileAtomic(files.caCert, ca.certPem, { mode: PUBLIC_FILE_MODE });
    const material = await withCpCertificates(
      { files, clusterId: cluster.id, ca, store, lock, firstStart, warnings },
      options.advertiseHosts,
      now,
    );
    return { ...material, caKeys: new SealedCaKeys(secret) };
  } catch (error) {
    await store?.close().catch(() => undefined);
    await lock.release();
    throw error;
  }
}

/** `otherix-server ca-fingerprint --database-url URL`: the shared CA's fingerprint. */
export async function sharedCaFingerprint(databaseUrl: string): Promise<string> {
  const store = await PgStore.open(databaseUrl);
  try {
    const cluster = await store.readCluster();
    if (cluster === undefined)
      throw new OtherixError(
        'data_dir_invalid',
        `no cluster in the database at ${redactDatabaseUrl(databaseUrl)}: start otherix-server --database-url on it once to create it`,
      );
    // In a CA rotation's update_servers the CP serves from the new CA: that is the one to pin.
    const rotation = await store.caRotation.read();
    if (rotation.phase === 'update_servers' && rotation.nextCaCertPem !== null) return fingerprintOfPem(rotation.nextCaCertPem);
    return cluster.caFingerprint;
  } finally {
    await store.close();
  }
}
