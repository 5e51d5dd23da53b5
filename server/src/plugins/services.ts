// Decorates the instance with the CP's state and services: app.store, app.ca, app.clock and
// app.services. Routes call these; nothing else reaches the store (the metrics read through
// the services too). Needs app.metrics (metrics/plugin.ts) registered before it.
import type { Store } from '../store/store.js';
import type { ClusterCa } from '../services/ca.js';
import { ApiTokenService } from '../services/api-tokens.js';
import { JoinTokenService } from '../services/join-tokens.js';
import { GuessLimiter } from '../services/rate-limit.js';
import { HeartbeatService } from '../services/heartbeats.js';
import { HeartbeatRefusals } from '../services/heartbeat-refusals.js';
import { NodeIdentityService } from '../services/node-identity.js';
import { NodeService } from '../services/nodes.js';
import { RedemptionService } from '../services/redemption.js';
import { RenewalService } from '../services/renewal.js';
import { CaRotationService, MemoryCaKeys } from '../services/ca-rotation.js';
import type { NextCaKeys } from '../services/ca-rotation.js';
import { sharedPlugin } from './shared-plugin.js';

export interface Services {
  apiTokens: ApiTokenService;
  joinTokens: JoinTokenService;
  redemption: RedemptionService;
  // The node side.
  nodeIdentity: NodeIdentityService;
  heartbeats: HeartbeatService;
  nodes: NodeService;
  /** Refused heartbeats of a node's current certificate. */
  heartbeatRefusals: HeartbeatRefusals;
  /** Node certificate renewal; renewal.onRenewed hears each one. */
  renewal: RenewalService;
  /** The CA rotation: its phase, the trust of the moment (caRotation.trust), its progress. */
  caRotation: CaRotationService;
}

interface ServicesPluginOptions extends Record<string, unknown> {
  store: Store;
  ca: ClusterCa;
  now: () => number;
  joinGuessLimit: number;
  controlPlaneHosts: readonly string[];
  /** Node leaves' lifetime from signing (--node-cert-lifetime): joins, re-issues and renewals. */
  nodeCertLifetimeMs: number;
  /** Close the store with the app. */
  closeStore: boolean;
  /** Where a CA rotation keeps its new CA's key (default: this process's memory). */
  caKeys: NextCaKeys | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    /** The cluster CA at start; during a CA rotation app.services.caRotation.trust says which CA does what. */
    ca: ClusterCa;
    /** The CP's clock (epoch ms): every time comparison uses it, so tests move time instead of sleeping. */
    clock: () => number;
    services: Services;
  }
}

export default sharedPlugin<ServicesPluginOptions>('otherix-services', async (app, options) => {
  const { store, ca, now } = options;
  app.decorate('store', store);
  app.decorate('ca', ca);
  app.decorate('clock', now);
  const caRotation = await CaRotationService.open({ store, now, keys: options.caKeys ?? new MemoryCaKeys(), current: ca });
  const trust = () => caRotation.trust;
  const heartbeatRefusals = new HeartbeatRefusals(store, now, trust);
  const nodeIdentity = new NodeIdentityService(store, heartbeatRefusals, now, trust);
  const redemption = new RedemptionService({
    store,
    ca: trust,
    now,
    guessLimiter: new GuessLimiter(options.joinGuessLimit, now),
    controlPlaneHosts: options.controlPlaneHosts,
    lifetimeMs: options.nodeCertLifetimeMs,
    commitObserver: app.metrics.groupCommit('redemptions'),
  });
  const nodes = new NodeService(store, now, nodeIdentity);
  const renewal = new RenewalService({
    store,
    ca: trust,
    now,
    identity: nodeIdentity,
    lifetimeMs: options.nodeCertLifetimeMs,
    commitObserver: app.metrics.groupCommit('renewals'),
  });
  app.decorate('services', {
    apiTokens: new ApiTokenService(store, now),
    joinTokens: new JoinTokenService(store, now, () => caRotation.trust.serving.fingerprint),
    redemption,
    nodeIdentity,
    heartbeats: new HeartbeatService(store, now, nodeIdentity, app.metrics.groupCommit('heartbeats')),
    nodes,
    heartbeatRefusals,
    renewal,
    caRotation,
  });
  // The fleet gauges read the store when scraped (metrics/cp-metrics.ts).
  app.metrics.setFleetSource({
    counts: (windowsMs) => nodes.fleetCounts(windowsMs),
    liveJoinTokens: () => store.countLiveJoinTokens(now()),
  });
  app.addHook('onClose', async () => {
    // Redemptions already accepted are written (and answered) before the store closes.
    await redemption.drain();
    await renewal.drain();
    if (options.closeStore) await store.close();
  });
});
