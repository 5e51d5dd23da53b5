// The seed's "Idempotency": re-run is "already bootstrapped" (exit 0), a partial cert state is
// refused with a way out, --force re-issues and never touches an existing agent.yaml.
import test from 'ava';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node } from '@otherix/sdk';
import { clusterForNodes } from '../harness/cluster.js';
import { bootstrapWithToken } from '../harness/agent.js';
import type { AgentRun, NodeHost } from '../harness/agent.js';

const cluster = clusterForNodes(test);

async function bootstrap(h: NodeHost, nodeName: string, token: string, extra: string[] = []): Promise<AgentRun> {
  return bootstrapWithToken(
    { cpUrl: cluster.cp.url, caFingerprint: cluster.cp.caFingerprint, nodeName, certDir: h.certDir, configPath: h.configPath, extra },
    token,
  );
}

async function joinedHost(nodeName: string): Promise<NodeHost> {
  const h = await cluster.host();
  const minted = await cluster.admin.joinTokens.create({ node_name: nodeName, ttl_seconds: 600 });
  const run = await bootstrap(h, nodeName, minted.token);
  if (run.exitCode !== 0) throw new Error(`bootstrap failed: ${run.stderr}`);
  return h;
}

async function serialOnDisk(h: NodeHost): Promise<string> {
  return new X509Certificate(await readFile(join(h.certDir, 'agent.crt'), 'utf8')).serialNumber.toLowerCase();
}

test('a re-run on a bootstrapped host says "already bootstrapped", exits 0 and consumes nothing', async (t) => {
  const h = await joinedHost('idem-rerun');
  const before = await serialOnDisk(h);
  const second = await cluster.admin.joinTokens.create({ node_name: 'idem-rerun', ttl_seconds: 600 });
  const run = await bootstrap(h, 'idem-rerun', second.token);
  t.is(run.exitCode, 0, run.stderr);
  t.regex(run.stdout, /^already bootstrapped: /);
  t.true(run.stdout.includes(h.certDir));
  t.is(await serialOnDisk(h), before);
  t.is(await cluster.consumedCount(second.id), 0, 'the token is not redeemed');
});

test('a re-run with another --node-name is refused (exit 1, no network): the host is already that other node', async (t) => {
  const h = await joinedHost('idem-named');
  const before = await serialOnDisk(h);
  const minted = await cluster.admin.joinTokens.create({ node_name: 'idem-renamed', ttl_seconds: 600 });
  const run = await bootstrap(h, 'idem-renamed', minted.token);
  t.is(run.exitCode, 1, run.stdout);
  t.is(run.stdout, '');
  t.is(
    run.stderr.trim(),
    `error: identity_mismatch: this host is already bootstrapped as idem-named under CA ${cluster.cp.caFingerprint} (${h.certDir}), not as idem-renamed under the pinned CA ${cluster.cp.caFingerprint}: to join it as idem-renamed, re-run with --force and a token bound to idem-renamed (\`otherix node join-token create --node-name idem-renamed\`)`,
  );
  t.is(await serialOnDisk(h), before);
  t.is(await cluster.consumedCount(minted.id), 0);
});

test("a re-run pinning another cluster's CA is refused before any network: the files belong to another cluster", async (t) => {
  const h = await joinedHost('idem-cluster');
  const otherPin = `sha256:${'ab'.repeat(32)}`;
  // An unreachable CP URL proves no connection is tried.
  const run = await bootstrapWithToken(
    { cpUrl: 'https://127.0.0.1:1', caFingerprint: otherPin, nodeName: 'idem-cluster', certDir: h.certDir, configPath: h.configPath },
    `otx_join_${'A'.repeat(43)}`,
  );
  t.is(run.exitCode, 1);
  t.regex(
    run.stderr,
    new RegExp(
      `^error: fingerprint_mismatch: this host is already bootstrapped as idem-cluster under CA ${cluster.cp.caFingerprint} \\(.*\\), not as idem-cluster under the pinned CA ${otherPin}: .*re-run with --force and a token bound to idem-cluster`,
    ),
  );
});

test('a partial cert state is refused, naming what is present and missing and how to recover', async (t) => {
  const h = await joinedHost('idem-partial');
  await rm(join(h.certDir, 'agent.crt'));
  const minted = await cluster.admin.joinTokens.create({ node_name: 'idem-partial', ttl_seconds: 600 });
  const run = await bootstrap(h, 'idem-partial', minted.token);
  t.is(run.exitCode, 1);
  t.is(
    run.stderr.trim(),
    `error: bootstrap_partial_state: partial cert state in ${h.certDir}: present agent.key, ca.crt; missing agent.crt: delete the orphans (agent.key, ca.crt) and re-run with a fresh token, or re-run with --force`,
  );
  t.is(await cluster.consumedCount(minted.id), 0);

  // The way out the message gives: --force re-issues over the partial state.
  const forced = await bootstrap(h, 'idem-partial', minted.token, ['--force']);
  t.is(forced.exitCode, 0, forced.stderr);
  t.regex(forced.stdout, /^joined as idem-partial /);
  const key = createPrivateKey(await readFile(join(h.certDir, 'agent.key'), 'utf8'));
  t.true(new X509Certificate(await readFile(join(h.certDir, 'agent.crt'), 'utf8')).checkPrivateKey(key));
});

test('--force re-issues (new serial, new key) and leaves an operator-edited agent.yaml byte for byte', async (t) => {
  const h = await joinedHost('idem-force');
  const oldSerial = await serialOnDisk(h);
  const oldKey = await readFile(join(h.certDir, 'agent.key'), 'utf8');
  const edited = (await readFile(h.configPath, 'utf8')).replace('  level: info', '  level: debug') + '# tuned by the operator\n';
  await writeFile(h.configPath, edited);
  const modeBefore = (await stat(h.configPath)).mode;

  const minted = await cluster.admin.joinTokens.create({ node_name: 'idem-force', ttl_seconds: 600 });
  const run = await bootstrap(h, 'idem-force', minted.token, ['--force']);
  t.is(run.exitCode, 0, run.stderr);
  t.true(run.stdout.includes(`kept the existing ${h.configPath}`));

  const newSerial = await serialOnDisk(h);
  t.not(newSerial, oldSerial);
  t.not(await readFile(join(h.certDir, 'agent.key'), 'utf8'), oldKey);
  t.is(await readFile(h.configPath, 'utf8'), edited, 'agent.yaml is byte-for-byte the operator edit');
  t.is((await stat(h.configPath)).mode, modeBefore);
  t.is((await stat(join(h.certDir, 'agent.key'))).mode & 0o777, 0o600);
  const node = (await cluster.admin.nodes.get('idem-force')) as Node;
  t.is(node.certificate.serial.replace(/^0+/, ''), newSerial.replace(/^0+/, ''));
});

test('--force with a fleet token for an existing name is refused (409) and keeps the old files', async (t) => {
  const h = await joinedHost('idem-fleet');
  const before = await serialOnDisk(h);
  const fleet = await cluster.admin.joinTokens.create({ ttl_seconds: 600, max_uses: 5 });
  const run = await bootstrap(h, 'idem-fleet', fleet.token, ['--force']);
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: conflict: join refused: /);
  t.is(await serialOnDisk(h), before);
  t.is(await cluster.consumedCount(fleet.id), 0, 'a refused redemption changes nothing');
});
