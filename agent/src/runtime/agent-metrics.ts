// The agent's Prometheus metrics, served on `--metrics-listen` (or agent.yaml `metrics_listen`,
// OTHERIX_METRICS_LISTEN): heartbeats by outcome and their latency, renewals of the node
// certificate by outcome, the node certificate's end,
// which state the agent is in (A: waiting for bootstrap, B: serving), and prom-client's process
// defaults. Label values come from fixed sets (the SDK's error codes, the states): no token, no
// node name, no text from the host.
//
// prom-client is loaded only when metrics are on (loadAgentMetrics): an agent without them pays
// nothing in memory or start time, and the runtime talks to the NO_METRICS stand-in.
import { X509Certificate } from 'node:crypto';
import { API_ERROR_CODES, LOCAL_ERROR_CODES } from '@otherix/sdk';

export type AgentState = 'A' | 'B';

export interface AgentMetrics {
  state(state: AgentState): void;
  /** One heartbeat attempt (a resend on a new connection included): `ok` or its failure code. */
  heartbeat(code: string, seconds: number): void;
  /** One renewal attempt of the node certificate by serve: `ok` or its failure code. */
  renewal(code: string): void;
  /** The certificate heartbeats now use (called when it changes). */
  certificate(certPem: string): void;
  /** The exposition text, for the metrics server. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** When metrics are off: every call is a no-op. */
export const NO_METRICS: AgentMetrics = Object.freeze({
  state: () => undefined,
  heartbeat: () => undefined,
  renewal: () => undefined,
  certificate: () => undefined,
  scrape: async () => ({ contentType: 'text/plain', body: '' }),
});

/** Heartbeat failure codes the loop itself uses (heartbeat.ts), besides the SDK's. */
const HEARTBEAT_CODES = ['cert_material_lost', 'cert_file_invalid'];
const KNOWN_CODES = new Set<string>(['ok', ...API_ERROR_CODES, ...LOCAL_ERROR_CODES, ...HEARTBEAT_CODES]);

const HEARTBEAT_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export async function loadAgentMetrics(version: string): Promise<AgentMetrics> {
  const { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } = await import('prom-client');
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'otherix_agent_build_info',
    help: 'Always 1; the label says which otherix-agent runs.',
    labelNames: ['version'],
    registers,
  }).set({ version }, 1);
  const stateGauge = new Gauge({
    name: 'otherix_agent_state',
    help: '1 for the state the agent is in: A (waiting for bootstrap: config and cert files) or B (serving and heartbeating), 0 for the other.',
    labelNames: ['state'],
    registers,
  });
  const beats = new Counter({
    name: 'otherix_agent_heartbeats_total',
    help: 'Heartbeat attempts by outcome: ok, or the failure code (an API error code such as unauthenticated, or unreachable, timeout, tls_failed, cert_material_lost, ...).',
    labelNames: ['outcome'],
    registers,
  });
  const beatSeconds = new Histogram({
    name: 'otherix_agent_heartbeat_duration_seconds',
    help: 'Time each heartbeat attempt took, from sending to the answer or the failure.',
    buckets: HEARTBEAT_SECONDS_BUCKETS,
    registers,
  });
  const notAfter = new Gauge({
    name: 'otherix_agent_certificate_not_after_timestamp_seconds',
    help: "The end of the node certificate heartbeats use (agent.crt's notAfter), in Unix seconds.",
    registers,
  });
  const renewals = new Counter({
    name: 'otherix_agent_renewals_total',
    help: 'Renewals of the node certificate by serve, by outcome: ok, or the failure code (rate_limited, unauthenticated, unreachable, timeout, certificate_expired, file_write_failed, ...).',
    labelNames: ['outcome'],
    registers,
  });
  renewals.labels('ok').inc(0);
  const okBeats = beats.labels('ok');
  const children = new Map<string, { inc(): void }>([['ok', okBeats]]);
  /** A failure code as a label value: one of the known codes, else `internal` (never free text). */
  const outcomeOf = (code: string): string => (KNOWN_CODES.has(code) ? code : 'internal');
  stateGauge.set({ state: 'A' }, 1);
  stateGauge.set({ state: 'B' }, 0);
  return {
    state(state) {
      stateGauge.set({ state: 'A' }, state === 'A' ? 1 : 0);
      stateGauge.set({ state: 'B' }, state === 'B' ? 1 : 0);
    },
    heartbeat(code, seconds) {
      beatSeconds.observe(seconds);
      const outcome = outcomeOf(code);
      let child = children.get(outcome);
      if (child === undefined) {
        child = beats.labels(outcome);
        children.set(outcome, child);
      }
      child.inc();
    },
    renewal(code) {
      renewals.labels(outcomeOf(code)).inc();
    },
    certificate(certPem) {
      try {
        notAfter.set(Math.floor(Date.parse(new X509Certificate(certPem).validTo) / 1000));
      } catch {
        // An unparsable certificate fails the heartbeat itself, which says so.
      }
    },
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
