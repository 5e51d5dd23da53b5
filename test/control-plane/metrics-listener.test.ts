// Metrics from the real otherix-server (issue 17 item 1): it serves them on --metrics-listen /
// OTHERIX_SERVER__METRICS_LISTEN over plain HTTP, and refuses a bad or taken address (the agent's
// own metrics: serve/metrics.test.ts; what the counters say: metrics.test.ts).
import { createServer } from 'node:net';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import test from 'ava';
import { clusterForNodes } from '../harness/cluster.js';
import { runServerBinary, spawnControlPlane } from '../harness/control-plane.js';
import { eventually } from '../harness/loopback.js';
import { sampleValue, scrape } from '../harness/prometheus-text.js';

// Only for its scratch folders (removed after the file): the CPs here are the real binary.
const cluster = clusterForNodes(test);

const METRICS_LINE = /otherix-server metrics on (http:\/\/\S+)/;

test('otherix-server serves /metrics on OTHERIX_SERVER__METRICS_LISTEN, plain HTTP', async (t) => {
  const cp = await spawnControlPlane({ env: { OTHERIX_SERVER__METRICS_LISTEN: '127.0.0.1:0' } });
  try {
    const line = await eventually(
      async () => METRICS_LINE.exec(cp.output().stderr),
      (match) => match !== null,
    );
    const { status, samples } = await scrape(line![1]);
    t.is(status, 200);
    t.is(samples.find((s) => s.name === 'otherix_cp_build_info')?.labels['version'], '0.1.0');
    t.is(sampleValue(samples, 'otherix_cp_nodes', { status: 'ready' }), 0);
    t.not(sampleValue(samples, 'process_resident_memory_bytes'), undefined);
  } finally {
    await cp.stop();
    await rm(cp.dataDir, { recursive: true, force: true });
  }
});

test('otherix-server refuses a --metrics-listen that is not HOST:PORT (usage, 2) or that is taken (1, before serving)', async (t) => {
  const bad = await runServerBinary(['serve', '--data-dir', '/nonexistent-never-created', '--metrics-listen', 'everywhere']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--metrics-listen everywhere: expected HOST:PORT/);

  const taken = createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const { port } = taken.address() as { port: number };
  const dataDir = await cluster.scratchDir('otherix-metrics-taken-');
  try {
    const run = await runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--metrics-listen', `127.0.0.1:${port}`]);
    t.is(run.code, 1);
    t.regex(run.stderr, new RegExp(`cannot serve metrics on --metrics-listen 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`));
    t.notRegex(run.stderr, /listening on https/, 'it stops before the API serves');
  } finally {
    taken.close();
  }
});
