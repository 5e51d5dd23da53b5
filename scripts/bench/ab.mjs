// An A/B of the CP's CPU per heartbeat against its CPU per bare GET /healthz, for several builds
// (or node flags, or environments) of otherix-server taking turns on one data dir with the same
// 2,000 joined identities. On this shared machine one CP's cost moves by tens of µs from one
// process to the next, so builds are compared in alternating rounds, never across runs.
//
//   node scripts/bench/ab.mjs ROUNDS VARIANT...
//
// A VARIANT is a repository root holding a build (its server/dist/main.js), optionally followed
// by `|` and comma-separated NAME=VALUE pairs: environment for that CP, where NODEARGS=... is
// given to node itself (space-separated flags that NODE_OPTIONS refuses, e.g.
// `/work/main|NODEARGS=--single-threaded-gc`). Prints one line per CP on stderr and the medians on
// stdout: CPU µs per request, [event loop, other threads], and the heartbeat's ratio.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { adminClient } from './admin.mjs';
import { startControlPlane } from './control-plane.mjs';
import { cpuMeter } from './cpu.mjs';
import { drive, healthz, heartbeatSender, openNodeConnections, warmUp } from './heartbeats.mjs';
import { makeIdentities } from './identities.mjs';
import { runJoins } from './joins.mjs';
import { median } from './stats.mjs';

const IDENTITIES = 2000;
const rounds = Number(process.argv[2]);
const variants = process.argv.slice(3);
if (!(rounds > 0) || variants.length === 0) {
  process.stderr.write('usage: node scripts/bench/ab.mjs ROUNDS ROOT[|NAME=VALUE,...] ...\n');
  process.exit(2);
}

function parseVariant(variant) {
  const [root, settings = ''] = variant.split('|');
  const env = Object.fromEntries(
    settings
      .split(',')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  const nodeArgs = (env.NODEARGS ?? '').split(' ').filter(Boolean);
  delete env.NODEARGS;
  return { bin: path.join(path.resolve(root), 'server/dist/main.js'), env, nodeArgs };
}

const perRequest = (used, requests) => [Math.round((1000 * used.mainMs) / requests), Math.round((1000 * used.otherMs) / requests)];

async function measure(variant, dataDir, identities, joined) {
  const cp = await startControlPlane(dataDir, parseVariant(variant));
  try {
    const clients = openNodeConnections(cp, identities, joined);
    const beats = heartbeatSender(IDENTITIES);
    await warmUp(clients, beats.send);
    await drive(clients, beats.send, { durationMs: 2000 });
    let meter = cpuMeter(cp.pid);
    const route = await drive(clients, healthz, { durationMs: 4000 });
    const routeCpu = meter.stop();
    meter = cpuMeter(cp.pid);
    const hb = await drive(clients, beats.send, { durationMs: 6000 });
    const hbCpu = meter.stop();
    await Promise.all(clients.map((client) => client.close()));
    const result = { healthz: perRequest(routeCpu, route.sent), hb: perRequest(hbCpu, hb.sent), hbRate: Math.round(hb.perSecond) };
    return { ...result, ratio: Number(((result.hb[0] + result.hb[1]) / (result.healthz[0] + result.healthz[1])).toFixed(2)) };
  } finally {
    await cp.stop();
  }
}

const work = await mkdtemp(path.join(os.tmpdir(), 'otherix-ab-'));
try {
  const identities = await makeIdentities(IDENTITIES, 'ab-node');
  const dataDir = path.join(work, 'cp');
  // The nodes join once, through the first variant; every CP after it serves the same data dir.
  const first = await startControlPlane(dataDir, parseVariant(variants[0]));
  const admin = adminClient(first);
  const fleet = await admin.request('POST', '/v1/nodes/join-tokens', { ttl_seconds: 3600, max_uses: 0 });
  await admin.close();
  const joins = await runJoins(first, identities, fleet.token);
  await first.stop();

  const results = new Map(variants.map((variant) => [variant, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      const result = await measure(variant, dataDir, identities, joins.joined);
      results.get(variant).push(result);
      process.stderr.write(`${variant} ${JSON.stringify(result)} load ${os.loadavg()[0].toFixed(1)}\n`);
    }
  }
  for (const [variant, runs] of results) {
    const total = (pair) => pair[0] + pair[1];
    process.stdout.write(
      `${variant}: median heartbeat ${median(runs.map((r) => total(r.hb)))} µs, /healthz ${median(runs.map((r) => total(r.healthz)))} µs, ratio ${median(runs.map((r) => r.ratio))}\n`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
