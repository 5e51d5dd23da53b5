// The agent's own metrics, from the real binary (issue 17 item 1): `otherix-agent serve` serves
// them (State A then B, heartbeat outcomes and latency, the certificate's end) from
// --metrics-listen, or from agent.yaml's metrics_listen once State B starts, and refuses an
// address that is not HOST:PORT.
import { X509Certificate } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { runAgent, startServe } from '../harness/agent.js';
import { clusterForNodes } from '../harness/cluster.js';
import { eventually, freePort } from '../harness/loopback.js';
import { sampleValue, scrape } from '../harness/prometheus-text.js';
import { bootstrapWithAgent } from '../harness/served-node.js';

const cluster = clusterForNodes(test);

test('otherix-agent serve --metrics-listen: State A, then State B with heartbeat outcomes, latency and the certificate end', async (t) => {
  const { cp, admin } = cluster;
  const host = await cluster.host();
  const port = await freePort();
  const serve = startServe(['serve', '--config', host.configPath, '--poll-interval', '100ms', '--metrics-listen', '127.0.0.1:0']);
  try {
    const url = String((await serve.waitForLog((r) => r.msg === 'metrics listening'))['url']);
    const inA = await scrape(url);
    t.is(sampleValue(inA.samples, 'otherix_agent_state', { state: 'A' }), 1, 'waiting for bootstrap');
    t.is(sampleValue(inA.samples, 'otherix_agent_state', { state: 'B' }), 0);
    t.not(sampleValue(inA.samples, 'process_cpu_user_seconds_total'), undefined);

    const bootstrap = await bootstrapWithAgent(cp, admin, 'metrics-agent', host, port);
    t.is(bootstrap.exitCode, 0, bootstrap.stderr);
    const inB = await eventually(
      () => scrape(url),
      ({ samples }) => (sampleValue(samples, 'otherix_agent_heartbeats_total', { outcome: 'ok' }) ?? 0) >= 2,
    );
    t.is(sampleValue(inB.samples, 'otherix_agent_state', { state: 'B' }), 1);
    t.is(sampleValue(inB.samples, 'otherix_agent_state', { state: 'A' }), 0);
    t.true(sampleValue(inB.samples, 'otherix_agent_heartbeat_duration_seconds_count')! >= 2);
    const certificate = new X509Certificate(await readFile(join(host.certDir, 'agent.crt')));
    t.is(
      sampleValue(inB.samples, 'otherix_agent_certificate_not_after_timestamp_seconds'),
      Math.floor(Date.parse(certificate.validTo) / 1000),
    );

    // Deleted on the CP: its heartbeats are refused, and counted by their code.
    const node = await admin.nodes.get('metrics-agent');
    await admin.nodes.delete(node.id);
    const refused = await eventually(
      () => scrape(url),
      ({ samples }) => (sampleValue(samples, 'otherix_agent_heartbeats_total', { outcome: 'unauthenticated' }) ?? 0) >= 1,
    );
    for (const label of refused.samples.flatMap((s) => Object.values(s.labels)))
      t.false(label.includes('metrics-agent'), 'no node name in a label');
  } finally {
    await serve.stop();
  }
});

test('otherix-agent serve reads metrics_listen from agent.yaml and serves from State B on', async (t) => {
  const { cp, admin } = cluster;
  const host = await cluster.host();
  const port = await freePort();
  const metricsPort = await freePort();
  const bootstrap = await bootstrapWithAgent(cp, admin, 'metrics-yaml', host, port);
  t.is(bootstrap.exitCode, 0, bootstrap.stderr);
  t.regex(await readFile(host.configPath, 'utf8'), /^# metrics_listen: 127\.0\.0\.1:9464 /m, 'bootstrap shows the key, commented out');
  await appendFile(host.configPath, `metrics_listen: 127.0.0.1:${metricsPort}\n`);
  const serve = startServe(['serve', '--config', host.configPath, '--poll-interval', '100ms']);
  try {
    const listening = await serve.waitForLog((r) => r.msg === 'metrics listening');
    t.is(listening['url'], `http://127.0.0.1:${metricsPort}/metrics`);
    const { samples } = await eventually(
      () => scrape(String(listening['url'])),
      (s) => (sampleValue(s.samples, 'otherix_agent_heartbeats_total', { outcome: 'ok' }) ?? 0) >= 1,
    );
    t.is(sampleValue(samples, 'otherix_agent_state', { state: 'B' }), 1);
  } finally {
    await serve.stop();
  }
});

test('otherix-agent serve refuses a --metrics-listen or OTHERIX_METRICS_LISTEN that is not HOST:PORT (usage, 2)', async (t) => {
  const host = await cluster.host();
  const flag = await runAgent(['serve', '--config', host.configPath, '--metrics-listen', 'nowhere']);
  t.is(flag.exitCode, 2);
  t.regex(flag.stderr, /^error: usage: --metrics-listen "nowhere": expected HOST:PORT/m);
  const env = await runAgent(['serve', '--config', host.configPath], { env: { OTHERIX_METRICS_LISTEN: '9464' } });
  t.is(env.exitCode, 2);
  t.regex(env.stderr, /^error: usage: OTHERIX_METRICS_LISTEN "9464": expected HOST:PORT/m);
});

test('a metrics_listen in agent.yaml that is not HOST:PORT keeps serve in State A (config_invalid), naming the key', async (t) => {
  const { cp, admin } = cluster;
  const host = await cluster.host();
  const port = await freePort();
  const bootstrap = await bootstrapWithAgent(cp, admin, 'metrics-bad-yaml', host, port);
  t.is(bootstrap.exitCode, 0, bootstrap.stderr);
  await appendFile(host.configPath, 'metrics_listen: everywhere\n');
  const serve = startServe(['serve', '--config', host.configPath, '--poll-interval', '100ms']);
  try {
    const waiting = await serve.waitForLog((r) => r['reason'] === 'config_invalid');
    t.regex(
      waiting.msg,
      /metrics_listen address "everywhere" must be HOST:PORT, e\.g\. 127\.0\.0\.1:9464: fix `metrics_listen` in agent\.yaml or OTHERIX_METRICS_LISTEN/,
    );
    t.false(serve.records.some((r) => r.msg === 'state B: serving'));
  } finally {
    await serve.stop();
  }
});
