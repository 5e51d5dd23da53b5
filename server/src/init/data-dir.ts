// First start and restart (SPEC §2): the data dir (0700), the cluster CA (key 0600), the CP's
// serving and client certificates (both carrying spiffe://otherix/control-plane), the database
// and the first admin API token (admin.token, 0600). A restart reuses all of it.
import { randomUUID, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { CONTROL_PLANE_SPIFFE_ID, fingerprintOfPem, generateToken, hashToken, writeFileAtomic } from '@otherix/sdk';
import { ClusterCa, sansForHosts } from '../services/ca.js';
import type { KeyPairPem } from '../services/ca.js';
import { FIRST_START_CREATOR } from '../services/api-tokens.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { dataDirFiles } from './files.js';
import type { DataDirFiles } from './files.js';

/** A refusal to start; main prints the message and exits 1. */
export class InitError extends Error {
  override readonly name = 'InitError';
}

/** The CP's own certificates are renewed at start when they have less than this left. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;
const KEY_MODE = 0o600;
const CERT_MODE = 0o644;

export interface InitOptions {
  dataDir: string;
  /** Extra names/addresses clients use to reach the CP (serving certificate SANs). */
  advertiseHosts?: readonly string[];
  now?: () => number;
}

export interface ControlPlaneMaterial {
  files: DataDirFiles;
  ca: ClusterCa;
  serving: KeyPairPem;
  client: KeyPairPem;
  store: SqliteStore;
  /** Every host in the serving certificate: no node may claim them. */
  controlPlaneHosts: string[];
  /** True when this start created the CA. */
  firstStart: boolean;
  /** Things an operator should fix that do not stop the start. */
  warnings: string[];
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/** The serving certificate's hosts: each --advertise-host, localhost, 127.0.0.1, ::1, the host name. */
export function servingHosts(advertiseHosts: readonly string[]): string[] {
  const all = [...advertiseHosts, 'localhost', '127.0.0.1', '::1', hostname()].map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  return [...new Set(all)];
}

async function loadOrCreateCa(files: DataDirFiles, now: number): Promise<{ ca: ClusterCa; created: boolean }> {
  const [hasCert, hasKey] = await Promise.all([exists(files.caCert), exists(files.caKey)]);
  if (hasCert !== hasKey) {
    throw new InitError(`${hasCert ? files.caKey : files.caCert} is missing but ${hasCert ? files.caCert : files.caKey} exists: restore the CA pair from backup (a new CA would orphan every node)`);
  }
  if (!hasCert) {
    const { ca, material } = await ClusterCa.create(now);
    // The key first, 0600 from the moment it exists; the certificate marks the pair complete.
    await writeFileAtomic(files.caKey, material.keyPem, { mode: KEY_MODE });
    await writeFileAtomic(files.caCert, material.certPem, { mode: CERT_MODE });
    return { ca, created: true };
  }
  const mode = (await stat(files.caKey)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new InitError(
      `${files.caKey} is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}): refusing to start with an exposed CA key; run \`chmod 600 ${files.caKey}\` and consider the key compromised if others could read it`,
    );
  }
  const [certPem, keyPem] = await Promise.all([readFile(files.caCert, 'utf8'), readFile(files.caKey, 'utf8')]);
  try {
    return { ca: ClusterCa.fromPem({ certPem, keyPem }), created: false };
  } catch (error) {
    throw new InitError(`cannot load the cluster CA from ${files.dir}: ${(error as Error).message}`);
  }
}

async function readPair(certPath: string, keyPath: string): Promise<KeyPairPem | undefined> {
  try {
    const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return { certPem, keyPem };
  } catch {
    return undefined;
  }
}

/** Reuses a CP certificate when it was issued by this CA and is not close to expiry; otherwise writes a new one. */
async function ensureCpCertificate(
  ca: ClusterCa,
  paths: { cert: string; key: string },
  reusable: (pair: KeyPairPem) => Promise<boolean>,
  issue: () => Promise<KeyPairPem>,
  now: number,
  /** Runs after a new pair is on disk (records what it was issued for). */
  afterIssue: () => Promise<void> = async () => undefined,
): Promise<KeyPairPem> {
  const current = await readPair(paths.cert, paths.key);
  if (current !== undefined) {
    try {
      const cert = new X509Certificate(current.certPem);
      const fresh = Date.parse(cert.validTo) - now > RENEW_BEFORE_MS;
      if (fresh && cert.checkIssued(new X509Certificate(ca.certPem)) && (await reusable(current))) return current;
    } catch {
      // unreadable: write a new one below
    }
  }
  const issued = await issue();
  await writeFileAtomic(paths.key, issued.keyPem, { mode: KEY_MODE });
  await writeFileAtomic(paths.cert, issued.certPem, { mode: CERT_MODE });
  await afterIssue();
  return { certPem: issued.certPem, keyPem: issued.keyPem };
}

export async function initDataDir(options: InitOptions): Promise<ControlPlaneMaterial> {
  const now = options.now ?? Date.now;
  const files = dataDirFiles(resolve(options.dataDir));
  const warnings: string[] = [];
  const existed = await exists(files.dir);
  await mkdir(files.dir, { recursive: true, mode: 0o700 });
  if (!existed) await chmod(files.dir, 0o700); // the umask may have widened it
  else if (((await stat(files.dir)).mode & 0o077) !== 0) warnings.push(`${files.dir} is accessible by group or others: run \`chmod 700 ${files.dir}\``);

  const { ca, created } = await loadOrCreateCa(files, now());
  const controlPlaneHosts = servingHosts(options.advertiseHosts ?? []);
  const hostsRecord = JSON.stringify(controlPlaneHosts);
  const serving = await ensureCpCertificate(
    ca,
    { cert: files.serverCert, key: files.serverKey },
    async () => (await readFile(files.serverHosts, 'utf8').catch(() => '')) === hostsRecord,
    () =>
      ca.issueWithNewKey({
        commonName: 'otherix control plane',
        subjectAltNames: { uri: [CONTROL_PLANE_SPIFFE_ID], ...sansForHosts(controlPlaneHosts) },
        extendedKeyUsage: ['serverAuth', 'clientAuth'],
        now: now(),
      }),
    now(),
    // After the pair: a crash in between leaves a stale record, so the next start issues again.
    () => writeFileAtomic(files.serverHosts, hostsRecord, { mode: CERT_MODE }),
  );
  const client = await ensureCpCertificate(
    ca,
    { cert: files.clientCert, key: files.clientKey },
    async () => true,
    () =>
      ca.issueWithNewKey({
        commonName: 'otherix control plane (client)',
        subjectAltNames: { uri: [CONTROL_PLANE_SPIFFE_ID] },
        extendedKeyUsage: ['clientAuth'],
        now: now(),
      }),
    now(),
  );

  const store = await SqliteStore.open(files.database);
  try {
    // The file first: a crash before the insert leaves no tokens, so the next start writes it again.
    if ((await store.countApiTokens()) === 0) {
      const token = generateToken('api');
      await writeFileAtomic(files.adminToken, `${token}\n`, { mode: KEY_MODE });
      await store.insertApiToken({
        id: randomUUID(),
        name: 'admin',
        role: 'admin',
        tokenHash: hashToken(token),
        expiresAt: null,
        revokedAt: null,
        createdBy: FIRST_START_CREATOR,
        createdAt: now(),
      });
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  return { files, ca, serving, client, store, controlPlaneHosts, firstStart: created, warnings };
}

/** `otherix-server ca-fingerprint`: the fingerprint of an initialised data dir's CA. */
export async function caFingerprintOf(dataDir: string): Promise<string> {
  const files = dataDirFiles(resolve(dataDir));
  let certPem: string;
  try {
    certPem = await readFile(files.caCert, 'utf8');
  } catch {
    throw new InitError(`no cluster CA in ${files.dir}: start otherix-server once with --data-dir ${dataDir} to create it`);
  }
  return fingerprintOfPem(certPem);
}
