// A renewal in the CP's operations (issue 17 on top of issue 16): each signed renewal is one
// `node.renewed` audit line at info (the node as actor, its old and new serials, the source IP;
// never the CSR or the certificate), a refusal writes none; `otherix_cp_renewals_total` counts
// every answer by outcome (the outcome label only: no node name, serial or token), the renewal
// latency histogram and the `renewals` group-commit queue move. The agent's own counter, from a
// real serve renewing by itself: agent-serve.test.ts.
import test from 'ava';
import { startMetricsServer } from '@otherix/sdk/metrics-server';
import type { MetricsServer } from '@otherix/sdk/metrics-server';
import { movableClock, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane, MovableClock } from '../harness/control-plane.js';
import { joinNode } from '../harness/cluster.js';
import { sampleValue, scrape } from '../harness/prometheus-text.js';
import { renew } from './renewals.js';

interface LogLine {
  level: string;
  msg: string;
  audit?: boolean;
  event?: string;
  [field: string]: unknown;
}

let clock: MovableClock;
let cp: ControlPlane;
let metrics: MetricsServer;

test.before(async () => {
  clock = movableClock();
  cp = await startControlPlane({ clock, captureLogs: 'info' });
  metrics = await startMetricsServer({ host: '127.0.0.1', port: 0, source: cp.app.metrics });
});

test.after.always(async () => {
  await metrics?.close();
  await cp?.close();
});

const auditLines = (from: number): LogLine[] =>
  cp.logs
    .slice(from)
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.audit === true);

test.serial(
  'a signed renewal is one node.renewed audit line and counts as ok; refusals count by their code and write no audit line',
  async (t) => {
    const node = await joinNode(cp, 'renew-ops');
    const before = await scrape(metrics.url);
    t.is(sampleValue(before.samples, 'otherix_cp_renewals_total', { outcome: 'ok' }), 0, 'the ok series exists before the first renewal');
    t.is(sampleValue(before.samples, 'otherix_cp_renewal_duration_seconds_count'), 0);

    // Refused: no client certificate, then a CSR that is not one (refusals do not take the node's turn).
    let mark = cp.logs.length;
    t.is((await renew(cp, undefined, node.name)).response.status, 401);
    t.is((await renew(cp, node.cert, node.name, 'not a CSR')).response.status, 400);
    // Signed, then refused for coming again within the minute.
    const renewed = await renew(cp, node.cert, node.name);
    t.is(renewed.response.status, 201, renewed.response.text);
    t.is((await renew(cp, node.cert, node.name)).response.status, 429);

    const [line, ...more] = auditLines(mark);
    t.deepEqual(more, [], 'one audit line for four requests: the refusals changed nothing');
    t.like(line, {
      level: 'info',
      msg: 'audit: node.renewed',
      event: 'node.renewed',
      source_ip: '127.0.0.1',
      node_id: node.id,
      node_name: 'renew-ops',
      serial: renewed.serial,
      previous_serial: node.serial,
      not_after: renewed.response.body.node.certificate.not_after,
      superseded_serial: null,
    });
    t.deepEqual(
      line.actor,
      { kind: 'node', id: node.id, name: 'renew-ops', serial: node.serial },
      'the node, by the certificate it came with',
    );

    // Its answer lost, the node renews again with the old certificate a minute on: the lost leaf is superseded.
    clock.advance(61_000);
    mark = cp.logs.length;
    const retried = await renew(cp, node.cert, node.name);
    t.is(retried.response.status, 201, retried.response.text);
    t.like(auditLines(mark)[0], {
      event: 'node.renewed',
      previous_serial: node.serial,
      serial: retried.serial,
      superseded_serial: renewed.serial,
    });

    const after = await scrape(metrics.url);
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(after.samples, name, labels);
    t.is(value('otherix_cp_renewals_total', { outcome: 'ok' }), 2);
    t.is(value('otherix_cp_renewals_total', { outcome: 'unauthenticated' }), 1);
    t.is(value('otherix_cp_renewals_total', { outcome: 'validation_failed' }), 1);
    t.is(value('otherix_cp_renewals_total', { outcome: 'rate_limited' }), 1);
    t.is(value('otherix_cp_renewal_duration_seconds_count'), 5, 'every renewal answered is timed, refusals included');
    t.is(value('otherix_cp_renewal_duration_seconds_bucket', { le: '+Inf' }), 5);
    t.is(value('otherix_cp_group_commit_batch_size_sum', { queue: 'renewals' }), 2, 'the two signed renewals were written');
    t.is(
      value('otherix_cp_group_commit_write_duration_seconds_count', { queue: 'renewals' }),
      value('otherix_cp_group_commit_batch_size_count', { queue: 'renewals' }),
    );

    const renewalSeries = after.samples.filter((s) => s.name === 'otherix_cp_renewals_total');
    t.deepEqual([...new Set(renewalSeries.flatMap((s) => Object.keys(s.labels)))], ['outcome'], 'the outcome is the only label');
    for (const label of after.samples.flatMap((s) => Object.values(s.labels))) {
      for (const secret of [node.name, node.id, node.serial, renewed.serial, retried.serial])
        t.false(label.includes(secret), `label value ${label} holds ${secret}`);
    }
    const logs = cp.logs.join('\n');
    // (A refusal's message may name the PEM label it missed; no body is ever there.)
    const bodies = [renewed.cert.certPem, renewed.cert.keyPem, retried.cert.certPem, node.cert.keyPem].map((pem) => pem.split('\n')[1]);
    for (const secret of ['PRIVATE KEY', '"csr_pem"', ...bodies]) t.false(logs.includes(secret), `${secret} in the log`);
  },
);

test('at info a renewal writes one line, its audit line', async (t) => {
  const node = await joinNode(cp, 'renew-one-line');
  const mark = cp.logs.length;
  t.is((await renew(cp, node.cert, node.name)).response.status, 201);
  const written = cp.logs.slice(mark).map((line) => JSON.parse(line) as LogLine);
  t.deepEqual(
    written.map((line) => line.msg),
    ['audit: node.renewed'],
  );
});
