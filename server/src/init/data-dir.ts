// First start and restart (SPEC §2): the data dir (0700), the cluster CA (key 0600), the CP's
// serving and client certificates (both carrying spiffe://otherix/control-plane), the database
// and the first admin API token (admin.token, 0600). A restart reuses all of it.
//
// Every start, in order: take the data dir's lock (lock.ts), check modes (modes.ts), remove what
// interrupted writes left, read what is there and decide (start-plan.ts: first start, normal
// start or refusal), then act. A first start writes cluster-id.incomplete first and cluster-id
// last, so an interrupted one is recognised and run again.
import { randomUUID, createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { OtherixError } from '@otherix/sdk';
import { fingerprintOfPem } from '@otherix/sdk/pki';
import { KEY_FILE_MODE, PUBLIC_FILE_MODE, generateToken, removeWriteLeftovers, writeFileAtomic } from '@otherix/sdk/internal';
import { ClusterCa } from '../services/ca.js';
import type { KeyPairPem } from '../services/ca.js';
import { firstAdminTokenRow } from '../services/api-tokens.js';
import type { Store } from '../store/store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { inspectDatabaseFile, rotatedServingCaPem } from '../store/sqlite/inspect.js';
import { clockWarnings } from './clock-check.js';
import { CpCertificates } from './cp-certificates.js';
import { DataDirCaKeys, finishCaPromotion } from './ca-rotation-keys.js';
import type { NextCaKeys } from '../services/ca-rotation.js';
import { firstStartStep } from './first-start-steps.js';
import { dataDirFiles, firstStartFiles } from './files.js';
import type { DataDirFiles } from './files.js';
import { CA_KEY_PASSPHRASE_FLAG, readCaKeyFile, writeCaKeyFile } from './ca-key-file.js';
import { acquireDataDirLock } from './lock.js';
import type { DataDirLock } from './lock.js';
import { checkDataDirModes } from './modes.js';
import { readCaKeyPassphraseFile } from './secret-file.js';
import { planStart } from './start-plan.js';
import type { DataDirFacts } from './start-plan.js';

const CLUSTER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface InitOptions {
  dataDir: string;
  /** Extra names/addresses clients use to reach the CP (serving certificate SANs). */
  advertiseHosts?: readonly string[];
  /** --ca-key-passphrase-file: ca.key is kept encrypted under its passphrase (a plain one is encrypted in place). */
  caKeyPassphraseFile?: string | undefined;
  now?: () => number;
}

export interface ControlPlaneMaterial {
  files: DataDirFiles;
  /** The cluster id (cluster-id, and the database's cluster row). */
  clusterId: string;
  ca: ClusterCa;
  /** The serving certificate at start (certificates.serving follows renewals). */
  serving: KeyPairPem;
  /** The client certificate at start (certificates.client follows renewals). */
  client: KeyPairPem;
  /** The CP's own certificates, renewed while it runs (buildApp's `certificates`). */
  certificates: CpCertificates;
  /** Closing it closes the database and releases the data dir's lock. */
  store: Store;
  /** Held until the store closes; release() is there for a start that goes no further. */
  lock: DataDirLock;
  /** Every host in the serving certificate: no node may claim them. */
  controlPlaneHosts: string[];
  /** True when this start created the cluster. */
  firstStart: boolean;
  /** Things an operator should hear about that do not stop the start. */
  warnings: string[];
  /** The passphrase ca.key is encrypted under (--ca-key-passphrase-file), for another CA key this CP writes (init/ca-key-file.ts). */
  caKeyPassphrase?: Buffer | undefined;
  /** Where a CA rotation keeps its new CA's key (the data dir, or sealed in the database). */
  caKeys: NextCaKeys;
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The serving certificate's hosts: each --advertise-host, localhost, 127.0.0.1, ::1, the host name. */
export function servingHosts(advertiseHosts: readonly string[]): string[] {
  const all = [...advertiseHosts, 'localhost', '127.0.0.1', '::1', hostname()].map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  return [...new Set(all)];
}

/**
 * A start's material once the CP's own certificates are loaded from `files`, issued or re-issued
 * from `ca` for the serving hosts when missing or unfit (their warnings join the start's).
 */
export async function withCpCertificates(
  start: Pick<ControlPlaneMaterial, 'files' | 'clusterId' | 'ca' | 'store' | 'lock' | 'firstStart' | 'warnings'>,
  advertiseHosts: readonly string[] | undefined,
  now: () => number,
): Promise<Omit<ControlPlaneMaterial, 'caKeys' | 'caKeyPassphrase'>> {
  const controlPlaneHosts = servingHosts(advertiseHosts ?? []);
  // In the middle of a CA rotation the CP's pairs may be from its new CA already.
  const rotation = await start.store.caRotation.read();
  const rotationCaPem = rotation.phase === 'standby' ? undefined : (rotation.nextCaCertPem ?? undefined);
  const { certificates, warnings } = await CpCertificates.load({
    ca: start.ca,
    files: start.files,
    hosts: controlPlaneHosts,
    now,
    rotationCaPem,
  });
  start.warnings.push(...warnings);
  return { ...start, serving: certificates.serving, client: certificates.client, certificates, controlPlaneHosts };
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw new OtherixError(
      'data_dir_invalid',
      `cannot read ${path} (${(error as { code?: string }).code ?? (error as Error).message}): check the data dir's owner and modes`,
    );
  }
}

async function readClusterIdFile(path: string): Promise<string | undefined> {
  const text = await readOptional(path);
  if (text === undefined) return undefined;
  const id = text.trim();
  if (!CLUSTER_ID.test(id)) {
    throw new OtherixError(
      'data_dir_invalid',
      `refusing to start: ${path} does not hold a cluster id (a UUID): restore it from your backup, or remove it if otherix.db is this cluster's database (the CP writes it again from there)`,
    );
  }
  return id;
}

async function readFacts(files: DataDirFiles): Promise<DataDirFacts> {
  const candidates = [...firstStartFiles(files), files.clusterId, files.clusterIdIncomplete];
  const present = new Set<string>();
  for (const path of candidates) if (await exists(path)) present.add(path);
  let caFingerprint: string | undefined;
  let caCertProblem: string | undefined;
  const caCertPem = present.has(files.caCert) ? await readOptional(files.caCert) : undefined;
  if (caCertPem !== undefined) {
    try {
      void new X509Certificate(caCertPem); // decodes, or throws
      caFingerprint = fingerprintOfPem(caCertPem);
    } catch (error) {
      caCertProblem = (error as Error).message;
    }
  }
  return {
    present,
    clusterId: await readClusterIdFile(files.clusterId),
    incompleteClusterId: await readClusterIdFile(files.clusterIdIncomplete),
    database: await inspectDatabaseFile(files.database),
    caFingerprint,
    caCertProblem,
  };
}

/** ca.crt and ca.key (decrypted with `passphrase` when encrypted: ca-key-file.ts); nothing is written. */
export async function readCaPair(files: DataDirFiles, passphrase: Buffer | undefined): Promise<{ pair: KeyPairPem; encrypted: boolean }> {
  const [certPem, key] = await Promise.all([readFile(files.caCert, 'utf8'), readCaKeyFile(files.caKey, passphrase)]);
  return { pair: { certPem, keyPem: key.keyPem }, encrypted: key.encrypted };
}

/** The cluster CA of a data dir's pair, or the refusal that says what to restore. */
export function caOfPair(files: DataDirFiles, pair: KeyPairPem): ClusterCa {
  try {
    createPrivateKey(pair.keyPem);
  } catch (error) {
    throw new OtherixError(
      'data_dir_invalid',
      `refusing to start: ${files.caKey} cannot be decoded (${(error as Error).message}): restore ca.key from your backup (mode 0600); without it the CP cannot sign anything`,
    );
  }
  try {
    return ClusterCa.fromPem(pair);
  } catch (error) {
    throw new OtherixError(
      'data_dir_invalid',
      `refusing to start: the cluster CA in ${files.dir} is unusable (${(error as Error).message})`,
    );
  }
}

/**
 * A new cluster, each step crash-safe: cluster-id.incomplete, ca.key, ca.crt, the database (the
 * cluster marker and the first admin token's hash in one transaction), admin.token. The caller
 * then issues the CP's certificates and writes cluster-id, which completes it.
 */
async function createCluster(
  files: DataDirFiles,
  now: () => number,
  lock: DataDirLock,
  caKeyPassphrase: Buffer | undefined,
): Promise<{ clusterId: string; ca: ClusterCa; store: SqliteStore }> {
  const clusterId = randomUUID();
  await writeFileAtomic(files.clusterIdIncomplete, `${clusterId}\n`, { mode: PUBLIC_FILE_MODE });
  firstStartStep('first-start-begun');
  const { ca, material } = await ClusterCa.create(now());
  // The key first, 0600 from the moment it exists, and encrypted from its first byte with a passphrase.
  await writeCaKeyFile(files.caKey, material.keyPem, caKeyPassphrase);
  firstStartStep('first-start-after-ca-key');
  await writeFileAtomic(files.caCert, material.certPem, { mode: PUBLIC_FILE_MODE });
  firstStartStep('first-start-after-ca');
  const store = await SqliteStore.open(files.database, { afterClose: lock.release });
  try {
    const token = generateToken('api');
    await store.markCluster({ id: clusterId, caFingerprint: ca.fingerprint, createdAt: now() }, firstAdminTokenRow(token, now()));
    firstStartStep('first-start-after-database');
    await writeFileAtomic(files.adminToken, `${token}\n`, { mode: KEY_FILE_MODE });
    firstStartStep('first-start-after-admin-token');
  } catch (error) {
    await store.close();
    throw error;
  }
  return { clusterId, ca, store };
}

async function prepareDir(dir: string): Promise<void> {
  const existed = await exists(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!existed) await chmod(dir, 0o700); // the umask may have widened it
}

export async function initDataDir(options: InitOptions): Promise<ControlPlaneMaterial> {
  const now = options.now ?? Date.now;
  const files = dataDirFiles(resolve(options.dataDir));
  const warnings: string[] = [];
  const caKeyPassphrase =
    options.caKeyPassphraseFile === undefined ? undefined : await readCaKeyPassphraseFile(options.caKeyPassphraseFile);
  await prepareDir(files.dir);
  const lock = await acquireDataDirLock(files);
  let store: SqliteStore | undefined;
  try {
    warnings.push(...(await checkDataDirModes(files)));
    const leftovers = await removeWriteLeftovers(files.dir);
    if (leftovers.length > 0) warnings.push(`removed what interrupted writes left in ${files.dir}: ${leftovers.join(', ')}`);
    let facts = await readFacts(files);
    // A CA rotation completed in the database but cut short before its files moved (issue 19).
    const recorded = facts.database.state === 'initialized' ? facts.database.marker?.caFingerprint : undefined;
    if (recorded !== facts.caFingerprint && (await finishCaPromotion(files, recorded))) facts = await readFacts(files);
    const plan = planStart(files, facts);
    if (plan.note !== undefined) warnings.push(plan.note);

    let ca: ClusterCa;
    let clusterId: string;
    if (plan.kind === 'first-start') {
      for (const path of plan.remove) await rm(path, { force: true });
      ({ clusterId, ca, store } = await createCluster(files, now, lock, caKeyPassphrase));
    } else {
      const { pair, encrypted } = await readCaPair(files, caKeyPassphrase);
      ca = caOfPair(files, pair);
      if (caKeyPassphrase !== undefined && !encrypted) {
        // Turning encryption on: the plain file is replaced whole (temp file 0600, fsync, rename).
        await writeCaKeyFile(files.caKey, pair.keyPem, caKeyPassphrase);
        warnings.push(
          `encrypted ${files.caKey} in place with the passphrase of ${CA_KEY_PASSPHRASE_FLAG}: every start needs that file from now on (keep a copy apart from the data dir); backups taken before hold the key unencrypted`,
        );
      }
      clusterId = plan.clusterId;
      store = await SqliteStore.open(files.database, { afterClose: lock.release });
      if (plan.markDatabase) {
        // Made before cluster markers. The file before the row: a crash in between repeats this.
        const token = plan.mintAdminToken ? generateToken('api') : undefined;
        if (token !== undefined) await writeFileAtomic(files.adminToken, `${token}\n`, { mode: KEY_FILE_MODE });
        await store.markCluster(
          { id: clusterId, caFingerprint: ca.fingerprint, createdAt: now() },
          token === undefined ? undefined : firstAdminTokenRow(token, now()),
        );
      }
    }

    const firstStart = plan.kind === 'first-start';
    const material = await withCpCertificates({ files, clusterId, ca, store, lock, firstStart, warnings }, options.advertiseHosts, now);
    if (firstStart) firstStartStep('first-start-after-certificates');
    if (firstStart || plan.writeClusterIdFile) {
      await writeFileAtomic(files.clusterId, `${clusterId}\n`, { mode: PUBLIC_FILE_MODE });
      await rm(files.clusterIdIncomplete, { force: true });
    }
    warnings.push(...clockWarnings(facts.database, ca.certPem, now()));
    return { ...material, caKeyPassphrase, caKeys: new DataDirCaKeys(files, caKeyPassphrase) };
  } catch (error) {
    await store?.close().catch(() => undefined);
    await lock.release();
    throw error;
  }
}

/** `otherix-server ca-fingerprint`: the fingerprint of an initialised data dir's CA. */
export async function caFingerprintOf(dataDir: string): Promise<string> {
  const files = dataDirFiles(resolve(dataDir));
  let certPem: string;
  try {
    certPem = await readFile(files.caCert, 'utf8');
  } catch {
    throw new OtherixError(
      'data_dir_invalid',
      `no cluster CA in ${files.dir}: start otherix-server once with --data-dir ${dataDir} to create it`,
    );
  }
  // In a CA rotation's update_servers the CP serves from the new CA: that is the one to pin.
  return fingerprintOfPem((await rotatedServingCaPem(files.database)) ?? certPem);
}
