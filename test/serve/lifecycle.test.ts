// Seed §3 "Start the agent" and §4 "Verify": serve started before bootstrap waits in State A,
// picks up bootstrap's files without a restart, and the node turns `ready` with its inventory;
// SIGTERM ends it with exit code 0.
import test from 'ava';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, hostname, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createClient, type Node } from '@otherix/sdk';
import { startControlPlane } from '../harness/control-plane.js';
import { bootstrapWithAgent } from '../harness/served-node.js';
import { startServe } from '../harness/agent.js';
import { eventually, freePort } from '../harness/loopback.js';

test('serve before bootstrap waits in State A, then becomes ready without a restart and keeps beating', async (t) => {
  const cp = await startControlPlane();
  const dir = await mkdtemp(join(tmpdir(), 'otherix-serve-'));
  const admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  t.teardown(async () => {
    await admin.close();
    await cp.close();
    await rm(dir, { recursive: true, force: true });
  });
  const configPath = join(dir, 'agent.yaml');
  const certDir = join(dir, 'certs');
  const port = await freePort();

  const serve = startServe(['serve', '--config', configPath, '--poll-interval', '100ms'], { OTHERIX_LOGGER__LEVEL: 'debug' });
  t.teardown(() => serve.stop().then(() => undefined));

  // State A: it says why it waits, once, however many polls go by.
  const waiting = await serve.waitForLog((r) => r.msg.startsWith('state A: waiting'));
  t.is(waiting['reason'], 'config_missing');
  t.is(waiting.level, 'info', 'waiting for bootstrap is the normal state, not a warning');
  t.is(waiting['next_step'], 'run `otherix-agent bootstrap` on this host; serve picks the files up without a restart');
  await serve.waitForLog((r) => r.msg === 'state A: poll' && r['in_a_row'] === 5);
  t.is(serve.records.filter((r) => r.msg.startsWith('state A: waiting')).length, 1);
  t.is(await connectOutcome(port), 'ECONNREFUSED', 'nothing listens in State A');

  const name = 'serve-lifecycle';
  const bootstrap = await bootstrapWithAgent(cp, admin, name, { certDir, configPath }, port);
  t.is(bootstrap.exitCode, 0, bootstrap.stderr);

  // No restart: the running serve picks the files up on its next poll.
  await serve.waitForLog((r) => r.msg === 'state B: serving');
  t.is(serve.child.exitCode, null);
  const ready = (await eventually(
    () => admin.nodes.get(name),
    (node) => node.status === 'ready',
  )) as Node;
  t.is(ready.status, 'ready');

  // The full projection carries the host's real inventory from the heartbeat.
  t.truthy(ready.hardware);
  t.is(ready.hardware?.cpu_count, cpus().length);
  t.true((ready.hardware?.cpu_count ?? 0) > 0);
  t.is(ready.hardware?.memory_bytes, totalmem());
  t.is(ready.hardware?.hostname, hostname());
  t.is(ready.hardware?.kernel, release());
  t.is(typeof ready.hardware?.kvm_present, 'boolean');
  t.is(ready.vm_count, 0);
  t.is(ready.active_migrations, 0);
  t.is(ready.agent_version, '0.1.0');

  // last_heartbeat_at advances with the next beats.
  const first = Date.parse(ready.last_heartbeat_at ?? '');
  t.false(Number.isNaN(first));
  const later = (await eventually(
    () => admin.nodes.get(name),
    (node) => Date.parse(node.last_heartbeat_at ?? '') > first,
  )) as Node;
  t.true(Date.parse(later.last_heartbeat_at ?? '') > first);

  const exit = await serve.stop();
  t.deepEqual(exit, { code: 0, signal: null });
  t.truthy(serve.records.find((r) => r.msg === 'SIGTERM: shutting down'));
  t.false(
    serve.stderr().includes(bootstrap.token) || bootstrap.stderr.includes(bootstrap.token) || bootstrap.stdout.includes(bootstrap.token),
  );
  t.false(serve.stderr().includes('PRIVATE KEY'));
});

test('SIGTERM while waiting in State A exits 0', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-serve-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const serve = startServe(['--config', join(dir, 'agent.yaml'), '--poll-interval', '100ms']);
  t.teardown(() => serve.stop().then(() => undefined));
  // No subcommand is serve.
  await serve.waitForLog((r) => r.msg.startsWith('state A: waiting'));
  t.deepEqual(await serve.stop(), { code: 0, signal: null });
});

function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}
