// `otherix-server migrate-store --data-dir DIR --database-url URL --secret-file FILE
// [--ca-key-passphrase-file FILE]`: moves a stopped CP's cluster from its SQLite data dir into an
// EMPTY PostgreSQL database, whole: the cluster id, the CA (its key sealed with the secret file;
// an encrypted ca.key is opened with the passphrase file first), API and join tokens, consumptions,
// nodes and every serial, in one transaction. Nodes keep their certificates: the CA is the same.
// It takes the data dir's lock (a running CP holds it: stop it first), and refuses a database
// that holds any row (one cluster per database; nothing is merged). The data dir is left as it
// was (a way back); replicas start with data dirs of their own (server/README.md).
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OtherixError } from '@otherix/sdk';
import { caOfPair, readCaPair } from '../init/data-dir.js';
import { dataDirFiles } from '../init/files.js';
import { acquireDataDirLock } from '../init/lock.js';
import { sharedCa } from '../init/replica.js';
import { readCaKeyPassphraseFile, readSecretFile } from '../init/secret-file.js';
import { sealKey } from '../services/sealed-key.js';
import { PgStore, redactDatabaseUrl } from '../store/postgres/postgres-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { StoreRows } from '../store/store.js';

export interface MigrateStoreOptions {
  dataDir: string;
  databaseUrl: string;
  secretFile: string | undefined;
  /** The data dir's --ca-key-passphrase-file, when its ca.key is encrypted. */
  caKeyPassphraseFile?: string | undefined;
}

export interface MigratedCluster {
  clusterId: string;
  caFingerprint: string;
  counts: { [K in keyof StoreRows]: number };
}

export async function migrateStore(options: MigrateStoreOptions): Promise<MigratedCluster> {
  const secret = await readSecretFile(options.secretFile);
  const caKeyPassphrase =
    options.caKeyPassphraseFile === undefined ? undefined : await readCaKeyPassphraseFile(options.caKeyPassphraseFile);
  const files = dataDirFiles(resolve(options.dataDir));
  if (
    !(await stat(files.dir).then(
      (found) => found.isDirectory(),
      () => false,
    ))
  ) {
    throw new OtherixError(
      'data_dir_invalid',
      `no data dir at ${files.dir}: give the --data-dir of the stopped otherix-server whose cluster you are moving`,
    );
  }
  const lock = await acquireDataDirLock(files);
  try {
    const marker = await readFile(files.clusterId, 'utf8').then(
      (text) => text.trim(),
      () => undefined,
    );
    if (marker === undefined) {
      throw new OtherixError(
        'data_dir_invalid',
        `${files.dir} holds no complete cluster (cluster-id is missing): start otherix-server on it once (or restore it from a backup), stop it, then migrate`,
      );
    }
    // An encrypted ca.key is opened here; in the database it is sealed with the secret file instead.
    const { pair } = await readCaPair(files, caKeyPassphrase);
    const ca = caOfPair(files, pair);
    const sqlite = await SqliteStore.open(files.database);
    let rows: StoreRows;
    let createdAt: number;
    try {
      const cluster = await sqlite.readClusterMarker();
      if (cluster === undefined || cluster.id !== marker || cluster.caFingerprint !== ca.fingerprint) {
        throw new OtherixError(
          'data_dir_invalid',
          `${files.database} does not belong to the cluster of ${files.dir} (its marker or CA differ): start otherix-server on it once to see what is wrong`,
        );
      }
      // The copy holds the cluster CA only: a rotation's new CA (its key is a file here, sealed in
      // the row there) and its phase would be lost, and nodes holding its leaves refused.
      const rotation = await sqlite.caRotation.read();
      if (rotation.phase !== 'standby') {
        throw new OtherixError(
          'conflict',
          `${files.dir} is in the middle of a CA rotation (phase ${rotation.phase}), which migrate-store does not carry over: ` +
            'start the CP again, complete the rotation (`otherix ca rotation next`) or roll it back (`otherix ca rotation rollback`, then `next`), stop it, then migrate. Nothing was written',
        );
      }
      createdAt = cluster.createdAt;
      rows = await sqlite.exportRows();
    } finally {
      await sqlite.close();
    }
    const shared = {
      id: marker,
      caFingerprint: ca.fingerprint,
      createdAt,
      caCertPem: ca.certPem,
      caKeySealed: sealKey(pair.keyPem, secret),
    };
    sharedCa(shared, secret); // the sealed key opens with this secret, before anything is written
    const store = await PgStore.open(options.databaseUrl);
    try {
      await store.createCluster(shared, rows, { requireEmpty: true });
    } catch (error) {
      if (error instanceof OtherixError) throw error;
      throw new OtherixError(
        'internal',
        `copying into the database at ${redactDatabaseUrl(options.databaseUrl)} failed (${(error as Error).message}); nothing was written there: run it again`,
      );
    } finally {
      await store.close();
    }
    return {
      clusterId: marker,
      caFingerprint: ca.fingerprint,
      counts: {
        apiTokens: rows.apiTokens.length,
        joinTokens: rows.joinTokens.length,
        consumptions: rows.consumptions.length,
        nodes: rows.nodes.length,
        certificates: rows.certificates.length,
      },
    };
  } finally {
    await lock.release();
  }
}

/** The command: what was copied and the next step, on stderr. */
export async function migrateStoreCommand(options: MigrateStoreOptions): Promise<number> {
  const migrated = await migrateStore(options);
  const { counts } = migrated;
  process.stderr.write(
    `otherix-server: copied cluster ${migrated.clusterId} (CA fingerprint ${migrated.caFingerprint}) into PostgreSQL: ${counts.nodes} nodes, ` +
      `${counts.certificates} certificates, ${counts.apiTokens} API tokens, ${counts.joinTokens} join tokens, ${counts.consumptions} consumptions; ${options.dataDir} is unchanged.\n` +
      `next: start each replica with otherix-server serve --database-url <the database URL> --secret-file ${options.secretFile ?? 'FILE'} --data-dir <a data dir of its own> --advertise-host <its host name>; agents keep their certificates and CA fingerprint\n`,
  );
  return 0;
}
