#!/usr/bin/env node
// `npm run demo`: the whole join, end to end, with the real binaries as child processes and
// an embedded SQLite in a temp folder. Each step prints the command it runs, so a reader
// learns the flow; tokens are masked on screen (the CLI prints them in full, once, by design).
// Everything it starts is stopped before it exits; any step that hangs fails the demo.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = {
  'otherix-server': path.join(root, 'server/dist/main.js'),
  'otherix-agent': path.join(root, 'agent/dist/main.js'),
  otherix: path.join(root, 'cli/dist/main.js'),
};
const STEP_TIMEOUT_MS = 30_000;
const READY_TIMEOUT_MS = 30_000;

const dir = await mkdtemp(path.join(tmpdir(), 'otherix-demo-'));
const env = { ...process.env, OTHERIX_CONFIG: path.join(dir, 'cli/config.yaml'), NO_COLOR: '1' };
for (const key of Object.keys(env)) if (key.startsWith('OTHERIX_') && key !== 'OTHERIX_CONFIG') delete env[key];
const children = new Set();

const mask = (text) => text.replace(/(otx_(?:join|api)_)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]{39}/g, '$1$2…');
const shown = (args) =>
  args
    .map((a) => (/\s/.test(a) ? `'${a}'` : a))
    .join(' ')
    .replaceAll(dir, '$DEMO');
const say = (line) => process.stdout.write(`\n==> ${line}\n`);
const indent = (text) =>
  mask(text)
    .replaceAll(dir, '$DEMO')
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n') + '\n';

function fail(message) {
  process.stderr.write(`\ndemo failed: ${message}\n(the temp folder ${dir} is kept for inspection)\n`);
  // Fire and forget: the process exits in finally whatever stopAll() does, so nothing awaits it.
  void stopAll().finally(() => process.exit(1));
}

/** Runs a binary to completion; resolves with its stdout, fails the demo on a non-zero exit or a hang. */
function run(name, args, { quiet = false } = {}) {
  if (!quiet) process.stdout.write(`    $ ${name} ${shown(args)}\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin[name], ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`\`${name} ${shown(args)}\` did not finish within ${STEP_TIMEOUT_MS / 1000}s`);
    }, STEP_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return fail(`\`${name} ${shown(args)}\` exited ${code}:\n${indent(err || out)}`);
      resolve(out);
    });
  });
}

/** Starts a long-running binary; resolves once `ready(line)` matches a line of its output. */
function start(name, args, ready) {
  process.stdout.write(`    $ ${name} ${shown(args)} &\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin[name], ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let log = '';
    const timer = setTimeout(
      () => fail(`${name} did not become ready within ${STEP_TIMEOUT_MS / 1000}s:\n${indent(log)}`),
      STEP_TIMEOUT_MS,
    );
    const onData = (d) => {
      log += d;
      for (const line of String(d).split('\n')) {
        const match = ready(line);
        if (match) {
          clearTimeout(timer);
          resolve({ child, match, log: () => log });
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      children.delete(child);
      if (!stopping) fail(`${name} exited early (${code}):\n${indent(log)}`);
    });
  });
}

let stopping = false;
async function stopAll() {
  stopping = true;
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.once('exit', () => (clearTimeout(timer), resolve()));
          child.kill('SIGTERM');
        }),
    ),
  );
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

process.on('SIGINT', () => fail('interrupted'));

process.stdout.write(`Otherix demo: every file lives under $DEMO=${dir} and is removed at the end.\n`);

// 1. The control plane.
say('Start the control plane on an embedded SQLite in a temp folder (first start creates the cluster CA and an admin token)');
const dataDir = path.join(dir, 'cp');
const cp = await start('otherix-server', ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], (line) =>
  line.match(/(https:\/\/127\.0\.0\.1:\d+)/),
);
const cpUrl = cp.match[1];
process.stdout.write(`    control plane listening on ${cpUrl}\n`);

say('Read the cluster CA fingerprint (what every client pins)');
const fingerprint = (await run('otherix-server', ['ca-fingerprint', '--data-dir', dataDir])).trim().split('\n').pop().trim();
process.stdout.write(indent(fingerprint));

// 2. The admin logs in and mints a join token.
say('Log in as the first admin (pins the CA by fingerprint, then checks the token)');
process.stdout.write(
  indent(
    await run('otherix', ['login', '--cp-url', cpUrl, '--ca-fingerprint', fingerprint, '--token-path', path.join(dataDir, 'admin.token')]),
  ),
);

say('Mint a join token bound to node-1 (single-use, 10 minutes)');
const minted = await run('otherix', ['node', 'join-token', 'create', '--ttl', '10m', '--node-name', 'node-1']);
process.stdout.write(indent(minted));
const token = minted.match(/otx_join_[A-Za-z0-9_-]{43}/)?.[0];
const tokenId = minted.match(/\(id: ([0-9a-f-]{36})\)/)?.[1];
if (!token || !tokenId) fail(`could not read the token from the output above`);

// 3. The operator bootstraps the node. The token goes through a 0600 file, not argv.
const tokenPath = path.join(dir, 'node/join.token');
await mkdir(path.dirname(tokenPath), { recursive: true, mode: 0o700 });
await writeFile(tokenPath, token + '\n', { mode: 0o600 });
const agentPort = await freePort();
const certDir = path.join(dir, 'node/certs');
const configPath = path.join(dir, 'node/agent.yaml');
say('Bootstrap the agent on the node host: pin the CA, make a P-384 key and CSR, redeem the token, write the certs');
process.stdout.write(
  indent(
    await run('otherix-agent', [
      'bootstrap',
      '--token-path',
      tokenPath,
      '--ca-fingerprint',
      fingerprint,
      '--cp-url',
      cpUrl,
      '--node-name',
      'node-1',
      '--advertised-endpoint',
      `https://127.0.0.1:${agentPort}`,
      '--migration-host',
      '127.0.0.1',
      '--cert-dir',
      certDir,
      '--config-path',
      configPath,
      '--listen',
      `127.0.0.1:${agentPort}`,
      '--heartbeat-interval',
      '5s',
    ]),
  ),
);

say('The node row exists and waits for its first heartbeat');
process.stdout.write(indent(await run('otherix', ['node', 'list'])));

// 4. The agent serves: State A until the files parse, then State B (mTLS server + heartbeats).
say('Start the agent (State A polls for config and certs, then State B: mTLS server + heartbeats)');
await start('otherix-agent', ['serve', '--config', configPath, '--poll-interval', '200ms'], (line) =>
  /state b|State B|"state":"B"/i.test(line),
);

say('Wait for node-1 to report ready');
const deadline = Date.now() + READY_TIMEOUT_MS;
for (;;) {
  const node = JSON.parse(await run('otherix', ['node', 'get', 'node-1', '--output', 'json'], { quiet: true }));
  if (node.status === 'ready') break;
  if (Date.now() > deadline) fail(`node-1 is still ${node.status} after ${READY_TIMEOUT_MS / 1000}s`);
  await new Promise((r) => setTimeout(r, 250));
}
process.stdout.write(indent(await run('otherix', ['node', 'list'])));

say('Audit the token: which agent consumed it, when, from where');
process.stdout.write(indent(await run('otherix', ['node', 'join-token', 'consumptions', tokenId])));

say('Stop everything the demo started');
await stopAll();
await rm(dir, { recursive: true, force: true });
process.stdout.write('\nnode-1 joined and is ready. Read README.md for what each step did.\n');
