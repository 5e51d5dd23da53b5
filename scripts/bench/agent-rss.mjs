// agent_rss_mib: the real `otherix-agent serve` in State B, bootstrapped with the real binary
// on loopback, read from /proc/<pid>/status (VmRSS) once the CP has seen a few heartbeats.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { BIN } from './paths.mjs';
import { timeBootstrap } from './cold-starts.mjs';
import { freePort } from './fixtures.mjs';
import { within } from './stats.mjs';

const HEARTBEAT_INTERVAL = '500ms';
const BEATS_BEFORE_READING = 5;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function statusKiB(pid, field) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (match === null) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]);
}

export async function measureAgentRss(cp, admin, workDir) {
  const nodeName = 'bench-agent-rss';
  const port = await freePort();
  const home = await mkdtemp(path.join(workDir, 'agent-rss-'));
  const configPath = path.join(home, 'agent.yaml');
  const minted = await admin.request('POST', '/v1/nodes/join-tokens', { node_name: nodeName, ttl_seconds: 600 });
  await timeBootstrap(cp, nodeName, home, minted.token, {
    port,
    extra: ['--listen', `127.0.0.1:${port}`, '--heartbeat-interval', HEARTBEAT_INTERVAL],
  });
  const child = spawn(process.execPath, [BIN.agent, 'serve', '--config', configPath, '--poll-interval', '100ms'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    if (stderr.length < 16 * 1024) stderr += chunk;
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  try {
    // Ready means the CP recorded a heartbeat; then let a few more land before reading.
    await within(
      30_000,
      'the agent becoming ready',
      (async () => {
        for (;;) {
          if (child.exitCode !== null) throw new Error(`otherix-agent serve exited ${child.exitCode}: ${stderr}`);
          const node = await admin.request('GET', `/v1/nodes/${nodeName}`);
          if (node.status === 'ready') return;
          await sleep(100);
        }
      })(),
    );
    const first = (await admin.request('GET', `/v1/nodes/${nodeName}`)).last_heartbeat_at;
    await sleep(BEATS_BEFORE_READING * 500 + 250);
    const last = (await admin.request('GET', `/v1/nodes/${nodeName}`)).last_heartbeat_at;
    if (last === first) throw new Error(`the agent stopped heartbeating: ${stderr}`);
    const rssKiB = await statusKiB(child.pid, 'VmRSS');
    const hwmKiB = await statusKiB(child.pid, 'VmHWM');
    return { rssMiB: rssKiB / 1024, peakMiB: hwmKiB / 1024 };
  } finally {
    child.kill('SIGTERM');
    await within(10_000, 'otherix-agent serve shutdown', exited).catch(() => child.kill('SIGKILL'));
  }
}
