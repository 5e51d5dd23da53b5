// The heartbeat sender (State B): POST /v1/nodes/heartbeat over mTLS with the node's key, every
// heartbeat_interval ±10%, with the host's inventory and what the hypervisor hosts. A failure
// backs off exponentially (capped) and is logged once per distinct error, then with a count at
// 2, 4, 8, ... in a row; nothing here ends the process.
//
// The cert material is re-read from disk before every beat: new material gets a new client
// (new connections), and material that vanished fails the beat (seed §3: "cert material lost
// mid-run is a heartbeat failure, not a regression to State A").
//
// Connections: the client keeps one keep-alive connection to the CP and lets go of it before
// the CP's keep-alive ends (sdk transport.ts), so with a beat slower than that (up to 3600 s)
// each beat opens a new connection. A beat whose connection is cut under it (the CP or a NAT
// closing an idle socket as the beat goes out) is sent once more at once on a new connection:
// a heartbeat is safe to repeat, and a cut idle socket must not cost a beat.
import { createClient, detectArchitecture, isConnectionReset, isOtherixError } from '@otherix/sdk';
import type { Hardware, HeartbeatRequest, OtherixClient } from '@otherix/sdk';
import { readCertMaterial, sameMaterial, type CertMaterial } from './cert-material.js';
import type { CertExpiryWatch } from './cert-expiry.js';
import type { HypervisorDriver } from './hypervisor.js';
import { readInventory } from './inventory.js';
import type { Logger } from './logger.js';
import { RepeatFilter, isCountMilestone } from './repeat-filter.js';

export const HEARTBEAT_JITTER = 0.1;
/** Backoff grows to BACKOFF_CAP_INTERVALS intervals, and never past MAX_BACKOFF_MS. */
export const BACKOFF_CAP_INTERVALS = 4;
export const MAX_BACKOFF_MS = 5 * 60_000;
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
  /** Called when re-read material differs from what the last beat used. */
  onMaterialChange?: (material: CertMaterial) => void;
  /** Told the certificate of every beat (serve warns before it expires). */
  expiry?: CertExpiryWatch;
}

export interface HeartbeatLoop {
  /** Stops scheduling, waits briefly for a beat in flight, closes the connections. */
  stop(): Promise<void>;
}

interface Failure {
  code: string;
  message: string;
  /** The API's details (e.g. certificate_status: replaced | revoked), never a secret. */
  details?: Record<string, unknown>;
}

export function startHeartbeatLoop(options: HeartbeatOptions): HeartbeatLoop {
  const { logger } = options;
  const random = options.random ?? Math.random;
  const inventory = options.inventory ?? (() => readInventory());
  const failures = new RepeatFilter();
  let current: { material: CertMaterial; client: OtherixClient } | undefined;
  let lastUsed: CertMaterial | undefined;
  let beats = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = beat().then((ok) => {
        inFlight = undefined;
        schedule(ok ? jittered(options.intervalMs, random) : backoffDelay(options.intervalMs, failures.streak, random));
      });
    }, delayMs);
  };

  async function beat(): Promise<boolean> {
    try {
      const client = clientForCurrentMaterial();
      const body = await heartbeatBody();
      const status = await client.nodes.heartbeat(body).catch((error: unknown) => {
        if (!isConnectionReset(error)) throw error;
        logger.debug('heartbeat: the connection was closed under the beat; sending it again on a new connection', { code: isOtherixError(error) ? error.code : undefined });
        return client.nodes.heartbeat(body);
      });
      beats += 1;
      const streak = failures.reset();
      if (streak > 0) logger.info(`heartbeat: accepted again after ${streak} failed in a row`, { status: status.status });
      else if (beats === 1) logger.info('heartbeat: first heartbeat accepted', { status: status.status });
      else logger.debug('heartbeat: accepted', { status: status.status });
      return true;
    } catch (error) {
      reportFailure(failureOf(error));
      return false;
    }
  }

  function clientForCurrentMaterial(): OtherixClient {
    const read = readCertMaterial(options.certDir);
    if (!read.ok) {
      // Drop the old connections too: without its files this node must not keep beating.
      retireClient();
      throw new MaterialLost(
        `cert material lost: ${read.problem.message}: heartbeats fail until it is back; re-run \`otherix-agent bootstrap --force\` with a token bound to this node; the running agent picks the new files up without a restart`,
      );
    }
    options.expiry?.check(read.material.certPem);
    if (current !== undefined && sameMaterial(current.material, read.material)) return current.client;
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
      }),
    };
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

  async function heartbeatBody(): Promise<HeartbeatRequest> {
    const [vmCount, activeMigrations] = await Promise.all([options.hypervisor.vmCount(), options.hypervisor.activeMigrations()]);
    return {
      architecture: detectArchitecture(),
      agent_version: options.agentVersion,
      heartbeat_interval_seconds: Math.min(MAX_INTERVAL_SECONDS, Math.max(MIN_INTERVAL_SECONDS, options.intervalMs / 1000)),
      hardware: inventory(),
      vm_count: vmCount,
      active_migrations: activeMigrations,
    };
  }

  function reportFailure(failure: Failure): void {
    const occurrence = failures.record(`${failure.code}\u0000${failure.message}`);
    const retryInMs = backoffDelay(options.intervalMs, occurrence.count, () => 0.5);
    if (occurrence.first) {
      logger.warn(`heartbeat failed: ${failure.message}`, { code: failure.code, details: failure.details, retry_in_ms: retryInMs });
    } else if (isCountMilestone(occurrence.count)) {
      logger.warn(`heartbeat still failing (${occurrence.count} in a row): ${failure.message}`, {
        code: failure.code,
        failures: occurrence.count,
        retry_in_ms: retryInMs,
      });
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

/** The interval ±HEARTBEAT_JITTER, so a fleet restarted together does not beat in lockstep. */
export function jittered(intervalMs: number, random: () => number): number {
  return Math.max(1, Math.round(intervalMs * (1 + HEARTBEAT_JITTER * (2 * random() - 1))));
}

/** After `failuresInARow` failures: interval * 2^n, capped, with the same jitter. */
export function backoffDelay(intervalMs: number, failuresInARow: number, random: () => number): number {
  const cap = Math.max(intervalMs, Math.min(intervalMs * BACKOFF_CAP_INTERVALS, MAX_BACKOFF_MS));
  const exponential = intervalMs * 2 ** Math.min(failuresInARow, 30);
  return jittered(Math.min(cap, exponential), random);
}

class MaterialLost extends Error {
  readonly code = 'cert_material_lost';
}

function failureOf(error: unknown): Failure {
  if (error instanceof MaterialLost) return { code: error.code, message: error.message };
  if (isOtherixError(error)) return { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
