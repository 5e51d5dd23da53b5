// A CA rotation reaches the agent through its heartbeat answers (issue 19): the cluster's trust
// bundle, when the CAs in ca.crt differ from the cluster's. It arrived over a connection that the
// current ca.crt verified, and it is taken only when a CA this node trusts now anchors it (the
// SDK's readTrustBundle: the other CA is vouched for by that CA's cross-certificate). ca.crt is
// written as a new generation of the cert set (atomic; agent.key stays 0600); the next beat and
// the agent's server use it.
//
// A write that fails (the cert dir's disk is full) or a bundle that is not taken fails again at
// every beat, since every answer carries the bundle until ca.crt changes: it is said once per
// episode at warn, with what to do, and the end of the episode once at info (like the CP's
// resource alarm). Meanwhile ca.crt stays as it was (nothing half-written) and this node keeps
// its current trust; each answer that carries the bundle is another try.
import { join } from 'node:path';
import { OtherixError, isOtherixError } from '@otherix/sdk';
import { readTrustBundle } from '@otherix/sdk/pki';
import { CERT_FILES, KEY_FILE_MODE, PUBLIC_FILE_MODE, writeFileSetAtomic } from '@otherix/sdk/internal';
import { readCertMaterial, type CertMaterial } from './cert-material.js';
import type { Logger } from './logger.js';

/** What became of one heartbeat answer's bundle. */
type Adopted =
  /** ca.crt now holds the bundle, which makes these CAs trusted. */
  | { written: true; trusted: string[] }
  /** Nothing to write: ca.crt holds the bundle already, or a renewal wrote a new generation since the beat (the next beat decides). */
  | { written: false; already: boolean };

export class TrustUpdate {
  /** The failure under way (a key that stays the same while it repeats) and how many attempts failed since the last success. */
  #episode: { key: string; failedAttempts: number } | undefined;

  constructor(
    private readonly certDir: string,
    private readonly logger: Logger,
  ) {}

  /**
   * A heartbeat answer carried the cluster's trust bundle: write it to ca.crt. Never throws: a
   * failure is tried again at the next answer that carries the bundle.
   */
  async adopt(used: CertMaterial, bundlePem: string): Promise<void> {
    let adopted: Adopted;
    try {
      adopted = await adoptTrustBundle(this.certDir, used, bundlePem);
    } catch (error) {
      this.#failed(used, error);
      return;
    }
    const file = join(this.certDir, CERT_FILES.ca);
    if (!adopted.written) {
      if (adopted.already) this.inStep();
      return;
    }
    const fields = { cert_dir: this.certDir, file, trusted: adopted.trusted };
    const failedAttempts = this.#episode?.failedAttempts;
    this.#episode = undefined;
    if (failedAttempts === undefined) {
      this.logger.info(`CA rotation: ca.crt now trusts ${adopted.trusted.join(', ')}`, fields);
    } else {
      this.logger.info(
        `CA rotation: ca.crt written again after ${failedAttempts} failed attempts; this node now trusts ${adopted.trusted.join(', ')}`,
        {
          ...fields,
          failed_attempts: failedAttempts,
        },
      );
    }
  }

  /** A heartbeat answer without a bundle (ca.crt matches the cluster's trust: another command wrote it, or the rotation rolled back). */
  inStep(): void {
    const failedAttempts = this.#episode?.failedAttempts;
    if (failedAttempts === undefined) return;
    this.#episode = undefined;
    this.logger.info(
      `CA rotation: ca.crt matches the cluster's trust now, so the bundle no longer needs writing (after ${failedAttempts} failed attempts)`,
      { cert_dir: this.certDir, failed_attempts: failedAttempts },
    );
  }

  #failed(used: CertMaterial, error: unknown): void {
    const code = isOtherixError(error) ? error.code : 'internal';
    const message = error instanceof Error ? error.message : String(error);
    const errno = errnoOf(error);
    // A write failure's message names the generation folder it tried, new at each try: the errno is what repeats.
    const key = `${code}\u0000${errno ?? message}`;
    const first = this.#episode?.key !== key;
    this.#episode = { key, failedAttempts: (this.#episode?.failedAttempts ?? 0) + 1 };
    if (!first) return;
    const file = join(this.certDir, CERT_FILES.ca);
    const trusted = used.caFingerprints ?? [];
    const what =
      code === 'invalid_ca'
        ? `cannot take the control plane's CA bundle: ${message}`
        : errno === 'ENOSPC' || errno === 'EDQUOT'
          ? `cannot write the control plane's CA bundle to ${file}: the file system of the cert dir is full (${errno}): free space on the file system of ${this.certDir} (df -h ${this.certDir})`
          : `cannot write the control plane's CA bundle to ${file}: ${message}`;
    this.logger.warn(
      `CA rotation: ${what}; this node keeps trusting ${trusted.join(', ')} and writes the bundle again at each heartbeat that carries it (said once until it succeeds)`,
      { code, ...(errno === undefined ? {} : { errno }), cert_dir: this.certDir, file, trusted },
    );
  }
}

async function adoptTrustBundle(certDir: string, used: CertMaterial, bundlePem: string): Promise<Adopted> {
  const source = 'the heartbeat answer';
  let bundle: ReturnType<typeof readTrustBundle> | undefined;
  for (const anchor of used.caFingerprints ?? []) {
    try {
      bundle = readTrustBundle(bundlePem, source, { anchor });
      break;
    } catch {
      // Not anchored at this CA: try the next one this node trusts.
    }
  }
  if (bundle === undefined) {
    throw new OtherixError(
      'invalid_ca',
      `the control plane's CA bundle is not covered by a CA this node trusts (${(used.caFingerprints ?? []).join(', ')}): ca.crt is kept as it is`,
    );
  }
  // The files as they are now: a renewal may have written a new generation since the beat.
  const read = readCertMaterial(certDir);
  if (!read.ok || read.material.certPem !== used.certPem || read.material.keyPem !== used.keyPem) return { written: false, already: false };
  if (read.material.caFileText === bundle.bundlePem) return { written: false, already: true };
  await writeFileSetAtomic(certDir, [
    { name: CERT_FILES.key, data: read.material.keyPem, mode: KEY_FILE_MODE },
    { name: CERT_FILES.cert, data: read.material.certPem, mode: PUBLIC_FILE_MODE },
    { name: CERT_FILES.ca, data: bundle.bundlePem, mode: PUBLIC_FILE_MODE },
  ]);
  return { written: true, trusted: bundle.fingerprints };
}

/** The errno (ENOSPC, EACCES, ...) under a write failure: its own code or a cause's. */
function errnoOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}
