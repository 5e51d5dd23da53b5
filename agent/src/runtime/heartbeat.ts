// The heartbeat sender (State B): POST /v1/nodes/heartbeat over mTLS with the node's key, every
// heartbeat_interval ±10%, with the host's inventory and what the hypervisor hosts. A failed beat
// is retried within one interval, or after the Retry-After a 429/503 asked for
// (retry-policy.ts), and is logged once per distinct error, then with a count at 2, 4, 8, ... in
// a row; nothing here ends the process. Only an answer of the heartbeat's shape, read within a
// size limit, counts as accepted.
//
// The cert material is re-read from disk before every beat: new material is checked (each file
// parses, the key is the certificate's, ca.crt signed it) and gets a new client (new connections);
// material that vanished or is damaged fails the beat, naming the file (seed §3: "cert material
// lost mid-run is a heartbeat failure, not a regression to State A").
//
// Connections: the client keeps one keep-alive connection to the CP and lets go of it before
// the CP's keep-alive ends (sdk transport.ts), so with a beat slower than that (up to 3600 s)
// each beat opens a new connection. A beat whose connection is cut under it (the CP or a NAT
// closing an idle socket as the beat goes out) is sent once more at once on a new connection:
// a heartbeat is safe to repeat, and a cut idle socket must not cost a beat.
//
// Several CP URLs (cp_url as a comma-separated list): the client moves a beat on to the next URL
// when one cannot be reached or answers 5xx, with the same pin and identity checks on each (the
// SDK's failover.ts), and starts the next beat at the URL that answered: a replica's failure
// costs no beat and no restart.
import { OtherixError, createClient, isOtherixError } from '@otherix/sdk';
import { checkCertSet, detectArchitecture, isConnectionReset } from '@otherix/sdk/internal';
import type { Hardware, HeartbeatRequest, HeartbeatResponse, OtherixClient, OtherixErrorCode } from '@otherix/sdk';
import { readCertMaterial, sameMaterial, type CertMaterial } from './cert-material.js';
import { missedRotationOf } from './missed-rotation.js';
import type { AgentMetrics } from './agent-metrics.js';
import type { CertExpiryWatch } from './cert-expiry.js';
import type { HypervisorDriver } from './hypervisor.js';
import { readInventory } from './inventory.js';
import type { Logger } from './logger.js';
import { RepeatFilter, isCountMilestone } from './repeat-filter.js';
import { jittered } from './jitter.js';
import { delayAfterFailure, type RetryDelay } from './retry-policy.js';

export { HEARTBEAT_JITTER, jittered } from './jitter.js';
export { MAX_RETRY_AFTER_MS, delayAfterFailure, retryDelay } from './retry-policy.js';
/** The CP answers a heartbeat with `{"status": ...}`, its errors with a few hundred bytes. */
export const HEARTBEAT_MAX_RESPONSE_BYTES = 64 * 1024;
/** How long stop() waits for a beat in flight before it lets go of it. */
export const STOP_GRACE_MS = 1_000;
// The API's bounds for heartbeat_interval_seconds (openapi.yaml HeartbeatRequest).
const MIN_INTERVAL_SECONDS = 0.1;
const MAX_INTERVAL_SECONDS = 3600;

export interface HeartbeatOptions {
  cpUrl: string;
  certDir: string;
  intervalMs: number;
  requestTimeoutMs: number;
  agentVersion: string;
  hypervisor: HypervisorDriver;
  logger: Logger;
  /** Default: readInventory() from the host. */
  inventory?: () => Hardware;
  /** Default Math.random; in [0, 1). */
  random?: () => number;
  /** A heartbeat answer carried the cluster's trust bundle (a CA rotation): write it to ca.crt (at each such answer until it is there). */
  onTrustBundle?: (material: CertMaterial, bundlePem: string) => Promise<void>;
  /** A heartbeat answer carried no trust bundle: ca.crt matches the cluster's trust. */
  onTrustInStep?: () => void;
  /** A heartbeat answer asked for a renewal now (a CA rotation). */
  onRenewNow?: (material: CertMaterial) => void;
  /** Called when re-read material differs from what the last beat used. */
  onMaterialChange?: (material: CertMaterial) => void;
  /** Told the certificate of every beat (serve warns before it expires). */
  expiry?: CertExpiryWatch;
  /** Told each beat's outcome and latency, and each new certificate (when metrics are on). */
  metrics?: AgentMetrics;
}

export interface HeartbeatLoop {
  /** Stops scheduling, waits briefly for a beat in flight, closes the connections. */
  stop(): Promise<void>;
}

interface Failure {
  code: OtherixErrorCode;
  message: string;
  /** The API's details (e.g. certificate_status: replaced | revoked), never a secret. */
  details?: Record<string, unknown>;
}

export function startHeartbeatLoop(options: HeartbeatOptions): HeartbeatLoop {
  const { logger } = options;
  const random = options.random ?? Math.random;
  const inventory = options.inventory ?? (() => readInventory());
  const failures = new RepeatFilter();
  /** Moves from one CP URL to the next (several URLs): said once, then at 2, 4, 8, ... in a row. */
  const moves = new RepeatFilter();
  let current: { material: CertMaterial; client: OtherixClient } | undefined;
  let checkedMaterial: { material: CertMaterial; check: ReturnType<typeof checkCertSet> } | undefined;
  let lastUsed: CertMaterial | undefined;
  let beats = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  /** The delay before the beat now scheduled (logged when it is the one that gets through again). */
  let waitedMs = 0;
  const schedule = (delayMs: number): void => {
    if (stopped) return;
    waitedMs = delayMs;
    timer = setTimeout(() => {
      inFlight = beat().then((next) => {
        inFlight = undefined;
        schedule(next);
      });
    }, delayMs);
  };

  /** One beat; resolves with the delay until the next. */
  async function beat(): Promise<number> {
    const started = performance.now();
    try {
      const client = clientForCurrentMaterial();
      const material = current!.material;
      const body = await heartbeatBody(material);
      const status = await client.nodes.heartbeat(body).catch((error: unknown) => {
        // A CP from before CA rotations refuses the field it does not know: beat on without it.
        if (isOtherixError(error, 'validation_failed') && body.ca_fingerprints !== undefined && /ca_fingerprints/.test(error.message)) {
          reportsTrust = false;
          logger.info('heartbeat: the control plane does not take ca_fingerprints (it predates CA rotations); beating without them');
          const { ca_fingerprints: _omitted, ...plain } = body;
          return client.nodes.heartbeat(plain);
        }
        if (!isConnectionReset(error)) throw error;
        logger.debug('heartbeat: the connection was closed under the beat; sending it again on a new connection', {
          code: isOtherixError(error) ? error.code : undefined,
        });
        return client.nodes.heartbeat(body);
      });
      beats += 1;
      moves.reset();
      options.metrics?.heartbeat('ok', (performance.now() - started) / 1000);
      probedFor = undefined;
      const streak = failures.reset();
      if (streak > 0)
        logger.info(`heartbeat: accepted again after ${streak} failed in a row`, { status: status.status, waited_ms: waitedMs });
      else if (beats === 1) logger.info('heartbeat: first heartbeat accepted', { status: status.status });
      else logger.debug('heartbeat: accepted', { status: status.status });
      await followRotation(material, status);
      return jittered(options.intervalMs, random);
    } catch (error) {
      const next = delayAfterFailure(options.intervalMs, error, random);
      let failure = failureOf(error);
      if (failure.code === 'tls_failed' && current !== undefined) failure = (await missedRotation(current.material)) ?? failure;
      options.metrics?.heartbeat(failure.code, (performance.now() - started) / 1000);
      reportFailure(failure, next);
      return next.delayMs;
    }
  }

  function clientForCurrentMaterial(): OtherixClient {
    const read = readCertMaterial(options.certDir);
    if (!read.ok) {
      // Drop the old connections too: without its files this node must not keep beating.
      retireClient();
      throw new OtherixError(
        'cert_material_lost',
        `cert material lost: ${read.problem.message}: heartbeats fail until it is back; ${REBOOTSTRAP}`,
      );
    }
    if (current !== undefined && sameMaterial(current.material, read.material)) {
      options.expiry?.check(read.material.certPem);
      return current.client;
    }
    // New material (or the first): a damaged file is the host's problem, said as such, not a TLS
    // failure against the CP. Checked once per content, not on every beat.
    const check =
      checkedMaterial?.material !== undefined && sameMaterial(checkedMaterial.material, read.material)
        ? checkedMaterial.check
        : checkCertSet(read.material);
    checkedMaterial = { material: read.material, check };
    if (!check.ok) {
      retireClient();
      // A cert file that does not parse or does not fit the others: named, with the fix.
      throw new OtherixError(
        'cert_file_invalid',
        `${check.file} in ${options.certDir} ${check.problem}: heartbeats fail until the files are whole; ${REBOOTSTRAP}`,
        {
          details: { file: check.file },
        },
      );
    }
    options.expiry?.check(read.material.certPem);
    // Compared with the material of the last client, even one retired when the files vanished.
    const changed = lastUsed !== undefined && !sameMaterial(lastUsed, read.material);
    retireClient();
    const material = read.material;
    lastUsed = material;
    current = {
      material,
      client: createClient({
        cpUrl: options.cpUrl,
        caPem: material.caPem,
        clientCertificate: { certPem: material.certPem, keyPem: material.keyPem },
        requestTimeoutMs: options.requestTimeoutMs,
        maxResponseBytes: HEARTBEAT_MAX_RESPONSE_BYTES,
        // Several CP URLs: a beat that fails at one moves on to the next in the same beat, and
        // later beats start at the one that answered, so a dead replica is said once, not per beat.
        onFailover: ({ from, to, code }) => {
          const occurrence = moves.record(`${from}\u0000${to}\u0000${code}`);
          if (occurrence.first || isCountMilestone(occurrence.count)) {
            logger.warn(`heartbeat: the control plane at ${from} failed (${code}); moving on to ${to}`, {
              code,
              from,
              to,
              ...(occurrence.first ? {} : { moves: occurrence.count }),
            });
          }
        },
      }),
    };
    options.metrics?.certificate(material.certPem);
    if (changed) {
      logger.info('heartbeat: cert material changed on disk; using it for new connections', { cert_dir: options.certDir });
      options.onMaterialChange?.(material);
    }
    return current.client;
  }

  function retireClient(): void {
    if (current === undefined) return;
    const { client } = current;
    current = undefined;
    client.close().catch(() => undefined);
  }

  /** Whether heartbeats carry ca_fingerprints (a CP that predates CA rotations refuses them). */
  let reportsTrust = true;

  /** The certificate a rotation probe already ran for (once per failing streak and certificate). */
  let probedFor: string | undefined;

  /**
   * The CP's certificate is not from a CA this node trusts: a node that was away during a whole CA
   * rotation. One look at /v1/ca (missed-rotation.ts) words the message, once per streak; the
   * heartbeat fails either way.
   */
  async function missedRotation(material: CertMaterial): Promise<Failure | undefined> {
    if (probedFor === material.certPem) return undefined;
    probedFor = material.certPem;
    return missedRotationOf({
      cpUrl: options.cpUrl,
      certPem: material.certPem,
      keyPem: material.keyPem,
      trustedFingerprints: material.caFingerprints ?? [],
      requestTimeoutMs: options.requestTimeoutMs,
    });
  }

  /** A CA rotation's part of the answer: the new trust bundle to write, a renewal to start now. */
  async function followRotation(material: CertMaterial, status: HeartbeatResponse): Promise<void> {
    if (status.renew_now === true) options.onRenewNow?.(material);
    if (status.ca_bundle_pem === undefined) return options.onTrustInStep?.();
    if (options.onTrustBundle === undefined) return;
    // serve's onTrustBundle says its own failures, once per episode (trust-update.ts); this catch
    // keeps any other from failing a beat the CP accepted.
    try {
      await options.onTrustBundle(material, status.ca_bundle_pem);
    } catch (error) {
      const failure = failureOf(error);
      logger.warn(`heartbeat: cannot take the control plane's CA bundle: ${failure.message}`, { code: failure.code });
    }
  }

  async function heartbeatBody(material: CertMaterial): Promise<HeartbeatRequest> {
    const [vmCount, activeMigrations] = await Promise.all([options.hypervisor.vmCount(), options.hypervisor.activeMigrations()]);
    return {
      architecture: detectArchitecture(),
      agent_version: options.agentVersion,
      heartbeat_interval_seconds: Math.min(MAX_INTERVAL_SECONDS, Math.max(MIN_INTERVAL_SECONDS, options.intervalMs / 1000)),
      hardware: inventory(),
      vm_count: vmCount,
      active_migrations: activeMigrations,
      ...(reportsTrust && material.caFingerprints !== undefined ? { ca_fingerprints: material.caFingerprints } : {}),
    };
  }

  function reportFailure(failure: Failure, next: RetryDelay): void {
    const occurrence = failures.record(`${failure.code}\u0000${failure.message}`);
    const retry = { retry_in_ms: next.delayMs, ...(next.retryAfterMs !== undefined ? { retry_after_ms: next.retryAfterMs } : {}) };
    if (occurrence.first) {
      logger.warn(`heartbeat failed: ${failure.message}`, { code: failure.code, details: failure.details, ...retry });
    } else if (isCountMilestone(occurrence.count)) {
      logger.warn(`heartbeat still failing (${occurrence.count} in a row): ${failure.message}`, {
        code: failure.code,
        failures: occurrence.count,
        ...retry,
      });
    } else if (next.retryAfterMs !== undefined) {
      // A wait the CP asked for is said each time: it is why the node is quiet.
      logger.info(`heartbeat: the control plane asked to wait ${next.retryAfterMs} ms`, { code: failure.code, ...retry });
    }
  }

  schedule(0);

  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      if (inFlight !== undefined) await Promise.race([inFlight, delay(STOP_GRACE_MS)]);
      const client = current?.client;
      current = undefined;
      if (client !== undefined) await Promise.race([client.close().catch(() => undefined), delay(STOP_GRACE_MS)]);
    },
  };
}

const REBOOTSTRAP =
  're-run `otherix-agent bootstrap --force` with a token bound to this node; the running agent picks the new files up without a restart';

function failureOf(error: unknown): Failure {
  if (isOtherixError(error))
    return { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
