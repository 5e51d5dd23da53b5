#!/usr/bin/env node
// `npm run profile -- joins|heartbeats [--perf] [--keep DIR]`: where the CP's CPU goes under the
// bench's load. The real `otherix-server` runs under `node --cpu-prof` while the bench's load
// generators drive one phase (joins: 2,000 redemptions from 32 joiners; heartbeats: 2,000
// identities, joined by a CP without the profiler, then beating for 10 s against a CP restarted
// on the same data dir with it, so the profile holds heartbeats only). Prints the top functions
// by self time as JSON (`top`), and their share per file (`by_file`). `--keep DIR` keeps the
// .cpuprofile for Chrome DevTools or speedscope.
// --cpu-prof samples on wall-clock time: on a busy machine a function the event loop was
// descheduled in (a crypto job's dispatch, a native call) collects samples it did not burn, and
// the thread pool is not in it at all. `--perf` samples CPU time instead, every thread of the CP,
// with Linux perf (`perf record -g -p <pid>` while the phase runs, the CP started with
// --perf-basic-prof-only-functions so JS frames have names): `top` is then the self CPU time per
// symbol in µs per operation, and `threads` splits it between the event loop and the rest.
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { adminClient } from './admin.mjs';
import { startControlPlane } from './control-plane.mjs';
import { drive, heartbeatSender, openNodeConnections, warmUp } from './heartbeats.mjs';
import { cpuMeter } from './cpu.mjs';
import { makeIdentities } from './identities.mjs';
import { runJoins } from './joins.mjs';
import { ROOT } from './paths.mjs';
import { progress, round } from './stats.mjs';

const IDENTITIES = 2_000;
const HEARTBEAT_MS = 10_000;
const TOP = 25;

const phase = process.argv[2];
const PERF = process.argv.includes('--perf');
const keepAt = process.argv.indexOf('--keep');
const keep = keepAt < 0 ? undefined : path.resolve(process.argv[keepAt + 1]);
if (phase !== 'joins' && phase !== 'heartbeats') {
  process.stderr.write('usage: node scripts/bench/profile.mjs joins|heartbeats [--perf] [--keep DIR]\n');
  process.exit(2);
}

const work = await mkdtemp(path.join(os.tmpdir(), 'otherix-profile-'));
const profiles = path.join(work, 'profiles');
const profiled = PERF ? ['--perf-basic-prof-only-functions'] : ['--cpu-prof', `--cpu-prof-dir=${profiles}`];
const perfData = path.join(work, 'perf.data');

/** `perf record` on every thread of `pid` until stop(); resolves once perf has written its file. */
function perfRecord(pid) {
  const perf = spawn('perf', ['record', '-F', '999', '-g', '-p', String(pid), '-o', perfData], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve, reject) => {
    perf.on('error', (error) => reject(new Error(`perf: ${error.message} (install linux-perf, or profile without --perf)`)));
    perf.on('exit', resolve);
  });
  return {
    async stop() {
      perf.kill('SIGINT');
      await exited;
    },
  };
}

/** Self CPU time per symbol (µs per operation) and per thread kind, from perf's samples. */
async function summarizePerf(pid, operations, cpu) {
  const { stdout } = await promisify(execFile)('perf', ['script', '-i', perfData, '-F', 'tid,ip,sym,dso'], { maxBuffer: 1 << 30 });
  const self = new Map();
  let samples = 0;
  let mainSamples = 0;
  for (const block of stdout.split('\n\n')) {
    const lines = block.split('\n').filter((line) => line.trim() !== '');
    if (lines.length < 2) continue;
    const main = Number(lines[0].trim().split(/\s+/)[0]) === pid;
    const frame = lines[1]
      .trim()
      .replace(/^[0-9a-f]+\s+/, '')
      .replace(/\+0x[0-9a-f]+/, '')
      .replace(/\(\/tmp\/perf-\d+\.map\)/, '')
      .replace(`${ROOT}/`, '');
    const key = `${main ? 'event loop' : 'other threads'}: ${frame}`;
    self.set(key, (self.get(key) ?? 0) + 1);
    samples++;
    if (main) mainSamples++;
  }
  const usPerSample = (1000 * (cpu.mainMs + cpu.otherMs)) / operations / samples;
  const us = (n) => round(n * usPerSample, 1);
  return {
    operations,
    cp_cpu_us_per_op: {
      event_loop: round((1000 * cpu.mainMs) / operations, 0),
      other_threads: round((1000 * cpu.otherMs) / operations, 0),
    },
    sampled_us_per_op: { event_loop: us(mainSamples), other_threads: us(samples - mainSamples) },
    top: [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([fn, n]) => ({ self_us_per_op: us(n), fn })),
  };
}

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
  // With --perf, only the measured window is recorded (the heartbeats' warm-up and handshakes are not).
  let window = PERF && phase === 'joins' ? { perf: perfRecord(cp.pid), cpu: cpuMeter(cp.pid) } : undefined;
  progress(`joins: ${IDENTITIES} redemptions${phase === 'joins' ? ' (profiled)' : ''}`);
  const joins = await runJoins(cp, identities, fleet.token);
  let operations = IDENTITIES;
  if (phase === 'heartbeats') {
    await cp.stop();
    cp = await startControlPlane(dataDir, { nodeArgs: profiled });
    progress(`heartbeats: ${IDENTITIES} identities, ${HEARTBEAT_MS / 1000}s (profiled)`);
    const clients = openNodeConnections(cp, identities, joins.joined);
    const beats = heartbeatSender(IDENTITIES);
    await warmUp(clients, beats.send);
    if (PERF) window = { perf: perfRecord(cp.pid), cpu: cpuMeter(cp.pid) };
    operations = (await drive(clients, beats.send, { durationMs: HEARTBEAT_MS })).sent;
    await Promise.all(clients.map((client) => client.close()));
  }
  const cpu = window?.cpu.stop();
  await window?.perf.stop();
  const pid = cp.pid;
  await cp.stop();
  if (PERF) {
    if (cpu === undefined) throw new Error('--perf needs /proc (Linux)');
    const summary = await summarizePerf(pid, operations, cpu);
    process.stdout.write(JSON.stringify({ phase, load_average: os.loadavg().map((l) => round(l, 2)), ...summary }, null, 2) + '\n');
  } else {
    const [file] = (await readdir(profiles)).filter((name) => name.endsWith('.cpuprofile'));
    if (keep !== undefined) {
      await mkdir(keep, { recursive: true });
      await copyFile(path.join(profiles, file), path.join(keep, `${phase}.cpuprofile`));
    }
    const summary = summarize(JSON.parse(await readFile(path.join(profiles, file), 'utf8')));
    process.stdout.write(JSON.stringify({ phase, ...summary }, null, 2) + '\n');
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
