// Process start to exit, measured from here: spawn() to the child's exit event.
//   cli_help_ms / node_startup_ms: `otherix --help` and `node -e 0`, interleaved, cold each time.
//   bootstrap_ms: the real `otherix-agent bootstrap` against the running CP on loopback, each run
//   with its own bound token (minted before its clock starts) and a fresh cert dir.
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { BIN } from './paths.mjs';
import { median } from './stats.mjs';

export function timeProcess(args, env = process.env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited ${code ?? signal}: ${stderr || stdout}`));
      else resolve({ ms, stdout, stderr });
    });
  });
}

/**
 * Runs (and times) the real `otherix-agent bootstrap` of `nodeName` into `home` (certs/ and
 * agent.yaml there), the token from the environment; `port` is the agent's endpoint port, and
 * `extra` more flags.
 */
export function timeBootstrap(cp, nodeName, home, token, { port = 9443, extra = [] } = {}) {
  const args = [
    BIN.agent,
    'bootstrap',
    '--token-env',
    'BENCH_JOIN_TOKEN',
    '--ca-fingerprint',
    cp.caFingerprint,
    '--cp-url',
    cp.url,
    '--node-name',
    nodeName,
    '--advertised-endpoint',
    `https://127.0.0.1:${port}`,
    '--migration-host',
    '127.0.0.1',
    '--cert-dir',
    path.join(home, 'certs'),
    '--config-path',
    path.join(home, 'agent.yaml'),
    ...extra,
  ];
  return timeProcess(args, { PATH: process.env.PATH, HOME: process.env.HOME, BENCH_JOIN_TOKEN: token });
}

export async function measureColdStarts(runs = 15) {
  const help = [];
  const bare = [];
  // One untimed run of each fills the OS page cache, as on any machine that ran it once.
  await timeProcess([BIN.cli, '--help']);
  await timeProcess(['-e', '0']);
  for (let i = 0; i < runs; i++) {
    bare.push((await timeProcess(['-e', '0'])).ms);
    help.push((await timeProcess([BIN.cli, '--help'])).ms);
  }
  return { cliHelpMs: median(help), nodeStartupMs: median(bare) };
}

export async function measureBootstrap(cp, adminRequest, workDir, runs = 5) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const nodeName = `bench-bootstrap-${i + 1}`;
    const minted = await adminRequest('POST', '/v1/nodes/join-tokens', { node_name: nodeName, ttl_seconds: 600 });
    const home = await mkdtemp(path.join(workDir, `bootstrap-${i + 1}-`));
    const run = await timeBootstrap(cp, nodeName, home, minted.token);
    if (!run.stdout.startsWith(`joined as ${nodeName}`)) throw new Error(`bootstrap did not join: ${run.stdout}${run.stderr}`);
    times.push(run.ms);
  }
  return { bootstrapMs: median(times), runs: times };
}
