// State A checks more than file existence: the key must match the certificate, the certificate
// must chain to ca.crt and name spiffe://otherix/node/<node_name>. Broken material keeps the
// agent waiting, with one log line per distinct reason, until the files are right; agent.yaml
// keys are overridable at serve time through OTHERIX_<KEY> / OTHERIX_<SECTION>__<KEY>.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { dirname, join, relative as relativePath } from 'node:path';
import { exportPrivateKeyPem, generateNodeKeyPair } from '@otherix/sdk/pki';
import { runAgent } from '../harness/agent.js';
import { bootstrapWithAgent } from '../harness/served-node.js';
import { clusterForNodes } from '../harness/cluster.js';
import { mintCa } from '../harness/impostor-server.js';
import { startServe } from '../harness/agent.js';
import type { LogRecord, ServeProcess } from '../harness/agent.js';
import { freePort } from '../harness/loopback.js';

const cluster = clusterForNodes(test);

/** Bootstrap only (no serve): the files a real join leaves on disk. */
async function bootstrapped(name: string) {
  const { root: dir, configPath, certDir } = await cluster.host();
  const port = await freePort();
  const run = await bootstrapWithAgent(cluster.cp, cluster.admin, name, { certDir, configPath }, port);
  if (run.exitCode !== 0) throw new Error(run.stderr);
  return { dir, configPath, certDir, port };
}

/** `otherix-agent serve --config <configPath>` polling every 100 ms, with `env`; stopped after the test. */
function serveFor(t: ExecutionContext, configPath: string, env: Record<string, string> = {}, options: { cwd?: string } = {}): ServeProcess {
  const serve = startServe(['serve', '--config', configPath, '--poll-interval', '100ms'], env, options);
  t.teardown(() => serve.stop().then(() => undefined));
  return serve;
}

/** The first 'state A: waiting' line, which must be a warning for `reason`. */
async function waitingFor(t: ExecutionContext, serve: ServeProcess, reason: string): Promise<LogRecord> {
  const waiting = await serve.waitForLog((r) => r.msg.startsWith('state A: waiting'));
  t.is(waiting['reason'], reason);
  t.is(waiting.level, 'warn');
  return waiting;
}

test('a key that does not match, then a foreign CA, keep it in State A; the right files move it to State B', async (t) => {
  const node = await bootstrapped('state-a-broken');
  const keyPath = join(node.certDir, 'agent.key');
  const caPath = join(node.certDir, 'ca.crt');
  const goodKey = await readFile(keyPath, 'utf8');
  const goodCa = await readFile(caPath, 'utf8');
  const strangerKey = await exportPrivateKeyPem((await generateNodeKeyPair()).privateKey);
  await replaceFile(keyPath, strangerKey);

  const serve = serveFor(t, node.configPath, { OTHERIX_LOGGER__LEVEL: 'debug' });

  const mismatch = await serve.waitForLog((r) => r.msg.startsWith('state A: waiting'));
  t.is(mismatch['reason'], 'key_mismatch');
  t.regex(mismatch.msg, /agent\.key does not match agent\.crt in .*: re-run `otherix-agent bootstrap --force`/);
  t.is(mismatch.level, 'warn', 'broken files are a warning, not the normal wait');
  t.is(
    mismatch['next_step'],
    're-run `otherix-agent bootstrap --force` with a token bound to state-a-broken (`otherix node join-token create --node-name state-a-broken`); serve picks the new files up without a restart',
  );
  await serve.waitForLog((r) => r.msg === 'state A: poll' && r['reason'] === 'key_mismatch' && r['in_a_row'] === 3);

  // The CA first: at no moment may the key and the CA both be right before we say so.
  await replaceFile(caPath, mintCa('not the cluster CA').certPem);
  await replaceFile(keyPath, goodKey);
  const foreign = await serve.waitForLog((r) => r.msg.startsWith('state A: waiting') && r['reason'] !== 'key_mismatch');
  t.is(foreign['reason'], 'chain_invalid');
  t.is(foreign.level, 'warn');
  t.regex(String(foreign['next_step']), /^re-run `otherix-agent bootstrap --force` with a token bound to state-a-broken /);
  await serve.waitForLog((r) => r.msg === 'state A: poll' && r['reason'] === 'chain_invalid' && r['in_a_row'] === 3);
  // One line per distinct reason, not one per poll.
  t.deepEqual(
    serve.records.filter((r) => r.msg.startsWith('state A: waiting')).map((r) => r['reason']),
    ['key_mismatch', 'chain_invalid'],
  );
  t.is(serve.child.exitCode, null, 'broken files never crash State A');

  await replaceFile(caPath, goodCa);
  await serve.waitForLog((r) => r.msg === 'state B: serving');
  t.false(serve.stderr().includes('PRIVATE KEY'));
  t.deepEqual(await serve.stop(), { code: 0, signal: null });
});

test('a ca.crt with a second certificate beside the cluster CA keeps it in State A (invalid_ca): the agent trusts one CA only', async (t) => {
  const node = await bootstrapped('state-a-two-cas');
  const caPath = join(node.certDir, 'ca.crt');
  const goodCa = await readFile(caPath, 'utf8');
  await replaceFile(caPath, `${goodCa.trim()}\n${mintCa('planted').certPem}`);

  const serve = serveFor(t, node.configPath);
  const waiting = await waitingFor(t, serve, 'invalid_ca');
  t.regex(waiting.msg, /ca\.crt holds 2 PEM blocks \(CERTIFICATE, CERTIFICATE\), not one certificate: .*it is not what bootstrap wrote$/);
  t.regex(String(waiting['next_step']), /^re-run `otherix-agent bootstrap --force` with a token bound to state-a-two-cas /);

  await replaceFile(caPath, goodCa);
  await serve.waitForLog((r) => r.msg === 'state B: serving');
  t.deepEqual(await serve.stop(), { code: 0, signal: null });
});

test('OTHERIX_NODE_NAME overrides agent.yaml at serve time: a certificate for another name keeps it waiting', async (t) => {
  const node = await bootstrapped('state-a-env');
  const serve = serveFor(t, node.configPath, { OTHERIX_NODE_NAME: 'someone-else' });
  const waiting = await waitingFor(t, serve, 'identity_mismatch');
  t.regex(waiting.msg, /is for spiffe:\/\/otherix\/node\/state-a-env, not spiffe:\/\/otherix\/node\/someone-else/);
  t.regex(String(waiting['next_step']), /^re-run `otherix-agent bootstrap --force` with a token bound to someone-else /);
  t.deepEqual(await serve.stop(), { code: 0, signal: null });
});

test('OTHERIX_LISTEN overrides the listen address of agent.yaml', async (t) => {
  const node = await bootstrapped('state-a-listen');
  const other = await freePort();
  const serve = serveFor(t, node.configPath, { OTHERIX_LISTEN: `127.0.0.1:${other}` });
  const listening = await serve.waitForLog((r) => r.msg.startsWith('agent server: listening'));
  t.is(listening['listen'], `127.0.0.1:${other}`);
  t.deepEqual(await serve.stop(), { code: 0, signal: null });
});

test('a listen value that is not HOST:PORT is a broken config: it waits in State A', async (t) => {
  const node = await bootstrapped('state-a-bad-listen');
  const serve = serveFor(t, node.configPath, { OTHERIX_LISTEN: 'nine-four-four-three' });
  const waiting = await waitingFor(t, serve, 'config_invalid');
  t.regex(waiting.msg, /must be HOST:PORT/);
  t.regex(String(waiting['next_step']), /^fix or unset the environment variable OTHERIX_LISTEN, then restart serve/);
  t.deepEqual(await serve.stop(), { code: 0, signal: null });
});

test('a bad OTHERIX_* value on a bootstrapped host: the advice names the variable, not bootstrap', async (t) => {
  const node = await bootstrapped('state-a-bad-env');
  const serve = serveFor(t, node.configPath, { OTHERIX_HEARTBEAT_INTERVAL: 'bogus' });
  const waiting = await waitingFor(t, serve, 'config_invalid');
  t.regex(waiting.msg, /OTHERIX_HEARTBEAT_INTERVAL=bogus: not a duration/);
  t.is(
    waiting['next_step'],
    'fix or unset the environment variable OTHERIX_HEARTBEAT_INTERVAL, then restart serve (the environment is read at start; agent.yaml every poll)',
  );
  t.deepEqual(await serve.stop(), { code: 0, signal: null });
});

test('a listen port already taken ends serve with exit 1 and says what to do', async (t) => {
  const node = await bootstrapped('state-a-port-taken');
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.teardown(() => void blocker.close());
  const taken = (blocker.address() as { port: number }).port;
  const serve = startServe(['serve', '--config', node.configPath, '--poll-interval', '100ms'], { OTHERIX_LISTEN: `127.0.0.1:${taken}` });
  const exit = await serve.exited;
  t.deepEqual(exit, { code: 1, signal: null });
  t.true(serve.stderr().includes(`error: config_invalid: cannot listen on 127.0.0.1:${taken} (EADDRINUSE): free the port`), serve.stderr());
});

test('a --poll-interval that is not a duration is a usage error (exit 2)', async (t) => {
  const run = await runAgent(['serve', '--config', '/nonexistent/agent.yaml', '--poll-interval', 'soon']);
  t.is(run.exitCode, 2);
  t.regex(run.stderr, /^error: usage: --poll-interval "soon": invalid duration/m);
});

test('serve reads --config word for word (007 stays 007), and a flag given twice is a usage error', async (t) => {
  // Named absolute in every message (issue 12), and still 007, not 7.
  const cwd = await cluster.scratchDir('otherix-serve-cwd-');
  const serve = serveFor(t, '007', {}, { cwd });
  const checking = await serve.waitForLog((r) => r.msg.startsWith('state A: checking'));
  t.is(checking['config'], join(cwd, '007'));
  t.deepEqual(await serve.stop(), { code: 0, signal: null });

  const twice = await runAgent(['serve', '--config', '/a/agent.yaml', '--config', '/b/agent.yaml']);
  t.is(twice.exitCode, 2);
  t.regex(twice.stderr, /^error: usage: --config given twice[^\n]*give it once\n$/);
});

// Issue 12: a cert dir or config folder another user could write is not trusted.
test('a group/world-writable cert dir or agent.yaml folder keeps serve in State A with the chmod to run; after it, State B', async (t) => {
  const node = await bootstrapped('state-a-loose');
  await chmod(node.certDir, 0o777);
  await chmod(dirname(node.configPath), 0o775);
  const serve = serveFor(t, node.configPath);
  const waiting = await waitingFor(t, serve, 'insecure_permissions');
  t.true(
    waiting.msg.startsWith(
      `state A: waiting: ${node.certDir} is writable by group or others (mode 0777); ${dirname(node.configPath)} is writable by group or others (mode 0775)`,
    ),
    waiting.msg,
  );
  t.is(waiting['next_step'], `run \`chmod go-w ${node.certDir} && chmod go-w ${dirname(node.configPath)}\`; serve checks again every poll`);
  t.false(serve.records.some((r) => r.msg === 'state B: serving'));

  await chmod(node.certDir, 0o755);
  await chmod(dirname(node.configPath), 0o755);
  await serve.waitForLog((r) => r.msg === 'state B: serving');
  t.deepEqual(await serve.stop(), { code: 0, signal: null });
});

// Issue 12: relative paths resolve against agent.yaml's folder, never the current directory.
test('bootstrap with --cert-dir ./certs writes absolute paths, and serve started from / reaches State B', async (t) => {
  const dir = await cluster.scratchDir('otherix-relative-');
  const port = await freePort();
  const bootstrap = await bootstrapWithAgent(
    cluster.cp,
    cluster.admin,
    'relative-paths',
    { certDir: './certs', configPath: './agent.yaml' },
    port,
    { cwd: dir },
  );
  t.is(bootstrap.exitCode, 0, bootstrap.stderr);
  t.true(
    bootstrap.stdout.includes(`wrote agent.key, agent.crt and ca.crt to ${join(dir, 'certs')} and ${join(dir, 'agent.yaml')}`),
    bootstrap.stdout,
  );
  t.true(bootstrap.stdout.includes(`otherix-agent serve --config ${join(dir, 'agent.yaml')}`), bootstrap.stdout);
  const yaml = await readFile(join(dir, 'agent.yaml'), 'utf8');
  t.regex(yaml, new RegExp(`^  cert_dir: ${escapeRegExp(join(dir, 'certs'))} `, 'm'));
  t.regex(yaml, new RegExp(`^  state_dir: ${escapeRegExp(dir)}$`, 'm'));

  // As systemd starts it: from /.
  const serve = serveFor(t, join(dir, 'agent.yaml'), {}, { cwd: '/' });
  await serve.waitForLog((r) => r.msg === 'state B: serving');
  t.deepEqual(await serve.stop(), { code: 0, signal: null });
});

test('a relative cert_dir written in agent.yaml is relative to its folder, not to the directory serve starts in', async (t) => {
  const node = await bootstrapped('relative-by-hand');
  // The operator's edit: cert_dir relative to the file's folder (the node host's root here).
  const yaml = await readFile(node.configPath, 'utf8');
  const relative = relativePath(dirname(node.configPath), node.certDir);
  await replaceFile(node.configPath, yaml.replace(/^ {2}cert_dir: .*$/m, `  cert_dir: ${relative}`));
  t.false(relative.startsWith('/'));

  const serve = serveFor(t, node.configPath, {}, { cwd: '/' });
  await serve.waitForLog((r) => r.msg === 'state B: serving');
  t.deepEqual(await serve.stop(), { code: 0, signal: null });
});

test('State A names the absolute paths it looked at: agent.yaml given relative, and a relative cert_dir that holds nothing', async (t) => {
  const dir = await cluster.scratchDir('otherix-state-a-paths-');
  const absent = startServe(['serve', '--config', 'conf/agent.yaml', '--poll-interval', '100ms'], {}, { cwd: dir });
  t.teardown(() => absent.stop().then(() => undefined));
  const noConfig = await absent.waitForLog((r) => r.msg.startsWith('state A: waiting'));
  t.is(noConfig['reason'], 'config_missing');
  t.true(noConfig.msg.includes(join(dir, 'conf', 'agent.yaml')), noConfig.msg);
  await absent.stop();

  await mkdir(join(dir, 'conf'));
  await writeFile(
    join(dir, 'conf', 'agent.yaml'),
    [
      'node_name: paths',
      'cp_url: https://127.0.0.1:1',
      'advertised_endpoint: https://127.0.0.1:9443',
      'migration:',
      '  host: 127.0.0.1',
      'tls:',
      '  cert_dir: ../certs',
      '',
    ].join('\n'),
  );
  const inside = startServe(['serve', '--config', join(dir, 'conf', 'agent.yaml'), '--poll-interval', '100ms'], {}, { cwd: '/' });
  t.teardown(() => inside.stop().then(() => undefined));
  const missing = await inside.waitForLog((r) => r.msg.startsWith('state A: waiting'));
  t.is(missing['reason'], 'cert_file_missing');
  t.true(missing.msg.includes(join(dir, 'certs')), missing.msg);
  for (const file of ['agent.key', 'agent.crt', 'ca.crt']) t.true(missing.msg.includes(file), missing.msg);
  await inside.stop();
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whole-file replacement (write aside, rename), so a poll never reads a half-written file. */
async function replaceFile(path: string, data: string): Promise<void> {
  await writeFile(`${path}.new`, data, { mode: 0o600 });
  await rename(`${path}.new`, path);
}
