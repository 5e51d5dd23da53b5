// The CP's Prometheus metrics (issue 17 item 1): after a join, refused joins of each kind,
// heartbeats (accepted and refused) and a cordon, GET /metrics on the metrics listener shows the
// counters and histograms moved with the right labels, the fleet gauges read at scrape time
// (nodes by status, certificates near their end, live join tokens), the group commits, the
// process defaults, and no label value holding a token, a node's name or a node's own text.
import test from 'ava';
import { generateToken } from '@otherix/sdk/internal';
import { startMetricsServer } from '@otherix/sdk/metrics-server';
import type { MetricsServer } from '@otherix/sdk/metrics-server';
import { api, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { heartbeat, heartbeatBody, joinNode } from '../harness/cluster.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';
import { sampleValue, scrape } from '../harness/prometheus-text.js';
import type { Sample } from '../harness/prometheus-text.js';

const DAY_MS = 86_400_000;

let cp: ControlPlane;
let metrics: MetricsServer;

test.before(async () => {
  cp = await startControlPlane();
  // What otherix-server does with --metrics-listen (metrics-listener.test.ts runs that).
  cp.app.metrics.collectProcessMetrics();
  metrics = await startMetricsServer({ host: '127.0.0.1', port: 0, source: cp.app.metrics });
});

test.after.always(async () => {
  await metrics?.close();
  await cp?.close();
});

async function join(token: string, name: string, overrides: Record<string, unknown> = {}) {
  const { csrPem } = await nodeCsr(name);
  return api(cp, 'POST', '/v1/nodes/join', { body: { ...joinRequest(token, name, csrPem), ...overrides } });
}

async function mint(body: Record<string, unknown>): Promise<{ id: string; token: string }> {
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body });
  if (minted.status !== 201) throw new Error(minted.text);
  return minted.body;
}

function labelValues(samples: Sample[]): string[] {
  return samples.flatMap((s) => Object.values(s.labels));
}

test.serial('a join, refused joins, heartbeats and a cordon move the counters and histograms with bounded labels', async (t) => {
  const before = await scrape(metrics.url);
  t.is(before.status, 200);
  t.regex(before.contentType, /^text\/plain; version=0\.0\.4/);
  t.is(sampleValue(before.samples, 'otherix_cp_join_duration_seconds_count'), 0);

  // One join that lands, and one refusal of each kind.
  const node = await joinNode(cp, 'metrics-node');
  const unknownToken = generateToken('join');
  t.is((await join(unknownToken, 'metrics-other')).body.error.details.reason, 'unknown');
  const revoked = await mint({ node_name: 'metrics-revoked' });
  t.is((await api(cp, 'POST', `/v1/nodes/join-tokens/${revoked.id}/revoke`, { token: cp.adminToken })).status, 200);
  t.is((await join(revoked.token, 'metrics-revoked')).body.error.details.reason, 'revoked');
  const fleet = await mint({ max_uses: 1 });
  t.is((await join(fleet.token, 'metrics-node')).body.error.code, 'conflict', 'a fleet token cannot take a known name');
  t.is((await join(fleet.token, 'metrics-bad', { csr_pem: undefined })).body.error.code, 'validation_failed');

  // Three accepted heartbeats, one refused for its body; then a cordon.
  for (let i = 0; i < 3; i++) t.is((await heartbeat(cp, node.cert)).status, 200);
  t.is((await heartbeat(cp, node.cert, { ...heartbeatBody(), vm_count: 'many' })).status, 400);
  t.is((await api(cp, 'POST', `/v1/nodes/${node.id}/cordon`, { token: cp.adminToken })).status, 200);

  const after = await scrape(metrics.url);
  const value = (name: string, labels: Record<string, string> = {}) => sampleValue(after.samples, name, labels);
  t.is(value('otherix_cp_joins_total', { outcome: 'ok', reason: '' }), 1);
  t.is(value('otherix_cp_joins_total', { outcome: 'token_rejected', reason: 'unknown' }), 1);
  t.is(value('otherix_cp_joins_total', { outcome: 'token_rejected', reason: 'revoked' }), 1);
  t.is(value('otherix_cp_joins_total', { outcome: 'conflict', reason: '' }), 1);
  t.is(value('otherix_cp_joins_total', { outcome: 'validation_failed', reason: '' }), 1);
  t.is(value('otherix_cp_join_duration_seconds_count'), 5, 'every join answered is timed, refusals included');
  t.true(value('otherix_cp_join_duration_seconds_sum')! > 0);
  t.is(value('otherix_cp_join_duration_seconds_bucket', { le: '+Inf' }), 5);

  t.is(value('otherix_cp_heartbeats_total', { outcome: 'ok', reason: '' }), 3);
  t.is(value('otherix_cp_heartbeats_total', { outcome: 'validation_failed', reason: '' }), 1);
  t.is(value('otherix_cp_heartbeat_duration_seconds_count'), 4);

  // Group commits: each accepted heartbeat and the one redemption that reached the writer, once.
  t.is(value('otherix_cp_group_commit_batch_size_sum', { queue: 'heartbeats' }), 3);
  t.is(value('otherix_cp_group_commit_batch_size_sum', { queue: 'redemptions' }), 1);
  for (const queue of ['heartbeats', 'redemptions']) {
    const batches = value('otherix_cp_group_commit_batch_size_count', { queue })!;
    t.true(batches >= 1);
    t.is(value('otherix_cp_group_commit_write_duration_seconds_count', { queue }), batches, 'one write timed per batch');
  }

  // Collect-time gauges: read from the database at this scrape.
  t.deepEqual(
    ['pending', 'ready', 'not_ready', 'cordoned'].map((status) => value('otherix_cp_nodes', { status })),
    [0, 0, 0, 1],
  );
  t.is(value('otherix_cp_join_tokens_live'), 1, 'only the unused fleet token: the bound one is spent, the other revoked');
  // Node certificates live 30 days by default (issue 16): a new one already ends within 30d, and
  // the 7d window is the one that tells a node that failed to renew (renewal is at 2/3, 10 days left).
  t.is(value('otherix_cp_node_certificates_expiring', { within: '30d' }), 1);
  t.is(value('otherix_cp_node_certificates_expiring', { within: '7d' }), 0);
  t.is(value('otherix_cp_node_certificates_expired'), 0);

  // prom-client's process defaults, and which CP this is.
  t.not(value('process_cpu_user_seconds_total'), undefined);
  t.not(value('nodejs_heap_size_total_bytes'), undefined);
  t.is(after.samples.find((s) => s.name === 'otherix_cp_build_info')?.value, 1);

  // No label value is a token, a node's name or id, or text the node sent.
  const secrets = [
    node.name,
    node.id,
    node.serial,
    unknownToken,
    revoked.token,
    fleet.token,
    cp.adminToken,
    'metrics-revoked',
    'metrics-bad',
    'host-under-test',
    'Test CPU',
  ];
  for (const label of labelValues(after.samples)) {
    t.false(label.startsWith('otx_'), `label value ${label}`);
    for (const secret of secrets) t.false(label.includes(secret), `label value ${label} holds ${secret}`);
  }
  const otherixLabels = new Set(after.samples.filter((s) => s.name.startsWith('otherix_')).flatMap((s) => Object.keys(s.labels)));
  t.deepEqual([...otherixLabels].sort(), ['le', 'outcome', 'queue', 'reason', 'status', 'version', 'within']);
});

test.serial('certificates near their end are counted within 30 and 7 days, then as expired', async (t) => {
  const node = await joinNode(cp, 'metrics-expiring');
  const notAfter = Date.parse(node.node.certificate.not_after);
  const at = async (daysBeforeEnd: number) => {
    cp.clock.advance(notAfter - daysBeforeEnd * DAY_MS - cp.clock.now());
    const { samples } = await scrape(metrics.url);
    return [
      sampleValue(samples, 'otherix_cp_node_certificates_expiring', { within: '30d' }),
      sampleValue(samples, 'otherix_cp_node_certificates_expiring', { within: '7d' }),
      sampleValue(samples, 'otherix_cp_node_certificates_expired'),
    ];
  };
  // Both nodes joined moments apart: their certificates end together.
  t.deepEqual(await at(20), [2, 0, 0]);
  t.deepEqual(await at(3), [2, 2, 0]);
  t.deepEqual(await at(-1), [2, 2, 2], 'an expired certificate stays counted as expiring, and as expired');
});

test.serial('the metrics listener answers only GET /metrics', async (t) => {
  const base = metrics.url.replace(/\/metrics$/, '');
  t.is((await scrape(`${base}/`)).status, 404);
  t.is((await scrape(`${base}/v1/nodes`)).status, 404);
});
