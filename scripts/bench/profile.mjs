#!/usr/bin/env node
// `npm run profile -- joins|heartbeats [--keep DIR]`: where the CP's CPU goes under the bench's
// load. The real `otherix-server` runs under `node --cpu-prof` while the bench's load
// generators drive one phase (joins: 2,000 redemptions from 32 joiners; heartbeats: 2,000
// identities, joined by a CP without the profiler, then beating for 10 s against a CP restarted
// on the same data dir with it, so the profile holds heartbeats only). Prints the top functions
// by self time as JSON (`top`), and their share per file (`by_file`). `--keep DIR` keeps the
// .cpuprofile for Chrome DevTools or speedscope.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { adminClient } from './admin.mjs';
import { startControlPlane } from './control-plane.mjs';
import { drive, heartbeatSender, openNodeConnections, warmUp } from './heartbeats.mjs';
import { makeIdentities } from './identities.mjs';
import { runJoins } from './joins.mjs';
import { ROOT } from './paths.mjs';
import { progress, round } from './stats.mjs';

const IDENTITIES = 2_000;
const HEARTBEAT_MS = 10_000;
const TOP = 25;

const phase = process.argv[2];
const keepAt = process.argv.indexOf('--keep');
const keep = keepAt < 0 ? undefined : path.resolve(process.argv[keepAt + 1]);
if (phase !== 'joins' && phase !== 'heartbeats') {
  process.stderr.write('usage: node scripts/bench/profile.mjs joins|heartbeats [--keep DIR]\n');
  process.exit(2);
}

const work = await mkdtemp(path.join(os.tmpdir(), 'otherix-profile-'));
const profiles = path.join(work, 'profiles');
const profiled = ['--cpu-prof', `--cpu-prof-dir=${profiles}`];

/** Self time per function (name, file, line) and per file, from a .cpuprofile. */
function summarize(profile) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const dt = new Map();
  profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let total = 0;
  for (const [id, us] of dt) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const file = url === '' ? '(native)' : path.relative(ROOT, url.replace(/^file:\/\//, ''));
    const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  }
  const byFile = new Map();
  for (const [key, us] of self) {
    const file = key
      .slice(key.indexOf(' ') + 1)
      .replace(/:\d+$/, '')
      .replace(/^node_modules\/([^/]+\/[^/]+|[^/]+).*/, 'node_modules/$1');
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const share = (us) => round((100 * us) / total, 1);
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  return {
    sampled_ms: round(total / 1000, 0),
    top: sorted(self).map(([fn, us]) => ({ self_percent: share(us), fn })),
    by_file: sorted(byFile).map(([file, us]) => ({ self_percent: share(us), file })),
  };
}

try {
  progress(`making ${IDENTITIES} node keys and CSRs`);
  const identities = await makeIdentities(IDENTITIES, 'profile-node');
  const dataDir = path.join(work, 'cp');
  let cp = await startControlPlane(dataDir, { nodeArgs: phase === 'joins' ? profiled : [] });
  const admin = adminClient(cp);
  const fleet = await admin.request('POST', '/v1/nodes/join-tokens', { ttl_seconds: 3600, max_uses: 0 });
  await admin.close();
  progress(`joins: ${IDENTITIES} redemptions${phase === 'joins' ? ' (profiled)' : ''}`);
  const joins = await runJoins(cp, identities, fleet.token);
  if (phase === 'heartbeats') {
    await cp.stop();
    cp = await startControlPlane(dataDir, { nodeArgs: profiled });
    progress(`heartbeats: ${IDENTITIES} identities, ${HEARTBEAT_MS / 1000}s (profiled)`);
    const clients = openNodeConnections(cp, identities, joins.joined);
    const beats = heartbeatSender(IDENTITIES);
    await warmUp(clients, beats.send);
    await drive(clients, beats.send, { durationMs: HEARTBEAT_MS });
    await Promise.all(clients.map((client) => client.close()));
  }
  await cp.stop();
  const [file] = (await readdir(profiles)).filter((name) => name.endsWith('.cpuprofile'));
  if (keep !== undefined) {
    await mkdir(keep, { recursive: true });
    await copyFile(path.join(profiles, file), path.join(keep, `${phase}.cpuprofile`));
  }
  const summary = summarize(JSON.parse(await readFile(path.join(profiles, file), 'utf8')));
  process.stdout.write(JSON.stringify({ phase, ...summary }, null, 2) + '\n');
} finally {
  await rm(work, { recursive: true, force: true });
}
