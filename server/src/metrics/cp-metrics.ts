// The CP's Prometheus metrics, served on `--metrics-listen` (@otherix/sdk/metrics-server).
//
// Names follow Prometheus conventions: `otherix_cp_` prefix, `_total` for counters, `_seconds`
// for durations, base units. No label ever holds a token, a node's name or text a node wrote:
// every label value comes from a fixed set (API error codes, token_rejected reasons, statuses,
// windows, the group-commit queues), so the series count stays bounded at any cluster size.
//
// Two halves. What the hot paths (a join, a heartbeat, a group commit) touch is plain numbers
// (instruments.ts): an increment and a bucket, no allocation, no dependency. The exposition is
// prom-client's: its registry is built at the first scrape (prom-client is loaded then, so a CP
// without a metrics listener never loads it), and reads those numbers when scraped, with the
// fleet gauges read from the store at that moment. Each CpMetrics has its registry of its own, so
// several CPs in one process (tests) never share series.
import type { ApiErrorCode } from '@otherix/sdk';
import type { Registry } from 'prom-client';
import type { BatchObserver } from '../services/group-commit.js';
import type { FleetCounts } from '../store/node-store.js';
import { Buckets, OutcomeCounts } from './instruments.js';

/** How a join or a heartbeat ended: `ok`, or the API error code it was refused with. */
export type RequestOutcome = 'ok' | ApiErrorCode;

/** The certificate windows of `otherix_cp_node_certificates_expiring` (label `within`). */
export const CERTIFICATE_WINDOWS = Object.freeze([
  { label: '7d', ms: 7 * 86_400_000 },
  { label: '30d', ms: 30 * 86_400_000 },
]);

/** The group-commit queues (label `queue`). */
export type CommitQueue = 'heartbeats' | 'redemptions' | 'renewals';
const COMMIT_QUEUES: readonly CommitQueue[] = ['heartbeats', 'redemptions', 'renewals'];

/** What a scrape asks of the fleet: one read per scrape, whatever the number of gauges. */
export interface FleetSource {
  counts(windowsMs: readonly number[]): Promise<FleetCounts>;
  liveJoinTokens(): Promise<number>;
}

interface Fleet {
  counts: FleetCounts;
  liveJoinTokens: number;
}

const JOIN_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const HEARTBEAT_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** A renewal signs a leaf and waits for its group commit, like a join. */
const RENEWAL_SECONDS_BUCKETS = JOIN_SECONDS_BUCKETS;
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
const WRITE_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

const EMPTY_FLEET: Fleet = {
  counts: {
    nodes: { pending: 0, ready: 0, not_ready: 0, cordoned: 0 },
    certificatesExpired: 0,
    certificatesExpiring: CERTIFICATE_WINDOWS.map(() => 0),
  },
  liveJoinTokens: 0,
};

/**
 * A histogram of Buckets series as a prom-client metric: the registry formats what get() gives
 * (the shape prom-client's own Histogram gives), so the exposition is prom-client's.
 */
function histogramMetric(name: string, help: string, series: () => Array<{ labels: Record<string, string>; buckets: Buckets }>) {
  return {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
      for (const { labels, buckets } of series()) {
        let cumulative = 0;
        buckets.bounds.forEach((bound, i) => {
          cumulative += buckets.counts[i];
          values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
        });
        values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: buckets.count });
        values.push({ metricName: `${name}_sum`, labels, value: buckets.sum });
        values.push({ metricName: `${name}_count`, labels, value: buckets.count });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  };
}

export class CpMetrics {
  /** Join answers by outcome (metrics/plugin.ts counts them). */
  readonly joins = new OutcomeCounts();
  readonly joinSeconds = new Buckets(JOIN_SECONDS_BUCKETS);
  readonly heartbeats = new OutcomeCounts();
  readonly heartbeatSeconds = new Buckets(HEARTBEAT_SECONDS_BUCKETS);
  readonly renewals = new OutcomeCounts();
  readonly renewalSeconds = new Buckets(RENEWAL_SECONDS_BUCKETS);
  private readonly batchSizes = new Map(COMMIT_QUEUES.map((queue) => [queue, new Buckets(BATCH_SIZE_BUCKETS)]));
  private readonly writeSeconds = new Map(COMMIT_QUEUES.map((queue) => [queue, new Buckets(WRITE_SECONDS_BUCKETS)]));
  private fleetSource: FleetSource | undefined;
  /** The fleet read of the scrape in progress, shared by every gauge that needs it. */
  private fleetRead: Promise<Fleet> | undefined;
  private registry: Promise<Registry> | undefined;
  private processMetrics = false;

  constructor(private readonly options: { version?: string } = {}) {}

  /** Where the fleet gauges read from (the services plugin sets the store). */
  setFleetSource(source: FleetSource): void {
    this.fleetSource = source;
  }

  /** The observer of a group-commit queue: batch sizes and write durations. */
  groupCommit(queue: CommitQueue): BatchObserver {
    const size = this.batchSizes.get(queue)!;
    const seconds = this.writeSeconds.get(queue)!;
    return {
      written(n, duration) {
        size.observe(n);
        seconds.observe(duration);
      },
    };
  }

  /**
   * Adds prom-client's process defaults (CPU, memory, heap, event-loop lag, GC) to what is
   * served. main.ts calls it with a metrics listener: they run an event-loop delay monitor and a
   * GC observer, which a CP without one (or each CP of a test process) need not pay for.
   */
  collectProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    if (this.registry !== undefined) {
      this.registry = this.registry.then(async (registry) => {
        (await import('prom-client')).collectDefaultMetrics({ register: registry });
        return registry;
      });
    }
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async scrape(): Promise<{ contentType: string; body: string }> {
    this.registry ??= this.buildRegistry().catch((error: unknown) => {
      this.registry = undefined; // the next scrape tries again
      throw error;
    });
    const registry = await this.registry;
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  private async buildRegistry(): Promise<Registry> {
    const { Counter, Gauge, Registry, collectDefaultMetrics } = await import('prom-client');
    const registry = new Registry();
    const registers = [registry];
    if (this.processMetrics) collectDefaultMetrics({ register: registry });
    new Gauge({
      name: 'otherix_cp_build_info',
      help: 'Always 1; the label says which otherix-server runs.',
      labelNames: ['version'],
      registers,
    }).set({ version: this.options.version ?? 'unknown' }, 1);

    /** `withReason: false`: a family whose refusals have no reason shows the outcome label only. */
    const counter = (name: string, help: string, counts: OutcomeCounts, withReason = true): void => {
      new Counter({
        name,
        help,
        labelNames: withReason ? ['outcome', 'reason'] : ['outcome'],
        registers,
        collect() {
          this.reset();
          for (const { labels, n } of counts.read()) this.inc(withReason ? labels : { outcome: labels.outcome }, n);
        },
      });
    };
    const histogram = (name: string, help: string, series: () => Array<{ labels: Record<string, string>; buckets: Buckets }>): void => {
      // A metric object of prom-client's shape (name, help, type, get()): see histogramMetric.
      registry.registerMetric(histogramMetric(name, help, series) as unknown as Parameters<Registry['registerMetric']>[0]);
    };
    const byQueue = (map: Map<CommitQueue, Buckets>) => () => [...map].map(([queue, buckets]) => ({ labels: { queue }, buckets }));

    counter(
      'otherix_cp_joins_total',
      'Join requests (POST /v1/nodes/join) by outcome: ok, or the API error code (token_rejected with its reason, conflict, validation_failed, rate_limited, ...).',
      this.joins,
    );
    histogram('otherix_cp_join_duration_seconds', 'Time from receiving a join request to its answer, refusals included.', () => [
      { labels: {}, buckets: this.joinSeconds },
    ]);
    counter(
      'otherix_cp_heartbeats_total',
      'Heartbeats (POST /v1/nodes/heartbeat) by outcome: ok, or the API error code (unauthenticated, validation_failed, ...). reason is always empty.',
      this.heartbeats,
    );
    histogram(
      'otherix_cp_heartbeat_duration_seconds',
      'Time from receiving a heartbeat to its answer (its group commit included), refusals included.',
      () => [{ labels: {}, buckets: this.heartbeatSeconds }],
    );
    counter(
      'otherix_cp_renewals_total',
      'Node certificate renewals (POST /v1/nodes/renew) by outcome: ok (a new leaf signed and recorded), or the API error code (rate_limited, validation_failed, unauthenticated, forbidden, ...).',
      this.renewals,
      false,
    );
    histogram(
      'otherix_cp_renewal_duration_seconds',
      'Time from receiving a renewal to its answer (signing and its group commit included), refusals included.',
      () => [{ labels: {}, buckets: this.renewalSeconds }],
    );
    histogram(
      'otherix_cp_group_commit_batch_size',
      'Items written per group-commit transaction, by queue (heartbeats, redemptions, renewals).',
      byQueue(this.batchSizes),
    );
    histogram(
      'otherix_cp_group_commit_write_duration_seconds',
      'Duration of each group-commit write transaction, by queue (heartbeats, redemptions, renewals).',
      byQueue(this.writeSeconds),
    );

    // Collect-time gauges: read from the store when scraped, one read for all of them.
    const fleet = (): Promise<Fleet> => this.readFleet();
    new Gauge({
      name: 'otherix_cp_nodes',
      help: 'Nodes by status (pending, ready, not_ready, cordoned), as the API derives it at scrape time.',
      labelNames: ['status'],
      registers,
      async collect() {
        const { counts } = await fleet();
        for (const [status, n] of Object.entries(counts.nodes)) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'otherix_cp_node_certificates_expiring',
      help: 'Nodes whose current certificate ends within the window (label within: 7d, 30d), those already expired included.',
      labelNames: ['within'],
      registers,
      async collect() {
        const { counts } = await fleet();
        CERTIFICATE_WINDOWS.forEach((window, i) => this.set({ within: window.label }, counts.certificatesExpiring[i] ?? 0));
      },
    });
    new Gauge({
      name: 'otherix_cp_node_certificates_expired',
      help: 'Nodes whose current certificate has ended: their heartbeats are refused until re-issued.',
      registers,
      async collect() {
        this.set((await fleet()).counts.certificatesExpired);
      },
    });
    new Gauge({
      name: 'otherix_cp_join_tokens_live',
      help: 'Join tokens that can still be redeemed: not revoked, not expired, uses left.',
      registers,
      async collect() {
        this.set((await fleet()).liveJoinTokens);
      },
    });
    return registry;
  }

  private readFleet(): Promise<Fleet> {
    if (this.fleetRead !== undefined) return this.fleetRead;
    const source = this.fleetSource;
    const read =
      source === undefined
        ? Promise.resolve(EMPTY_FLEET)
        : Promise.all([source.counts(CERTIFICATE_WINDOWS.map((w) => w.ms)), source.liveJoinTokens()]).then(([counts, liveJoinTokens]) => ({
            counts,
            liveJoinTokens,
          }));
    // Shared by the gauges of this scrape (their collect() calls start together), then dropped.
    this.fleetRead = read;
    const drop = (): void => {
      if (this.fleetRead === read) this.fleetRead = undefined;
    };
    read.then(drop, drop);
    return read;
  }
}
