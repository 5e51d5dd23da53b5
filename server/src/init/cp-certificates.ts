// The CP's own certificates, signed by the cluster CA: server.crt/server.key (serving) and
// client.crt/client.key (its identity toward agents). A pair is reused only when it decodes, the
// key matches, this CA issued it, and it is valid now with more than RENEW_BEFORE_MS left: a
// garbled key, a certificate from a clock that was ahead (notBefore in the future) or one near
// its end is re-issued, at start and while the CP runs (renewIfDue).
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { CONTROL_PLANE_SPIFFE_ID } from '@otherix/sdk/pki';
import { KEY_FILE_MODE, PUBLIC_FILE_MODE, writeFileAtomic } from '@otherix/sdk/internal';
import { isoTimestamp } from '../timestamps.js';
import type { ClusterCa, KeyPairPem } from '../services/ca.js';
import { sansForHosts } from '../services/ca.js';
import type { DataDirFiles } from './files.js';

/** A CP certificate is renewed when it has less than this left (they last a year). */
export const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

export type CpCertificateName = 'server' | 'client';

interface PairSpec {
  name: CpCertificateName;
  cert: string;
  key: string;
  /** Extra condition to reuse (the serving certificate: the same hosts). */
  sameRequest(): Promise<boolean>;
  issue(now: number, ca: ClusterCa): Promise<KeyPairPem>;
  /** Runs after a new pair is on disk. */
  afterIssue(): Promise<void>;
}

/** Why a pair cannot serve now, and whether an operator should hear about it (a warning). */
interface Unfit {
  reason: string;
  warn: boolean;
}

async function readPair(spec: PairSpec): Promise<KeyPairPem | Unfit> {
  const read = (path: string) =>
    readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
  try {
    const [certPem, keyPem] = await Promise.all([read(spec.cert), read(spec.key)]);
    if (certPem === undefined || keyPem === undefined)
      return { reason: `${basename(certPem === undefined ? spec.cert : spec.key)} is missing`, warn: false };
    return { certPem, keyPem };
  } catch (error) {
    return { reason: `cannot read it (${(error as { code?: string }).code ?? (error as Error).message})`, warn: true };
  }
}

/**
 * `alsoIssuedBy`: at a start in the middle of a CA rotation, the rotation's new CA (its
 * certificate), whose pairs are the CP's own too (the rotation moved them there): they are not
 * "not issued by this cluster's CA", and the rotation moves them to its phase's CA quietly.
 */
function unfitness(spec: PairSpec, pair: KeyPairPem, ca: ClusterCa, now: number, alsoIssuedBy: readonly string[] = []): Unfit | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pair.certPem);
  } catch {
    return { reason: `${basename(spec.cert)} cannot be decoded`, warn: true };
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(pair.keyPem);
  } catch {
    return { reason: `${basename(spec.key)} cannot be decoded`, warn: true };
  }
  const issuedBy = (pem: string): boolean => {
    const caCert = new X509Certificate(pem);
    return cert.checkIssued(caCert) && cert.verify(caCert.publicKey);
  };
  if (![ca.certPem, ...alsoIssuedBy].some(issuedBy))
    return { reason: `${basename(spec.cert)} was not issued by this cluster's CA`, warn: true };
  if (!cert.checkPrivateKey(key)) return { reason: `${basename(spec.key)} is not the key of ${basename(spec.cert)}`, warn: true };
  const notBefore = Date.parse(cert.validFrom);
  if (notBefore > now) {
    return {
      reason: `${basename(spec.cert)} is valid only from ${isoTimestamp(notBefore)}, ahead of this host's clock (${isoTimestamp(now)}): the clock was ahead when it was issued, or has moved back since`,
      warn: true,
    };
  }
  const notAfter = Date.parse(cert.validTo);
  if (notAfter - now <= RENEW_BEFORE_MS)
    return { reason: `${basename(spec.cert)} ${notAfter <= now ? 'expired' : 'expires'} at ${isoTimestamp(notAfter)}`, warn: false };
  return undefined;
}

export interface Renewal {
  /** The pairs issued now. */
  renewed: Partial<Record<CpCertificateName, KeyPairPem>>;
  /** Why each was issued, for the log. */
  reasons: string[];
  /** What an operator should hear about (a garbled key, a certificate from the future). */
  warnings: string[];
}

export class CpCertificates {
  private readonly current = new Map<CpCertificateName, KeyPairPem>();
  /** The CA each certificate must come from: the cluster CA, or during a CA rotation the phase's (services/ca-trust.ts). */
  private issuers: Record<CpCertificateName, ClusterCa>;
  /** A certificate of another CA is expected (a rotation moved it), not a warning. */
  private moved = false;

  private constructor(
    private readonly specs: readonly PairSpec[],
    ca: ClusterCa,
    private readonly now: () => number,
  ) {
    this.issuers = { server: ca, client: ca };
  }

  /** A CA rotation moved the issuers: the next renewIfDue re-issues what another CA signed. */
  useIssuers(issuers: Record<CpCertificateName, ClusterCa>): void {
    this.moved = this.moved || issuers.server !== this.issuers.server || issuers.client !== this.issuers.client;
    this.issuers = issuers;
  }

  /** Reads both pairs and re-issues what cannot serve now. */
  static async load(options: {
    ca: ClusterCa;
    files: DataDirFiles;
    hosts: readonly string[];
    now: () => number;
    /** A CA rotation's new CA certificate, when the start is in the middle of one (see unfitness). */
    rotationCaPem?: string;
  }): Promise<{ certificates: CpCertificates; warnings: string[] }> {
    const { ca, files, now } = options;
    const hostsRecord = JSON.stringify(options.hosts);
    const specs: PairSpec[] = [
      {
        name: 'server',
        cert: files.serverCert,
        key: files.serverKey,
        sameRequest: async () => (await readFile(files.serverHosts, 'utf8').catch(() => '')) === hostsRecord,
        issue: (at, issuer) =>
          issuer.issueWithNewKey({
            commonName: 'otherix control plane',
            subjectAltNames: { uri: [CONTROL_PLANE_SPIFFE_ID], ...sansForHosts(options.hosts) },
            extendedKeyUsage: ['serverAuth', 'clientAuth'],
            now: at,
          }),
        // After the pair: a crash in between leaves a stale record, so the next start issues again.
        afterIssue: () => writeFileAtomic(files.serverHosts, hostsRecord, { mode: PUBLIC_FILE_MODE }),
      },
      {
        name: 'client',
        cert: files.clientCert,
        key: files.clientKey,
        sameRequest: async () => true,
        issue: (at, issuer) =>
          issuer.issueWithNewKey({
            commonName: 'otherix control plane (client)',
            subjectAltNames: { uri: [CONTROL_PLANE_SPIFFE_ID] },
            extendedKeyUsage: ['clientAuth'],
            now: at,
          }),
        afterIssue: async () => undefined,
      },
    ];
    const certificates = new CpCertificates(specs, ca, now);
    const warnings: string[] = [];
    for (const spec of specs) {
      const read = await readPair(spec);
      let unfit =
        'reason' in read ? read : unfitness(spec, read, ca, now(), options.rotationCaPem === undefined ? [] : [options.rotationCaPem]);
      if (unfit === undefined && !(await spec.sameRequest())) unfit = { reason: 'the advertised hosts changed', warn: false };
      if (unfit === undefined) certificates.current.set(spec.name, read as KeyPairPem);
      else {
        await certificates.issue(spec);
        if (unfit.warn)
          warnings.push(`${unfit.reason}: issued a new ${basename(spec.cert)} and ${basename(spec.key)} (signed by the cluster CA)`);
      }
    }
    return { certificates, warnings };
  }

  get serving(): KeyPairPem {
    return this.current.get('server')!;
  }

  get client(): KeyPairPem {
    return this.current.get('client')!;
  }

  /** Re-issues a pair that is not valid now or is within RENEW_BEFORE_MS of its end. */
  async renewIfDue(): Promise<Renewal> {
    const renewal: Renewal = { renewed: {}, reasons: [], warnings: [] };
    for (const spec of this.specs) {
      const unfit = unfitness(spec, this.current.get(spec.name)!, this.issuers[spec.name], this.now());
      if (unfit === undefined) continue;
      if (this.moved && unfit.reason.endsWith("was not issued by this cluster's CA")) {
        unfit.reason = `the CA rotation moved ${basename(spec.cert)} to CA ${this.issuers[spec.name].fingerprint}`;
        unfit.warn = false;
      }
      renewal.renewed[spec.name] = await this.issue(spec);
      (unfit.warn ? renewal.warnings : renewal.reasons).push(`${unfit.reason}: issued a new ${basename(spec.cert)}`);
    }
    return renewal;
  }

  private async issue(spec: PairSpec): Promise<KeyPairPem> {
    const issued = await spec.issue(this.now(), this.issuers[spec.name]);
    const pair = { certPem: issued.certPem, keyPem: issued.keyPem };
    // The key first, 0600 from the moment it exists; a crash before the certificate leaves a
    // mismatched pair, which the next start re-issues.
    await writeFileAtomic(spec.key, pair.keyPem, { mode: KEY_FILE_MODE });
    await writeFileAtomic(spec.cert, pair.certPem, { mode: PUBLIC_FILE_MODE });
    await spec.afterIssue();
    this.current.set(spec.name, pair);
    return pair;
  }
}
