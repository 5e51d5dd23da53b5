// State B, the agent's full runtime: the mTLS server the CP calls, the heartbeat sender, and the
// renewal of the node certificate before it ends (renewal-loop.ts). One-way per process: nothing
// here goes back to State A, whatever happens to the files.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { startAgentServer } from './agent-server.js';
import type { AgentMetrics } from './agent-metrics.js';
import { CERT_FILES } from '@otherix/sdk/internal';
import { readCertMaterial, type CertMaterial } from './cert-material.js';
import { CertExpiryWatch } from './cert-expiry.js';
import { startHeartbeatLoop } from './heartbeat.js';
import { NoHypervisorDriver, type HypervisorDriver } from './hypervisor.js';
import type { Logger } from './logger.js';
import { keepWasmOnBaselineTier } from './memory.js';
import { startRenewalLoop } from './renewal-loop.js';
import { TrustUpdate } from './trust-update.js';
import { certificateTimes } from '@otherix/sdk/pki';
import type { Bootstrapped } from './state-a.js';

export interface StateBOptions {
  bootstrapped: Bootstrapped;
  agentVersion: string;
  logger: Logger;
  /** Default NoHypervisorDriver (zero VMs, zero migrations) until a real driver exists. */
  hypervisor?: HypervisorDriver;
  /** Heartbeat and renewal outcomes and the certificate's end (serve's metrics, when on). */
  metrics?: AgentMetrics;
}

export interface StateB {
  /** Stops the heartbeats and closes the server. */
  stop(): Promise<void>;
}

export async function startStateB(options: StateBOptions): Promise<StateB> {
  const { config, material } = options.bootstrapped;
  const { logger } = options;
  warnIfKeyIsShared(config.tls.cert_dir, logger);
  keepWasmOnBaselineTier();

  const server = await startAgentServer({
    listen: config.listen,
    material,
    nodeName: config.node_name,
    version: options.agentVersion,
    logger,
  });
  const expiry = new CertExpiryWatch(config.node_name, logger);
  const serveMaterial = (next: CertMaterial): void => {
    try {
      server.updateMaterial(next);
    } catch (error) {
      logger.warn('agent server: cannot serve the new cert material; keeping the old one', { error });
    }
  };
  const renewal = startRenewalLoop({
    cpUrl: config.cp_url,
    certDir: config.tls.cert_dir,
    requestTimeoutMs: config.request_timeout_ms,
    logger,
    expiry,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    // The server's new connections present the new certificate at once; the heartbeats switch
    // on their next beat (they re-read the cert dir before each one).
    onRenewed: () => {
      const read = readCertMaterial(config.tls.cert_dir);
      if (read.ok) serveMaterial(read.material);
    },
  });
  const trust = new TrustUpdate(config.tls.cert_dir, logger);
  const heartbeats = startHeartbeatLoop({
    cpUrl: config.cp_url,
    certDir: config.tls.cert_dir,
    intervalMs: config.heartbeat_interval_ms,
    requestTimeoutMs: config.request_timeout_ms,
    agentVersion: options.agentVersion,
    hypervisor: options.hypervisor ?? new NoHypervisorDriver(),
    logger,
    expiry,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    // A CA rotation: the cluster's trust bundle goes to ca.crt (never while a renewal writes the
    // cert dir), and a renewal starts at once when the CP asks (trust-update.ts).
    // A write that fails (a full disk) is said once until it succeeds (trust-update.ts).
    onTrustBundle: (used: CertMaterial, bundlePem: string) => renewal.exclusive(() => trust.adopt(used, bundlePem)),
    onTrustInStep: () => trust.inStep(),
    onRenewNow: (used: CertMaterial) => renewal.renewNow(certificateTimes(used.certPem).serial),
    // Re-issued material (bootstrap --force, or `otherix-agent renew`) reaches the server's new
    // connections as well, and the renewal is planned for the new certificate.
    onMaterialChange: (next: CertMaterial) => {
      serveMaterial(next);
      renewal.reschedule();
    },
  });
  logger.info('state B: serving', {
    node_name: config.node_name,
    cp_url: config.cp_url,
    heartbeat_interval_ms: config.heartbeat_interval_ms,
  });

  return {
    async stop() {
      await Promise.all([renewal.stop(), heartbeats.stop(), server.close()]);
    },
  };
}

// The key is the node's identity: bootstrap writes it 0600, and a wider mode means someone
// changed it. Serve still runs (the operator may have a reason) but says so.
function warnIfKeyIsShared(certDir: string, logger: Logger): void {
  try {
    const mode = statSync(join(certDir, CERT_FILES.key)).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      logger.warn(`${CERT_FILES.key} is readable by group or others (mode ${mode.toString(8)}): run chmod 600 on it`, {
        cert_dir: certDir,
      });
    }
  } catch {
    // Gone already: the first heartbeat reports it.
  }
}
